"""Documents (LangChain's `{pageContent, metadata}`) and the loaders the Default Data
Loader uses to make them from items: JSON fields, or a binary file as text, JSON, CSV,
PDF (pypdf), DOCX (python-docx) or HTML (BeautifulSoup).

Metadata follows LangChain JS's file loaders as n8n feeds them a blob: `source: "blob"`,
`blobType` (the MIME type), `line` for JSON strings and CSV rows, `pdf` and
`loc.pageNumber` for PDF pages.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hetumind.ai.errors import AIConfigError

__all__ = [
    "JS_WHITESPACE",
    "LOADER_MIME_TYPES",
    "Document",
    "load_binary",
    "load_csv",
    "load_docx",
    "load_html",
    "load_json_text",
    "load_json_value",
    "load_pdf",
    "strings_of",
]


@dataclass
class Document:
    page_content: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"pageContent": self.page_content, "metadata": self.metadata}


LOADER_MIME_TYPES: dict[str, tuple[str, ...]] = {
    "pdfLoader": ("application/pdf",),
    "csvLoader": ("text/csv",),
    "epubLoader": ("application/epub+zip",),
    "docxLoader": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    "textLoader": ("text/plain",),
    "jsonLoader": ("application/json",),
    "htmlLoader": ("text/html",),
}
"""n8n's loader option → the MIME types it takes (htmlLoader is hetumind's)."""


def _blob(mime: str) -> dict[str, Any]:
    return {"source": "blob", "blobType": mime}


def _pointer(value: Any, pointer: str) -> Any:
    """RFC 6901 JSON pointer; a pointer that does not resolve gives None."""
    if pointer in ("", "/"):
        return value if pointer == "" else (value.get("") if isinstance(value, dict) else None)
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _truthy(value: Any) -> bool:
    """JavaScript truthiness: empty objects and arrays are true, 0, "" and null false."""
    if isinstance(value, dict | list):
        return True
    if isinstance(value, float) and value != value:  # NaN
        return False
    return bool(value)


def _same(a: Any, b: Any) -> bool:
    """JavaScript's includes() comparison: objects by identity, primitives by value."""
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return a is b
    return type(a) is type(b) and a == b


def _extract(value: Any, pointers: list[str], all_strings: bool, found: bool = False) -> list[str]:
    """LangChain JS's JSONLoader.extractArrayStringsFromObject, quirks included: with a
    pointer, strings under a targeted entry are collected again from the levels around
    it, so n8n's default pointer "" yields some strings more than once."""
    if not _truthy(value):
        return []
    if isinstance(value, str) and all_strings:
        return [value]
    if isinstance(value, list) and all_strings:
        return [s for element in value for s in _extract(element, pointers, True)]
    if isinstance(value, dict | list):
        entries = list(value.values()) if isinstance(value, dict) else list(value)
        if all_strings:
            return _extract(entries, pointers, True)
        targeted = [t for t in (_pointer(value, p) for p in pointers) if _truthy(t)]
        others = [e for e in entries if not any(_same(e, t) for t in targeted)]
        out: list[str] = []
        if targeted:
            for entry in targeted:
                out += _extract(entry, pointers, True, True)
            for entry in others:
                out += _extract(entry, pointers, False, True)
        elif not found:
            for entry in others:
                out += _extract(entry, pointers, False)
        return out
    return []


def strings_of(value: Any, pointers: str = "") -> list[str]:
    """The strings LangChain JS's JSONLoader takes from `value` for n8n's `pointers`
    option (comma separated; n8n passes [""] when it is empty)."""
    return _extract(value, [p.strip() for p in str(pointers or "").split(",")], False)


def _numbered(texts: list[str], base: dict[str, Any]) -> list[Document]:
    """LangChain's TextLoader metadata: `line` (1-based) only when there are several."""
    if len(texts) == 1:
        return [Document(texts[0], dict(base))]
    return [Document(t, {**base, "line": i + 1}) for i, t in enumerate(texts)]


def load_json_value(
    value: Any, pointers: str = "", mime: str = "application/json"
) -> list[Document]:
    """One document per string found (see `strings_of`)."""
    return _numbered(strings_of(value, pointers), _blob(mime))


def load_json_text(data: bytes, pointers: str = "") -> list[Document]:
    try:
        value = json.loads(data.decode("utf-8-sig").strip())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AIConfigError(f"the file is not valid JSON: {exc}") from None
    return load_json_value(value, pointers)


