"""Postgres and Redis chat memory on the real servers (PostgreSQL 127.0.0.1:5432 database
`test`, Redis 127.0.0.1:6379), with the agent on the scripted chat stand-in."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from hetumind.engine import run_workflow
from tests.ai.standin import StandInServer, reply
from tests.ai.workflows import L, agent_node, ai_workflow, model_node

PG = {"host": "127.0.0.1", "port": 5432, "database": "test", "user": "postgres", "password": ""}


def memory_node(
    kind: str, session: str, credential: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "name": "Memory",
        "type": f"{L}.{kind}",
        "typeVersion": 1.3,
        "parameters": {
            "sessionIdType": "customKey",
            "sessionKey": session,
            "contextWindowLength": 2,
            **extra,
        },
        "credentials": {credential["type"]: {"id": "m", "name": "m", "data": credential["data"]}},
    }


def converse(memory: dict[str, Any]) -> StandInServer:
    """Two items in one session: the second request must carry the first exchange."""

    def script(body: dict[str, Any]) -> dict[str, Any]:
        return reply(f"echo {body['messages'][-1]['content']}")

    with StandInServer(script) as chat:
        wf = ai_workflow(
            agent_node(),
            [(model_node(chat.base_url), "ai_languageModel"), (memory, "ai_memory")],
        )
        result = run_workflow(wf, input_items=[{"question": "first"}, {"question": "second"}])
    assert result.status == "success", result.error
    assert [i["output"] for i in result.outputs("Agent")[0]] == ["echo first", "echo second"]
    second = chat.requests[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[1]["content"] == "first" and second[2]["content"] == "echo first"
    return chat


def test_postgres_chat_memory_uses_n8ns_table() -> None:
    asyncpg = pytest.importorskip("asyncpg")
    session = f"hetumind-test-{uuid.uuid4().hex}"
    table = "n8n_chat_histories"
    try:
        converse(memory_node("memoryPostgresChat", session, {"type": "postgres", "data": PG}))

        async def stored() -> list[Any]:
            conn = await asyncpg.connect(**{k: v for k, v in PG.items() if v != ""})
            try:
                return list(
                    await conn.fetch(
                        f"SELECT message FROM {table} WHERE session_id = $1 ORDER BY id",
                        session,
                    )
                )
            finally:
                await conn.close()

        rows = asyncio.run(stored())
        messages = [json.loads(r["message"]) for r in rows]
        assert [m["type"] for m in messages] == ["human", "ai", "human", "ai"]
        assert messages[0]["data"]["content"] == "first"
        assert messages[3]["data"]["content"] == "echo second"
    finally:

        async def clean() -> None:
            conn = await asyncpg.connect(**{k: v for k, v in PG.items() if v != ""})
            try:
                await conn.execute(f"DELETE FROM {table} WHERE session_id = $1", session)
            finally:
                await conn.close()

        asyncio.run(clean())


def test_redis_chat_memory_keeps_a_list_per_session() -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, decode_responses=True)
    session = f"hetumind-test-{uuid.uuid4().hex}"
    try:
        credential = {"type": "redis", "data": {"host": "127.0.0.1", "port": 6379}}
        converse(memory_node("memoryRedisChat", session, credential, sessionTTL=600))
        newest_first = [json.loads(v) for v in client.lrange(session, 0, -1)]
        assert [m["type"] for m in newest_first] == ["ai", "human", "ai", "human"]
        assert newest_first[0]["data"]["content"] == "echo second"
        assert 0 < client.ttl(session) <= 600
    finally:
        client.delete(session)
        client.close()


def test_bad_table_name_is_a_clear_error() -> None:
    memory = memory_node(
        "memoryPostgresChat", "s", {"type": "postgres", "data": PG}, tableName="x; drop"
    )
    with StandInServer(lambda body: reply("x")) as chat:
        wf = ai_workflow(
            agent_node(),
            [(model_node(chat.base_url), "ai_languageModel"), (memory, "ai_memory")],
        )
        result = run_workflow(wf, input_items=[{"question": "q"}])
    assert result.status == "error"
    assert "not a plain SQL identifier" in result.error["message"]


def manager_run(memory: dict[str, Any], version: float = 1.1, **parameters: Any) -> Any:
    manager = {
        "name": "Manager",
        "type": f"{L}.memoryManager",
        "typeVersion": version,
        "parameters": parameters,
    }
    result = run_workflow(ai_workflow(manager, [(memory, "ai_memory")]), input_items=[{}])
    assert result.status == "success", result.error
    return result.outputs("Manager")[0]


def test_memory_manager_inserts_loads_and_deletes_on_redis() -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, decode_responses=True)
    session = f"hetumind-test-{uuid.uuid4().hex}"
    credential = {"type": "redis", "data": {"host": "127.0.0.1", "port": 6379}}
    memory = memory_node("memoryRedisChat", session, credential)
    try:
        values = [
            {"type": "user", "message": "hi"},
            {"type": "ai", "message": "hello"},
            {"type": "user", "message": "bye"},
        ]
        inserted = manager_run(memory, mode="insert", messages={"messageValues": values})
        assert inserted == [{"success": True}]
        assert len(client.lrange(session, 0, -1)) == 3
        (loaded,) = manager_run(memory, mode="load")
        assert loaded == {"messages": [{"human": "hi", "ai": "hello"}, {"human": "bye"}],
                          "messagesCount": 2}  # fmt: skip
        raw = manager_run(
            memory, mode="load", simplifyOutput=False, options={"groupMessages": False}
        )
        assert [m["id"][-1] for m in raw] == ["HumanMessage", "AIMessage", "HumanMessage"]
        assert raw[1]["kwargs"]["content"] == "hello"
        manager_run(memory, mode="delete", lastMessagesCount=1)
        (after,) = manager_run(memory, mode="load")
        assert after["messages"] == [{"human": "hi", "ai": "hello"}]
        # v1 answers with the serialized messages
        legacy = manager_run(memory, version=1, mode="delete", deleteMode="all")
        assert legacy == [] and client.exists(session) == 0
    finally:
        client.delete(session)
        client.close()
