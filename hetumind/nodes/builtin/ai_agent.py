"""agent: the tools agent (model + ai_tool sub-nodes, optional memory and output parser)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hetumind.ai.agent import Tool, run_agent
from hetumind.ai.chat import ChatModel
from hetumind.ai.errors import AIConfigError
from hetumind.ai.memory import ConversationMemory
from hetumind.ai.prompts import user_prompt
from hetumind.ai.runner import record_steps, run_items
from hetumind.ai.subnodes import require_one, supplied
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin.ai_chain import complete_structured, output_parser
from hetumind.nodes.builtin.ai_models import LANGCHAIN

__all__ = ["Agent"]

DEFAULT_SYSTEM_MESSAGE = "You are a helpful assistant"


@node(
    "agent",
    versions=[1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2, 2.1, 2.2],
    display_name="AI Agent",
    accepts=["ai_languageModel", "ai_tool", "ai_memory", "ai_outputParser"],
    n8n=False,
    aliases=(f"{LANGCHAIN}.agent",),
    fusible=False,
)
class Agent(Node):
    """Answers each item's prompt, calling tools until the model gives a final answer."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        model: ChatModel = require_one(ctx, "ai_languageModel", "chat model")
        tools: list[Tool] = supplied(ctx, "ai_tool")
        names = [t.name for t in tools]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise AIConfigError(f"two tools share the name(s) {duplicates}; rename one")
        parser = output_parser(ctx)
        count = len(inputs[0]) if inputs else 0
        has_memory = bool(ctx.supplied("ai_memory"))
        memories: list[ConversationMemory | None] = [
            supplied(ctx, "ai_memory", i)[0] if has_memory else None for i in range(count)
        ]
        recorded: list[dict[str, Any]] = [{} for _ in range(count)]

        async def one(i: int) -> dict[str, Any]:
            system = str(ctx.param("options.systemMessage", i, DEFAULT_SYSTEM_MESSAGE))
            if parser is not None:
                system = f"{system}\n\n{parser.instructions()}"
            prompt = user_prompt(ctx, i)
            memory = memories[i]
            history = memory.history() if memory else []
            messages = [
                {"role": "system", "content": system},
                *history,
                {"role": "user", "content": prompt},
            ]
            max_iterations = int(ctx.param("options.maxIterations", i, 10))
            # hetumind option: "required" forces a tool call on the first iteration.
            choice = ctx.param("options.toolChoice", i, None) or None
            outcome = await run_agent(
                model,
                messages,
                tools,
                max_iterations=max_iterations,
                first_tool_choice=None if choice == "auto" else choice,
            )
            recorded[i] = {"steps": outcome.steps, "stopped": outcome.stopped}
            output: Any = outcome.output
            usage = outcome.usage
            if parser is not None and outcome.stopped == "finished":
                # Validate the final answer; re-ask (without tools) with the error if needed.
                followup = [*messages, {"role": "assistant", "content": outcome.output}]
                first = outcome.steps[-1]
                try:
                    output = parser.parse(outcome.output)
                except Exception as exc:
                    first["parseError"] = str(exc)
                    followup.append({"role": "user", "content": f"That reply is invalid: {exc}"})
                    output, more = await complete_structured(model, followup, parser, outcome.steps)
                    usage = usage + more
            recorded[i]["usage"] = usage.to_dict()
            if memory is not None:
                text = output if isinstance(output, str) else _json(output)
                memory.save_turn(prompt, text)
            row: dict[str, Any] = {"output": output}
            if ctx.param("options.returnIntermediateSteps", i, False):
                row["intermediateSteps"] = outcome.intermediate
            return row

        def session_of(i: int) -> str | None:
            memory = memories[i]
            return memory.session if memory else None

        try:
            batch = run_items(
                ctx,
                count,
                one,
                limit=model.settings.max_concurrency,
                session_of=session_of,
                closing=[model],
            )
        finally:
            record_steps(ctx, recorded)
        return [batch]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