JS_WHITESPACE = (
    "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""What JavaScript's String.prototype.trim removes (Python's strip() differs)."""


def load_csv(data: bytes, separator: str = ",", column: str | None = None) -> list[Document]:
    """LangChain JS's CSVLoader (d3-dsv): the trimmed file's first row names the columns;
    one document per row, `key: value` lines (both trimmed), or the `column` value alone.
    As d3-dsv, a blank line is a row of empty values, missing fields are empty and extra
    fields are dropped."""
    text = data.decode("utf-8-sig").strip(JS_WHITESPACE)
    rows = [r or [""] for r in csv.reader(io.StringIO(text), delimiter=separator or ",")]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if column and column not in header:
        raise AIConfigError(f"Column {column} not found in CSV file.")
    docs: list[str] = []
    for row in body:
        record = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        if column:
            docs.append(record[column])
        else:
            docs.append(
                "\n".join(
                    f"{k.strip(JS_WHITESPACE)}: {v.strip(JS_WHITESPACE)}" for k, v in record.items()
                )
            )
    return _numbered(docs, _blob("text/csv"))


def load_pdf(data: bytes, split_pages: bool = True) -> list[Document]:
    """pypdf's text per page; `split_pages=False` joins them with blank lines."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        raw_info: Mapping[str, Any] = reader.metadata or {}
    except pypdf.errors.PyPdfError as exc:
        raise AIConfigError(f"the file is not a readable PDF: {exc}") from None
    info = {str(k).lstrip("/"): str(v) for k, v in raw_info.items()}
    pdf = {"version": reader.pdf_header.lstrip("%PDF-"), "info": info, "totalPages": len(pages)}
    base = _blob("application/pdf")
    if not split_pages:
        return [Document("\n\n".join(pages), {**base, "pdf": pdf})]
    return [
        Document(text, {**base, "pdf": pdf, "loc": {"pageNumber": i + 1}})
        for i, text in enumerate(pages)
        if text.strip()
    ]


def load_docx(data: bytes) -> list[Document]:
    """The document's paragraph text, paragraphs separated by a blank line (mammoth's raw
    text, which n8n uses, does the same)."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError for bad files
        raise AIConfigError(f"the file is not a readable DOCX document: {exc}") from None
    text = "".join(f"{p.text}\n\n" for p in document.paragraphs)
    mime = LOADER_MIME_TYPES["docxLoader"][0]
    return [Document(text, _blob(mime))] if text.strip() else []


def load_html(data: bytes) -> list[Document]:
    """The page's visible text (scripts and styles dropped), one line per block."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data.decode("utf-8", errors="replace"), "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    text = "\n".join(line for line in lines if line)
    return [Document(text, _blob("text/html"))] if text else []


def _text(data: bytes, mime: str) -> list[Document]:
    return [Document(data.decode("utf-8-sig", errors="replace"), _blob(mime))]


def load_binary(
    data: bytes, mime_type: str, loader: str = "auto", options: Mapping[str, Any] | None = None
) -> list[Document]:
    """Documents from a file's bytes, by n8n's `loader` option or by its MIME type."""
    options = options or {}
    mime = (mime_type or "").split(";")[0].strip().lower()
    if loader != "auto":
        accepted = LOADER_MIME_TYPES.get(loader)
        if accepted is None:
            raise AIConfigError(f"unknown loader {loader!r}; one of {sorted(LOADER_MIME_TYPES)}")
        if mime not in accepted and loader != "textLoader":
            needed = next((k for k, v in LOADER_MIME_TYPES.items() if mime in v), None)
            raise AIConfigError(
                "Mime type doesn't match selected loader. Please select under "
                f'"Loader Type": {needed}'
                if needed
                else f"Unsupported mime type: {mime} for selected loader: {loader}"
            )
        kind = loader
    else:
        kind = next((k for k, v in LOADER_MIME_TYPES.items() if mime in v), "textLoader")
    if kind == "pdfLoader":
        return load_pdf(data, bool(options.get("splitPages", True)))
    if kind == "csvLoader":
        return load_csv(data, str(options.get("separator", ",") or ","), options.get("column"))
    if kind == "docxLoader":
        return load_docx(data)
    if kind == "jsonLoader":
        return load_json_text(data, str(options.get("pointers", "") or ""))
    if kind == "htmlLoader":
        return load_html(data)
    if kind == "epubLoader":
        raise AIConfigError("EPUB files are not supported yet")
    return _text(data, mime or "text/plain")
