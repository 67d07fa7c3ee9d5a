"""The tools agent loop: ask the model, run the tools it calls, feed results back.

Arguments are validated against each tool's JSON schema before the tool runs; unknown
tools, malformed or invalid arguments and tool failures go back to the model as the
tool's result, so it can correct itself, as n8n's (LangChain's) tools agent does. Every
model call and tool call is recorded as a step with its token counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hetumind.ai.chat import ChatModel, ChatResult, ToolCall, Usage
from hetumind.ai.errors import ToolError

__all__ = ["MAX_ITERATIONS_OUTPUT", "AgentOutcome", "Tool", "run_agent"]

MAX_ITERATIONS_OUTPUT = "Agent stopped due to max iterations."
"""n8n's (LangChain's) output when the loop runs out of iterations."""

Message = dict[str, Any]


@dataclass(frozen=True)
class Tool:
    """A callable the model may use: `call` gets validated arguments, returns text."""

    name: str
    description: str
    parameters: Mapping[str, Any]
    call: Callable[[dict[str, Any]], Awaitable[str]]

    def spec(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": dict(self.parameters),
            },
        }


@dataclass
class AgentOutcome:
    output: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stopped: str = "finished"
    """finished | maxIterations"""
    intermediate: list[dict[str, Any]] = field(default_factory=list)
    """n8n's intermediateSteps: [{action: {tool, toolInput, toolCallId}, observation}]."""


async def run_agent(
    model: ChatModel,
    messages: Sequence[Message],
    tools: Sequence[Tool],
    *,
    max_iterations: int = 10,
    first_tool_choice: str | None = None,
) -> AgentOutcome:
    """Run the loop until the model answers without tool calls or iterations run out.

    `first_tool_choice="required"` makes the first reply a tool call (servers with
    guided decoding, such as vLLM, then always produce one that parses); later
    iterations leave the choice to the model.
    """
    by_name = {t.name: t for t in tools}
    specs = [t.spec() for t in tools] or None
    conversation = list(messages)
    outcome = AgentOutcome(output="")
    for iteration in range(max(1, max_iterations)):
        t0 = time.perf_counter()
        choice = first_tool_choice if iteration == 0 and specs else None
        result = await model.chat(conversation, tools=specs, tool_choice=choice)
        outcome.usage = outcome.usage + result.usage
        outcome.steps.append(_model_step(iteration, result, t0))
        if not result.tool_calls:
            outcome.output = result.content or ""
            return outcome
        conversation.append(result.assistant_message())
        for call in result.tool_calls:
            t1 = time.perf_counter()
            args, observation, ok = await _run_tool(by_name, call)
            outcome.steps.append(
                {
                    "type": "tool",
                    "iteration": iteration,
                    "tool": call.name,
                    "toolCallId": call.id,
                    "arguments": args if args is not None else call.arguments,
                    "result": observation,
                    "ok": ok,
                    "durationMs": round((time.perf_counter() - t1) * 1000, 3),
                }
            )
            outcome.intermediate.append(
                {
                    "action": {
                        "tool": call.name,
                        "toolInput": args if args is not None else call.arguments,
                        "toolCallId": call.id,
                    },
                    "observation": observation,
                }
            )
            conversation.append({"role": "tool", "tool_call_id": call.id, "content": observation})
    outcome.output = MAX_ITERATIONS_OUTPUT
    outcome.stopped = "maxIterations"
    return outcome


async def _run_tool(
    tools: Mapping[str, Tool], call: ToolCall
) -> tuple[dict[str, Any] | None, str, bool]:
    """(parsed arguments, what the model sees, whether the tool ran and succeeded)."""
    import jsonschema

    tool = tools.get(call.name)
    if tool is None:
        known = ", ".join(sorted(tools)) or "none"
        return None, f"Error: there is no tool named {call.name!r} (tools: {known})", False
    try:
        args = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as exc:
        return None, f"Error: the arguments are not valid JSON ({exc.msg})", False
    if not isinstance(args, dict):
        return None, "Error: the arguments must be a JSON object", False
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in jsonschema.Draft202012Validator(dict(tool.parameters)).iter_errors(args)
    ]
    if problems:
        return args, "Error: invalid arguments: " + "; ".join(problems[:5]), False
    try:
        return args, await tool.call(args), True
    except ToolError as exc:
        return args, f"Error: {exc.message}", False
    except Exception as exc:  # a tool's failure is the model's to handle, not the run's
        return args, f"Error: {type(exc).__name__}: {exc}", False


def _model_step(iteration: int, result: ChatResult, t0: float) -> dict[str, Any]:
    return {
        "type": "model",
        "iteration": iteration,
        "content": result.content,
        "toolCalls": [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in result.tool_calls
        ],
        "finishReason": result.finish_reason,
        "usage": result.usage.to_dict(),
        "durationMs": round((time.perf_counter() - t0) * 1000, 3),
    }
