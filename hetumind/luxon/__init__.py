"""Luxon's DateTime rules on Python's aware `datetime`, shared by expressions, the Date & Time
nodes and anything else that must answer as n8n (which runs Luxon) does.

A lower layer: stdlib only (dateutil imported lazily for the JS Date fallback), nothing
from the engine, nodes or expressions, and no work at import time.

- `zones`: zone names, offsets, wall clock -> instant (Luxon's `fixOffset`), isInDST
- `datetime`: plus/minus, startOf/endOf, set, setZone, diff, toISO
- `duration`: units, Duration shiftTo/normalize, Duration.toISO
- `interval`: Interval length/contains/count
- `format`: toFormat tokens and macros (en-US)
- `parse`: ISO, SQL, RFC 2822, HTTP, JS Date fallback, fromFormat, n8n's parseDate
"""

from hetumind.luxon.zones import InvalidZone, LuxonError

__all__ = ["InvalidZone", "LuxonError"]
