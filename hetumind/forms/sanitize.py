"""HTML that form authors may put on a page (descriptions, html fields, completion text):
n8n's allowlist of tags and attributes, http(s) links only; everything else is escaped
or dropped, so a form cannot run script in its visitors' browsers."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

__all__ = ["sanitize_css", "sanitize_html"]

_TAGS = frozenset(
    [
        "b",
        "div",
        "i",
        "iframe",
        "img",
        "video",
        "source",
        "em",
        "strong",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "u",
        "sub",
        "sup",
        "code",
        "pre",
        "span",
        "br",
        "ul",
        "ol",
        "li",
        "p",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "td",
        "tr",
        "th",
    ]
)
_ATTRS = {
    "a": {"href", "target", "rel"},
    "img": {"src", "alt", "width", "height"},
    "video": {"controls", "autoplay", "loop", "muted", "poster", "width", "height"},
    "iframe": {"src", "width", "height", "frameborder", "allow", "allowfullscreen"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan", "scope", "headers"},
    "th": {"colspan", "rowspan", "scope", "headers"},
}
_URL_ATTRS = {"href", "src", "poster"}
_VOID = frozenset({"br", "img", "source"})
_DROP_CONTENT = frozenset({"script", "style", "textarea", "title", "noscript"})


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self.skipping += 1
            return
        if self.skipping or tag not in _TAGS:
            return
        kept = []
        for name, value in attrs:
            if name not in _ATTRS.get(tag, set()):
                continue
            value = value or ""
            if name in _URL_ATTRS and not value.strip().lower().startswith(("http://", "https://")):
                continue
            kept.append(f' {name}="{escape(value, quote=True)}"')
        if tag == "iframe":  # as n8n: embedded pages run sandboxed
            kept.append(' sandbox="" referrerpolicy="strict-origin-when-cross-origin"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=False))


def sanitize_html(text: str) -> str:
    cleaner = _Cleaner()
    cleaner.feed(text or "")
    cleaner.close()
    return "".join(cleaner.out) + "".join(f"</{t}>" for t in reversed(cleaner.open))


def sanitize_css(css: str) -> str:
    """Custom CSS, kept inside its <style> element (no closing tag, no markup)."""
    return (css or "").replace("<", "\\3c ").replace(">", "\\3e ")
