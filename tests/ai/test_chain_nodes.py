"""chainLlm, the structured output parser, memory, embeddings and the HTTP tool against
the scripted stand-in server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hetumind.ai.errors import OutputParserError
from hetumind.ai.memory import InProcessMemory
from hetumind.ai.structured import StructuredParser, schema_from_example
from hetumind.engine import run_workflow
from tests.ai.standin import StandInServer, reply
from tests.ai.workflows import L, agent_node, ai_workflow, chain_node, model_node, parser_node


def last_user(body: dict[str, Any]) -> str:
    return [m["content"] for m in body["messages"] if m["role"] == "user"][-1]


def test_chain_evaluates_prompt_templates_per_item_and_keeps_order(backend: str) -> None:
    with StandInServer(lambda body: reply(last_user(body).upper())) as server:
        root = chain_node(
            text="=Say {{ $json.word }} #{{ $itemIndex }}",
            messages={
                "messageValues": [
                    {
                        "type": "SystemMessagePromptTemplate",
                        "message": "=Be brief about {{ $json.word }}.",
                    }
                ]
            },
        )
        wf = ai_workflow(
            root, [(model_node(server.base_url, temperature=0, maxTokens=7), "ai_languageModel")]
        )
        words = [{"word": w} for w in ["a", "b", "c", "d", "e"]]
        result = run_workflow(wf, backend=backend, input_items=words)
    assert result.status == "success", result.error
    assert [i["text"] for i in result.outputs("Chain")[0]] == [
        f"SAY {w.upper()} #{i}" for i, w in enumerate("abcde")
    ]
    body = next(b for b in server.requests if "b #1" in last_user(b))
    assert body["messages"][0] == {"role": "system", "content": "Be brief about b."}
    assert body["temperature"] == 0 and body["max_tokens"] == 7


def test_structured_output_is_retried_with_the_validation_error() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        if len(body["messages"]) == 1:
            return reply('{"name": "Ada"}')  # misses "age"
        assert "'age' is a required property" in last_user(body)
        return reply('Sure! ```json\n{"name": "Ada", "age": 36}\n```')

    with StandInServer(script) as server:
        wf = ai_workflow(
            chain_node(hasOutputParser=True),
            [
                (model_node(server.base_url), "ai_languageModel"),
                (parser_node('{"name": "x", "age": 1}'), "ai_outputParser"),
            ],
        )
        result = run_workflow(wf, input_items=[{"question": "who?"}])
    assert result.status == "success", result.error
    assert result.outputs("Chain")[0] == [[{"output": {"name": "Ada", "age": 36}}][0]]
    assert "JSON schema" in last_user(server.requests[0])


def test_structured_output_fails_clearly_after_the_retries() -> None:
    with StandInServer(lambda body: reply("no json here")) as server:
        wf = ai_workflow(
            chain_node(hasOutputParser=True),
            [
                (model_node(server.base_url), "ai_languageModel"),
                (parser_node('{"name": "x"}'), "ai_outputParser"),
            ],
        )
        result = run_workflow(wf, input_items=[{"question": "who?"}])
    assert result.status == "error"
    assert "failed the output parser after 3 tries" in result.error["message"]
    assert len(server.requests) == 3


def test_continue_on_fail_turns_item_failures_into_error_items() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        if "bad" in last_user(body):
            raise RuntimeError("boom")
        return reply("fine")

    with StandInServer(script) as server:
        root = {**chain_node(), "onError": "continueRegularOutput"}
        wf = ai_workflow(root, [(model_node(server.base_url, maxRetries=0), "ai_languageModel")])
        result = run_workflow(wf, input_items=[{"question": "good"}, {"question": "bad"}])
    out = result.outputs("Chain")[0]
    assert out[0] == {"text": "fine"} and "HTTP 500" in out[1]["error"]


def test_schema_from_example_and_parser_messages() -> None:
    schema = schema_from_example({"tags": ["a"], "n": 1, "ok": True})
    parser = StructuredParser(schema)
    assert parser.parse('{"tags": [], "n": 2.5, "ok": false}') == {
        "tags": [],
        "n": 2.5,
        "ok": False,
    }
    with pytest.raises(OutputParserError, match=r"tags/0: 3 is not of type 'string'"):
        parser.parse('{"tags": [3], "n": 1, "ok": true}')


def test_bad_schema_json_is_a_clear_error() -> None:
    wf = ai_workflow(
        chain_node(),
        [
            (model_node("http://127.0.0.1:9/v1"), "ai_languageModel"),
            (parser_node('{"name": '), "ai_outputParser"),
        ],
    )
    result = run_workflow(wf, input_items=[{"question": "q"}])
    assert result.status == "error"
    assert "'Parser': the schema is not valid JSON" in result.error["message"]


def memory_node(window: int = 5) -> dict[str, Any]:
    return {
        "name": "Memory",
        "type": f"{L}.memoryBufferWindow",
        "typeVersion": 1.3,
        "parameters": {"sessionIdType": "fromInput", "contextWindowLength": window},
    }


def test_memory_keeps_each_session_and_its_window(backend: str) -> None:
    seen: list[list[str]] = []

    def script(body: dict[str, Any]) -> dict[str, Any]:
        contents = [m["content"] for m in body["messages"] if m["role"] != "system"]
        seen.append(contents)
        return reply(f"re: {contents[-1]}")

    with StandInServer(script) as server:
        wf = ai_workflow(
            agent_node(),
            [(model_node(server.base_url), "ai_languageModel"), (memory_node(1), "ai_memory")],
        )
        items = [
            {"sessionId": f"s-{backend}", "question": "one"},
            {"sessionId": f"s-{backend}", "question": "two"},
            {"sessionId": f"t-{backend}", "question": "other"},
        ]
        result = run_workflow(wf, backend=backend, input_items=items)
        assert result.status == "success", result.error
        again = run_workflow(
            wf, backend=backend, input_items=[{"sessionId": f"s-{backend}", "question": "three"}]
        )
    assert again.status == "success"
    assert ["one", "re: one", "two"] in seen  # same session, in order
    assert ["other"] in seen  # another session starts empty
    assert seen[-1] == ["two", "re: two", "three"]  # window of 1 exchange, across runs


def test_memory_backend_interface() -> None:
    memory = InProcessMemory(max_messages=3)
    memory.append("s", [{"role": "user", "content": str(i)} for i in range(5)])
    assert [m["content"] for m in memory.load("s")] == ["2", "3", "4"]
    memory.clear("s")
    assert memory.load("s") == []


def test_embeddings_are_batched_and_kept_in_order() -> None:
    with StandInServer(lambda body: reply("")) as server:
        embeddings = {
            "name": "Embeddings",
            "type": f"{L}.embeddingsOpenAi",
            "parameters": {
                "model": "minilm",
                "options": {"baseURL": server.base_url, "batchSize": 2},
            },
        }
        root = {
            "name": "Embed",
            "type": "hetumind.embed",
            "parameters": {"text": "={{ $json.t }}", "field": "vec"},
        }
        wf = ai_workflow(root, [(embeddings, "ai_embedding")])
        texts = ["a", "bb", "ccc", "dddd", "eeeee"]
        result = run_workflow(wf, input_items=[{"t": t} for t in texts])
    assert result.status == "success", result.error
    assert [i["vec"][0] for i in result.outputs("Embed")[0]] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert sorted(len(r["input"]) for r in server.embedding_requests) == [1, 2, 2]


def test_http_request_tool_fills_placeholders_from_the_model() -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        if not results:
            return reply(tool_calls=[("weather", {"city": "Oslo"})])
        return reply(results[0])

    with StandInServer(script) as server:
        tool = {
            "name": "Weather",
            "type": f"{L}.toolHttpRequest",
            "parameters": {
                "name": "weather",
                "toolDescription": "weather for a city",
                "method": "POST",
                "url": server.base_url + "/embeddings",
                "sendBody": True,
                "parametersBody": {
                    "values": [
                        {"name": "input", "valueProvider": "fieldValue", "value": ["x"]},
                        {"name": "model", "valueProvider": "fieldValue", "value": "m"},
                    ]
                },
                "sendQuery": True,
                "parametersQuery": {"values": [{"name": "city", "valueProvider": "modelRequired"}]},
            },
        }
        wf = ai_workflow(
            agent_node(), [(model_node(server.base_url), "ai_languageModel"), (tool, "ai_tool")]
        )
        result = run_workflow(wf, input_items=[{"question": "weather?"}])
    assert result.status == "success", result.error
    assert json.loads(result.outputs("Agent")[0][0]["output"])["data"][0]["embedding"] == [1.0, 1.0]
    assert server.embedding_requests[0]["path"].endswith("/embeddings?city=Oslo")
    spec = server.requests[0]["tools"][0]["function"]
    assert spec["parameters"]["required"] == ["city"]
