"""n8n's Notion shapes: node parameters to Notion property values and blocks, and the
"simple" output that flattens pages and databases (packages/nodes-base/nodes/Notion/
shared/GenericFunctions.ts: mapProperties, formatBlocks, mapFilters, simplifyObjects)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hetumind.errors import HetumindError

__all__ = [
    "format_blocks",
    "map_filters",
    "map_properties",
    "map_sorting",
    "simplify_blocks",
    "simplify_objects",
    "snake_case",
]


class NotionValueError(HetumindError):
    """A property value the Notion node cannot send."""


def _texts(texts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in texts or []:
        kind = t.get("textType")
        annotations = t.get("annotationUi") or {}
        if kind == "text":
            link = {"link": {"url": t["textLink"]}} if t.get("isLink") and t.get("textLink") else {}
            out.append(
                {
                    "type": "text",
                    "text": {"content": t.get("text", ""), **link},
                    "annotations": annotations,
                }
            )
        elif kind == "mention":
            mention = t.get("mentionType")
            if mention == "date":
                value = (
                    {"start": t.get("dateStart"), "end": t.get("dateEnd")}
                    if t.get("range")
                    else {"start": t.get("date"), "end": None}
                )
            else:
                value = {"id": t.get(str(mention))}
            out.append(
                {
                    "type": "mention",
                    "mention": {"type": mention, str(mention): value},
                    "annotations": annotations,
                }
            )
        elif kind == "equation":
            out.append(
                {
                    "type": "equation",
                    "equation": {"expression": t.get("expression")},
                    "annotations": annotations,
                }
            )
    return out


def _text_block(block: dict[str, Any]) -> dict[str, Any]:
    if block.get("richText") is False or "richText" not in block:
        return {"text": [{"text": {"content": block.get("textContent", "")}}]}
    return {"text": _texts((block.get("text") or {}).get("text") or [])}


def format_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for block in blocks or []:
        kind = str(block.get("type", "paragraph"))
        content: dict[str, Any] = {}
        if kind == "to_do":
            content["checked"] = block.get("checked")
        if kind == "image":
            content.update(type="external", external={"url": block.get("url")})
        else:
            content.update(_text_block(block))
        out.append({"object": "block", "type": kind, kind: content})
    return out


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def _date(value: Any, zone: str, include_time: bool) -> str:
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise NotionValueError(f"the date {text!r} is not an ISO date") from None
    tz = ZoneInfo(zone)
    moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    return moment.isoformat(timespec="seconds") if include_time else moment.date().isoformat()


def _value(
    value: dict[str, Any], kind: str, timezone: str, version: int = 2
) -> dict[str, Any] | None:
    if kind == "rich_text":
        if value.get("richText") is False or "richText" not in value:
            return {"rich_text": [{"text": {"content": value.get("textContent")}}]}
        return {"rich_text": _texts((value.get("text") or {}).get("text") or [])}
    if kind == "title":
        return {"title": [{"text": {"content": value.get("title")}}]}
    if kind == "number":
        return {"type": "number", "number": value.get("numberValue")}
    if kind == "url":
        url = value.get("urlValue")
        return None if not url and value.get("ignoreIfEmpty") else {"type": "url", "url": url}
    if kind == "checkbox":
        return {"type": "checkbox", "checkbox": value.get("checkboxValue")}
    if kind == "relation":
        ids: list[str] = []
        for entry in value.get("relationValue") or []:
            if isinstance(entry, str) and entry:
                ids.extend(part.strip() for part in entry.split(","))
        for rel in ids:
            dashed = (
                rel
                if len(rel) != 32
                else f"{rel[:8]}-{rel[8:12]}-{rel[12:16]}-{rel[16:20]}-{rel[20:]}"
            )
            if not _is_uuid(dashed):
                raise NotionValueError(
                    f'The relation id "{rel}" is not a valid uuid with optional dashes.'
                )
        return {"type": "relation", "relation": [{"id": r} for r in ids]}
    if kind == "multi_select":
        raw = value.get("multiSelectValue")
        if raw in (None, ""):
            return {"type": "multi_select", "multi_select": []}
        options = raw if isinstance(raw, list) else [v.strip() for v in str(raw).split(",")]
        return {
            "type": "multi_select",
            "multi_select": [
                {"id": o} if _is_uuid(str(o)) else {"name": o} for o in options if o is not None
            ],
        }
    if kind == "email":
        return {"type": "email", "email": value.get("emailValue")}
    if kind == "people":
        people = value.get("peopleValue")
        people = people if isinstance(people, list) else [people]
        return {"type": "people", "people": [{"id": p} for p in people]}
    if kind == "phone_number":
        return {"type": "phone_number", "phone_number": value.get("phoneValue")}
    if kind == "select":
        selected = value.get("selectValue")
        if selected in (None, ""):
            return {"type": "select", "select": None}
        # version 1 chose options by id, version 2 by name
        return {
            "type": "select",
            "select": {"id": selected} if version == 1 else {"name": selected},
        }
    if kind == "status":
        return {"type": "status", "status": {"name": value.get("statusValue")}}
    if kind == "date":
        zone = timezone if value.get("timezone", "default") == "default" else str(value["timezone"])
        with_time = bool(value.get("includeTime", True))
        if value.get("date") == "" or (value.get("dateStart") == "" and value.get("dateEnd") == ""):
            return {"type": "date", "date": None}
        span: dict[str, str | None]
        if value.get("range") is True:
            span = {
                "start": _date(value.get("dateStart"), zone, with_time),
                "end": _date(value.get("dateEnd"), zone, with_time),
            }
        else:
            span = {"start": _date(value.get("date"), zone, with_time), "end": None}
        return {"type": "date", "date": span}
    if kind == "files":
        files = (value.get("fileUrls") or {}).get("fileUrl") or []
        return {
            "type": "files",
            "files": [
                {"name": f.get("name"), "type": "external", "external": {"url": f.get("url")}}
                for f in files
            ],
        }
    return {}


def map_properties(values: list[dict[str, Any]], timezone: str, version: int = 2) -> dict[str, Any]:
    """propertiesUi.propertyValues (each `key` is "Name|type") to Notion's properties."""
    out: dict[str, Any] = {}
    for value in values or []:
        key = value.get("key")
        if not isinstance(key, str):
            continue
        name, _, kind = key.partition("|")
        mapped = _value(value, kind, timezone, version)
        if mapped:
            out[name] = mapped
    return out


