"""Text splitters and the JSON and CSV loaders against outputs recorded from LangChain JS
(the releases n8n 1.123 runs; tests/ai/data/record_langchain_splits.mjs), splitter cases
derived by hand from its algorithm, and the other file loaders on real files."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

from hetumind.ai.documents import Document, load_binary, load_csv, load_json_value
from hetumind.ai.errors import AIConfigError
from hetumind.ai.splitters import (
    CharacterTextSplitter,
    RecursiveCharacterTextSplitter,
    TokenTextSplitter,
    js_length,
)

RECORDED = json.loads((Path(__file__).parent / "data" / "langchain_splits.json").read_text())


def _case_id(case: dict[str, Any]) -> str:
    extra = case.get("separator", case.get("keep", case.get("language")))
    return f"{case['kind']}-{case['name']}-{case['size']}-{case['overlap']}-{extra!r}"


@pytest.mark.parametrize("case", RECORDED["cases"], ids=_case_id)
def test_splitters_match_langchain_js(case: dict[str, Any]) -> None:
    text = RECORDED["texts"][case["name"]]
    sizes = {"chunk_size": case["size"], "chunk_overlap": case["overlap"]}
    splitter: Any
    if case["kind"] == "recursive":
        splitter = RecursiveCharacterTextSplitter(keep_separator=case["keep"], **sizes)
    elif case["kind"] == "character":
        splitter = CharacterTextSplitter(separator=case["separator"], **sizes)
    else:
        splitter = RecursiveCharacterTextSplitter.from_language(
            case["language"], keep_separator=False, **sizes
        )
    assert splitter.split_text(text) == case["chunks"]


def test_documents_and_token_windows_match_langchain_js() -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=25, chunk_overlap=5, keep_separator=False)
    docs = splitter.create_documents([RECORDED["texts"]["prose"]], [{"source": "x"}])
    assert [d.to_json() for d in docs] == RECORDED["documents"]
    for case in RECORDED["tokens"]:
        tokens = TokenTextSplitter(chunk_size=case["size"], chunk_overlap=case["overlap"])
        assert tokens.split_text(RECORDED["texts"][case["name"]]) == case["chunks"], case


@pytest.mark.parametrize(
    ("text", "separator", "size", "overlap", "expected"),
    [
        ("foo bar baz 123", " ", 7, 3, ["foo bar", "bar baz", "baz 123"]),
        ("foo  bar", " ", 3, 0, ["foo", "bar"]),  # no empty chunks
        ("foo bar baz a a", " ", 3, 1, ["foo", "bar", "baz", "a a"]),
        ("a a foo bar baz", " ", 3, 1, ["a a", "foo", "bar", "baz"]),
        ("foo bar baz 123", " ", 1, 0, ["foo", "bar", "baz", "123"]),  # oversized splits kept
        ("abcdef", "", 4, 1, ["abcd", "def"]),  # n8n's default separator: characters
    ],
)
def test_character_splitter(
    text: str, separator: str, size: int, overlap: int, expected: list[str]
) -> None:
    splitter = CharacterTextSplitter(separator=separator, chunk_size=size, chunk_overlap=overlap)
    assert splitter.split_text(text) == expected


def test_recursive_splitter_as_n8n_configures_it() -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=10, chunk_overlap=1, keep_separator=False)
    text = "Hi.\n\nI'm Harrison.\n\nHow? Are? You?"
    assert splitter.split_text(text) == ["Hi.", "I'm", "Harrison.", "How? Are?", "You?"]
    overlapping = RecursiveCharacterTextSplitter(
        chunk_size=10, chunk_overlap=5, keep_separator=False
    )
    assert overlapping.split_text("aa bb cc dd ee") == ["aa bb cc", "bb cc dd", "cc dd ee"]


def test_recursive_splitter_keeping_separators_trims_chunks() -> None:
    # The Default Data Loader's "simple" mode keeps separators (LangChain's default);
    # every chunk is trimmed as JavaScript's trim() does, so a lone "\n" piece vanishes.
    splitter = RecursiveCharacterTextSplitter(chunk_size=10, chunk_overlap=0)
    assert splitter.split_text("ab\n\ncd ef gh ij") == ["ab", "cd ef gh", "ij"]


def test_language_separators_and_bad_sizes() -> None:
    code = "def a():\n    return 1\n\ndef b():\n    return 2\n"
    splitter = RecursiveCharacterTextSplitter.from_language(
        "python", chunk_size=30, chunk_overlap=0, keep_separator=False
    )
    assert splitter.split_text(code) == [
        "def a():\n    return 1",
        "b():\n    return 2",
    ]
    with pytest.raises(AIConfigError, match="chunkOverlap >= chunkSize"):
        CharacterTextSplitter(chunk_size=5, chunk_overlap=5)
    with pytest.raises(AIConfigError, match="not supported"):
        RecursiveCharacterTextSplitter.from_language("cobol")


def test_lengths_are_javascript_lengths() -> None:
    assert js_length("a😀") == 3  # an astral character is two UTF-16 code units
    splitter = CharacterTextSplitter(separator=" ", chunk_size=5, chunk_overlap=0)
    assert splitter.split_text("😀😀 ab") == ["😀😀", "ab"]


def test_documents_get_line_locations() -> None:
    splitter = RecursiveCharacterTextSplitter(chunk_size=10, chunk_overlap=0, keep_separator=False)
    docs = splitter.split_documents([Document("line one\nline two\n\nline three", {"k": 1})])
    assert [d.page_content for d in docs] == ["line one", "line two", "line three"]
    assert [d.metadata["loc"]["lines"] for d in docs] == [
        {"from": 1, "to": 1},
        {"from": 2, "to": 2},
        {"from": 4, "to": 4},
    ]
    assert all(d.metadata["k"] == 1 for d in docs)


def test_token_splitter_windows() -> None:
    text = "The quick brown fox jumps over the lazy dog, again and again, every day."
    plain = TokenTextSplitter(chunk_size=5, chunk_overlap=0)
    chunks = plain.split_text(text)
    assert "".join(chunks) == text
    encoding = plain._tokenizer()
    n = len(encoding.encode(text))
    assert len(chunks) == math.ceil(n / 5)
    overlapping = TokenTextSplitter(chunk_size=5, chunk_overlap=2).split_text(text)
    assert len(overlapping) == math.ceil((n - 2) / 3)
    assert all(len(encoding.encode(c)) <= 5 for c in overlapping)
    # each window starts two tokens before the previous one ended
    assert encoding.encode(overlapping[1])[:2] == encoding.encode(overlapping[0])[-2:]
    assert TokenTextSplitter(chunk_size=5, chunk_overlap=0).split_text("") == []


@pytest.mark.parametrize(
    "case", RECORDED["jsonLoader"], ids=lambda c: f"item{c['item']}-{c['pointers']!r}"
)
def test_json_loader_matches_langchain_js(case: dict[str, Any]) -> None:
    # n8n's JSON mode: the item's JSON through LangChain's JSONLoader, pointers split on ","
    docs = load_json_value(RECORDED["items"][case["item"]], case["pointers"])
    assert [d.to_json() for d in docs] == case["docs"]


@pytest.mark.parametrize(
    "case",
    RECORDED["csvLoader"],
    ids=lambda c: f"file{c['file']}-{c['separator']!r}-{c['column']}",
)
def test_csv_loader_matches_langchain_js(case: dict[str, Any]) -> None:
    data = RECORDED["csvFiles"][case["file"]].encode()
    if "error" in case:
        with pytest.raises(AIConfigError, match=case["error"]):
            load_csv(data, case["separator"], case["column"])
    else:
        docs = load_csv(data, case["separator"], case["column"])
        assert [d.to_json() for d in docs] == case["docs"]


def test_json_loader_collects_strings_at_pointers() -> None:
    item = {"title": "T", "body": {"text": "B", "n": 3}}
    docs = load_json_value(item, "/body/text, /title")
    assert [d.page_content for d in docs] == ["B", "T"]
    assert docs[1].metadata == {"source": "blob", "blobType": "application/json", "line": 2}
    (only,) = load_json_value(item, "/title")
    assert only.metadata == {"source": "blob", "blobType": "application/json"}  # no line


def test_binary_loaders() -> None:
    text = load_binary(b"plain words", "text/plain")
    assert text == [Document("plain words", {"source": "blob", "blobType": "text/plain"})]
    rows = load_binary(b"name,age\nAda, 36\nBob,7\n", "text/csv")
    assert [d.page_content for d in rows] == ["name: Ada\nage: 36", "name: Bob\nage: 7"]
    assert rows[1].metadata["line"] == 2
    (single,) = load_binary(b"a\n1\n", "text/csv")
    assert "line" not in single.metadata
    column = load_binary(b"a;b\n1;2\n", "text/csv", options={"separator": ";", "column": "b"})
    assert [d.page_content for d in column] == ["2"]
    html = load_binary(
        b"<html><head><style>p{}</style></head><body><h1>Title</h1><p>Body text</p>"
        b"<script>var x;</script></body></html>",
        "text/html",
    )
    assert html[0].page_content == "Title\nBody text"
    json_docs = load_binary(
        b'{"a": "x", "b": ["y"]}', "application/json", options={"pointers": "/a, /b"}
    )
    assert [d.page_content for d in json_docs] == ["x", "y"]
    with pytest.raises(AIConfigError, match="Mime type doesn't match selected loader"):
        load_binary(b"x", "text/csv", loader="pdfLoader")


def test_docx_and_pdf_loaders() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("First paragraph.")
    document.add_paragraph("Second paragraph.")
    buffer = io.BytesIO()
    document.save(buffer)
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    (doc,) = load_binary(buffer.getvalue(), mime)
    assert doc.page_content == "First paragraph.\n\nSecond paragraph.\n\n"

    pdf = _two_page_pdf("Hello page one", "Hello page two")
    pages = load_binary(pdf, "application/pdf")
    assert [p.page_content.strip() for p in pages] == ["Hello page one", "Hello page two"]
    assert pages[1].metadata["loc"] == {"pageNumber": 2}
    assert pages[0].metadata["pdf"]["totalPages"] == 2
    (whole,) = load_binary(pdf, "application/pdf", options={"splitPages": False})
    assert "page one" in whole.page_content and "page two" in whole.page_content
    with pytest.raises(AIConfigError, match="not a readable PDF"):
        load_binary(b"%PDF-1.4 garbage", "application/pdf")


def _two_page_pdf(*texts: str) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page (built by hand)."""
    objects: list[bytes] = []
    n = len(texts)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    font = 3 + 2 * n
    for i, text in enumerate(texts):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
