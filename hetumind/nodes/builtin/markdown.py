"""Markdown (v1): Markdown to HTML (markdown-it-py) and HTML to Markdown (markdownify).

n8n uses showdown and node-html-markdown; the output here is CommonMark's, adjusted where
showdown's defaults are visible in every document (heading ids, no trailing newline).
Whitespace may still differ: docs/nodes/utilities.md lists what is known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdownify import MarkdownConverter

from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import set_path
from hetumind.nodes.builtin._html_text import parse_html
from hetumind.nodes.item_wise import map_items


class MarkdownParams(NodeParams):
    mode: str = "htmlToMarkdown"
    destinationKey: str = "data"
    options: dict[str, Any] = {}


# -- Markdown to HTML ------------------------------------------------------------------------


def _header_id(text: str, options: Mapping[str, Any], seen: dict[str, int]) -> str:
    """showdown's default heading id: word characters only, lower-cased, de-duplicated."""
    if options.get("ghCompatibleHeaderId"):
        title = re.sub(r"[&+$,/:;=?@\"#{}|^~\[\]`\\*)(%.!'<>]", "", text.replace(" ", "-"))
        title = title.lower()
    else:
        title = re.sub(r"[^A-Za-z0-9_]", "", text).lower()
    prefix = options.get("prefixHeaderId")
    if isinstance(prefix, str) and prefix:
        title = prefix + title
    if title in seen:
        seen[title] += 1
        return f"{title}-{seen[title] - 1}"
    seen[title] = 1
    return title


def _ellipsis(tokens: list[Any]) -> None:
    """showdown's `ellipsis`: "..." in running text becomes "…"; code spans and blocks
    keep their dots."""
    for token in tokens:
        for child in token.children or []:
            if child.type == "text":
                child.content = child.content.replace("...", "\u2026")


def markdown_to_html(text: str, options: Mapping[str, Any]) -> str:
    md = MarkdownIt("commonmark", {"breaks": bool(options.get("simpleLineBreaks"))})
    if options.get("tables"):
        md.enable("table")
    if options.get("strikethrough"):
        md.enable("strikethrough")
    tokens = md.parse(text)
    # n8n's node has no such option (it drops unknown options), so showdown's default
    # applies to every document
    _ellipsis(tokens)
    seen: dict[str, int] = {}
    level_start = int(options.get("headerLevelStart") or 1)
    for i, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1:]) + level_start - 1)
            token.tag = f"h{level}"
            if token.type == "heading_open" and not options.get("noHeaderId"):
                token.attrSet("id", _header_id(tokens[i + 1].content, options, seen))
        for child in token.children or []:
            if child.type in ("s_open", "s_close"):
                child.tag = "del"  # showdown's strikethrough element
            if child.type == "link_open" and options.get("openLinksInNewWindow"):
                child.attrSet("rel", "noopener noreferrer")
                child.attrSet("target", "_blank")
    html = md.renderer.render(tokens, md.options, {}).rstrip("\n")
    # showdown names a fenced block's language twice; user text here is already escaped
    html = re.sub(r'<code class="language-([^"\s]+)">', r'<code class="\1 language-\1">', html)
    if options.get("completeHTMLDocument"):
        html = (
            '<!DOCTYPE HTML>\n<html>\n<head>\n<meta charset="utf-8">\n</head>\n'
            f"<body>\n{html}\n</body>\n</html>"
        )
    return html


# -- HTML to Markdown ------------------------------------------------------------------------


