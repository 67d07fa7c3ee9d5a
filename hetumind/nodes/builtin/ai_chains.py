"""Chain nodes on a chat model: chainRetrievalQa, chainSummarization (v2),
informationExtractor, textClassifier and sentimentAnalysis."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.ai.chains import (
    QA_SYSTEM_PROMPT,
    REFINE_PROMPT,
    SUMMARY_PROMPT,
    ask,
    fill,
    format_documents,
    summarize,
)
from hetumind.ai.chat import ChatModel
from hetumind.ai.documents import Document, load_binary, load_json_value
from hetumind.ai.errors import AIConfigError
from hetumind.ai.prompts import user_prompt
from hetumind.ai.runner import record_steps, run_items
from hetumind.ai.splitters import RecursiveCharacterTextSplitter, TextSplitter
from hetumind.ai.structured import StructuredParser, schema_from_example
from hetumind.ai.subnodes import require_one, supplied
from hetumind.ai.vector_stores import Retriever
from hetumind.binary import read_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin.ai_chain import complete_structured
from hetumind.nodes.builtin.ai_models import LANGCHAIN

__all__ = [
    "ChainRetrievalQa",
    "ChainSummarization",
    "InformationExtractor",
    "SentimentAnalysis",
    "TextClassifier",
]

Row = dict[str, Any]


def _text(ctx: NodeContext, name: str, i: int) -> str:
    value = ctx.param(name, i, None)
    if value in (None, ""):
        raise AIConfigError(f"parameter {name!r} is empty for item {i}")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _run(
    ctx: NodeContext, model: ChatModel, count: int, one: Any, recorded: list[Row]
) -> ItemBatch:
    try:
        return run_items(ctx, count, one, limit=model.settings.max_concurrency, closing=[model])
    finally:
        record_steps(ctx, recorded)


@node(
    "chainRetrievalQa",
    versions=[1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7],
    display_name="Question and Answer Chain",
    accepts=["ai_languageModel", "ai_retriever"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.chainRetrievalQa",),
    fusible=False,
)
class ChainRetrievalQa(Node):
    """Retrieves documents for each item's question and answers from them (LangChain's
    stuff-documents chain with n8n's system prompt `options.systemPromptTemplate`)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        model: ChatModel = require_one(ctx, "ai_languageModel", "chat model")
        retriever: Retriever = require_one(ctx, "ai_retriever", "retriever")
        count = len(inputs[0]) if inputs else 0
        recorded: list[Row] = [{} for _ in range(count)]

        async def one(i: int) -> Row:
            if ctx.type_version <= 1.2:  # v1.0-1.2 name the question `query`
                value = ctx.param("query", i, None)
                if value is None:
                    value = ctx.evaluate("={{ $json.input }}", i, "query")
                if value in (None, ""):
                    raise AIConfigError("The 'query' parameter is empty.")
                question = str(value)
            else:
                question = user_prompt(ctx, i)
            docs = await retriever.retrieve(question)
            system = str(ctx.param("options.systemPromptTemplate", i, None) or QA_SYSTEM_PROMPT)
            steps: list[Row] = [
                {"type": "retriever", "query": question, "documents": [d.to_json() for d in docs]}
            ]
            recorded[i] = {"steps": steps}
            messages = [
                {
                    "role": "system",
                    # custom templates may name the question {input} (or {question} < 1.5)
                    "content": fill(
                        system,
                        {
                            "context": format_documents(docs),
                            "input": question,
                            "question": question,
                        },
                    ),
                },
                {"role": "user", "content": question},
            ]
            answer, usage = await ask(model, messages, steps, "answer")
            recorded[i]["usage"] = usage.to_dict()
            # n8n: before 1.5 the chain's whole result, {text}; from 1.5 the answer alone
            return {"response": answer if ctx.type_version >= 1.5 else {"text": answer}}

        return [_run(ctx, model, count, one, recorded)]


def _summary_options(ctx: NodeContext, i: int) -> Mapping[str, Any]:
    values = ctx.param("options.summarizationMethodAndPrompts.values", i, None) or {}
    return values if isinstance(values, dict) else {}


