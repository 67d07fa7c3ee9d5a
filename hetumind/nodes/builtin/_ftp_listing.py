"""Unix `LIST` lines as promise-ftp (node-ftp) parses them, for the FTP node's list."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

__all__ = ["parse_list_line"]

_LINE = re.compile(
    r"^(?P<type>[\-ld])(?P<rights>[\-rwxsStT]{9})(?P<acl>[+@.]?)\s+\d+\s+"
    r"(?P<owner>\S+)\s+(?P<group>\S+)\s+(?P<size>\d+)\s+"
    r"(?P<month>\w{3})\s+(?P<day>\d{1,2})\s+(?P<when>\d{1,2}:\d{2}|\d{4})\s(?P<name>.+)$"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _rights(text: str) -> str:
    return text.replace("-", "")


def parse_list_line(line: str, now: datetime | None = None) -> dict[str, Any] | None:
    """One entry ({type, name, target, sticky, rights, acl, owner, group, size, date}), or
    None for lines that are not entries ("total 8")."""
    match = _LINE.match(line.strip("\r\n"))
    if match is None:
        return None
    rights = match["rights"]
    name, target = match["name"], None
    if match["type"] == "l" and " -> " in name:
        name, target = name.split(" -> ", 1)
    now = now or datetime.now(UTC)
    month, day = _MONTHS.get(match["month"], 1), int(match["day"])
    if ":" in match["when"]:
        hour, minute = (int(p) for p in match["when"].split(":"))
        year = now.year if (month, day) <= (now.month, now.day) else now.year - 1
    else:
        hour = minute = 0
        year = int(match["when"])
    date = datetime(year, month, day, hour, minute, tzinfo=UTC)
    return {
        "type": match["type"],
        "name": name,
        "target": target,
        "sticky": rights[8] in "tT",
        "rights": {
            "user": _rights(rights[0:3]),
            "group": _rights(rights[3:6]),
            # node-ftp: the sticky bit's `t` stands for x, `T` for no x
            "other": _rights(rights[6:9]).replace("t", "x").replace("T", ""),
        },
        "acl": bool(match["acl"]),
        "owner": match["owner"],
        "group": match["group"],
        "size": int(match["size"]),
        "date": date.isoformat().replace("+00:00", ".000Z"),
    }
