"""HTML (v1-1.2): extract content with CSS selectors, fill a template, render a table.

Extraction parses with BeautifulSoup on lxml (which, like cheerio, wraps a fragment in
html/body) and selects with soupsieve, so selectors mean what they mean in n8n.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bs4 import Tag
from bs4.formatter import HTMLFormatter

from hetumind.binary import read_binary
from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import MISSING, get_path, js_string
from hetumind.nodes.builtin._html_text import html_to_text, parse_html
from hetumind.nodes.item_wise import flat_map_items


class HtmlParams(NodeParams):
    operation: str = "generateHtmlTemplate"
    sourceData: str = "json"
    dataPropertyName: str = "data"
    extractionValues: dict[str, Any] = {}
    options: dict[str, Any] = {}


# -- extractHtmlContent ---------------------------------------------------------------------


class _SourceOrder(HTMLFormatter):
    """bs4's html5 output but with attributes in source order (bs4 sorts them by name),
    as cheerio serializes them."""

    def attributes(self, tag: Tag) -> Iterable[tuple[str, str | None]]:
        return [(k, _attribute_text(v)) for k, v in tag.attrs.items()] if tag.attrs else []


# as bs4's "html5" formatter: `<br>` not `<br/>`, boolean attributes without a value
_SOURCE_ORDER = _SourceOrder(void_element_close_prefix="", empty_attributes_are_booleans=True)


def _attribute_text(value: Any) -> str:
    # bs4 splits multi-valued attributes (class) into lists; the markup had one string
    return " ".join(value) if isinstance(value, list) else str(value)


def _value_of(element: Tag) -> Any:
    """jQuery/cheerio `.val()` for the first selected element."""
    if element.name == "select":
        chosen = [o for o in element.find_all("option") if o.has_attr("selected")]
        if element.has_attr("multiple"):
            return [str(o.get("value", o.get_text())) for o in chosen]
        options = chosen or element.find_all("option")[:1]
        return str(options[0].get("value", options[0].get_text())) if options else MISSING
    if element.name == "textarea":
        return element.get_text()
    value = element.get("value")
    return MISSING if value is None else str(value)


def _extract(elements: list[Tag], spec: Mapping[str, Any], version: float) -> Any:
    kind = spec.get("returnValue", "text")
    if kind == "attribute":
        if not elements:
            return MISSING
        name = str(spec.get("attribute", "") or "")
        if not name:
            # cheerio's `.attr()` without a name: every attribute of the element
            return {k: _attribute_text(v) for k, v in elements[0].attrs.items()}
        value = elements[0].get(name)
        return MISSING if value is None else _attribute_text(value)
    if kind == "html":
        return (elements[0].decode_contents(formatter=_SOURCE_ORDER) if elements else "") or MISSING
    if kind == "value":
        return _value_of(elements[0]) if elements else MISSING
    if kind != "text":
        raise HetumindError(f"Unknown return value '{kind}'")
    if version <= 1.1:
        return "".join(e.get_text() for e in elements) or MISSING
    inner = elements[0].decode_contents(formatter=_SOURCE_ORDER) if elements else ""
    skip = [s.strip() for s in str(spec.get("skipSelectors") or "").split(",") if s.strip()]
    return html_to_text(inner, skip)


def _clean(value: Any, options: Mapping[str, Any]) -> Any:
    if not isinstance(value, str):
        return value
    if options.get("trimValues"):
        value = value.strip()
    if options.get("cleanUpText"):
        value = re.sub(r"\s+", " ", re.sub(r"(\r\n|\n|\r)", "", value.strip()))
    return value


def extract_from(
    html: str, specs: Sequence[Mapping[str, Any]], options: Mapping[str, Any], version: float
) -> dict[str, Any]:
    """One output item: every extraction value of one HTML document."""
    soup = parse_html(html, keep_whitespace=True)
    out: dict[str, Any] = {}
    for spec in specs:
        selector = str(spec.get("cssSelector", ""))
        try:
            elements = soup.select(selector) if selector.strip() else []
        except Exception as exc:  # soupsieve raises its own SelectorSyntaxError (a ValueError)
            raise HetumindError(f"Invalid CSS selector '{selector}': {exc}") from None
        key = str(spec.get("key", ""))
        if spec.get("returnArray"):
            values = [_clean(_extract([e], spec, version), options) for e in elements]
            out[key] = [None if v is MISSING else v for v in values]
        else:
            value = _clean(_extract(elements, spec, version), options)
            if value is not MISSING:
                out[key] = value
    return out


def _sources(ctx: NodeContext, batch: ItemBatch, row: dict[str, Any], i: int) -> list[Any]:
    prop = str(ctx.param("dataPropertyName", i, "data"))
    if ctx.param("sourceData", i, "json") == "binary":
        entry = ((batch.binary or [None] * len(batch))[i] or {}).get(prop)
        if not entry:
            raise HetumindError(
                "This operation expects the node's input data to contain a binary file "
                f"'{prop}', but none was found"
            )
        return [read_binary(entry, where=f"binary property '{prop}'").decode("utf-8", "replace")]
    if ctx.type_version == 1:
        key = prop
        if key not in row and len(key) > 4 and key[:2] in ("['", '["') and key[-2:] in ("']", '"]'):
            key = key[2:-2]
        value = row.get(key, MISSING)
    else:
        value = get_path(row, prop)
    if value is MISSING:
        raise HetumindError(f'No property named "{prop}" exists!')
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not isinstance(v, str):
            raise HetumindError(f"Property '{prop}' must hold HTML text, got {type(v).__name__}")
    return values


# -- generateHtmlTemplate and convertToHtmlTable --------------------------------------------


def render_template(ctx: NodeContext, i: int) -> str:
    raw = ctx.raw_parameters.get("html", "")
    if isinstance(raw, str) and raw.startswith("="):
        return js_string(ctx.param("html", i, ""))
    html = str(raw)
    for resolvable in re.findall(r"{{[\s\S]*?}}", html):
        # String(...) in the expression itself, so `undefined` reads "undefined" as in n8n
        value = ctx.evaluate(f"={{{{ String({resolvable[2:-2]}) }}}}", i, "html")
        html = html.replace(resolvable, js_string(value), 1)
    return html


def _capitalize(header: str, capitalize: bool) -> str:
    if not capitalize:
        return header
    return " ".join(w[0].upper() + w[1:] for w in header.split("_") if w)


def html_table(ctx: NodeContext, rows: list[dict[str, Any]]) -> str:
    options = ctx.param("options", 0, {}) or {}
    table_style = header_style = cell_style = ""
    if not options.get("customStyling"):
        table_style = "style='border-spacing:0; font-family:helvetica,arial,sans-serif'"
        header_style = (
            "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee; "
            "text-align:left; color:#888; font-weight:normal'"
        )
        cell_style = "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee'"
    headers = list(dict.fromkeys(k for row in rows for k in row))
    parts = [f"<table {table_style} {options.get('tableAttributes') or ''}>"]
    if options.get("caption"):
        parts.append(f"<caption>{options['caption']}</caption>")
    parts.append(f"<thead {header_style} {options.get('headerAttributes') or ''}>")
    capitalize = bool(options.get("capitalize"))
    parts.append("<tr>" + "".join(f"<th>{_capitalize(h, capitalize)}</th>" for h in headers))
    parts.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        parts.append(f"<tr  {ctx.param('options.rowAttributes', i, '') or ''}>")
        cells = ctx.param("options.cellAttributes", i, "") or ""
        for h in headers:
            value = row.get(h, MISSING)
            if isinstance(value, bool):
                checked = 'checked="checked"' if value else ""
                inner = f'<input type="checkbox" {checked}/>'
            else:
                inner = js_string(value)
            parts.append(f"<td {cell_style} {cells}>{inner}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


@node("html", versions=[1, 1.1, 1.2], display_name="HTML", params=HtmlParams, pure=True)
class Html(Node):
    """Works with HTML: extract content, generate a template, convert items to a table."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        operation = ctx.param("operation", 0, "generateHtmlTemplate")
        rows = batch.to_json()
        if operation == "convertToHtmlTable":
            if not rows:
                return [ItemBatch.empty()]
            return [ItemBatch.from_json([{"table": html_table(ctx, rows)}], paired=[0])]

        def step(i: int) -> list[dict[str, Any]]:
            if operation == "generateHtmlTemplate":
                return [{"html": render_template(ctx, i)}]
            if operation == "extractHtmlContent":
                specs = (ctx.param("extractionValues", i, {}) or {}).get("values") or []
                options = ctx.param("options", i, {}) or {}
                return [
                    extract_from(html, specs, options, ctx.type_version)
                    for html in _sources(ctx, batch, rows[i], i)
                ]
            raise HetumindError(f"The operation '{operation}' is not supported")

        return [flat_map_items(ctx, len(rows), step, failures=(HetumindError,))]
