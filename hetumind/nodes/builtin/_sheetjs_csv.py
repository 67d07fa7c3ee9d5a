"""A CSV file read as SheetJS reads it (Spreadsheet File 1's fromFile): typed cells and
`sheet_to_json`'s options.

Cells that look like numbers become numbers and TRUE/FALSE booleans (unless `rawData`);
a header row names the columns by their text (blank: `__EMPTY`, repeats: `_1`, `_2`);
`range` is an A1 range (`A2:B3`) or the number of rows to skip; `includeEmptyCells`
fills blanks with "" (`defval`); without a header row each row is `{"row": [...]}` with
null for blanks.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["sheetjs_csv_rows"]

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_A1 = re.compile(r"([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?")


def _cell(text: str, raw: bool) -> Any:
    if text == "":
        return None
    if raw:
        return text
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    stripped = text.strip()
    if _NUMBER.fullmatch(stripped):
        number = float(stripped)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return text


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _window(value: Any, rows: int, cols: int) -> tuple[int, int, int, int]:
    """(first row, last row, first column, last column), zero-based and inclusive."""
    if value in (None, ""):
        return 0, rows - 1, 0, cols - 1
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return max(0, int(text)), rows - 1, 0, cols - 1
    m = _A1.fullmatch(text)
    if m is None:
        raise ValueError(f"option 'range' {text!r} is neither a row number nor an A1 range")
    c0, r0 = _column(m.group(1)), int(m.group(2)) - 1
    if m.group(3):
        return r0, int(m.group(4)) - 1, c0, _column(m.group(3))
    return r0, rows - 1, c0, cols - 1


def _keys(cells: list[str]) -> list[str]:
    keys: list[str] = []
    seen: dict[str, int] = {}
    for cell in cells:
        base = cell if cell != "" else "__EMPTY"
        key = base
        while key in seen:
            seen[base] += 1
            key = f"{base}_{seen[base]}"
        seen.setdefault(key, 0)
        keys.append(key)
    return keys


def sheetjs_csv_rows(text: str, options: Mapping[str, Any]) -> list[dict[str, Any]]:
    records = [r for r in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))]
    width = max((len(r) for r in records), default=0)
    r0, r1, c0, c1 = _window(options.get("range"), len(records), width)
    window = [
        [*(r[c0 : c1 + 1]), *[""] * max(0, c1 + 1 - max(c0, len(r)))] for r in records[r0 : r1 + 1]
    ]
    raw = bool(options.get("rawData"))
    fill = "" if options.get("includeEmptyCells") else None
    if options.get("headerRow") is False:
        return [
            {"row": [fill if v == "" else _cell(v, raw) for v in row]}
            for row in window
            if any(v != "" for v in row)
        ]
    if not window:
        return []
    keys = _keys(window[0])
    out: list[dict[str, Any]] = []
    for row in window[1:]:
        if all(v == "" for v in row):
            continue  # SheetJS skips blank rows
        item: dict[str, Any] = {}
        for key, value in zip(keys, row, strict=False):
            if value != "":
                item[key] = _cell(value, raw)
            elif fill is not None:
                item[key] = fill
        out.append(item)
    return out
