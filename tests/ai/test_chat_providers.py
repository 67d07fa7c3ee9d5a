"""Chat model sub-nodes of other providers: Gemini and Anthropic against named fakes of
their public APIs (tests/fakes/fake_gemini.py, fake_anthropic.py), the OpenAI-compatible
ones (Ollama, Mistral, Groq, OpenRouter, DeepSeek, xAI) against the OpenAI fake and, in
the slow tier, the real local model. An agent with a tool works through each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hetumind.engine import run_workflow
from tests.ai.test_agent_loop import add_tool
from tests.ai.workflows import L, agent_node, ai_workflow, chain_node
from tests.fakes import fake_anthropic, fake_gemini, fake_openai_platform
from tests.fakes._base import serving

COMPATIBLE = {
    # type: (credential, URL field, path under the fake's root)
    "lmChatOllama": ("ollamaApi", "baseUrl", ""),
    "lmChatMistralCloud": ("mistralCloudApi", "url", "/v1"),
    "lmChatGroq": ("groqApi", "url", "/v1"),
    "lmChatOpenRouter": ("openRouterApi", "url", "/v1"),
    "lmChatDeepSeek": ("deepSeekApi", "url", "/v1"),
    "lmChatXAiGrok": ("xAiApi", "url", "/v1"),
}


def model(type_name: str, credential: str, data: dict[str, Any], **params: Any) -> dict[str, Any]:
    return {
        "name": "Model",
        "type": f"{L}.{type_name}",
        "typeVersion": 1,
        "parameters": params,
        "credentials": {credential: {"id": "c", "name": "c", "data": data}},
    }


def gemini(url: str, key: str = fake_gemini.API_KEY, **params: Any) -> dict[str, Any]:
    params.setdefault("modelName", "models/gemini-2.5-flash")
    return model("lmChatGoogleGemini", "googlePalmApi", {"host": url, "apiKey": key}, **params)


def anthropic(url: str, key: str = fake_anthropic.API_KEY, **params: Any) -> dict[str, Any]:
    params.setdefault("model", {"__rl": True, "value": "claude-3-5-haiku-20241022", "mode": "list"})
    node = model("lmChatAnthropic", "anthropicApi", {"apiKey": key, "url": url}, **params)
    node["typeVersion"] = 1.3
    return node


def run_agent(sub: dict[str, Any], tools: bool = True) -> Any:
    subs = [(sub, "ai_languageModel")] + ([(add_tool(), "ai_tool")] if tools else [])
    root = agent_node(returnIntermediateSteps=True)
    return run_workflow(ai_workflow(root, subs), input_items=[{"question": "add two and two"}])


@pytest.fixture()
def gemini_fake() -> Iterator[fake_gemini.FakeGemini]:
    with serving(fake_gemini.FakeGemini()) as served:
        yield served


@pytest.fixture()
def anthropic_fake() -> Iterator[fake_anthropic.FakeAnthropic]:
    with serving(fake_anthropic.FakeAnthropic()) as served:
        yield served


def test_gemini_agent_calls_a_tool_and_answers(gemini_fake: fake_gemini.FakeGemini) -> None:
    result = run_agent(gemini(gemini_fake.url, options={"temperature": 0.2, "topK": 3}))
    assert result.status == "success", result.error
    (item,) = result.outputs("Agent")[0]
    assert item["output"] == "Tool said: 4"
    step = item["intermediateSteps"][0]
    assert step["action"]["tool"] == "add" and step["observation"] == "4"
    first, second = (c.json for c in gemini_fake.calls(":generateContent"))
    assert gemini_fake.calls()[0].path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert first["systemInstruction"] == {"parts": [{"text": "You answer questions."}]}
    assert first["generationConfig"] == {"temperature": 0.2, "topK": 3}
    declared = first["tools"][0]["functionDeclarations"][0]
    assert declared["name"] == "add" and declared["parameters"]["required"] == ["a", "b"]
    assert [t["role"] for t in second["contents"]] == ["user", "model", "user"]
    call = second["contents"][1]["parts"][0]["functionCall"]
    assert call == {"name": "add", "args": {"a": 2, "b": 2}}
    answer = second["contents"][2]["parts"][0]["functionResponse"]
    assert answer == {"name": "add", "response": {"result": "4"}}


def test_gemini_chain_and_errors(gemini_fake: fake_gemini.FakeGemini) -> None:
    wf = ai_workflow(chain_node(), [(gemini(gemini_fake.url), "ai_languageModel")])
    result = run_workflow(wf, input_items=[{"question": "hi"}])
    assert result.status == "success", result.error
    assert result.outputs("Chain")[0][0]["text"] == "Echo: hi"
    bad = ai_workflow(chain_node(), [(gemini(gemini_fake.url, key="nope"), "ai_languageModel")])
    result = run_workflow(bad, input_items=[{"question": "hi"}])
    assert result.status == "error"
    assert "API key not valid" in str(result.error) and "INVALID_ARGUMENT" in str(result.error)
    gone = gemini(gemini_fake.url, modelName="models/gemini-0")
    result = run_workflow(
        ai_workflow(chain_node(), [(gone, "ai_languageModel")]), input_items=[{"question": "hi"}]
    )
    assert result.status == "error" and "gemini-0 is not found" in str(result.error)


def test_gemini_retries_after_429(gemini_fake: fake_gemini.FakeGemini) -> None:
    gemini_fake.rate_limit(1, retry_after=0)
    wf = ai_workflow(chain_node(), [(gemini(gemini_fake.url), "ai_languageModel")])
    result = run_workflow(wf, input_items=[{"question": "hi"}])
    assert result.status == "success", result.error
    assert len(gemini_fake.calls()) == 2


def test_anthropic_agent_calls_a_tool_and_answers(
    anthropic_fake: fake_anthropic.FakeAnthropic,
) -> None:
    sub = anthropic(anthropic_fake.url, options={"maxTokensToSample": 300, "topK": -1})
    result = run_agent(sub)
    assert result.status == "success", result.error
    (item,) = result.outputs("Agent")[0]
    assert item["output"] == "Tool said: 4"
    first, second = (c for c in anthropic_fake.calls("/v1/messages"))
    assert first.headers["anthropic-version"] == "2023-06-01"
    assert first.json["system"] == "You answer questions."
    assert first.json["max_tokens"] == 300 and "top_k" not in first.json
    assert first.json["tools"][0]["input_schema"]["required"] == ["a", "b"]
    assistant, user = second.json["messages"][1:]
    use = assistant["content"][0]
    assert use["type"] == "tool_use" and use["input"] == {"a": 2, "b": 2}
    assert user["content"] == [{"type": "tool_result", "tool_use_id": use["id"], "content": "4"}]


def test_anthropic_defaults_and_errors(anthropic_fake: fake_anthropic.FakeAnthropic) -> None:
    wf = ai_workflow(chain_node(), [(anthropic(anthropic_fake.url), "ai_languageModel")])
    result = run_workflow(wf, input_items=[{"question": "hi"}])
    assert result.status == "success", result.error
    assert result.outputs("Chain")[0][0]["text"] == "Echo: hi"
    assert anthropic_fake.calls()[0].json["max_tokens"] == 4096  # n8n's default
    bad = ai_workflow(chain_node(), [(anthropic(anthropic_fake.url, key="x"), "ai_languageModel")])
    result = run_workflow(bad, input_items=[{"question": "hi"}])
    assert result.status == "error"
    assert "HTTP 401" in str(result.error) and "authentication_error" in str(result.error)


def test_a_provider_without_a_key_is_a_clear_error() -> None:
    sub = model("lmChatGroq", "groqApi", {"url": "http://127.0.0.1:9/v1"})
    result = run_workflow(
        ai_workflow(chain_node(), [(sub, "ai_languageModel")]), input_items=[{"question": "hi"}]
    )
    assert result.status == "error"
    assert "'groqApi' credential with an API key" in str(result.error)


@pytest.mark.parametrize("type_name", sorted(COMPATIBLE))
def test_openai_compatible_agent_through_each_provider(type_name: str) -> None:
    credential, field, path = COMPATIBLE[type_name]
    with serving(fake_openai_platform.FakeOpenAIPlatform()) as fake:
        data = {field: fake.url + path, "apiKey": fake_openai_platform.API_KEY}
        sub = model(type_name, credential, data, model="gpt-4o-mini")
        result = run_agent(sub)
        assert result.status == "success", result.error
        (item,) = result.outputs("Agent")[0]
        assert item["output"] == "Tool said: 4"
        calls = fake.calls("/v1/chat/completions")
        assert len(calls) == 2 and calls[0].json["model"] == "gpt-4o-mini"
        assert calls[1].json["messages"][-1] == {
            "role": "tool",
            "tool_call_id": calls[1].json["messages"][-2]["tool_calls"][0]["id"],
            "content": "4",
        }


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_openai_compatible_providers_on_the_local_model() -> None:
    from hetumind.ai.local_server import vllm_server

    answers: dict[str, str] = {}
    with vllm_server("smollm2", max_num_seqs=8) as base_url:
        root = base_url.removesuffix("/v1")
        for type_name, (credential, field, path) in sorted(COMPATIBLE.items()):
            data = {field: root + path, "apiKey": "local"}
            sub = model(type_name, credential, data, model="smollm2", options={"temperature": 0})
            wf = ai_workflow(chain_node(), [(sub, "ai_languageModel")])
            result = run_workflow(wf, input_items=[{"question": "What is the capital of France?"}])
            assert result.status == "success", (type_name, result.error)
            answers[type_name] = result.outputs("Chain")[0][0]["text"]
    assert all("paris" in text.lower() for text in answers.values()), answers
    assert len(set(answers.values())) == 1  # same model, temperature 0: same answer


@pytest.mark.parametrize("provider", ["gemini", "anthropic"])
def test_server_mode_checks_the_providers_host(provider: str, tmp_path: Path) -> None:
    from hetumind.credentials import credential_key
    from tests.security.helpers import server_caps

    fake: Any = fake_gemini.FakeGemini() if provider == "gemini" else fake_anthropic.FakeAnthropic()
    with serving(fake):
        if provider == "gemini":
            sub = gemini(fake.url)
            kind, data = "googlePalmApi", {"host": fake.url, "apiKey": fake_gemini.API_KEY}
        else:
            sub = anthropic(fake.url)
            kind, data = "anthropicApi", {"url": fake.url, "apiKey": fake_anthropic.API_KEY}
        ref = {"id": "p1", "name": "provider"}
        sub["credentials"] = {kind: ref}
        resolved = {credential_key(kind, ref): data}
        wf = ai_workflow(chain_node(), [(sub, "ai_languageModel")])
        items = [{"question": "hi"}]
        refused = run_workflow(
            wf, input_items=items, capabilities=server_caps(tmp_path), credentials=resolved
        )
        assert refused.status == "error" and "not allowed" in str(refused.error)
        assert fake.calls() == []
        allowed = server_caps(tmp_path, HETUMIND_ALLOWED_HOSTS="127.0.0.1")
        result = run_workflow(wf, input_items=items, capabilities=allowed, credentials=resolved)
        assert result.status == "success", result.error
        assert result.outputs("Chain")[0][0]["text"] == "Echo: hi"
