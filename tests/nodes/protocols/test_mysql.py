"""MySQL node against the real MariaDB on 127.0.0.1:3306 (root, no password, db `test`;
scripts/ensure-mariadb.sh). Each test works on a table of its own, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin.mysql import MySql
from tests.nodes.protocols.helpers import RESTRICTED, free_port, run_node

DB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "database": "test"}
TYPE = "n8n-nodes-base.mySql"


def _admin(sql: str) -> list[tuple[Any, ...]]:
    conn = pymysql.connect(**DB, autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        conn.close()


@pytest.fixture
def table() -> Iterator[str]:
    name = f"hm_proto_{uuid.uuid4().hex[:10]}"
    try:
        _admin(
            f"CREATE TABLE `{name}` (id INT PRIMARY KEY, name VARCHAR(50), age INT, "
            "born DATE, score DECIMAL(6,2))"
        )
    except pymysql.err.OperationalError as exc:
        pytest.fail(f"MariaDB is not reachable on 127.0.0.1:3306 ({exc})")
    yield name
    _admin(f"DROP TABLE IF EXISTS `{name}`")


def mysql(
    parameters: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    *,
    version: float = 2.4,
    credential: dict[str, Any] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    (out,) = run_node(
        MySql(),
        parameters,
        items,
        node_type=TYPE,
        version=version,
        credentials={"mySql": credential or DB},
        name="MySQL",
        **kwargs,
    )
    return out.to_json()


def rl(name: str) -> dict[str, Any]:
    return {"__rl": True, "mode": "list", "value": name}


def seed(table: str) -> None:
    _admin(
        f"INSERT INTO `{table}` VALUES (1, 'Ann', 30, '1994-02-03', 1.50), "
        "(2, 'Bob', 40, NULL, NULL), (3, 'Cy', 25, NULL, 9.25)"
    )


def test_execute_query_with_replacements_and_types(table: str) -> None:
    seed(table)
    out = mysql(
        {
            "operation": "executeQuery",
            "query": "SELECT id, name, born, score FROM $1:name WHERE age > $2 ORDER BY id",
            "options": {"queryReplacement": f"{table}, 26"},
        }
    )
    assert out == [
        {"id": 1, "name": "Ann", "born": "1994-02-03", "score": "1.50"},
        {"id": 2, "name": "Bob", "born": None, "score": None},
    ]


def test_execute_query_per_item_expression_and_write_result(table: str) -> None:
    out = mysql(
        {
            "operation": "executeQuery",
            "query": f"INSERT INTO `{table}` (id, name) VALUES ({{{{ $json.id }}}}, 'x')",
            "options": {"queryBatching": "independently"},
        },
        [{"id": 7}, {"id": 8}],
    )
    assert out == [{"success": True}, {"success": True}]
    assert _admin(f"SELECT id FROM `{table}` ORDER BY id") == [(7,), (8,)]


def test_insert_auto_map_single_batch(table: str) -> None:
    out = mysql(
        {"operation": "insert", "table": rl(table), "dataMode": "autoMapInputData"},
        [{"id": 1, "name": "Ann", "age": 30}, {"id": 2, "name": "O'Brien", "age": None}],
        version=2,
    )
    assert out == [{"success": True}]
    assert _admin(f"SELECT id, name, age FROM `{table}` ORDER BY id") == [
        (1, "Ann", 30),
        (2, "O'Brien", None),
    ]


def test_insert_resource_mapper_detailed_output(table: str) -> None:
    out = mysql(
        {
            "operation": "insert",
            "table": rl(table),
            "columns": {
                "mappingMode": "defineBelow",
                "value": {"id": "={{ $json.n }}", "name": "=N{{ $json.n }}"},
            },
            "options": {"detailedOutput": True},
        },
        [{"n": 5}],
    )
    assert out[0]["sql"].startswith(f"INSERT INTO `{table}` (`id`, `name`) VALUES (5,'N5')")
    assert out[0]["data"]["affectedRows"] == 1
    assert _admin(f"SELECT id, name FROM `{table}`") == [(5, "N5")]


def test_update_legacy_and_mapper(table: str) -> None:
    seed(table)
    mysql(
        {
            "operation": "update",
            "table": rl(table),
            "columnToMatchOn": "id",
            "dataMode": "autoMapInputData",
        },
        [{"id": 1, "name": "Anna"}],
        version=2.1,
    )
    mysql(
        {
            "operation": "update",
            "table": rl(table),
            "columns": {
                "mappingMode": "defineBelow",
                "value": {"id": 2, "age": 41},
                "matchingColumns": ["id"],
            },
        }
    )
    assert _admin(f"SELECT id, name, age FROM `{table}` ORDER BY id")[:2] == [
        (1, "Anna", 30),
        (2, "Bob", 41),
    ]


def test_upsert_inserts_and_updates(table: str) -> None:
    seed(table)
    mysql(
        {
            "operation": "upsert",
            "table": rl(table),
            "columnToMatchOn": "id",
            "dataMode": "autoMapInputData",
            "options": {"queryBatching": "transaction"},
        },
        [{"id": 1, "name": "Ann2"}, {"id": 9, "name": "New"}],
        version=2.2,
    )
    assert _admin(f"SELECT id, name FROM `{table}` WHERE id IN (1, 9) ORDER BY id") == [
        (1, "Ann2"),
        (9, "New"),
    ]


def test_select_where_sort_limit(table: str) -> None:
    seed(table)
    out = mysql(
        {
            "operation": "select",
            "table": rl(table),
            "where": {
                "values": [
                    {"column": "age", "condition": ">=", "value": "25"},
                    {"column": "born", "condition": "IS NULL"},
                ]
            },
            "combineConditions": "AND",
            "sort": {"values": [{"column": "age", "direction": "DESC"}]},
            "limit": 1,
            "options": {"outputColumns": ["id", "name"]},
        }
    )
    assert out == [{"id": 2, "name": "Bob"}]
    with pytest.raises(NodeExecutionError, match="is not a number"):
        mysql(
            {
                "operation": "select",
                "table": rl(table),
                "where": {"values": [{"column": "age", "condition": ">", "value": "x"}]},
            }
        )


def test_delete_rows_then_drop(table: str) -> None:
    seed(table)
    out = mysql(
        {
            "operation": "deleteTable",
            "table": rl(table),
            "deleteCommand": "delete",
            "where": {"values": [{"column": "name", "condition": "equal", "value": "Bob"}]},
        }
    )
    assert out == [{"success": True}]
    assert _admin(f"SELECT id FROM `{table}` ORDER BY id") == [(1,), (3,)]
    mysql({"operation": "deleteTable", "table": rl(table), "deleteCommand": "truncate"})
    assert _admin(f"SELECT COUNT(*) FROM `{table}`") == [(0,)]
    mysql({"operation": "deleteTable", "table": rl(table), "deleteCommand": "drop"})
    assert _admin(f"SHOW TABLES LIKE '{table}'") == []


def test_transaction_rolls_back_and_continue_on_fail(table: str) -> None:
    out = mysql(
        {
            "operation": "executeQuery",
            "query": f"INSERT INTO `{table}` (id, name) VALUES ({{{{ $json.id }}}}, 'x')",
            "options": {"queryBatching": "transaction"},
        },
        [{"id": 1}, {"id": 1}],
        continue_on_fail=True,
    )
    assert out[-1]["message"].startswith("Duplicate entry '1'")
    assert out[-1]["itemIndex"] == 1
    assert _admin(f"SELECT COUNT(*) FROM `{table}`") == [(0,)]


def test_sql_error_names_node_and_item(table: str) -> None:
    with pytest.raises(NodeExecutionError, match="doesn't exist") as caught:
        mysql({"operation": "executeQuery", "query": "SELECT * FROM hm_proto_no_such"})
    assert caught.value.node == "MySQL"


def test_bad_password_and_refused_connection() -> None:
    with pytest.raises(NodeExecutionError, match="Access denied for user 'root'") as caught:
        mysql(
            {"operation": "executeQuery", "query": "SELECT 1"},
            credential={**DB, "password": "wrong"},
        )
    assert caught.value.node == "MySQL"
    with pytest.raises(NodeExecutionError, match="Connection refused"):
        mysql(
            {"operation": "executeQuery", "query": "SELECT 1"},
            credential={**DB, "port": free_port()},
        )


def test_network_policy_refuses_loopback() -> None:
    with pytest.raises(NodeExecutionError, match="not allowed") as caught:
        mysql({"operation": "executeQuery", "query": "SELECT 1"}, capabilities=RESTRICTED)
    assert caught.value.node == "MySQL"


# version 1 ----------------------------------------------------------------------------------
def test_v1_insert_update_and_query(table: str) -> None:
    out = mysql(
        {"operation": "insert", "table": table, "columns": "id, name, born"},
        [{"id": 1, "name": "Ann", "born": "1994-02-03", "extra": "ignored"}, {"id": 2}],
        version=1,
    )
    assert out[0]["affectedRows"] == 2
    out = mysql(
        {"operation": "update", "table": table, "updateKey": "id", "columns": "name"},
        [{"id": 2, "name": "Bob"}],
        version=1,
    )
    assert out[0]["affectedRows"] == 1 and out[0]["changedRows"] == 1
    rows = mysql(
        {"operation": "executeQuery", "query": f"SELECT id, name, born FROM `{table}` ORDER BY id"},
        version=1,
    )
    assert rows[1] == {"id": 2, "name": "Bob", "born": None}
    assert rows[0]["born"].startswith("1994-02-0") and rows[0]["born"].endswith(".000Z")


def test_v1_error_fails_the_node_or_is_the_only_item() -> None:
    params = {"operation": "executeQuery", "query": "SELECT * FROM hm_proto_missing"}
    with pytest.raises(NodeExecutionError, match="doesn't exist") as caught:
        mysql(params, version=1)
    assert caught.value.node == "MySQL"
    out = mysql(params, [{}, {}], version=1, continue_on_fail=True)
    assert len(out) == 1 and "doesn't exist" in out[0]["error"]
