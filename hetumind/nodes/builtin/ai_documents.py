"""Document sub-nodes: documentDefaultDataLoader (ai_document) and the text splitters
textSplitterRecursiveCharacterTextSplitter, textSplitterCharacterTextSplitter and
textSplitterTokenSplitter (ai_textSplitter)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hetumind.ai.documents import Document, load_binary, load_json_value
from hetumind.ai.errors import AIConfigError
from hetumind.ai.splitters import (
    CharacterTextSplitter,
    RecursiveCharacterTextSplitter,
    TextSplitter,
    TokenTextSplitter,
)
from hetumind.ai.subnodes import SubNodeView
from hetumind.binary import read_binary
from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = [
    "DataLoader",
    "DocumentDefaultDataLoader",
    "TextSplitterCharacterTextSplitter",
    "TextSplitterRecursiveCharacterTextSplitter",
    "TextSplitterTokenSplitter",
]


def _int(view: SubNodeView, name: str, default: int) -> int:
    value = view.param(name, default)
    try:
        return int(value if value not in (None, "") else default)
    except (TypeError, ValueError):
        raise AIConfigError(
            f"sub-node {view.name!r}: parameter {name!r} must be a number, got {value!r}"
        ) from None


def _sizes(view: SubNodeView) -> dict[str, Any]:
    return {
        "chunk_size": _int(view, "chunkSize", 1000),
        "chunk_overlap": _int(view, "chunkOverlap", 0),
    }


def _checked(view: SubNodeView, make: Callable[[], TextSplitter]) -> TextSplitter:
    try:
        return make()
    except AIConfigError as exc:
        raise AIConfigError(f"sub-node {view.name!r}: {exc.message}") from None


@node(
    "textSplitterRecursiveCharacterTextSplitter",
    versions=[1],
    display_name="Recursive Character Text Splitter",
    inputs=0,
    supplies="ai_textSplitter",
    n8n=False,
    aliases=(f"{LANGCHAIN}.textSplitterRecursiveCharacterTextSplitter",),
)
class TextSplitterRecursiveCharacterTextSplitter(SubNodeBase):
    """Splits on paragraphs, then lines, then words, then characters (or a language's
    separators with `options.splitCode`); separators are not kept, as in n8n."""

    def supply(self, view: SubNodeView) -> TextSplitter:
        language = view.param("options.splitCode")
        sizes = _sizes(view)
        if language:
            return _checked(
                view,
                lambda: RecursiveCharacterTextSplitter.from_language(
                    str(language), keep_separator=False, **sizes
                ),
            )
        return _checked(view, lambda: RecursiveCharacterTextSplitter(keep_separator=False, **sizes))


@node(
    "textSplitterCharacterTextSplitter",
    versions=[1],
    display_name="Character Text Splitter",
    inputs=0,
    supplies="ai_textSplitter",
    n8n=False,
    aliases=(f"{LANGCHAIN}.textSplitterCharacterTextSplitter",),
)
class TextSplitterCharacterTextSplitter(SubNodeBase):
    """Splits on `separator` (default "": every character) and merges up to chunkSize."""

    def supply(self, view: SubNodeView) -> TextSplitter:
        separator = str(view.param("separator", "") or "")
        return _checked(view, lambda: CharacterTextSplitter(separator=separator, **_sizes(view)))


@node(
    "textSplitterTokenSplitter",
    versions=[1],
    display_name="Token Splitter",
    inputs=0,
    supplies="ai_textSplitter",
    n8n=False,
    aliases=(f"{LANGCHAIN}.textSplitterTokenSplitter",),
)
class TextSplitterTokenSplitter(SubNodeBase):
    """Windows of chunkSize cl100k_base tokens, overlapping by chunkOverlap."""

    def supply(self, view: SubNodeView) -> TextSplitter:
        return _checked(view, lambda: TokenTextSplitter("cl100k_base", **_sizes(view)))


@dataclass(frozen=True)
class DataLoader:
    """What documentDefaultDataLoader supplies: documents from its root's input items."""

    view: SubNodeView
    splitter: TextSplitter | None

    def metadata(self, view: SubNodeView) -> dict[str, Any]:
        values = view.param("options.metadata.metadataValues", []) or []
        return {str(v.get("name")): v.get("value") for v in values if v.get("name")}

    def process_item(self, batch: ItemBatch, index: int) -> list[Document]:
        view = replace(self.view, item_index=index)
        if view.param("dataType", "json") == "binary":
            docs = self._binary(view, batch, index)
        elif view.param("jsonMode", "allInputData") == "expressionData":
            data = view.param("jsonData", "")
            text = data if isinstance(data, str) else _dumps(data)
            docs = [Document(text, {"source": "blob", "blobType": "text/plain"})]
        else:
            docs = load_json_value(batch.row(index), str(view.param("options.pointers", "") or ""))
        if self.splitter is not None:
            docs = self.splitter.split_documents(docs)
        extra = self.metadata(view)
        return [Document(d.page_content, {**d.metadata, **extra}) for d in docs]

    def _binary(self, view: SubNodeView, batch: ItemBatch, index: int) -> list[Document]:
        binary = (batch.binary[index] if batch.binary is not None else None) or {}
        raw = view.raw_parameters
        # Exports leave out defaults: no binaryMode is "allInputData", unless the export
        # predates binaryMode and names its binaryDataKey.
        default_mode = "specificField" if "binaryDataKey" in raw else "allInputData"
        if view.param("binaryMode", default_mode) == "allInputData":
            keys = list(binary)
        else:
            keys = [str(view.param("binaryDataKey", "data") or "data")]
        if not binary or any(k not in binary for k in keys):
            raise AIConfigError(
                f"sub-node {view.name!r}: No binary data set (item {index}, field "
                f"{', '.join(repr(k) for k in keys) or 'any'})"
            )
        options = view.param("options", {}) or {}
        loader = str(view.param("loader", "auto") or "auto")
        docs: list[Document] = []
        for key in keys:
            entry = binary[key]
            data = read_binary(entry, where=f"binary field {key!r} of item {index}")
            try:
                docs += load_binary(data, str(entry.get("mimeType", "")), loader, options)
            except AIConfigError as exc:
                raise AIConfigError(
                    f"sub-node {view.name!r}, item {index}, binary field {key!r}: {exc.message}"
                ) from None
        return docs

    def process_all(self, batch: ItemBatch) -> list[Document]:
        docs: list[Document] = []
        for i in range(len(batch)):
            try:
                docs += self.process_item(batch, i)
            except AIConfigError:
                raise
            except HetumindError as exc:
                raise AIConfigError(
                    f"sub-node {self.view.name!r}, item {i}: {exc.message}"
                ) from None
        return docs


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@node(
    "documentDefaultDataLoader",
    versions=[1, 1.1, 2],
    display_name="Default Data Loader",
    inputs=0,
    supplies="ai_document",
    accepts=["ai_textSplitter"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.documentDefaultDataLoader",),
)
class DocumentDefaultDataLoader(SubNodeBase):
    """Turns its root's input items (JSON, or binary files) into documents, split by the
    connected text splitter (v1; v2 "custom") or by a recursive splitter of 1000/200
    (v2 "simple")."""

    def supply(self, view: SubNodeView) -> DataLoader:
        splitters = view.supplied("ai_textSplitter")
        version = float(getattr(view.sub.node, "type_version", None) or 1)
        # v2's textSplittingMode defaults to "custom" (exports leave defaults out); v1 has
        # no such parameter and uses the connected splitter.
        mode = view.param("textSplittingMode", "custom") if version >= 2 else "custom"
        splitter: TextSplitter | None
        if mode == "simple":
            splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        else:
            splitter = splitters[0] if splitters else None
        return DataLoader(view, splitter)
