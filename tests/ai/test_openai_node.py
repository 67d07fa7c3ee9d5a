"""The LangChain OpenAI node (`@n8n/n8n-nodes-langchain.openAi`): every operation against
a named fake of OpenAI's API (tests/fakes/fake_openai_platform.py), tools connected on
ai_tool, and the text message operation against the real local model (slow tier)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.engine import run_workflow
from hetumind.errors import HetumindError
from tests.ai.test_agent_loop import add_tool
from tests.ai.workflows import L, ai_workflow
from tests.fakes._base import serving
from tests.fakes.fake_openai_platform import API_KEY, PNG_1X1, FakeOpenAIPlatform
from tests.integrations.conftest import run_node

TYPE = f"{L}.openAi"


@pytest.fixture()
def fake() -> Iterator[FakeOpenAIPlatform]:
    with serving(FakeOpenAIPlatform()) as served:
        yield served


def creds(url: str, key: str = API_KEY) -> dict[str, Any]:
    return {"openAiApi": {"id": "o", "name": "OpenAI", "data": {"apiKey": key, "url": url}}}


def message_node(url: str, **params: Any) -> dict[str, Any]:
    return {
        "name": "OpenAI",
        "type": TYPE,
        "typeVersion": 1.8,
        "parameters": {
            "modelId": {"__rl": True, "value": "gpt-4o-mini", "mode": "list"},
            "messages": {
                "values": [
                    {"content": "You are terse.", "role": "system"},
                    {"content": "={{ $json.question }}"},
                ]
            },
            **params,
        },
        "credentials": creds(url),
    }


def run(
    fake: FakeOpenAIPlatform, params: dict[str, Any], items: Any = None, **kw: Any
) -> list[dict[str, Any]]:
    kw.setdefault("version", 1.8)
    return run_node(TYPE, params, creds(f"{fake.url}/v1"), items, **kw)


def test_text_message_simplified_gives_the_choices(fake: FakeOpenAIPlatform) -> None:
    wf = ai_workflow(message_node(f"{fake.url}/v1", options={"maxTokens": 20, "topP": 0.5}), [])
    result = run_workflow(wf, input_items=[{"question": "hi"}, {"question": "bye"}])
    assert result.status == "success", result.error
    items = result.outputs("OpenAI")[0]
    assert [i["message"]["content"] for i in items] == ["Echo: hi", "Echo: bye"]
    assert items[0]["finish_reason"] == "stop" and items[0]["index"] == 0
    body = fake.calls("/chat/completions")[0].json
    assert body["max_tokens"] == 20 and body["top_p"] == 0.5 and "maxTokens" not in body
    assert body["messages"][0] == {"role": "system", "content": "You are terse."}


def test_text_message_json_output_and_raw_response(fake: FakeOpenAIPlatform) -> None:
    wf = ai_workflow(message_node(f"{fake.url}/v1", jsonOutput=True, simplify=False), [])
    result = run_workflow(wf, input_items=[{"question": "hi"}])
    assert result.status == "success", result.error
    (item,) = result.outputs("OpenAI")[0]
    assert item["object"] == "chat.completion"
    assert item["choices"][0]["message"]["content"] == {"echo": "hi"}
    body = fake.calls("/chat/completions")[0].json
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["content"] == "You are a helpful assistant designed to output JSON."


def test_text_message_runs_connected_tools(fake: FakeOpenAIPlatform) -> None:
    wf = ai_workflow(message_node(f"{fake.url}/v1"), [(add_tool(), "ai_tool")])
    result = run_workflow(wf, input_items=[{"question": "add"}])
    assert result.status == "success", result.error
    (item,) = result.outputs("OpenAI")[0]
    # the fake called add(a=2, b=2); the sub-workflow answered 4; the model used it
    assert item["message"]["content"] == "Tool said: 4"
    first, second = (c.json for c in fake.calls("/chat/completions"))
    assert first["tools"][0]["function"]["name"] == "add"
    assert second["messages"][-1]["role"] == "tool" and second["messages"][-1]["content"] == "4"
    assert second["messages"][-2]["tool_calls"][0]["function"]["name"] == "add"


def test_a_wrong_key_is_a_clear_node_error(fake: FakeOpenAIPlatform) -> None:
    node = message_node(f"{fake.url}/v1")
    node["credentials"] = creds(f"{fake.url}/v1", key="sk-wrong")
    result = run_workflow(ai_workflow(node, []), input_items=[{"question": "hi"}])
    assert result.status == "error"
    assert result.error["node"] == "OpenAI"  # n8n's text for a 401
    assert "Authorization failed" in result.error["message"]


def test_bad_messages_name_the_parameter(fake: FakeOpenAIPlatform) -> None:
    with pytest.raises(HetumindError, match="'messages'"):
        run(fake, {"resource": "text", "operation": "message", "messages": {"values": "nope"}})
    with pytest.raises(HetumindError, match="role 'robot'"):
        run(fake, {"messages": {"values": [{"role": "robot", "content": "x"}]}})


def test_text_classify_moderation(fake: FakeOpenAIPlatform) -> None:
    params = {"resource": "text", "operation": "classify", "input": "I will kill it"}
    (item,) = run(fake, params)
    assert item["json"] == {"flagged": True}
    assert fake.calls("/moderations")[0].json["model"] == "text-moderation-latest"
    (item,) = run(
        fake, {**params, "input": "hello", "simplify": False, "options": {"useStableModel": True}}
    )
    assert item["json"]["flagged"] is False and "category_scores" in item["json"]
    assert fake.calls("/moderations")[1].json["model"] == "text-moderation-stable"


def test_image_generate_as_binary_and_as_urls(fake: FakeOpenAIPlatform) -> None:
    params = {"resource": "image", "operation": "generate", "model": "dall-e-2", "prompt": "a cat"}
    (item,) = run(fake, {**params, "options": {"binaryPropertyOutput": "img", "size": "256x256"}})
    assert read_binary(item["binary"]["img"]) == PNG_1X1
    assert item["binary"]["img"]["mimeType"] == "image/png"
    assert item["json"]["mimeType"] == "image/png"
    body = fake.calls("/images/generations")[0].json
    assert body == {
        "prompt": "a cat",
        "model": "dall-e-2",
        "response_format": "b64_json",
        "size": "256x256",
    }
    urls = run(fake, {**params, "options": {"returnImageUrls": True, "n": 2}})
    assert [i["json"]["url"].rsplit("/", 1)[1] for i in urls] == ["img-0.png", "img-1.png"]
    run(fake, {**params, "model": "gpt-image-1"})
    assert "response_format" not in fake.calls("/images/generations")[-1].json


def test_image_analyze_from_url_and_from_binary(fake: FakeOpenAIPlatform) -> None:
    (item,) = run(
        fake,
        {
            "resource": "image",
            "operation": "analyze",
            "modelId": {"__rl": True, "value": "gpt-4o", "mode": "list"},
            "text": "what is it?",
            "imageUrls": "https://x.test/a.png, https://x.test/b.png",
        },
    )
    assert item["json"] == {"content": "I see 2 image(s): what is it?"}
    entry = put_binary(PNG_1X1, mime_type="image/png", file_name="p.png")
    (item,) = run(
        fake,
        {
            "resource": "image",
            "operation": "analyze",
            "inputType": "base64",
            "options": {"detail": "low"},
        },
        [{"json": {}, "binary": {"data": entry}}],
    )
    assert item["json"]["content"].startswith("I see 1 image(s)")
    body = fake.calls("/chat/completions")[-1].json
    part = body["messages"][0]["content"][1]["image_url"]
    assert part["url"].startswith("data:image/png;base64,") and part["detail"] == "low"
    assert body["max_tokens"] == 300


def test_audio_transcribe_translate_and_generate(fake: FakeOpenAIPlatform) -> None:
    audio = put_binary(b"RIFF....WAVE", mime_type="audio/wav", file_name="talk.wav")
    items = [{"json": {}, "binary": {"data": audio}}]
    (item,) = run(
        fake, {"resource": "audio", "operation": "transcribe", "options": {"language": "de"}}, items
    )
    assert item["json"] == {"text": "transcript of talk.wav (12 bytes, de)"}
    sent = fake.calls("/audio/transcriptions")[0]
    assert sent.form["model"] == "whisper-1" and sent.files["file"][1] == "audio/wav"
    (item,) = run(fake, {"resource": "audio", "operation": "translate"}, items)
    assert item["json"] == {"text": "translated talk.wav (12 bytes)"}
    (item,) = run(
        fake,
        {
            "resource": "audio",
            "operation": "generate",
            "input": "hello",
            "voice": "nova",
            "options": {"response_format": "opus", "speed": 1.5, "binaryPropertyOutput": "speech"},
        },
    )
    assert read_binary(item["binary"]["speech"]) == b"AUDIO[opus|1.5]:hello"
    assert item["binary"]["speech"]["fileName"] == "audio.opus"
    assert item["binary"]["speech"]["mimeType"] == "audio/opus"


def test_audio_without_the_binary_field_names_it(fake: FakeOpenAIPlatform) -> None:
    with pytest.raises(HetumindError, match="binary file 'data'"):
        run(fake, {"resource": "audio", "operation": "transcribe"})
    (item,) = run(fake, {"resource": "audio", "operation": "transcribe"}, continue_on_fail=True)
    assert "binary file 'data'" in item["json"]["error"]


def test_files_upload_list_delete(fake: FakeOpenAIPlatform) -> None:
    doc = put_binary(b'{"a": 1}\n', mime_type="application/jsonl", file_name="train.jsonl")
    items = [{"json": {}, "binary": {"data": doc}}]
    (up,) = run(
        fake,
        {"resource": "file", "operation": "upload", "options": {"purpose": "fine-tune"}},
        items,
    )
    assert up["json"]["filename"] == "train.jsonl" and up["json"]["purpose"] == "fine-tune"
    run(fake, {"resource": "file", "operation": "upload"}, items)
    listed = run(
        fake, {"resource": "file", "operation": "list", "options": {"purpose": "fine-tune"}}
    )
    assert [i["json"]["id"] for i in listed] == [up["json"]["id"]]
    assert len(run(fake, {"resource": "file", "operation": "list"})) == 2
    target = {"__rl": True, "value": up["json"]["id"], "mode": "id"}
    (gone,) = run(fake, {"resource": "file", "operation": "deleteFile", "fileId": target})
    assert gone["json"] == {"id": up["json"]["id"], "object": "file", "deleted": True}
    with pytest.raises(HetumindError, match="could not be found"):
        run(fake, {"resource": "file", "operation": "deleteFile", "fileId": target})


def test_an_unknown_operation_is_named(fake: FakeOpenAIPlatform) -> None:
    with pytest.raises(HetumindError, match='"update" of resource "assistant"'):
        run(fake, {"resource": "assistant", "operation": "update"})


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_text_message_on_the_local_model() -> None:
    from hetumind.ai.local_server import vllm_server

    with vllm_server("smollm2", max_num_seqs=4) as base_url:
        node = message_node(base_url, options={"maxTokens": 16, "temperature": 0})
        node["parameters"]["modelId"]["value"] = "smollm2"
        node["credentials"] = creds(base_url, key="local")
        result = run_workflow(
            ai_workflow(node, []), input_items=[{"question": "What is the capital of France?"}]
        )
    assert result.status == "success", result.error
    (item,) = result.outputs("OpenAI")[0]
    assert item["message"]["role"] == "assistant"
    assert "paris" in str(item["message"]["content"]).lower()
    assert item["finish_reason"] in ("stop", "length")
    json.dumps(item)  # the item is plain JSON


def test_assistant_create_list_message_delete(fake: FakeOpenAIPlatform) -> None:
    base = {"resource": "assistant"}
    model = {"__rl": True, "value": "gpt-4o-mini", "mode": "list"}
    created = [
        run(
            fake,
            {
                **base,
                "operation": "create",
                "modelId": model,
                "name": f"helper {n}",
                "instructions": "be brief",
                "codeInterpreter": True,
            },
        )[0]["json"]
        for n in range(3)
    ]
    assert created[0]["tools"] == [{"type": "code_interpreter"}]
    with pytest.raises(HetumindError, match="same name 'helper 1' already exists"):
        run(
            fake,
            {
                **base,
                "operation": "create",
                "modelId": model,
                "name": "helper 1",
                "options": {"failIfExists": True},
            },
        )
    listed = run(fake, {**base, "operation": "list"})
    assert [i["json"] for i in listed] == [
        {"name": a["name"], "id": a["id"], "model": "gpt-4o-mini"} for a in created
    ]
    target = {"__rl": True, "value": created[0]["id"], "mode": "id"}
    (answer,) = run(
        fake,
        {**base, "operation": "message", "assistantId": target, "prompt": "define", "text": "hi"},
    )
    assert answer["json"] == {"output": "Echo: hi"}
    (gone,) = run(fake, {**base, "operation": "deleteAssistant", "assistantId": target})
    assert gone["json"]["deleted"] is True
    assert len(run(fake, {**base, "operation": "list"})) == 2


def test_assistant_message_answers_the_runs_tool_calls(fake: FakeOpenAIPlatform) -> None:
    creds_ = creds(f"{fake.url}/v1")

    made = run(fake, {"resource": "assistant", "operation": "create", "name": "calc"})[0]["json"]
    node = {
        "name": "OpenAI",
        "type": TYPE,
        "typeVersion": 1.8,
        "parameters": {
            "resource": "assistant",
            "operation": "message",
            "assistantId": {"__rl": True, "value": made["id"], "mode": "id"},
        },
        "credentials": creds_,
    }
    wf = ai_workflow(node, [(add_tool(), "ai_tool")])
    result = run_workflow(wf, input_items=[{"chatInput": "add"}])
    assert result.status == "success", result.error
    assert result.outputs("OpenAI")[0] == [{"output": "Tool said: 4"}]
    submitted = fake.calls("/submit_tool_outputs")[0].json["tool_outputs"]
    assert [o["output"] for o in submitted] == ["4"]
    runs = fake.calls("/threads/runs")[0].json
    assert runs["tools"][0]["function"]["name"] == "add"
    missing = run(
        fake,
        {
            "resource": "assistant",
            "operation": "message",
            "assistantId": node["parameters"]["assistantId"],
        },
        continue_on_fail=True,
    )
    assert "chatInput" in missing[0]["json"]["error"]
