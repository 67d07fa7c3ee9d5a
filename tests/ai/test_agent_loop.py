"""The tools agent against a scripted stand-in server: tool calls, tool errors, invalid
arguments, unknown tools, max iterations, and the steps recorded in run data."""

from __future__ import annotations

import json
from typing import Any

from hetumind.ai.agent import MAX_ITERATIONS_OUTPUT
from hetumind.engine import run_workflow
from tests.ai.standin import StandInServer, reply
from tests.ai.workflows import L, agent_node, ai_workflow, model_node

ADD_WORKFLOW = {
    "name": "add",
    "nodes": [
        {"name": "In", "type": "n8n-nodes-base.manualTrigger"},
        {
            "name": "Sum",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {
                "assignments": {
                    "assignments": [
                        {"name": "response", "type": "number", "value": "={{ $json.a + $json.b }}"}
                    ]
                },
                "options": {},
            },
        },
    ],
    "connections": {"In": {"main": [[{"node": "Sum", "type": "main", "index": 0}]]}},
}


def add_tool(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Add",
        "type": f"{L}.toolWorkflow",
        "typeVersion": 1.3,
        "parameters": {
            "name": "add",
            "description": "adds two numbers a and b",
            "source": "parameter",
            "workflowJson": json.dumps(ADD_WORKFLOW),
            "specifyInputSchema": True,
            "schemaType": "manual",
            "inputSchema": json.dumps(
                {
                    "type": "object",
                    "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                    "required": ["a", "b"],
                }
            ),
            **extra,
        },
    }


def tool_results(body: dict[str, Any]) -> list[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def run_agent_workflow(
    server: StandInServer,
    backend: str = "inline",
    tools: list[dict[str, Any]] | None = None,
    **options: Any,
) -> Any:
    wf = ai_workflow(
        agent_node(**options),
        [(model_node(server.base_url), "ai_languageModel")]
        + [(t, "ai_tool") for t in (tools if tools is not None else [add_tool()])],
    )
    return run_workflow(wf, backend=backend, input_items=[{"question": "what is 2 + 3?"}])


def test_agent_calls_a_sub_workflow_tool_and_uses_its_result(backend: str) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("add", {"a": 2, "b": 3})])
        return reply(f"The answer is {results[0]}.")

    with StandInServer(script) as server:
        result = run_agent_workflow(server, backend, returnIntermediateSteps=True)
    assert result.status == "success", result.error
    (item,) = result.outputs("Agent")[0]
    assert item["output"] == "The answer is 5."
    assert item["intermediateSteps"][0]["action"]["toolInput"] == {"a": 2, "b": 3}
    assert item["intermediateSteps"][0]["observation"] == "5"
    # The tool was offered with its schema, and the first request had no tool results.
    first = server.requests[0]
    assert first["tools"][0]["function"]["name"] == "add"
    assert first["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]
    assert first["messages"][0] == {"role": "system", "content": "You answer questions."}
    # Every step, with token counts, is in the run data.
    extra = result.run_data["Agent"][0].meta.extra["ai"]
    kinds = [s["type"] for s in extra["items"][0]["steps"]]
    assert kinds == ["model", "tool", "model"]
    assert extra["usage"] == {"promptTokens": 20, "completionTokens": 10, "totalTokens": 30}


def test_invalid_arguments_are_refused_before_the_tool_runs() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("add", {"a": "two"})])
        if len(results) == 1:
            return reply(tool_calls=[("add", "{not json")])
        return reply("gave up: " + " | ".join(results))

    with StandInServer(script) as server:
        result = run_agent_workflow(server)
    assert result.status == "success", result.error
    output = result.outputs("Agent")[0][0]["output"]
    assert "invalid arguments" in output and "'b' is a required property" in output
    assert "'two' is not of type 'number'" in output
    assert "not valid JSON" in output
    steps = result.run_data["Agent"][0].meta.extra["ai"]["items"][0]["steps"]
    assert [s["ok"] for s in steps if s["type"] == "tool"] == [False, False]


def test_tool_errors_and_unknown_tools_go_back_to_the_model() -> None:
    broken = add_tool(
        workflowJson=json.dumps(
            {
                **ADD_WORKFLOW,
                "nodes": [
                    ADD_WORKFLOW["nodes"][0],
                    {
                        "name": "Fail",
                        "type": "n8n-nodes-base.stopAndError",
                        "parameters": {"errorMessage": "adder is down"},
                    },
                ],
                "connections": {"In": {"main": [[{"node": "Fail", "type": "main", "index": 0}]]}},
            }
        )
    )

    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("add", {"a": 1, "b": 2}), ("subtract", {"a": 1})])
        return reply("errors: " + " | ".join(results))

    with StandInServer(script) as server:
        result = run_agent_workflow(server, tools=[broken])
    output = result.outputs("Agent")[0][0]["output"]
    assert "sub-workflow failed: adder is down" in output
    assert "there is no tool named 'subtract' (tools: add)" in output


def test_max_iterations_stops_the_loop() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        return reply(tool_calls=[("add", {"a": 1, "b": 1})])

    with StandInServer(script) as server:
        result = run_agent_workflow(server, maxIterations=3)
    assert result.outputs("Agent")[0][0]["output"] == MAX_ITERATIONS_OUTPUT
    assert len(server.requests) == 3
    meta = result.run_data["Agent"][0].meta.extra["ai"]["items"][0]
    assert meta["stopped"] == "maxIterations"


def test_model_http_error_fails_the_node_with_a_clear_message() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("model overloaded")

    with StandInServer(script) as server:
        wf = ai_workflow(
            agent_node(),
            [(model_node(server.base_url, maxRetries=0), "ai_languageModel")],
        )
        result = run_workflow(wf, input_items=[{"question": "hi"}])
    assert result.status == "error"
    assert "answered HTTP 500" in result.error["message"]
    assert result.error["node"] == "Agent"


def test_agent_without_a_model_is_a_clear_error() -> None:
    wf = ai_workflow(agent_node(), [])
    result = run_workflow(wf, input_items=[{"question": "hi"}])
    assert result.status == "error"
    assert "needs a chat model connected on 'ai_languageModel'" in result.error["message"]


def code_tool(language: str, code: str, name: str | None = None) -> dict[str, Any]:
    key = "pythonCode" if language == "python" else "jsCode"
    tool = name or f"shout_{language}"
    return {
        "name": f"Code {tool}",
        "type": f"{L}.toolCode",
        "typeVersion": 1.1,
        "parameters": {"name": tool, "description": "shouts", "language": language, key: code},
    }


def test_code_tools_run_in_the_sandbox() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(
                tool_calls=[
                    ("shout_javaScript", {"query": "hi"}),
                    ("shout_python", {"query": "there"}),
                    ("shout_broken", {"query": "x"}),
                ]
            )
        return reply(" ".join(results))

    tools = [
        code_tool("javaScript", "return query.toUpperCase() + '!';"),
        code_tool("python", "return query.upper() + '?'"),
        code_tool("python", "raise ValueError('no shouting')", name="shout_broken"),
    ]
    with StandInServer(script) as server:
        result = run_agent_workflow(server, tools=tools)
    assert result.status == "success", result.error
    output = result.outputs("Agent")[0][0]["output"]
    assert output.startswith("HI! THERE? Error: code failed:")
    assert "no shouting" in output