@node(
    "chainSummarization",
    versions=[1, 2, 2.1],
    display_name="Summarization Chain",
    accepts=["ai_languageModel", "ai_document", "ai_textSplitter"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.chainSummarization",),
    fusible=False,
)
class ChainSummarization(Node):
    """Summarizes each item (its JSON text, or documents from a connected loader) with
    `summarizationMethod` map_reduce (default), refine or stuff."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        model: ChatModel = require_one(ctx, "ai_languageModel", "chat model")
        batch = inputs[0] if inputs else ItemBatch.empty()
        if ctx.type_version < 2:
            return [self._v1(ctx, model, batch)]
        mode = ctx.param("operationMode", 0, "nodeInputJson")
        loader = (
            require_one(ctx, "ai_document", "document loader") if mode == "documentLoader" else None
        )
        recorded: list[Row] = [{} for _ in range(len(batch))]

        def splitter(i: int) -> TextSplitter | None:
            if ctx.param("chunkingMode", i, "simple") == "advanced":
                found = supplied(ctx, "ai_textSplitter", i)
                return found[0] if found else None
            return RecursiveCharacterTextSplitter(
                chunk_size=int(ctx.param("chunkSize", i, 1000) or 1000),
                chunk_overlap=int(ctx.param("chunkOverlap", i, 200) or 0),
            )

        def documents(i: int) -> list[Document]:
            if loader is not None:
                return list(loader.process_item(batch, i))
            if mode == "nodeInputBinary":
                key = str(ctx.param("options.binaryDataKey", i, "data") or "data")
                binary = (batch.binary[i] if batch.binary is not None else None) or {}
                if key not in binary:
                    raise AIConfigError(f"item {i} has no binary field {key!r}")
                entry = binary[key]
                data = read_binary(entry, where=f"binary field {key!r} of item {i}")
                options = ctx.param("options", i, {}) or {}
                docs = load_binary(data, str(entry.get("mimeType", "")), "auto", options)
            else:
                docs = load_json_value(
                    batch.row(i), str(ctx.param("options.pointers", i, "") or "")
                )
            split = splitter(i)
            return split.split_documents(docs) if split is not None else docs

        async def one(i: int) -> Row:
            docs = documents(i)
            options = _summary_options(ctx, i)
            method = str(options.get("summarizationMethod", "map_reduce") or "map_reduce")
            if method not in ("map_reduce", "refine", "stuff"):
                raise AIConfigError(
                    f"summarizationMethod {method!r} is not map_reduce/refine/stuff"
                )
            steps: list[Row] = []
            recorded[i] = {"steps": steps}
            text, usage = await summarize(
                model,
                docs,
                method,
                steps,
                prompt=str(options.get("prompt") or SUMMARY_PROMPT),
                map_prompt=str(options.get("combineMapPrompt") or SUMMARY_PROMPT),
                refine_prompt=str(options.get("refinePrompt") or REFINE_PROMPT),
                refine_question_prompt=str(options.get("refineQuestionPrompt") or SUMMARY_PROMPT),
            )
            recorded[i]["usage"] = usage.to_dict()
            # LangChain's output keys: the refine chain's is output_text, the others' text
            return {"response": {"output_text" if method == "refine" else "text": text}}

        return [_run(ctx, model, len(batch), one, recorded)]

    def _v1(self, ctx: NodeContext, model: ChatModel, batch: ItemBatch) -> ItemBatch:
        """v1: `type` is the method, documents come from the loader, and `mode`
        runOnceForAllItems (default) makes one summary of every item's documents."""
        loader = require_one(ctx, "ai_document", "document loader")
        method = str(ctx.param("type", 0, "map_reduce") or "map_reduce")
        each = ctx.param("mode", 0, "runOnceForAllItems") == "runOnceForEachItem"
        groups = [[i] for i in range(len(batch))] if each else [list(range(len(batch)))]
        recorded: list[Row] = [{} for _ in groups]

        async def one(g: int) -> Row:
            docs = [d for i in groups[g] for d in loader.process_item(batch, i)]
            steps: list[Row] = []
            recorded[g] = {"steps": steps}
            text, usage = await summarize(model, docs, method, steps)
            recorded[g]["usage"] = usage.to_dict()
            return {"response": {"output_text" if method == "refine" else "text": text}}

        return _run(ctx, model, len(groups), one, recorded)


def _enforced(ctx: NodeContext) -> bool:
    """hetumind's `options.enforceSchema`: the schema goes to the server as
    response_format, so guided decoding (vLLM) only produces valid JSON."""
    return bool(ctx.param("options.enforceSchema", 0, False))


_EXTRACT_SYSTEM = (
    "You are an expert extraction algorithm.\nOnly extract relevant information from the "
    "text.\nIf you do not know the value of an attribute asked to extract, you may omit "
    "the attribute's value."
)


_ATTRIBUTE_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "datetime": {"type": "string", "format": "date-time"},
}


