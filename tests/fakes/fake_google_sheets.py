"""A fake of the Google Sheets API v4 on loopback, written from Google's reference
(developers.google.com/sheets/api/reference/rest): spreadsheets.create / get /
batchUpdate (addSheet, deleteSheet, appendDimension, deleteDimension) and
spreadsheets.values get / update / append / clear / batchUpdate with A1 ranges
(`'Sheet 1'!A2:C5`, `Sheet1`, `2:3`, `A:B`; a range without a sheet name is on the
first sheet).

Bearer tokens are those the fake token endpoint issued (401 UNAUTHENTICATED otherwise,
in Google's `{"error": {"code", "message", "status"}}` shape); writes past a sheet's grid
fail with 400 "exceeds grid limits" as Sheets does; 429 is RESOURCE_EXHAUSTED with
Retry-After. Values: USER_ENTERED turns numeric text into numbers; FORMATTED_VALUE
renders every cell as text.
"""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import unquote

from tests.fakes._base import Answer, FakeService, Request
from tests.fakes.fake_google_token import FakeGoogleToken


def google_error(code: int, message: str, status: str) -> Answer:
    return Answer(code, {"error": {"code": code, "message": message, "status": status}})


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


class Grid:
    def __init__(self, sheet_id: int, title: str, rows: int = 1000, cols: int = 26) -> None:
        self.sheet_id, self.title, self.rows, self.cols = sheet_id, title, rows, cols
        self.values: list[list[Any]] = []

    def props(self, index: int) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.rows, "columnCount": self.cols},
        }


