// Records what LangChain JS's text splitters and JSON loader produce, for
// tests/ai/test_documents.py. The versions are the ones n8n 1.123.81 runs
// (@n8n/n8n-nodes-langchain 1.122.57):
//   npm install @langchain/textsplitters@1.0.1 @langchain/core@1.1.8 js-tiktoken@1 \
//     @langchain/classic@1.0.5 @langchain/community@1.1.18 d3-dsv@2.0.0 --legacy-peer-deps
//   node record_langchain_splits.mjs > langchain_splits.json
// The token splitter is n8n's loop over js-tiktoken's bundled cl100k_base ranks.
import {
  CharacterTextSplitter,
  RecursiveCharacterTextSplitter,
} from "@langchain/textsplitters";
import { JSONLoader } from "@langchain/classic/document_loaders/fs/json";
import { CSVLoader } from "@langchain/community/document_loaders/fs/csv";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";

const prose =
  "Hetumind runs workflows.  It splits text.\n\nA second paragraph, with commas, " +
  "clauses and more words than fit in one chunk; it goes on for a while.\n" +
  "A line right after.\tTabbed words here.\n\n\n\nAfter four newlines: the end.   ";
const markdown =
  "# Title\n\nIntro text.\n\n## Part one\n\nSome words about part one.\n\n" +
  "```\ncode block\n```\n\n## Part two\n\n- item a\n- item b\n\n***\n\nClosing line.";
const code =
  "class A:\n    def f(self):\n        return 1\n\n\ndef g(x):\n    if x:\n" +
  "        return x\n    return 0\n\ndef h():\n    pass\n";
const unicode = "Zoë's café — naïve façade. 😀 emoji 😀😀 and 中文字符 mixed in. Ünïcödé!";
const longWord = "short " + "x".repeat(37) + " tail words at the end";

const cases = [];
for (const [name, text] of Object.entries({ prose, markdown, code, unicode, longWord })) {
  for (const [size, overlap] of [[10, 0], [25, 5], [40, 10], [80, 20]]) {
    for (const keep of [false, true]) {
      const r = new RecursiveCharacterTextSplitter({ chunkSize: size, chunkOverlap: overlap, keepSeparator: keep });
      cases.push({ kind: "recursive", name, size, overlap, keep, chunks: await r.splitText(text) });
    }
    for (const sep of ["", " ", "\n", "\n\n"]) {
      const c = new CharacterTextSplitter({ separator: sep, chunkSize: size, chunkOverlap: overlap, keepSeparator: false });
      cases.push({ kind: "character", name, size, overlap, separator: sep, chunks: await c.splitText(text) });
    }
  }
}
for (const language of ["markdown", "python", "js", "html"]) {
  const text = language === "python" ? code : markdown;
  const r = RecursiveCharacterTextSplitter.fromLanguage(language, { chunkSize: 30, chunkOverlap: 0, keepSeparator: false });
  cases.push({ kind: "language", language, name: language === "python" ? "code" : "markdown", size: 30, overlap: 0, chunks: await r.splitText(text) });
}
const docsSplitter = new RecursiveCharacterTextSplitter({ chunkSize: 25, chunkOverlap: 5, keepSeparator: false });
const documents = (await docsSplitter.createDocuments([prose], [{ source: "x" }])).map((d) => ({
  pageContent: d.pageContent,
  metadata: d.metadata,
}));
const enc = new Tiktoken(cl100k);
const tokens = [];
for (const [name, text] of Object.entries({ prose, unicode })) {
  for (const [size, overlap] of [[5, 0], [7, 3], [50, 10]]) {
    const ids = enc.encode(text, "all", "all");
    const chunks = [];
    let start = 0;
    while (start < ids.length) {
      if (start > 0) start = Math.max(0, start - overlap);
      const end = Math.min(start + size, ids.length);
      chunks.push(enc.decode(ids.slice(start, end)));
      start = end;
    }
    tokens.push({ name, size, overlap, chunks });
  }
}
// n8n's JSON loader: JSON.stringify(item.json) as a blob, pointers "a, b".split(",").trim()
const items = [
  { title: "T", body: { text: "B", n: 3, tags: ["x", "y"], flag: true }, empty: "", list: [{ a: "deep" }] },
  { text: "only one" },
  { a: "same", b: { c: "same", d: ["same", { e: "z" }] }, n: null, z: 0 },
];
const jsonLoader = [];
for (const [index, item] of items.entries()) {
  for (const option of ["", "/title", "/body/text, /title", "/body", "/list", "/missing", "/b", "/a, /b/d"]) {
    const blob = new Blob([JSON.stringify(item)], { type: "application/json" });
    const pointers = option.split(",").map((p) => p.trim());
    const docs = await new JSONLoader(blob, pointers).load();
    jsonLoader.push({ item: index, pointers: option, docs: docs.map((d) => ({ pageContent: d.pageContent, metadata: d.metadata })) });
  }
}
const csvFiles = [
  "name,age\nAda, 36\nBob,7\n",
  "\n\n city , note \nParis,\"a, quoted\nnewline\"\nRome\n\n",
  "a;b\n1;2\n3;4",
  "only\nrow",
];
const csvLoader = [];
for (const [index, file] of csvFiles.entries()) {
  for (const [separator, column] of [[",", undefined], [";", undefined], [";", "b"], [",", "name"]]) {
    const blob = new Blob([file], { type: "text/csv" });
    try {
      const docs = await new CSVLoader(blob, { column, separator }).load();
      csvLoader.push({ file: index, separator, column: column ?? null, docs: docs.map((d) => ({ pageContent: d.pageContent, metadata: d.metadata })) });
    } catch (e) {
      csvLoader.push({ file: index, separator, column: column ?? null, error: e.message });
    }
  }
}
process.stdout.write(JSON.stringify({ texts: { prose, markdown, code, unicode, longWord }, cases, documents, tokens, items, jsonLoader, csvFiles, csvLoader }, null, 1));
