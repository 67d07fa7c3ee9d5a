"""HTML to plain text the way html-to-text (the HTML node's v1.2 `text`) lays it out.

The common rules only: whitespace collapses, paragraphs and headings are separated by a
blank line, other blocks by a line break, headings are upper-cased, links read
"text [href]", images "alt [src]", list items start with " * ". Word wrapping at 80
columns is not done.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag
from bs4.element import Comment

_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol"}
)
_LINES = frozenset({"div", "li", "tr", "section", "article", "header", "footer", "form", "hr"})
_SKIPPED = frozenset({"script", "style", "head", "title", "noscript"})


class _Writer:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.line = ""
        self.pending_breaks = 0

    def text(self, s: str, upper: bool) -> None:
        s = re.sub(r"\s+", " ", s)
        if upper:
            s = s.upper()
        if not self.line:
            s = s.lstrip()
            if not s:
                return
            if self.blocks:
                self.blocks.append("\n" * max(self.pending_breaks, 1))
            self.pending_breaks = 0
        elif self.line.endswith(" "):
            s = s.lstrip()
        self.line += s

    def block(self, breaks: int) -> None:
        if self.line:
            self.blocks.append(self.line.rstrip())
            self.line = ""
        self.pending_breaks = max(self.pending_breaks, breaks)

    def walk(self, element: Tag, upper: bool = False) -> None:
        for child in element.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self.text(str(child), upper)
            elif isinstance(child, Tag):
                self.element(child, upper)

    def element(self, tag: Tag, upper: bool) -> None:
        name = tag.name
        if name in _SKIPPED:
            return
        if name == "br":
            self.block(1)
            return
        if name == "img":
            # html-to-text writes an image as "alt [src]" (either part alone when the
            # other is missing), inline with the text around it
            alt, src = tag.get("alt"), tag.get("src")
            alt = alt if isinstance(alt, str) else ""
            src = f"[{src}]" if isinstance(src, str) and src else ""
            shown = f"{alt} {src}" if alt and src else alt or src
            if shown:
                self.text(f" {shown}" if self.line else shown, False)
            return
        # html-to-text formats a list item only inside a list: the inner HTML of a
        # selected <ul> has bare <li>s, which read as inline text ("x y")
        listed = name == "li" and tag.parent is not None and tag.parent.name in ("ul", "ol")
        if name == "li" and not listed:
            breaks = 0
        else:
            breaks = 2 if name in _PARAGRAPHS else 1 if name in _LINES else 0
        if breaks:
            self.block(breaks)
        if listed:
            self.text("*", False)  # starts the line (and its break); text() strips a lead
            self.line = " * "
        self.walk(tag, upper or name in ("h1", "h2", "h3", "h4", "h5", "h6"))
        href = tag.get("href") if name == "a" else None
        if isinstance(href, str) and href:  # even when it repeats the text, as html-to-text
            self.text(f" [{href}]", False)
        if breaks:
            self.block(breaks)

    def result(self) -> str:
        self.block(0)
        return "".join(self.blocks)


def parse_html(html: str, keep_whitespace: bool = False) -> BeautifulSoup:
    """Parse like a browser (lxml wraps fragments in html/body, as cheerio does).

    bs4 shrinks a whitespace-only text node to one "\n" or " " unless it sits inside a
    "preserve whitespace" tag; with `keep_whitespace` every tag counts as one (through
    the <html> that lxml always adds), so text and inner HTML keep their indentation as
    cheerio's do.

    Text such as "page.html" is HTML to us, not a mistaken file name: bs4's warning
    about that would be an error under strict warning settings.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        if keep_whitespace:
            soup = BeautifulSoup(html, "lxml", preserve_whitespace_tags=_PRESERVE_ALL)
            _whitespace_into_body(soup)
            return soup
        return BeautifulSoup(html, "lxml")


def _whitespace_into_body(soup: BeautifulSoup) -> None:
    """HTML5 parsers (parse5, under cheerio) put whitespace that follows </body> or
    </html> at the end of the body; lxml leaves it after the body."""
    body = soup.body
    if body is None:
        return
    for after in (body, soup.html):
        for sibling in list(after.next_siblings) if after is not None else []:
            blank = isinstance(sibling, NavigableString) and not str(sibling).strip()
            if blank and not isinstance(sibling, Comment):
                body.append(sibling.extract())


_PRESERVE_ALL = frozenset({"html", "pre", "textarea"})


def html_to_text(html: str, skip_selectors: Sequence[str] = ()) -> str:
    """Plain text of an HTML fragment; elements matching `skip_selectors` are left out."""
    soup = parse_html(html)
    for selector in skip_selectors:
        for element in soup.select(selector):
            element.decompose()
    writer = _Writer()
    writer.walk(soup)
    return writer.result()