class FakeGoogleSheets(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}},
            {"Retry-After": str(wait)},
        )
    )

    def __init__(self, tokens: FakeGoogleToken) -> None:
        super().__init__()
        self.tokens = tokens
        self.books: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(100)

    def add_book(self, book_id: str, title: str, sheets: dict[str, list[list[Any]]]) -> None:
        grids = []
        for i, (name, values) in enumerate(sheets.items()):
            grid = Grid(0 if i == 0 else next(self._ids), name)
            grid.values = [list(r) for r in values]
            grid.rows = max(len(values), 1) if values else 1000
            grids.append(grid)
        self.books[book_id] = {"title": title, "sheets": grids}

    def grid(self, book_id: str, title: str) -> Grid:
        return next(g for g in self.books[book_id]["sheets"] if g.title == title)

    def handle(self, req: Request) -> Answer:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.token_info(token) is None:
            return google_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
            )
        m = re.fullmatch(
            r"/v4/spreadsheets(?:/([^/:]+))?(?::(\w+))?(?:/values(?:/([^:]+)|)(?::(\w+))?)?",
            req.path,
        )
        if not m:
            return google_error(404, "Not found", "NOT_FOUND")
        book_id, book_verb, a1, values_verb = m.groups()
        if book_id is None:
            return self._create(req)
        book = self.books.get(book_id)
        if book is None:
            return google_error(404, "Requested entity was not found.", "NOT_FOUND")
        if "/values" in req.path:
            if req.path.endswith("/values:batchUpdate"):
                return self._values_batch(book, req)
            return self._values(book, unquote(a1 or ""), values_verb, req)
        if book_verb == "batchUpdate":
            return self._batch(book, req)
        return Answer(200, self._book_json(book_id, book))

    def _book_json(self, book_id: str, book: dict[str, Any]) -> dict[str, Any]:
        return {
            "spreadsheetId": book_id,
            "properties": {"title": book["title"]},
            "sheets": [{"properties": g.props(i)} for i, g in enumerate(book["sheets"])],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book_id}/edit",
        }

    def _create(self, req: Request) -> Answer:
        body = req.json or {}
        book_id = f"book{next(self._ids)}"
        titles = [s["properties"]["title"] for s in body.get("sheets") or []] or ["Sheet1"]
        self.add_book(book_id, body.get("properties", {}).get("title", ""), {t: [] for t in titles})
        return Answer(200, self._book_json(book_id, self.books[book_id]))

    # -- A1 ---------------------------------------------------------------------------

    def _range(
        self, book: dict[str, Any], a1: str
    ) -> tuple[Grid, int, int, int | None, int | None] | Answer:
        if "!" in a1:
            title, cells = a1.rsplit("!", 1)
        else:
            title, cells = a1, ""
        if title.startswith("'") and title.endswith("'"):
            title = title[1:-1].replace("''", "'")
        grid = next((g for g in book["sheets"] if g.title == title), None)
        if grid is None and "!" not in a1 and re.fullmatch(r"[A-Za-z]*\d*(:[A-Za-z]*\d*)?", a1):
            # a range without a sheet name is on the first sheet, as Sheets reads it
            grid, cells = (book["sheets"][0] if book["sheets"] else None), a1
        if grid is None:
            return google_error(400, f"Unable to parse range: {a1}", "INVALID_ARGUMENT")
        if not cells:
            return grid, 0, 0, None, None
        parts = cells.split(":")

        def point(text: str) -> tuple[int | None, int | None]:
            found = re.fullmatch(r"([A-Za-z]*)(\d*)", text)
            if not found:
                raise ValueError(text)
            col = _col(found.group(1)) if found.group(1) else None
            row = int(found.group(2)) - 1 if found.group(2) else None
            return row, col

        try:
            r0, c0 = point(parts[0])
            r1, c1 = point(parts[1]) if len(parts) > 1 else (r0, c0)
        except ValueError:
            return google_error(400, f"Unable to parse range: {a1}", "INVALID_ARGUMENT")
        if len(parts) == 1 and r0 is not None and c0 is not None:
            r1, c1 = None, None  # a single start cell for writes
        return grid, r0 or 0, c0 or 0, r1, c1

    def _values(self, book: dict[str, Any], a1: str, verb: str | None, req: Request) -> Answer:
        where = self._range(book, a1)
        if isinstance(where, Answer):
            return where
        grid, r0, c0, r1, c1 = where
        if req.method == "GET":
            render = req.query.get("valueRenderOption", "FORMATTED_VALUE")
            last_row = len(grid.values) - 1 if r1 is None else min(r1, len(grid.values) - 1)
            out = []
            for r in range(r0, last_row + 1):
                row = grid.values[r]
                cells = row[c0 : None if c1 is None else c1 + 1]
                out.append([str(v) if render == "FORMATTED_VALUE" else v for v in cells])
            while out and not any(v != "" for v in out[-1]):
                out.pop()
            body: dict[str, Any] = {"range": a1, "majorDimension": "ROWS"}
            if out:
                body["values"] = [self._trim(r) for r in out]
            return Answer(200, body)
        if verb == "clear":
            for r in range(r0, len(grid.values) if r1 is None else min(r1 + 1, len(grid.values))):
                row = grid.values[r]
                for c in range(c0, len(row) if c1 is None else min(c1 + 1, len(row))):
                    row[c] = ""
            return Answer(200, {"spreadsheetId": "x", "clearedRange": a1})
        mode = req.query.get("valueInputOption")
        if mode not in ("RAW", "USER_ENTERED"):
            return google_error(400, "Invalid valueInputOption", "INVALID_ARGUMENT")
        rows = (req.json or {}).get("values") or []
        if verb == "append":
            r0 = len(grid.values)
            if r0 + len(rows) > grid.rows:
                grid.rows = r0 + len(rows)  # append grows the grid
        return self._write(grid, r0, c0, rows, mode, a1)

    @staticmethod
    def _trim(row: list[Any]) -> list[Any]:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        return row

    def _write(
        self, grid: Grid, r0: int, c0: int, rows: list[list[Any]], mode: str, a1: str
    ) -> Answer:
        if r0 + len(rows) > grid.rows:
            return google_error(
                400,
                f"Range ('{grid.title}'!A{r0 + len(rows)}) exceeds grid limits. "
                f"Max rows: {grid.rows}, max columns: {grid.cols}",
                "INVALID_ARGUMENT",
            )
        for i, row in enumerate(rows):
            while len(grid.values) <= r0 + i:
                grid.values.append([])
            target = grid.values[r0 + i]
            for j, value in enumerate(row):
                while len(target) <= c0 + j:
                    target.append("")
                if (
                    mode == "USER_ENTERED"
                    and isinstance(value, str)
                    and re.fullmatch(r"-?\d+(\.\d+)?", value)
                ):
                    value = float(value) if "." in value else int(value)
                target[c0 + j] = value
        return Answer(200, {"updatedRange": a1, "updatedRows": len(rows)})

    def _values_batch(self, book: dict[str, Any], req: Request) -> Answer:
        body = req.json or {}
        for entry in body.get("data") or []:
            where = self._range(book, entry["range"])
            if isinstance(where, Answer):
                return where
            grid, r0, c0, _, _ = where
            answer = self._write(
                grid,
                r0,
                c0,
                entry.get("values") or [],
                body.get("valueInputOption", "RAW"),
                entry["range"],
            )
            if answer.status != 200:
                return answer
        return Answer(200, {"totalUpdatedRows": len(body.get("data") or [])})

    def _batch(self, book: dict[str, Any], req: Request) -> Answer:
        replies: list[dict[str, Any]] = []
        for request in (req.json or {}).get("requests") or []:
            ((kind, spec),) = request.items()
            if kind == "addSheet":
                props = spec.get("properties") or {}
                title = props.get("title") or f"Sheet{len(book['sheets']) + 1}"
                if any(g.title == title for g in book["sheets"]):
                    return google_error(
                        400,
                        f'Invalid requests[0].addSheet: A sheet with the name "{title}" '
                        "already exists. Please enter another name.",
                        "INVALID_ARGUMENT",
                    )
                grid = Grid(int(props.get("sheetId") or next(self._ids)), title)
                book["sheets"].append(grid)
                replies.append({"addSheet": {"properties": grid.props(len(book["sheets"]) - 1)}})
                continue
            sheet_id = spec.get("sheetId", (spec.get("range") or {}).get("sheetId"))
            grid = next((g for g in book["sheets"] if g.sheet_id == sheet_id), None)
            if grid is None:
                return google_error(400, f"No grid with id: {sheet_id}", "INVALID_ARGUMENT")
            if kind == "deleteSheet":
                book["sheets"].remove(grid)
            elif kind == "appendDimension":
                if spec["dimension"] == "ROWS":
                    grid.rows += int(spec["length"])
                else:
                    grid.cols += int(spec["length"])
            elif kind == "deleteDimension":
                rng = spec["range"]
                start, end = int(rng["startIndex"]), int(rng["endIndex"])
                if rng["dimension"] == "ROWS":
                    del grid.values[start:end]
                    grid.rows -= end - start
                else:
                    for row in grid.values:
                        del row[start:end]
            else:
                return google_error(400, f"Unknown request {kind}", "INVALID_ARGUMENT")
            replies.append({})
        return Answer(200, {"spreadsheetId": "x", "replies": replies})
