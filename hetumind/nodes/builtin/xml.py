"""XML (v1): XML text to JSON and back, shaped exactly as n8n's xml2js does it.

Parsing runs on the stdlib's expat (a maintained, streaming C parser, like the sax parser
under xml2js); DTD entity declarations are refused so no entity expansion bomb can run.
The JSON shape rules are xml2js's: text-only elements become strings, repeated children
arrays, attributes merged into the element object (n8n's defaults) or kept under `$`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.parsers import expat

from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.item_wise import map_items

_DANGEROUS_NAMES = frozenset({"__proto__", "constructor", "prototype"})
_TEXT = "\x00text"
_CDATA = "\x00cdata"


class XmlParams(NodeParams):
    mode: str = "xmlToJson"
    dataPropertyName: str = "data"
    options: dict[str, Any] = {}


def _sanitize(name: str) -> str:
    """n8n's sanitizeXmlName: names that would reach JS prototypes get a prefix."""
    return f"sanitized_{name}" if name in _DANGEROUS_NAMES else name


class _Xml2Js:
    """One xml2js Parser run with n8n's defaults (mergeAttrs, no explicit arrays)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        o = {"mergeAttrs": True, "explicitArray": False, **options}
        self.attrkey = str(o.get("attrkey", "$"))
        self.charkey = str(o.get("charkey", "_"))
        self.explicit_array = bool(o.get("explicitArray"))
        self.explicit_root = bool(o.get("explicitRoot", True))
        self.ignore_attrs = bool(o.get("ignoreAttrs", False))
        self.merge_attrs = bool(o.get("mergeAttrs"))
        self.normalize = bool(o.get("normalize", False))
        self.normalize_tags = bool(o.get("normalizeTags", False))
        self.trim = bool(o.get("trim", False))
        self.stack: list[dict[str, Any]] = []
        self.result: Any = None

    def assign_or_push(self, obj: dict[str, Any], key: str, value: Any) -> None:
        if key not in obj:
            obj[key] = [value] if self.explicit_array else value
        else:
            if not isinstance(obj[key], list):
                obj[key] = [obj[key]]
            obj[key].append(value)

    def tag_name(self, name: str) -> str:
        return _sanitize(name.lower() if self.normalize_tags else name)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        obj: dict[str, Any] = {self.charkey: "", _TEXT: "", "#name": self.tag_name(name)}
        if not self.ignore_attrs:
            for key, value in attrs.items():
                if self.merge_attrs:
                    self.assign_or_push(obj, _sanitize(key), value)
                else:
                    obj.setdefault(self.attrkey, {})[_sanitize(key)] = value
        self.stack.append(obj)

    def text(self, data: str) -> None:
        if self.stack:
            self.stack[-1][_TEXT] += data

    def end(self, _name: str) -> None:
        obj = self.stack.pop()
        name = obj.pop("#name")
        cdata = obj.pop(_CDATA, False)
        text = obj.pop(_TEXT)
        value: Any = obj
        empty_str = ""
        if re.fullmatch(r"\s*", text) and not cdata:
            empty_str = text
            del obj[self.charkey]
        else:
            if self.trim:
                text = text.strip()
            if self.normalize:
                text = re.sub(r"\s{2,}", " ", text).strip()
            obj[self.charkey] = text
            if len(obj) == 1:
                value = text
        if value == {}:
            value = empty_str
        if self.stack:
            self.assign_or_push(self.stack[-1], name, value)
        else:
            self.result = {name: value} if self.explicit_root else value

    def cdata(self) -> None:
        if self.stack:
            self.stack[-1][_CDATA] = True

    def parse(self, text: str) -> Any:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.StartCdataSectionHandler = self.cdata
        parser.EntityDeclHandler = _refuse_entities
        try:
            parser.Parse(text, True)
        except expat.ExpatError as exc:
            raise HetumindError(f"Invalid XML: {exc}") from None
        return self.result


def _refuse_entities(*_args: Any) -> None:
    raise HetumindError("Invalid XML: entity declarations are not allowed")


# -- JSON to XML (xml2js Builder over xmlbuilder, pretty-printed) ---------------------------


def _escape_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")


def _escape_attr(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return s.replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;")


def _scalar(v: Any) -> str:
    return "" if v is None else js_string(v)


class _Element:
    def __init__(self, name: str) -> None:
        self.name = name
        self.attrs: list[tuple[str, str]] = []
        self.children: list[_Element | str] = []  # str: already-escaped text

    def render(self, depth: int, out: list[str]) -> None:
        pad = "  " * depth
        attrs = "".join(f' {k}="{_escape_attr(v)}"' for k, v in self.attrs)
        if all(child == "" for child in self.children):  # xmlbuilder: empty text is no content
            out.append(f"{pad}<{self.name}{attrs}/>")
        elif len(self.children) == 1 and isinstance(self.children[0], str):
            out.append(f"{pad}<{self.name}{attrs}>{self.children[0]}</{self.name}>")
        else:
            out.append(f"{pad}<{self.name}{attrs}>")
            for child in self.children:
                if isinstance(child, str):
                    out.append(f"{pad}  {child}")
                else:
                    child.render(depth + 1, out)
            out.append(f"{pad}</{self.name}>")


class _Builder:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.attrkey = str(options.get("attrkey", "$"))
        self.charkey = str(options.get("charkey", "_"))
        self.cdata = bool(options.get("cdata", False))
        self.headless = bool(options.get("headless", False))
        self.root_name = str(options.get("rootName", "root"))

    def text(self, value: Any) -> str:
        s = _scalar(value)
        if self.cdata and isinstance(value, str) and any(c in s for c in "&<>"):
            return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>", 1) + "]]>"
        return _escape_text(s)

    def child(self, parent: _Element, name: str) -> _Element:
        element = _Element(name)
        parent.children.append(element)
        return element

    def fill(self, element: _Element, obj: Any) -> None:
        if not isinstance(obj, dict | list):
            if obj is not None:
                element.children.append(self.text(obj))
            return
        if isinstance(obj, list):
            for entry in obj:
                for key, value in entry.items() if isinstance(entry, dict) else []:
                    self.fill(self.child(element, key), value)
            return
        for key, value in obj.items():
            if key == self.attrkey:
                if isinstance(value, dict):
                    element.attrs.extend((k, _scalar(v)) for k, v in value.items())
            elif key == self.charkey:
                element.children.append(self.text(value))
            elif isinstance(value, list):
                for entry in value:
                    self.fill(self.child(element, key), entry)
            elif isinstance(value, dict):
                self.fill(self.child(element, key), value)
            else:
                self.child(element, key).children.append(self.text(value))

    def build(self, obj: dict[str, Any]) -> str:
        if len(obj) == 1 and self.root_name == "root":
            name, body = next(iter(obj.items()))
        else:
            name, body = self.root_name, obj
        root = _Element(name)
        self.fill(root, body)
        out: list[str] = []
        if not self.headless:
            out.append('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
        root.render(0, out)
        return "\n".join(out)


def xml_to_json(text: Any, options: Mapping[str, Any]) -> Any:
    if not isinstance(text, str):
        raise HetumindError(f"Invalid XML: expected text, got {type(text).__name__}")
    result = _Xml2Js(options).parse(text)
    if result is None:
        raise HetumindError("Invalid XML: the document has no root element")
    return result


def json_to_xml(obj: dict[str, Any], options: Mapping[str, Any]) -> str:
    return _Builder(options).build(obj)


@node("xml", versions=[1], display_name="XML", params=XmlParams, pure=True)
class Xml(Node):
    """Converts data from and to XML."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        mode = ctx.param("mode", 0, "xmlToJson")
        prop = str(ctx.param("dataPropertyName", 0, "data"))
        options = ctx.param("options", 0, {}) or {}

        def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], None]:
            if mode == "xmlToJson":
                if prop not in row:
                    raise HetumindError(f'Item has no JSON property called "{prop}"')
                parsed = xml_to_json(row[prop], options)
                return (parsed if isinstance(parsed, dict) else {"data": parsed}), None
            if mode in ("jsonToxml", "jsonToXml"):
                return {prop: json_to_xml(row, options)}, None
            raise HetumindError(f'The operation "{mode}" is not known!')

        return [map_items(ctx, batch, step)]
