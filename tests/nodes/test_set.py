"""Edit Fields (Set) 3.x: assignments, conversions, include modes, dot notation, raw mode."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_sif import PEOPLE, SifContext, workflow

from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.set import Set
from hetumind.nodes.builtin.set_fields import path_set, validate_entry


def assign(*items: tuple[str, Any, str], **params: Any) -> dict[str, Any]:
    return {
        "assignments": {
            "assignments": [{"id": n, "name": n, "value": v, "type": t} for n, v, t in items]
        },
        **params,
    }


def run(
    params: dict[str, Any],
    rows: list[dict[str, Any]] = PEOPLE,
    *,
    version: float = 3.4,
    vectorize: bool = True,
    continue_on_fail: bool = False,
) -> list[dict[str, Any]]:
    batch = ItemBatch.from_json(rows)
    (out,) = Set().run(
        SifContext(
            params, batch, version=version, vectorize=vectorize, continue_on_fail=continue_on_fail
        ),
        [batch],
    )
    assert out.paired is not None and out.paired.to_pylist() == list(range(len(rows)))
    return out.to_json()


@pytest.mark.parametrize("vectorize", [True, False])
def test_assignments_replace_fields_by_default(vectorize: bool) -> None:
    out = run(
        assign(("who", "={{ $json.name }}", "string"), ("s", "={{ $json.score }}", "string")),
        vectorize=vectorize,
    )
    assert out[0] == {"who": "Ada", "s": "91.5"}
    assert out[1] == {"who": "Grace", "s": "88"}


@pytest.mark.parametrize("vectorize", [True, False])
def test_include_other_fields(vectorize: bool) -> None:
    params = assign(("age", "={{ $json.age }}", "string"), includeOtherFields=True)
    out = run(params, vectorize=vectorize)
    assert out[0] == {**PEOPLE[0], "age": "36"}
    selected = assign(
        ("x", 1, "number"), includeOtherFields=True, include="selected", includeFields="name, id"
    )
    assert run(selected, vectorize=vectorize)[0] == {"name": "Ada", "id": 1, "x": 1}
    except_ = assign(
        ("x", True, "boolean"),
        includeOtherFields=True,
        include="except",
        excludeFields="tags,email,score,active,city",
    )
    assert run(except_, vectorize=vectorize)[0] == {"id": 1, "name": "Ada", "age": 36, "x": True}


def test_conversions_match_n8n() -> None:
    assert validate_entry("n", "number", "12", 0, 3.4) == 12
    assert validate_entry("n", "number", "", 0, 3.4) == 0
    assert validate_entry("b", "boolean", "false", 0, 3.4) is False
    assert validate_entry("b", "boolean", 1, 0, 3.4) is True
    assert validate_entry("a", "array", '["x", 1]', 0, 3.4) == ["x", 1]
    assert validate_entry("o", "object", '{"a": 1}', 0, 3.4) == {"a": 1}
    assert validate_entry("s", "string", {"a": 1}, 0, 3.4) == '{"a":1}'
    assert validate_entry("s", "string", None, 0, 3.4) is None
    assert validate_entry("s", "string", None, 0, 3.0) == "null"
    with pytest.raises(Exception, match=r"'n' expects a number but we got 'abc' \[item 2\]"):
        validate_entry("n", "number", "abc", 2, 3.4)
    assert validate_entry("n", "number", "abc", 2, 3.4, ignore_errors=True) == "abc"


def test_conversion_error_names_item_and_continue_on_fail() -> None:
    rows = [{"n": "1"}, {"n": "x"}]
    params = assign(("num", "={{ $json.n }}", "number"))
    with pytest.raises(NodeExecutionError) as info:
        run(params, rows)
    assert info.value.item_index == 1
    assert "'num' expects a number but we got 'x' [item 1]" in info.value.message
    assert run(params, rows, continue_on_fail=True) == [
        {"num": 1},
        {"error": "'num' expects a number but we got 'x' [item 1]"},
    ]


def test_dot_notation() -> None:
    out = run(assign(("a.b", "={{ $json.id }}", "number"), ("l[1]", "x", "string")))
    assert out[0] == {"a": {"b": 1}, "l": [None, "x"]}
    out = run(assign(("a.b", "={{ $json.id }}", "number"), options={"dotNotation": False}))
    assert out[0] == {"a.b": 1}
    target: dict[str, Any] = {}
    path_set(target, "x['y.z'].w", 1)
    assert target == {"x": {"y.z": {"w": 1}}}


def test_raw_mode() -> None:
    params = {"mode": "raw", "jsonOutput": '={ "who": "{{ $json.name }}", "t": {{ $json.tags }} }'}
    out = run(params, PEOPLE[:1])
    assert out == [{"who": "Ada", "t": ["math", "code"]}]
    bad = {"mode": "raw", "jsonOutput": "[1, 2]"}
    with pytest.raises(NodeExecutionError, match="does not contain a valid JSON object"):
        run(bad, PEOPLE[:1])
    broken = {"mode": "raw", "jsonOutput": '{"a": [}'}
    with pytest.raises(NodeExecutionError, match="The 'JSON Output' in item 0 contains invalid"):
        run(broken, PEOPLE[:1])


def test_legacy_fields_shape() -> None:
    params = {
        "fields": {
            "values": [
                {"name": "label", "stringValue": "={{ $json.name }}"},
                {"name": "num", "type": "numberValue", "numberValue": "5"},
                {"name": "o", "type": "objectValue", "objectValue": '{"k": 1}'},
            ]
        },
        "include": "none",
    }
    assert run(params, PEOPLE[:1], version=3.2) == [{"label": "Ada", "num": 5, "o": {"k": 1}}]
    params["include"] = "all"
    assert run(params, PEOPLE[:1], version=3.0)[0]["id"] == 1


def test_binary_kept_or_stripped() -> None:
    batch = ItemBatch.from_json([{"a": 1}], binary=[{"data": {"mimeType": "text/plain"}}])
    keep = assign(("b", 2, "number"), includeOtherFields=True, options={"stripBinary": False})
    (out,) = Set().run(SifContext(keep, batch, version=3.4), [batch])
    assert out.binary is not None
    (out,) = Set().run(SifContext(assign(("b", 2, "number")), batch, version=3.4), [batch])
    assert out.binary is None


def test_set_in_a_workflow() -> None:
    wf = workflow(
        {
            "name": "Edit",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": assign(
                ("next", "={{ $json.age + 1 }}", "number"), includeOtherFields=True
            ),
        },
        PEOPLE,
    )
    result = run_workflow(wf, backend="inline").to_json()
    assert result["status"] == "success"
    out = result["runData"]["Edit"][0]["outputs"][0]
    assert [r["next"] for r in out] == [37, 46, 42, 73, 30, 37]
