"""Pagination styles of SaaS APIs, and n8n's returnAll / limit over them.

Each style says where the next page's position comes from in an answer and where it goes
in the next request: a cursor (Slack's response_metadata.next_cursor, Airtable's offset,
Notion's next_cursor), an offset/limit pair, a next-page URL, or a page number. `collect`
walks the pages of one call and stops at the end, at `limit` items, or when a service
repeats a position (a loop that would never end).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hetumind.errors import HetumindError

__all__ = ["Cursor", "NextUrl", "OffsetLimit", "PageNumber", "Pagination", "collect", "dig"]

MAX_PAGES = 10_000
"""A bound for services that never say "last page"."""


def dig(value: Any, path: str | None) -> Any:
    """`value` at dotted `path` (None: the value itself; missing: None)."""
    if not path:
        return value
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Page:
    """What the next request changes: query parameters, body fields, or the whole URL."""

    qs: Mapping[str, Any]
    body: Mapping[str, Any]
    url: str | None = None


@dataclass(frozen=True)
class Cursor:
    """The answer's `next_path` holds an opaque cursor; it goes to `param` (in the body
    with `in_body`). Empty or missing: last page."""

    next_path: str
    param: str
    in_body: bool = False
    page_size_param: str | None = None
    page_size: int = 100
    page_param: str | None = None
    """Also count pages from 1 in this query parameter (n8n's Slack sends `page`)."""

    def first(self) -> Page:
        sized = _sized(self.page_size_param, self.page_size, self.in_body)
        if self.page_param:
            return Page({**sized.qs, self.page_param: 1}, sized.body)
        return sized

    def next(self, answer: Any, pages: int, got: int) -> Page | None:
        cursor = dig(answer, self.next_path)
        if cursor in (None, "", False):
            return None
        first = self.first()
        qs = {**first.qs, self.page_param: pages + 1} if self.page_param else dict(first.qs)
        if self.in_body:
            return Page(qs, {**first.body, self.param: cursor})
        return Page({**qs, self.param: cursor}, first.body)


@dataclass(frozen=True)
class OffsetLimit:
    """`offset_param` counts items already read; a page shorter than `page_size` is last."""

    offset_param: str = "offset"
    limit_param: str = "limit"
    page_size: int = 100
    start: int = 0

    def first(self) -> Page:
        return Page({self.offset_param: self.start, self.limit_param: self.page_size}, {})

    def next(self, answer: Any, pages: int, got: int) -> Page | None:
        if got < self.page_size:
            return None
        return Page(
            {
                self.offset_param: self.start + pages * self.page_size,
                self.limit_param: self.page_size,
            },
            {},
        )


@dataclass(frozen=True)
class NextUrl:
    """The answer's `next_path` is the next page's full URL (its query included)."""

    next_path: str

    def first(self) -> Page:
        return Page({}, {})

    def next(self, answer: Any, pages: int, got: int) -> Page | None:
        url = dig(answer, self.next_path)
        return Page({}, {}, url=str(url)) if url else None


@dataclass(frozen=True)
class PageNumber:
    """`param` is the page number from `start`; the last page is the one where
    `pages_path` (the page count) is reached, or the first empty page."""

    param: str = "page"
    start: int = 1
    pages_path: str | None = None
    page_size_param: str | None = None
    page_size: int = 100

    def first(self) -> Page:
        sized = _sized(self.page_size_param, self.page_size, False)
        return Page({**sized.qs, self.param: self.start}, {})

    def next(self, answer: Any, pages: int, got: int) -> Page | None:
        if got == 0:
            return None
        total = dig(answer, self.pages_path) if self.pages_path else None
        current = self.start + pages - 1
        if isinstance(total, int) and current >= total:
            return None
        sized = _sized(self.page_size_param, self.page_size, False)
        return Page({**sized.qs, self.param: current + 1}, {})


def _sized(param: str | None, size: int, in_body: bool) -> Page:
    if not param:
        return Page({}, {})
    return Page({}, {param: size}) if in_body else Page({param: size}, {})


Pagination = Cursor | OffsetLimit | NextUrl | PageNumber

FetchPage = Callable[[Page], Any]
"""Sends the call with the page's changes; returns the parsed answer."""


class PaginationLoop(HetumindError):
    """A service gave the same next position twice."""


def collect(
    fetch: FetchPage,
    style: Pagination,
    items_path: str | None,
    *,
    limit: int | None = None,
) -> list[Any]:
    """Every item of every page (or the first `limit`)."""
    out: list[Any] = []
    page: Page | None = style.first()
    seen: set[str] = set()
    pages = 0
    while page is not None and pages < MAX_PAGES:
        answer = fetch(page)
        pages += 1
        found = dig(answer, items_path)
        got = found if isinstance(found, list) else ([] if found is None else [found])
        out.extend(got)
        if limit is not None and len(out) >= limit:
            return out[:limit]
        page = style.next(answer, pages, len(got))
        if page is not None:
            marker = repr((sorted(page.qs.items()), sorted(page.body.items()), page.url))
            if marker in seen:
                raise PaginationLoop(f"the service sent the same next page twice ({marker})")
            seen.add(marker)
    return out
