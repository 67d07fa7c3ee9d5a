"""chainLlm (a prompt per item), outputParserStructured and embed (items to vectors)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from hetumind.ai.chat import ChatModel, Usage
from hetumind.ai.embeddings import Embedder
from hetumind.ai.errors import AIConfigError, OutputParserError
from hetumind.ai.prompts import message_templates, user_prompt
from hetumind.ai.runner import record_steps, run_items
from hetumind.ai.structured import StructuredParser, schema_from_example
from hetumind.ai.subnodes import SubNodeView, require_one, supplied
from hetumind.asyncbridge import run_fresh
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = ["ChainLlm", "Embed", "OutputParserStructured", "complete_structured"]


async def complete_structured(
    model: ChatModel,
    messages: list[dict[str, Any]],
    parser: StructuredParser | None,
    steps: list[dict[str, Any]],
) -> tuple[Any, Usage]:
    """Ask the model; with a parser, re-ask with the validation error until it passes."""
    usage = Usage()
    conversation = list(messages)
    tries = 1 + (parser.retries if parser else 0)
    for attempt in range(tries):
        t0 = time.perf_counter()
        result = await model.chat(
            conversation, response_format=parser.response_format() if parser else None
        )
        usage = usage + result.usage
        step: dict[str, Any] = {
            "type": "model",
            "attempt": attempt,
            "content": result.content,
            "finishReason": result.finish_reason,
            "usage": result.usage.to_dict(),
            "durationMs": round((time.perf_counter() - t0) * 1000, 3),
        }
        steps.append(step)
        if parser is None:
            return result.content or "", usage
        try:
            return parser.parse(result.content), usage
        except OutputParserError as exc:
            step["parseError"] = exc.message
            conversation += [
                {"role": "assistant", "content": result.content or ""},
                {
                    "role": "user",
                    "content": f"That reply is invalid: {exc.message}. " + parser.instructions(),
                },
            ]
            last = exc
    raise OutputParserError(
        f"the model's output failed the output parser after {tries} tries: {last.message}"
    )


def output_parser(ctx: NodeContext) -> StructuredParser | None:
    parsers = supplied(ctx, "ai_outputParser")
    if ctx.param("hasOutputParser", 0, None) is False:
        return None
    return parsers[0] if parsers else None


@node(
    "chainLlm",
    versions=[1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7],
    display_name="Basic LLM Chain",
    accepts=["ai_languageModel", "ai_outputParser"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.chainLlm",),
    fusible=False,
)
class ChainLlm(Node):
    """One model call per item: the prompt (with expressions) and optional messages."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        model: ChatModel = require_one(ctx, "ai_languageModel", "chat model")
        parser = output_parser(ctx)
        count = len(inputs[0]) if inputs else 0
        recorded: list[dict[str, Any]] = [{} for _ in range(count)]

        async def one(i: int) -> dict[str, Any]:
            messages = message_templates(ctx, i)
            prompt = user_prompt(ctx, i)
            if parser is not None:
                prompt = f"{prompt}\n\n{parser.instructions()}"
            steps: list[dict[str, Any]] = []
            recorded[i] = {"steps": steps}
            value, usage = await complete_structured(
                model, [*messages, {"role": "user", "content": prompt}], parser, steps
            )
            recorded[i]["usage"] = usage.to_dict()
            return {"output": value} if parser is not None else {"text": value}

        try:
            batch = run_items(
                ctx, count, one, limit=model.settings.max_concurrency, closing=[model]
            )
        finally:
            record_steps(ctx, recorded)
        return [batch]


@node(
    "outputParserStructured",
    versions=[1, 1.1, 1.2, 1.3],
    display_name="Structured Output Parser",
    inputs=0,
    supplies="ai_outputParser",
    n8n=False,
    aliases=(f"{LANGCHAIN}.outputParserStructured",),
)
class OutputParserStructured(SubNodeBase):
    """Output as JSON matching a schema (from an example, or given); invalid output is
    sent back to the model with the validation error, `options.retries` times."""

    def supply(self, view: SubNodeView) -> StructuredParser:
        schema_type = view.param("schemaType", "fromJson")
        raw = view.param("inputSchema" if schema_type == "manual" else "jsonSchemaExample")
        if raw in (None, ""):
            raise AIConfigError(f"sub-node {view.name!r}: the schema is empty")
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise AIConfigError(
                f"sub-node {view.name!r}: the schema is not valid JSON: {exc.msg} "
                f"(line {exc.lineno}, column {exc.colno})"
            ) from None
        schema = value if schema_type == "manual" else schema_from_example(value)
        return StructuredParser(
            schema,
            retries=int(view.param("options.retries", 2)),
            enforce=bool(view.param("options.enforceSchema", False)),
        )


@node(
    "embed",
    versions=[1],
    display_name="Embed Items",
    accepts=["ai_embedding"],
    fusible=False,
    n8n=False,
)
class Embed(Node):
    """Adds an embedding vector to each item: `text` (an expression) into `field`."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        embedder: Embedder = require_one(ctx, "ai_embedding", "embeddings model")
        batch = inputs[0] if inputs else ItemBatch.empty()
        texts = ctx.evaluate_column(ctx.raw_parameters.get("text", "={{ $json.text }}"), "text")
        texts = texts.to_pylist() if hasattr(texts, "to_pylist") else list(texts)
        field = str(ctx.param("field", 0, "embedding"))
        vectors = run_fresh(embedder.embed(["" if t is None else str(t) for t in texts]))
        rows = [{**row, field: vec} for row, vec in zip(batch.to_json(), vectors, strict=True)]
        return [ItemBatch.from_json(rows, paired=list(range(len(rows))))]