def map_sorting(sorts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "direction": s.get("direction"),
            ("timestamp" if s.get("timestamp") else "property"): str(s.get("key", "")).split("|")[
                0
            ],
        }
        for s in sorts or []
    ]


def _camel(text: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    return words[0].lower() + "".join(w.capitalize() for w in words[1:]) if words else ""


def map_filters(condition: dict[str, Any], timezone: str) -> dict[str, Any]:
    """One manual filter condition, as n8n's mapFilters builds it."""
    name, _, kind = str(condition.get("key", "")).partition("|")
    test = str(condition.get("condition", ""))
    value: Any = (
        condition.get(_camel(kind))
        if kind == "last_edited_time"
        else condition.get(f"{_camel(kind)}Value")
    )
    if test in ("is_empty", "is_not_empty"):
        value = True
    elif test in ("past_week", "past_month", "past_year", "next_week", "next_month", "next_year"):
        value = {}
    if kind in ("rich_text", "text"):
        kind = "text"
    elif kind == "phone_number":
        kind = "phone"
    elif kind == "date" and test not in ("is_empty", "is_not_empty"):
        value = {} if condition.get("date") == "" else _date(condition.get("date"), timezone, True)
    elif kind == "boolean":
        kind = "checkbox"
    if condition.get("type") == "formula":
        returns = str(condition.get("returnType", ""))
        if test in ("is_empty", "is_not_empty"):
            kind = returns
        else:
            return {
                "property": name,
                kind: {returns: {test: condition.get(f"{_camel(returns)}Value")}},
            }
    return {"property": name, kind: {test: value}}


def snake_case(text: str) -> str:
    """change-case's snakeCase: words split at non-alphanumerics and case changes."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    spaced = re.sub(r"([A-Z])([A-Z][a-z])", r"\1 \2", spaced)
    return "_".join(w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w)


def _simple_property(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    value = prop.get(str(kind))
    if kind == "text":
        return prop.get("plain_text")
    if kind in ("rich_text", "title"):
        return "".join(str(_simple_property(t) or "") for t in value) if value else ""
    if kind in (
        "url",
        "created_time",
        "checkbox",
        "number",
        "last_edited_time",
        "email",
        "phone_number",
        "date",
    ):
        return value
    if kind in ("created_by", "last_edited_by", "select"):
        return value.get("name") if isinstance(value, dict) else None
    if kind == "people":
        return (
            [(p.get("person") or {}).get("email") or {} for p in value]
            if isinstance(value, list)
            else value
        )
    if kind == "multi_select":
        entries = value if isinstance(value, list) else (value or {}).get("options", [])
        return [e.get("name") or {} for e in entries]
    if kind == "relation":
        return (
            [e.get("id") or {} for e in value]
            if isinstance(value, list)
            else (value or {}).get("database_id")
        )
    if kind == "formula":
        return (value or {}).get((value or {}).get("type"))
    if kind == "files":
        return [(f.get(f.get("type")) or {}).get("url") for f in value or []]
    if kind == "status":
        return (value or {}).get("name")
    if kind == "rollup":
        return (value or {}).get((value or {}).get("type"))
    return None


def _title(properties: dict[str, Any]) -> str:
    for prop in properties.values():
        if prop.get("type") == "title":
            title = prop.get("title") or []
            return str(title[0].get("plain_text", "")) if title else ""
    return ""


def simplify_objects(objects: Any, version: int = 2) -> list[dict[str, Any]]:
    """n8n's simplifyObjects: id, name, url and `property_<snake key>` (version 2), or id,
    name / title and the bare property names (version 1)."""
    out: list[dict[str, Any]] = []
    for obj in objects if isinstance(objects, list) else [objects]:
        kind, parent = obj.get("object"), obj.get("parent") or {}
        properties = obj.get("properties") or {}
        url = {"url": obj.get("url")} if version == 2 else {}
        if kind == "page" and parent.get("type") in ("page_id", "workspace"):
            title = (properties.get("title") or {}).get("title") or [{}]
            out.append({"id": obj.get("id"), "name": title[0].get("plain_text"), **url})
        elif kind == "page" and parent.get("type") == "database_id":
            if version == 2:
                simple = {
                    f"property_{snake_case(k)}": _simple_property(v) for k, v in properties.items()
                }
                out.append({"id": obj.get("id"), "name": _title(properties), **url, **simple})
            else:
                simple = {k: _simple_property(v) for k, v in properties.items()}
                out.append({"id": obj.get("id"), **simple})
        elif kind == "database":
            title = obj.get("title") or [{}]
            text = title[0].get("plain_text", "") if title else ""
            out.append({"id": obj.get("id"), ("name" if version == 2 else "title"): text, **url})
    return out


def simplify_blocks(blocks: list[dict[str, Any]], root_id: str) -> list[dict[str, Any]]:
    """n8n's simplifyBlocksOutput: root_id added, timestamps and author dropped, a block's
    text joined into `content` (child pages and databases: their title)."""
    out = []
    for block in blocks:
        block = {k: v for k, v in block.items() if k not in _BLOCK_META}
        kind = str(block.get("type"))
        block["root_id"] = root_id
        inner = block.get(kind)
        if kind in ("child_page", "child_database") and isinstance(inner, dict):
            block["content"] = inner.get("title")
            block.pop(kind)
        elif isinstance(inner, dict) and isinstance(inner.get("text"), list):
            block["content"] = "".join(str(t.get("plain_text") or "") for t in inner["text"])
            block.pop(kind)
        out.append(block)
    return out


_BLOCK_META = ("created_time", "last_edited_time", "created_by")
