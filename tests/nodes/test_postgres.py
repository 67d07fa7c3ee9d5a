"""Postgres node against the real PostgreSQL on 127.0.0.1:5432 (scripts/ensure-postgres.sh).

Every test works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import asyncpg
import pytest

from hetumind.db import pg_pool
from hetumind.db.pg_sql import SqlError, split_statements
from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.postgres import Postgres
from tests.engine.workflows import chain, data, node, split, start, workflow
from tests.nodes.context import node_context

PG = {"host": "127.0.0.1", "port": 5432, "database": "postgres", "user": "postgres"}
CREDENTIALS = {"postgres": {"id": "pg", "name": "local", "data": PG}}


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(**PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _fetch(sql: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(**PG)
    try:
        return [dict(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


@pytest.fixture
def schema() -> Iterator[str]:
    """A fresh schema with a `people` table; dropped after the test."""
    name = f"hm_pg_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(
            _admin(
                f'CREATE SCHEMA "{name}"; CREATE TABLE "{name}".people ('
                "id serial PRIMARY KEY, name text NOT NULL, age int, tags text[], "
                "meta jsonb, born date, big bigint, score numeric)"
            )
        )
    except OSError as exc:
        pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc})")
    yield name
    asyncio.run(_admin(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def rl(value: str) -> dict[str, Any]:
    return {"__rl": True, "mode": "name", "value": value}


def run_pg(
    parameters: Mapping[str, Any],
    rows: list[dict[str, Any]],
    *,
    version: float = 2.6,
    continue_on_fail: bool = False,
    credentials: Mapping[str, Any] | None = None,
) -> ItemBatch:
    """Run the node on `rows`; returns its one output batch."""
    batch = ItemBatch.from_json(rows)
    ctx = node_context(
        parameters,
        [batch],
        version=version,
        continue_on_fail=continue_on_fail,
        node_name="Postgres",
        node_type="n8n-nodes-base.postgres",
        credentials=CREDENTIALS if credentials is None else credentials,
    )
    (out,) = Postgres().run(ctx, [batch])
    return out


def query(sql: str, **options: Any) -> dict[str, Any]:
    return {"operation": "executeQuery", "query": sql, "options": options}


def table_op(schema: str, operation: str, **params: Any) -> dict[str, Any]:
    return {
        "operation": operation,
        "schema": {"__rl": True, "mode": "list", "value": schema},
        "table": rl("people"),
        **params,
    }


def insert_people(schema: str, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    params = table_op(schema, "insert", columns={"mappingMode": "autoMapInputData"})
    return run_pg(params, people).to_json()


# executeQuery ------------------------------------------------------------------------------
def test_execute_query_types_match_node_postgres() -> None:
    sql = (
        "SELECT 1 AS i, 2::bigint AS b, 1.50::numeric AS n, 2.5::float8 AS f, true AS t, "
        "'{\"a\": [1]}'::jsonb AS j, DATE '2024-01-15' AS d, "
        "TIMESTAMPTZ '2024-01-15 10:20:30.123456+02' AS ts, ARRAY[1,2] AS arr, NULL AS z, "
        "'00000000-0000-0000-0000-000000000001'::uuid AS u, '\\x0102'::bytea AS bin"
    )
    out = run_pg(query(sql), [{}]).to_json()
    assert out == [
        {
            "i": 1,
            "b": "2",
            "n": "1.50",
            "f": 2.5,
            "t": True,
            "j": {"a": [1]},
            "d": "2024-01-15T00:00:00.000Z",
            "ts": "2024-01-15T08:20:30.123Z",
            "arr": [1, 2],
            "z": None,
            "u": "00000000-0000-0000-0000-000000000001",
            "bin": {"type": "Buffer", "data": [1, 2]},
        }
    ]


def test_large_numbers_as_numbers() -> None:
    sql = "SELECT 9007::bigint AS b, 1.25::numeric AS n"
    out = run_pg(query(sql, largeNumbersOutput="numbers"), [{}]).to_json()
    assert out == [{"b": 9007, "n": 1.25}]


def test_query_parameters_from_expressions_per_item(schema: str) -> None:
    insert_people(schema, [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}])
    params = query(
        f'SELECT name, age FROM "{schema}".people WHERE name = $1 AND age > $2',
        queryReplacement="={{ $json.who }},{{ $json.min }}",
    )
    out = run_pg(params, [{"who": "Ada", "min": 30}, {"who": "Alan", "min": 50}])
    assert out.to_json() == [{"name": "Ada", "age": 36}]  # "30" binds to an int parameter
    assert out.paired is not None and out.paired.to_pylist() == [0]


def test_sql_injection_stays_data(schema: str) -> None:
    evil = "x'); DROP TABLE people; --"
    params = query(
        f'INSERT INTO "{schema}".people(name) VALUES($1) RETURNING name',
        queryReplacement="={{ $json.name }}",
    )
    assert run_pg(params, [{"name": evil}]).to_json() == [{"name": evil}]
    assert asyncio.run(_fetch(f'SELECT name FROM "{schema}".people')) == [{"name": evil}]


def test_query_expression_in_text_and_multiple_statements() -> None:
    sql = "SELECT {{ $json.a }} AS a; -- the next one\nSELECT $1::int + 1 AS b;"
    params = query(sql, queryReplacement="4")
    assert run_pg(params, [{"a": 7}]).to_json() == [{"a": 7}, {"b": 5}]


def test_array_query_parameter_and_name_filter(schema: str) -> None:
    params = query(
        "SELECT $1::int[] AS arr, 1 AS $2:name", queryReplacement="={{ [[1, 2], 'x y'] }}"
    )
    assert run_pg(params, [{}]).to_json() == [{"arr": [1, 2], "x y": 1}]
    literal = query("SELECT $1::text[] AS arr", queryReplacement="={{ ['{a,b}'] }}")
    assert run_pg(literal, [{}]).to_json() == [{"arr": ["a", "b"]}]


def test_quoted_placeholder_is_text_without_parameters() -> None:
    assert run_pg(query("SELECT '$1' AS v"), [{}]).to_json() == [{"v": "$1"}]


def test_empty_results_follow_version(schema: str) -> None:
    select = query(f'SELECT * FROM "{schema}".people')
    assert run_pg(select, [{}]).to_json() == []
    assert run_pg(select, [{}], version=2.2).to_json() == [{"success": True}]
    update = query(f"UPDATE \"{schema}\".people SET age = 1 WHERE name = 'nobody'")
    assert run_pg(update, [{}, {}]).to_json() == [{"success": True}]
    independent = query(update["query"], queryBatching="independently")
    assert run_pg(independent, [{}, {}]).to_json() == [{"success": True}] * 2


def test_transaction_batching_rolls_back_on_error(schema: str) -> None:
    params = query(
        f'INSERT INTO "{schema}".people(name, age) VALUES($1, $2)',
        queryReplacement="={{ $json.name }},{{ $json.age }}",
        queryBatching="transaction",
    )
    rows = [{"name": "Ada", "age": 1}, {"name": "Bob", "age": "not a number"}]
    with pytest.raises(NodeExecutionError) as info:
        run_pg(params, rows)
    assert info.value.item_index == 1 and "invalid input syntax for type integer" in str(info.value)
    assert "'Postgres'" in str(info.value)
    assert asyncio.run(_fetch(f'SELECT * FROM "{schema}".people')) == []
    out = run_pg(params, [*rows, {"name": "Cy", "age": 3}], continue_on_fail=True)
    assert out.to_json()[0] == {"success": True}  # reported as n8n does, yet rolled back
    assert out.to_json()[1]["item"] == rows[1] and len(out) == 2  # item 2 never ran
    assert out.paired is not None and out.paired.to_pylist() == [0, 1]
    assert asyncio.run(_fetch(f'SELECT * FROM "{schema}".people')) == []


def test_independent_batching_keeps_good_items(schema: str) -> None:
    params = query(
        f'INSERT INTO "{schema}".people(name, age) VALUES($1, $2) RETURNING name',
        queryReplacement="={{ $json.name }},{{ $json.age }}",
        queryBatching="independently",
    )
    rows = [{"name": "Ada", "age": 1}, {"name": "Bob", "age": "x"}, {"name": "Cy", "age": 3}]
    out = run_pg(params, rows, continue_on_fail=True).to_json()
    assert out[0] == {"name": "Ada"} and out[2] == {"name": "Cy"}
    assert out[1]["item"] == rows[1] and "invalid input syntax" in out[1]["error"]
    names = asyncio.run(_fetch(f'SELECT name FROM "{schema}".people ORDER BY id'))
    assert [r["name"] for r in names] == ["Ada", "Cy"]


def test_single_batching_failure_is_one_error_item(schema: str) -> None:
    params = query(
        f"INSERT INTO \"{schema}\".people(name, age) VALUES('a', $1)",
        queryReplacement="={{ $json.n }}",
    )
    out = run_pg(params, [{"n": 1}, {"n": "x"}], continue_on_fail=True).to_json()
    assert len(out) == 1 and "invalid input syntax" in out[0]["error"]
    assert asyncio.run(_fetch(f'SELECT * FROM "{schema}".people')) == []


def test_null_query_parameters_are_refused_as_n8n_does() -> None:
    params = query("SELECT $1", queryReplacement="={{ $json.n }}")
    out = run_pg(params, [{"n": None}], continue_on_fail=True).to_json()
    assert out[0]["error"].startswith("Query Parameters must be a string")


def test_invalid_sql_names_node_item_and_database_message() -> None:
    with pytest.raises(NodeExecutionError) as info:
        run_pg(query("SELEC 1"), [{}])
    message = str(info.value)
    assert "node 'Postgres'" in message and "item 0" in message
    assert 'syntax error at or near "SELEC"' in message


def test_placeholder_without_value_is_a_clear_error() -> None:
    with pytest.raises(NodeExecutionError, match=r"uses \$2 but there are 1 query parameter"):
        run_pg(query("SELECT $1, $2", queryReplacement="a"), [{}])


def test_missing_credential() -> None:
    with pytest.raises(NodeExecutionError, match=r'no.*credentials set for "postgres"'):
        run_pg(query("SELECT 1"), [{}], credentials={})


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_host_is_a_clear_error() -> None:
    port = _closed_port()
    creds = {"postgres": {"id": "x", "name": "x", "data": {**PG, "port": port}}}
    with pytest.raises(NodeExecutionError, match=rf"Connection refused \(127.0.0.1:{port}\)"):
        run_pg(query("SELECT 1"), [{}], credentials=creds)
    out = run_pg(query("SELECT 1"), [{"a": 1}], credentials=creds, continue_on_fail=True)
    assert out.to_json() == [
        {
            "message": f"Connection refused (127.0.0.1:{port})",
            "item": {"a": 1},
            "error": f"Connection refused (127.0.0.1:{port})",
        }
    ]


def test_one_pool_per_target_is_reused() -> None:
    run_pg(query("SELECT 1"), [{}])
    before = dict(pg_pool._pools)
    run_pg(query("SELECT 2"), [{}])
    assert pg_pool._pools == before and any(t.port == 5432 for _, t in before)


def test_empty_input_runs_nothing() -> None:
    assert len(run_pg(query("SELECT 1"), [])) == 0


# table operations ---------------------------------------------------------------------------
def test_insert_auto_map_and_define_below(schema: str) -> None:
    out = insert_people(schema, [{"name": "Ada", "age": 36, "tags": ["a", "b"], "meta": {"k": 1}}])
    assert out[0]["name"] == "Ada" and out[0]["tags"] == ["a", "b"] and out[0]["meta"] == {"k": 1}
    params = table_op(
        schema,
        "insert",
        columns={
            "mappingMode": "defineBelow",
            "value": {"name": "={{ $json.n }}", "tags": '["x"]'},
        },
        options={"outputColumns": ["name", "tags"]},
    )
    assert run_pg(params, [{"n": "Bob"}]).to_json() == [{"name": "Bob", "tags": ["x"]}]


def test_insert_legacy_values_to_send(schema: str) -> None:
    params = table_op(
        schema,
        "insert",
        dataMode="defineBelow",
        valuesToSend={
            "values": [{"column": "name", "value": "Eve"}, {"column": "age", "value": "9"}]
        },
    )
    out = run_pg(params, [{}], version=2.1).to_json()
    assert out[0]["name"] == "Eve" and out[0]["age"] == 9


def test_insert_checks_columns_and_nullability(schema: str) -> None:
    with pytest.raises(NodeExecutionError, match="Column 'nope' does not exist in selected table"):
        insert_people(schema, [{"name": "x", "nope": 1}])
    params = table_op(schema, "insert", columns={"mappingMode": "autoMapInputData"})
    out = run_pg(params, [{"name": None}, {"name": "ok"}], continue_on_fail=True).to_json()
    assert out[0]["error"] == "Column 'name' is not nullable" and out[0]["item"] == {"name": None}
    assert out[1]["name"] == "ok"


def test_update_matches_on_column(schema: str) -> None:
    insert_people(schema, [{"name": "Ada", "age": 1}, {"name": "Bob", "age": 2}])
    params = table_op(
        schema,
        "update",
        columns={"mappingMode": "autoMapInputData", "matchingColumns": ["name"]},
        options={"outputColumns": ["name", "age"]},
    )
    assert run_pg(params, [{"name": "Bob", "age": 20}]).to_json() == [{"name": "Bob", "age": 20}]
    with pytest.raises(NodeExecutionError, match=r"doesn't exist.*name=Zed"):
        run_pg(params, [{"name": "Zed", "age": 1}])
    legacy = table_op(schema, "update", dataMode="autoMapInputData", columnToMatchOn="name")
    out = run_pg(legacy, [{"name": "Ada", "age": 10}], version=2.1).to_json()
    assert out[0]["age"] == 10


def test_upsert_inserts_then_updates(schema: str) -> None:
    params = table_op(
        schema,
        "upsert",
        columns={"mappingMode": "autoMapInputData", "matchingColumns": ["id"]},
        options={"outputColumns": ["id", "name"]},
    )
    assert run_pg(params, [{"id": 7, "name": "first"}]).to_json() == [{"id": 7, "name": "first"}]
    assert run_pg(params, [{"id": 7, "name": "second"}]).to_json() == [{"id": 7, "name": "second"}]
    with pytest.raises(NodeExecutionError, match="Column to match on not found"):
        run_pg(params, [{"name": "no id"}])


def test_select_where_sort_limit(schema: str) -> None:
    people = [
        {"name": n, "age": a} for n, a in [("Ada", 36), ("Bob", 20), ("Cy", 50), ("Di", None)]
    ]
    insert_people(schema, people)
    params = table_op(
        schema,
        "select",
        where={"values": [{"column": "age", "condition": ">=", "value": "30"}]},
        sort={"values": [{"column": "age", "direction": "DESC"}]},
        options={"outputColumns": ["name"]},
    )
    assert run_pg(params, [{}]).to_json() == [{"name": "Cy"}, {"name": "Ada"}]
    params["limit"] = 1
    assert run_pg(params, [{}]).to_json() == [{"name": "Cy"}]
    either = table_op(
        schema,
        "select",
        returnAll=True,
        combineConditions="OR",
        where={
            "values": [
                {"column": "age", "condition": "IS NULL"},
                {"column": "name", "condition": "LIKE", "value": "B%"},
            ]
        },
        sort={"values": [{"column": "name"}]},
    )
    assert [r["name"] for r in run_pg(either, [{}]).to_json()] == ["Bob", "Di"]
    bad = table_op(
        schema, "select", where={"values": [{"column": "age", "condition": ">", "value": "x"}]}
    )
    with pytest.raises(NodeExecutionError, match="works with numbers, but value x is not a number"):
        run_pg(bad, [{}])


def test_delete_truncate_drop(schema: str) -> None:
    insert_people(schema, [{"name": "Ada"}, {"name": "Bob"}])
    delete = table_op(
        schema,
        "deleteTable",
        deleteCommand="delete",
        where={"values": [{"column": "name", "condition": "equal", "value": "Ada"}]},
    )
    assert run_pg(delete, [{}]).to_json() == [{"success": True}]
    assert asyncio.run(_fetch(f'SELECT name FROM "{schema}".people')) == [{"name": "Bob"}]
    truncate = table_op(schema, "deleteTable", deleteCommand="truncate", restartSequences=True)
    assert run_pg(truncate, [{}]).to_json() == [{"success": True}]
    assert asyncio.run(_fetch(f'SELECT * FROM "{schema}".people')) == []
    drop = table_op(schema, "deleteTable", deleteCommand="drop")
    assert run_pg(drop, [{}]).to_json() == [{"success": True}]
    tables = f"SELECT 1 FROM information_schema.tables WHERE table_schema = '{schema}'"
    assert asyncio.run(_fetch(tables)) == []


def test_identifiers_are_quoted_not_spliced(schema: str) -> None:
    params = table_op(schema, "select")
    params["table"] = rl('people" ; DROP SCHEMA x; --')
    with pytest.raises(NodeExecutionError, match="does not exist"):
        run_pg(params, [{}])


def test_split_statements_renumbers_and_respects_quotes() -> None:
    stmts = split_statements("SELECT $2, '$1;'; -- $1\nSELECT $$ $3 $$, $1", ["a", "b", "c"])
    assert [(s.sql, s.values) for s in stmts] == [
        ("SELECT $1, '$1;'; -- $1", ["b"]),  # sqlparse keeps a trailing comment
        ("SELECT $$ $3 $$, $1", ["a"]),
    ]
    with pytest.raises(SqlError, match="not supported"):
        split_statements("SELECT $1:raw", ["x"])


# a workflow on both backends ------------------------------------------------------------------
def _workflow(schema: str) -> dict[str, Any]:
    def pg(name: str, params: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return node(name, "postgres", 2.6, parameters=params, credentials=CREDENTIALS, **fields)

    rows = [{"name": "Ada", "age": 36}, {"name": "Bob", "age": 20}]
    insert = table_op(schema, "insert", columns={"mappingMode": "autoMapInputData"})
    select = table_op(schema, "select", returnAll=True, sort={"values": [{"column": "age"}]})
    nodes = [
        start(),
        data("Data", rows),
        split("Items"),
        pg("Insert", insert),
        pg("Select", select, executeOnce=True),
    ]
    edges = chain(*(n["name"] for n in nodes))
    return workflow(nodes, edges, settings={"executionOrder": "v1"})


def test_insert_then_select_workflow(schema: str, backend: str) -> None:
    result = run_workflow(_workflow(schema), backend=backend).to_json()
    assert result["status"] == "success", result
    selected = result["runData"]["Select"][0]["outputs"][0]
    assert [(r["name"], r["age"]) for r in selected] == [("Bob", 20), ("Ada", 36)]