def _attribute_schema(attributes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """n8n's attributes (name, type, description, required) as a JSON schema; an
    attribute that is not required may be left out."""
    properties = {
        str(a["name"]): {
            **_ATTRIBUTE_TYPES.get(str(a.get("type", "string")), {}),
            "description": str(a.get("description", "")),
        }
        for a in attributes
        if a.get("name")
    }
    required = [str(a["name"]) for a in attributes if a.get("name") and a.get("required")]
    return {"type": "object", "properties": properties, "required": required}


@node(
    "informationExtractor",
    versions=[1, 1.1, 1.2],
    display_name="Information Extractor",
    accepts=["ai_languageModel"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.informationExtractor",),
    fusible=False,
)
class InformationExtractor(Node):
    """Extracts attributes (`schemaType` fromAttributes, fromJson or manual) from `text`
    as JSON checked against the schema; output `{output: {...}}`."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        model: ChatModel = require_one(ctx, "ai_languageModel", "chat model")
        count = len(inputs[0]) if inputs else 0
        recorded: list[Row] = [{} for _ in range(count)]

        def parser(i: int) -> StructuredParser:
            kind = ctx.param("schemaType", i, "fromAttributes")
            if kind == "fromAttributes":
                attributes = ctx.param("attributes.attributes", i, None) or []
                if not attributes:
                    raise AIConfigError("At least one attribute must be specified")
                return StructuredParser(_attribute_schema(attributes), enforce=_enforced(ctx))
            raw = ctx.param("inputSchema" if kind == "manual" else "jsonSchemaExample", i, None)
            try:
                value = json.loads(raw) if isinstance(raw, str) else raw
            except json.JSONDecodeError as exc:
                raise AIConfigError(f"the schema is not valid JSON: {exc.msg}") from None
            if not isinstance(value, dict):
                raise AIConfigError("the schema must be a JSON object")
            schema = value if kind == "manual" else schema_from_example(value)
            return StructuredParser(schema, enforce=_enforced(ctx))

        async def one(i: int) -> Row:
            structured = parser(i)
            system = str(ctx.param("options.systemPromptTemplate", i, None) or _EXTRACT_SYSTEM)
            messages = [
                {"role": "system", "content": f"{system}\n\n{structured.instructions()}"},
                {"role": "user", "content": _text(ctx, "text", i)},
            ]
            steps: list[Row] = []
            recorded[i] = {"steps": steps}
            value, usage = await complete_structured(model, messages, structured, steps)
            recorded[i]["usage"] = usage.to_dict()
            return {"output": value}

        return [_run(ctx, model, count, one, recorded)]


def _categories(parameters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = (parameters.get("categories") or {}).get("categories") or []
    return [c for c in found if isinstance(c, Mapping)]


def _classifier_outputs(parameters: Mapping[str, Any]) -> int:
    other = (parameters.get("options") or {}).get("fallback") == "other"
    return max(1, len(_categories(parameters)) + (1 if other else 0))


_CLASSIFY_SYSTEM = (
    "Please classify the text provided by the user into one of the following categories: "
    "{categories}, and use the provided formatting instructions below. Don't explain, and "
    "only output the json."
)


def _route(outputs: int, choices: list[list[int]], rows: list[Row]) -> list[ItemBatch]:
    """Item i goes to every output in choices[i], as `rows[i]`."""
    per_output: list[tuple[list[Row], list[int]]] = [([], []) for _ in range(outputs)]
    for i, ports in enumerate(choices):
        for port in ports:
            per_output[port][0].append(rows[i])
            per_output[port][1].append(i)
    return [ItemBatch.from_json(r, paired=p) for r, p in per_output]


def _structured_per_item(
    ctx: NodeContext,
    batch: ItemBatch,
    schema: dict[str, Any],
    system: Any,
) -> list[Row]:
    """One structured model call per item: `system(i)` is its system prompt, the item's
    `inputText` the user message; rows are {"result": ...} or, continuing on fail,
    {"error": ...}."""
    model: ChatModel = require_one(ctx, "ai_languageModel", "chat model")
    parser = StructuredParser(schema, enforce=_enforced(ctx))
    recorded: list[Row] = [{} for _ in range(len(batch))]

    async def one(i: int) -> Row:
        text = ctx.param("inputText", i, None)
        if text in (None, ""):
            raise AIConfigError(f"Text to classify for item {i} is not defined")
        messages = [
            {"role": "system", "content": f"{system(i)}\n{parser.instructions()}"},
            {"role": "user", "content": text if isinstance(text, str) else json.dumps(text)},
        ]
        steps: list[Row] = []
        recorded[i] = {"steps": steps}
        value, usage = await complete_structured(model, messages, parser, steps)
        recorded[i]["usage"] = usage.to_dict()
        return {"result": value}

    return _run(ctx, model, len(batch), one, recorded).to_json()


@node(
    "textClassifier",
    versions=[1, 1.1],
    display_name="Text Classifier",
    outputs=_classifier_outputs,
    accepts=["ai_languageModel"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.textClassifier",),
    fusible=False,
)
class TextClassifier(Node):
    """Routes each item to the output of every category the model marks true for
    `inputText`; with `options.fallback: "other"` the model may mark `fallback` instead,
    which routes to an extra last output. Items pass through unchanged."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        categories = _categories(ctx.raw_parameters)
        if not categories:
            raise NodeExecutionError("At least one category must be defined", node=ctx.node_name)
        names = [str(c.get("category", "")) for c in categories]
        multi = bool(ctx.param("options.multiClass", 0, False))
        other = ctx.param("options.fallback", 0, "discard") == "other"
        properties: dict[str, Any] = {
            n: {
                "type": "boolean",
                "description": f'Should be true if the input has category "{n}" '
                f"(description: {c.get('description', '')})",
            }
            for n, c in zip(names, categories, strict=True)
        }
        if other:
            properties["fallback"] = {
                "type": "boolean",
                "description": "Should be true if none of the other categories apply",
            }
        schema = {"type": "object", "properties": properties, "required": list(properties)}
        exclusive = (
            "Categories are not mutually exclusive, and multiple can be true"
            if multi
            else "Categories are mutually exclusive, and only one can be true"
        )
        fallback = (
            'If no categories apply, select the "fallback" option.'
            if other
            else "If there is not a very fitting category, select none of the categories."
        )

        def system(i: int) -> str:
            template = str(ctx.param("options.systemPromptTemplate", i, None) or _CLASSIFY_SYSTEM)
            return f"{fill(template, {'categories': ', '.join(names)})}\n{exclusive}\n{fallback}"

        batch = inputs[0] if inputs else ItemBatch.empty()
        results = _structured_per_item(ctx, batch, schema, system)
        rows = batch.to_json()
        choices: list[list[int]] = []
        for k, result in enumerate(results):
            if "error" in result:  # continueOnFail: n8n puts it on the first output
                rows[k] = result
                choices.append([0])
                continue
            value = result.get("result") or {}
            ports = [p for p, n in enumerate(names) if value.get(n)]
            if other and value.get("fallback"):
                ports.append(len(names))
            choices.append(ports)
        return _route(_classifier_outputs(ctx.raw_parameters), choices, rows)


_SENTIMENT_SYSTEM = (
    "You are highly intelligent and accurate sentiment analyzer. Analyze the sentiment of "
    "the provided text. Categorize it into one of the following: {categories}. Use the "
    "provided formatting instructions. Only output the JSON."
)
_DEFAULT_SENTIMENTS = "Positive, Neutral, Negative"


def _sentiment_names(raw: Any) -> list[str]:
    return [c.strip() for c in str(raw or _DEFAULT_SENTIMENTS).split(",") if c.strip()]


@node(
    "sentimentAnalysis",
    versions=[1, 1.1],
    display_name="Sentiment Analysis",
    outputs=lambda parameters: max(
        1, len(_sentiment_names((parameters.get("options") or {}).get("categories")))
    ),
    accepts=["ai_languageModel"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.sentimentAnalysis",),
    fusible=False,
)
class SentimentAnalysis(Node):
    """Routes each item to the output of its sentiment among `options.categories`,
    adding `sentimentAnalysis: {category}` (plus strength and confidence with
    `options.includeDetailedResults`); a sentiment outside the list drops the item."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        raw = ctx.param("options.categories", 0, _DEFAULT_SENTIMENTS)
        names = _sentiment_names(raw)
        if not names:
            raise NodeExecutionError("No sentiment categories provided", node=ctx.node_name)
        schema = {
            "type": "object",
            "properties": {
                "sentiment": {"type": "string", "enum": names},
                "strength": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "Strength score for sentiment in relation to the category",
                },
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            },
            "required": ["sentiment", "strength", "confidence"],
        }

        def system(i: int) -> str:
            template = str(ctx.param("options.systemPromptTemplate", i, None) or _SENTIMENT_SYSTEM)
            return fill(template, {"categories": str(raw or _DEFAULT_SENTIMENTS)})

        batch = inputs[0] if inputs else ItemBatch.empty()
        results = _structured_per_item(ctx, batch, schema, system)
        detailed = bool(ctx.param("options.includeDetailedResults", 0, False))
        rows = batch.to_json()
        choices: list[list[int]] = []
        out_rows: list[Row] = []
        lowered = [n.lower() for n in names]
        for row, result in zip(rows, results, strict=True):
            if "error" in result:
                out_rows.append(result)
                choices.append([0])
                continue
            value = result.get("result") or {}
            sentiment = str(value.get("sentiment", ""))
            port = lowered.index(sentiment.lower()) if sentiment.lower() in lowered else None
            if port is None:
                out_rows.append(row)
                choices.append([])
                continue
            analysis: Row = {"category": sentiment}
            if detailed:
                analysis["strength"] = value.get("strength")
                analysis["confidence"] = value.get("confidence")
            out_rows.append({**row, "sentimentAnalysis": analysis})
            choices.append([port])
        return _route(len(names), choices, out_rows)