class _Converter(MarkdownConverter):
    """markdownify with node-html-markdown's separate strong and em delimiters."""

    def __init__(self, strong: str, em: str, **options: Any) -> None:
        super().__init__(**options)
        self.strong = strong
        self.em = em

    def convert_em(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self._wrap(text, self.em)

    convert_i = convert_em

    def convert_strong(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self._wrap(text, self.strong)

    convert_b = convert_strong

    @staticmethod
    def _wrap(text: str, mark: str) -> str:
        stripped = text.strip()
        if not stripped:
            return text
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        return f"{lead}{mark}{stripped}{mark}{trail}"


def _code_language(pre: Any) -> str:
    """The `language-X` class of a <pre><code>, as node-html-markdown writes after the fence."""
    code = pre.find("code")
    for cls in (code.get("class") or []) if code is not None else []:
        if cls.startswith("language-"):
            return str(cls[len("language-") :])
    return ""


# node-html-markdown leaves these out with everything inside them
_IGNORED = frozenset(
    [
        "area",
        "base",
        "col",
        "command",
        "embed",
        "head",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "script",
        "source",
        "style",
        "track",
        "wbr",
    ]
)
# Elements whose node-html-markdown translator is a function: a user's "ignore" entry
# for them is overridden by that translator, so they are converted anyway.
_TRANSLATED = frozenset(
    ["h1", "h2", "h3", "h4", "h5", "h6", "ol", "ul", "li", "code", "table", "a", "img"]
)


def _split(value: Any) -> list[str]:
    return [s.strip() for s in str(value or "").split(",") if s.strip()]


def html_to_markdown(html: str, options: Mapping[str, Any]) -> str:
    fence = str(options.get("codeFence") or "```")
    converter = _Converter(
        strong=str(options.get("strongDelimiter") or "**"),
        em=str(options.get("emDelimiter") or "_"),
        heading_style="atx",
        bullets=str(options.get("bulletMarker") or "*"),
        code_language_callback=_code_language,
        escape_underscores=True,
        escape_asterisks=True,
    )
    soup = parse_html(html)
    ignored = _IGNORED | ({t.lower() for t in _split(options.get("ignore"))} - _TRANSLATED)
    for element in soup.find_all(list(ignored)):
        element.decompose()  # with its children, as node-html-markdown ignores them
    text = converter.convert_soup(soup)
    if fence != "```":
        text = text.replace("```", fence)
    for pattern, replacement in _replacements(options):
        text = re.sub(pattern, replacement, text)
    limit = int(options.get("maxConsecutiveNewlines") or 3)
    text = re.sub("\n{" + str(limit + 1) + ",}", "\n" * limit, text)
    # whitespace text nodes before the first block collapse into one space, as in
    # node-html-markdown (markdownify keeps one per text node)
    return re.sub(r"^[ \t]{2,}", " ", text.lstrip("\n")).rstrip()


def _replacements(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    values = (options.get("textReplace") or {}).get("values") or []
    return [(str(v.get("pattern", "")), str(v.get("replacement", ""))) for v in values]


@node("markdown", versions=[1], display_name="Markdown", params=MarkdownParams, pure=True)
class Markdown(Node):
    """Converts between Markdown and HTML formats."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        mode = ctx.param("mode", 0, "htmlToMarkdown")

        def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], None]:
            return self._convert(ctx, mode, row, i), None

        failures = (HetumindError, re.error)
        return [map_items(ctx, batch, step, failures=failures, describe=_failure)]

    @staticmethod
    def _convert(ctx: NodeContext, mode: Any, row: dict[str, Any], i: int) -> dict[str, Any]:
        source_key = "html" if mode == "htmlToMarkdown" else "markdown"
        if mode not in ("htmlToMarkdown", "markdownToHtml"):
            raise HetumindError(f"Unknown mode '{mode}'")
        source = ctx.param(source_key, i, "")
        if not isinstance(source, str):
            raise HetumindError(
                f"Parameter '{source_key}' must be text, got {type(source).__name__}"
            )
        options = ctx.param("options", i, {}) or {}
        if mode == "htmlToMarkdown":
            converted = html_to_markdown(source, options)
        else:
            converted = markdown_to_html(source, options)
        out = dict(row)
        set_path(out, str(ctx.param("destinationKey", i, "data")), converted)
        return out


def _failure(exc: BaseException) -> str:
    return exc.message if isinstance(exc, HetumindError) else f"Invalid pattern: {exc}"
