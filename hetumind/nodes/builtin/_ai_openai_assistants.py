"""The OpenAI node's assistant resource (Assistants API v2, `OpenAI-Beta: assistants=v2`):
create, list, deleteAssistant and message (a thread run polled until it ends, with the
tools connected on ai_tool answered when the run requires action).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from hetumind.integrations import Operation, Params
from hetumind.integrations.client import ServiceClient
from hetumind.nodes.builtin._ai_openai_ops import _call_tool, _fail, _model, _tools, _url

__all__ = ["ASSISTANT_OPERATIONS"]

BETA = {"OpenAI-Beta": "assistants=v2"}
POLL_S = 0.5
ENDED = ("completed", "failed", "cancelled", "expired", "incomplete")


def _call(client: ServiceClient, p: Params, method: str, path: str, **kw: Any) -> Any:
    return client.request(method, _url(client, path), headers=BETA, item_index=p.index, **kw)


def _assistant_id(p: Params) -> str:
    value = p.locator("assistantId")
    if not value:
        raise _fail(p, "The parameter 'assistantId' is required")
    return quote(value, safe="")


def _create(client: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    name = p.text("name")
    if options.get("failIfExists") and name:
        existing = _list_all(client, p)
        if any(a.get("name") == name for a in existing):
            raise _fail(p, f"An assistant with the same name '{name}' already exists")
    tools: list[dict[str, Any]] = []
    if p.get("codeInterpreter", False):
        tools.append({"type": "code_interpreter"})
    if p.get("knowledgeRetrieval", False):
        tools.append({"type": "file_search"})
    body: dict[str, Any] = {
        "model": _model(p, "gpt-4o-mini"),
        "name": name,
        "description": p.text("description"),
        "instructions": p.text("instructions"),
        "tools": tools,
    }
    for option, field in (("temperature", "temperature"), ("topP", "top_p")):
        if options.get(option) is not None:
            body[field] = options[option]
    return _call(client, p, "POST", "/assistants", body=body)


def _list_all(client: ServiceClient, p: Params) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = _call(client, p, "GET", "/assistants", qs={"limit": 100, "after": after})
        data = [a for a in (page.get("data") or []) if isinstance(a, dict)]
        out.extend(data)
        if not page.get("has_more") or not data:
            return out
        after = str(data[-1].get("id"))


def _list(client: ServiceClient, p: Params) -> Any:
    assistants = _list_all(client, p)
    if p.collection("options").get("simplify", True) is False:
        return assistants
    return [{"name": a.get("name"), "id": a.get("id"), "model": a.get("model")} for a in assistants]


def _delete(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "DELETE", f"/assistants/{_assistant_id(p)}")


def _prompt(p: Params) -> str:
    if p.text("prompt", "auto") == "define":
        return p.text("text")
    value = p.json.get("chatInput")
    if value in (None, ""):
        raise _fail(p, "No prompt specified: give items a 'chatInput' field or define the prompt")
    return str(value)


def _message(client: ServiceClient, p: Params) -> Any:
    _assistant_id(p)  # required: a clear error before anything is sent
    tools = _tools(p)
    by_name = {t.name: t for t in tools}
    body: dict[str, Any] = {
        "assistant_id": p.locator("assistantId"),
        "thread": {"messages": [{"role": "user", "content": _prompt(p)}]},
    }
    if tools:
        body["tools"] = [t.spec() for t in tools]
    run = _call(client, p, "POST", "/threads/runs", body=body)
    timeout = float(p.collection("options").get("timeout") or 600_000) / 1000
    deadline = time.monotonic() + timeout
    while True:
        status = run.get("status")
        thread, run_id = (
            quote(str(run.get("thread_id")), safe=""),
            quote(str(run.get("id")), safe=""),
        )
        if status in ENDED:
            break
        if status == "requires_action":
            calls = ((run.get("required_action") or {}).get("submit_tool_outputs") or {}).get(
                "tool_calls"
            ) or []
            outputs = [
                {
                    "tool_call_id": c.get("id"),
                    "output": _call_tool(
                        by_name,
                        str((c.get("function") or {}).get("name")),
                        str((c.get("function") or {}).get("arguments") or ""),
                    ),
                }
                for c in calls
                if isinstance(c, Mapping)
            ]
            path = f"/threads/{thread}/runs/{run_id}/submit_tool_outputs"
            run = _call(client, p, "POST", path, body={"tool_outputs": outputs})
            continue
        if time.monotonic() > deadline:
            raise _fail(p, f"the assistant's run did not end within {timeout:g} s")
        time.sleep(POLL_S)
        run = _call(client, p, "GET", f"/threads/{thread}/runs/{run_id}")
    if run.get("status") != "completed":
        reason = (run.get("last_error") or {}).get("message") or run.get("status")
        raise _fail(p, f"the assistant's run ended without an answer: {reason}")
    messages = _call(
        client,
        p,
        "GET",
        f"/threads/{thread}/messages",
        qs={"run_id": run.get("id"), "order": "asc"},
    )
    texts = [
        str((part.get("text") or {}).get("value", ""))
        for m in messages.get("data") or []
        if m.get("role") == "assistant"
        for part in m.get("content") or []
        if part.get("type") == "text"
    ]
    return {"output": "\n".join(texts)}


ASSISTANT_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("assistant", "create"): Operation(run=_create),
    ("assistant", "list"): Operation(run=_list),
    ("assistant", "deleteAssistant"): Operation(run=_delete),
    ("assistant", "message"): Operation(run=_message),
}
