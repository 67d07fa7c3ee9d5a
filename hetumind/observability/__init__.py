"""What Hetumind tells the people who run it: metrics (Ray's metrics system, scraped by
Prometheus), traces (OpenTelemetry, off unless configured) and logs.

Each concern is its own module, imported where it is used; this package imports none of
them, so that a process pays only for what it turns on.
"""

from __future__ import annotations

__all__: list[str] = []
