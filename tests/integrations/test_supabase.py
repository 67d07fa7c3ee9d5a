"""Supabase 1 against a fake of PostgREST behind Supabase's gateway: row create (defineBelow
and autoMap in one POST), get, getAll (manual filters any / all, string filters, limit,
returnAll over pages), update and delete (eq, neq, gt, gte, lt, lte, like, ilike, is,
fullText), custom schema headers; auth failures, PostgREST errors, 429 + Retry-After,
continueOnFail; the credential headers; the Tool variant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.registry import default_registry
from tests.fakes._base import serving
from tests.fakes.fake_supabase import ANON, SERVICE_ROLE, FakeSupabase
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.supabase"
PEOPLE = [
    {"id": 1, "name": "Ada", "age": 36, "city": "London", "bio": "First programmer ever"},
    {"id": 2, "name": "bob", "age": 25, "city": "Paris", "bio": None},
    {"id": 3, "name": "Cy", "age": 41, "city": "London", "bio": "Builds analytical engines"},
]
COLUMNS = ["id", "name", "age", "city", "bio"]


@pytest.fixture(scope="module")
def api() -> Iterator[FakeSupabase]:
    with serving(FakeSupabase()) as fake:
        yield fake


@pytest.fixture(autouse=True)
def tables(api: FakeSupabase) -> None:
    api.schemas = {"public": {}, "crm": {}}
    api.add_table("people", COLUMNS, PEOPLE)
    api.add_table("leads", ["id", "email"], [{"email": "a@x.example"}], schema="crm")
    api.log.clear()
    api.rate_limit(0)


def creds(api: FakeSupabase, key: str = SERVICE_ROLE) -> dict[str, Any]:
    return {
        "supabaseApi": {
            "id": "s",
            "name": "sb",
            "data": {"host": api.url + "/", "serviceRole": key},
        }
    }


def run(
    api: FakeSupabase,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    key = kw.pop("key", SERVICE_ROLE)
    params = {"resource": "row", "tableId": "people", **params}
    return [o["json"] for o in run_node(TYPE, params, creds(api, key), items, **kw)]


def cond(key: str, condition: str, value: Any, search: str = "") -> dict[str, Any]:
    out = {"keyName": key, "condition": condition, "keyValue": value}
    if search:
        out["searchFunction"] = search
    return out


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in rows]


# -- create ---------------------------------------------------------------------------------


def test_create_define_below_sends_all_items_in_one_post(api: FakeSupabase) -> None:
    params = {
        "operation": "create",
        "fieldsUi": {
            "fieldValues": [
                {"fieldId": "name", "fieldValue": "={{ $json.n }}"},
                {"fieldId": "city", "fieldValue": "Oslo"},
            ]
        },
    }
    out = run(api, params, [{"json": {"n": "Di"}}, {"json": {"n": "Ed"}}])
    assert [(r["id"], r["name"], r["city"], r["age"]) for r in out] == [
        (4, "Di", "Oslo", None),
        (5, "Ed", "Oslo", None),
    ]
    (post,) = api.calls("/rest/v1/people")
    assert post.method == "POST" and post.json == [
        {"name": "Di", "city": "Oslo"},
        {"name": "Ed", "city": "Oslo"},
    ]
    assert post.headers["prefer"] == "return=representation"
    assert post.headers["apikey"] == SERVICE_ROLE
    assert post.headers["authorization"] == f"Bearer {SERVICE_ROLE}"
    assert "content-profile" not in post.headers


def test_create_auto_map_with_inputs_to_ignore(api: FakeSupabase) -> None:
    params = {"operation": "create", "dataToSend": "autoMapInputData", "inputsToIgnore": "tmp, x"}
    out = run(api, params, [{"json": {"name": "Fi", "age": 30, "tmp": 1, "x": 2}}])
    assert out == [{"id": 4, "name": "Fi", "age": 30, "city": None, "bio": None}]
    assert api.table("people").rows[-1]["name"] == "Fi"


def test_create_error_names_postgrest_words(api: FakeSupabase) -> None:
    params = {"operation": "create", "dataToSend": "autoMapInputData"}
    with pytest.raises(NodeApiError) as info:
        run(api, params, [{"json": {"name": "G", "colour": "red"}}])
    assert info.value.http_code == 400
    assert info.value.description == (
        "Could not find the 'colour' column of 'people' in the schema cache"
    )
    out = run(api, params, [{"json": {"id": 1, "name": "dup"}}], continue_on_fail=True)
    assert out == [{"error": 'duplicate key value violates unique constraint "people_pkey"'}]
    assert len(api.table("people").rows) == 3


# -- get --------------------------------------------------------------------------------------


def test_get_by_conditions(api: FakeSupabase) -> None:
    params = {
        "operation": "get",
        "filters": {"conditions": [{"keyName": "id", "keyValue": "={{ $json.id }}"}]},
    }
    out = run(api, params, [{"json": {"id": 3}}, {"json": {"id": 9}}, {"json": {"id": 1}}])
    assert names(out) == ["Cy", "Ada"]
    assert [c.query["id"] for c in api.calls("/people")] == ["eq.3", "eq.9", "eq.1"]


def test_get_needs_a_condition_even_with_continue_on_fail(api: FakeSupabase) -> None:
    with pytest.raises(NodeExecutionError, match="At least one select condition must be defined"):
        run(api, {"operation": "get"}, continue_on_fail=True)
    assert api.calls() == []


# -- getAll -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("city", "eq", "London"), ["Ada", "Cy"]),
        (cond("city", "neq", "London"), ["bob"]),
        (cond("age", "gt", "36"), ["Cy"]),
        (cond("age", "gte", "36"), ["Ada", "Cy"]),
        (cond("age", "lt", "36"), ["bob"]),
        (cond("age", "lte", 36), ["Ada", "bob"]),
        (cond("name", "like", "*y"), ["Cy"]),
        (cond("name", "like", "B*"), []),
        (cond("name", "ilike", "B*"), ["bob"]),
        (cond("bio", "is", "null"), ["bob"]),
        (cond("bio", "fullText", "analytical", "fts"), ["Cy"]),
        (cond("bio", "fullText", "first programmer", "plfts"), ["Ada"]),
    ],
)
def test_get_all_conditions(
    api: FakeSupabase, condition: dict[str, Any], expected: list[str]
) -> None:
    params = {"operation": "getAll", "filters": {"conditions": [condition]}}
    assert names(run(api, params)) == expected
    call = api.calls("/people")[-1]
    assert call.query["or"].startswith(f"({condition['keyName']}.")
    assert call.query["limit"] == "50"


def test_get_all_match_all_and_string_filter(api: FakeSupabase) -> None:
    params = {
        "operation": "getAll",
        "matchType": "allFilters",
        "filters": {"conditions": [cond("city", "eq", "London"), cond("age", "gt", 40)]},
        "returnAll": True,
    }
    assert names(run(api, params)) == ["Cy"]
    assert api.calls("/people")[-1].query == {"and": "(city.eq.London,age.gt.40)"}
    text = {
        "operation": "getAll",
        "filterType": "string",
        "filterString": "age=lt.40&order=age.desc",
    }
    assert names(run(api, text)) == ["Ada", "bob"]
    spaced = {
        "operation": "getAll",
        "filterType": "string",
        "filterString": "bio=fts.analytical engines",
    }
    assert names(run(api, spaced)) == ["Cy"]
    assert "%20" in api.calls("/people")[-1].raw_query


def test_get_all_limit_and_pages(api: FakeSupabase) -> None:
    many = [{"name": f"p{i}", "age": i} for i in range(2350)]
    api.add_table("crowd", ["id", "name", "age"], many)
    assert len(run(api, {"operation": "getAll", "tableId": "crowd", "limit": 7})) == 7
    api.log.clear()
    out = run(api, {"operation": "getAll", "tableId": "crowd", "returnAll": True})
    assert [r["age"] for r in out] == list(range(2350))
    pages = api.calls("/crowd")
    assert [c.query.get("offset") for c in pages] == [None, "1000", "2000"]
    assert "limit" not in pages[0].query


def test_get_all_with_custom_schema(api: FakeSupabase) -> None:
    params = {"operation": "getAll", "tableId": "leads", "useCustomSchema": True, "schema": "crm"}
    assert run(api, params) == [{"id": 1, "email": "a@x.example"}]
    assert api.calls("/leads")[-1].headers["accept-profile"] == "crm"
    with pytest.raises(NodeApiError) as info:
        run(api, {**params, "schema": "sales"})
    assert info.value.http_code == 406
    assert info.value.description == "The schema must be one of the following: public, crm"
    with pytest.raises(NodeApiError) as missing:
        run(api, {"operation": "getAll", "tableId": "leads"})  # not in public
    assert missing.value.http_code == 404


# -- update / delete --------------------------------------------------------------------------


def test_update_any_and_all_filters(api: FakeSupabase) -> None:
    params = {
        "operation": "update",
        "filters": {"conditions": [cond("name", "eq", "Ada"), cond("name", "eq", "Cy")]},
        "fieldsUi": {"fieldValues": [{"fieldId": "city", "fieldValue": "Rome"}]},
    }
    out = run(api, params)
    assert [(r["name"], r["city"]) for r in out] == [("Ada", "Rome"), ("Cy", "Rome")]
    patch = api.calls("/people")[-1]
    assert patch.method == "PATCH" and patch.query == {"or": "(name.eq.Ada,name.eq.Cy)"}
    assert patch.json == {"city": "Rome"}
    every = {
        **params,
        "matchType": "allFilters",
        "filters": {"conditions": [cond("city", "eq", "Rome"), cond("age", "lt", 40)]},
        "dataToSend": "autoMapInputData",
    }
    out = run(api, every, [{"json": {"bio": "Countess"}}])
    assert [(r["name"], r["bio"]) for r in out] == [("Ada", "Countess")]
    assert api.calls("/people")[-1].query == {"city": "eq.Rome", "age": "lt.40"}


def test_update_string_filter_and_schema_header(api: FakeSupabase) -> None:
    params = {
        "operation": "update",
        "tableId": "leads",
        "useCustomSchema": True,
        "schema": "crm",
        "filterType": "string",
        "filterString": "email=ilike.A@*",
        "fieldsUi": {"fieldValues": [{"fieldId": "email", "fieldValue": "b@x.example"}]},
    }
    assert run(api, params) == [{"id": 1, "email": "b@x.example"}]
    assert api.calls("/leads")[-1].headers["content-profile"] == "crm"


def test_delete_per_item(api: FakeSupabase) -> None:
    params = {
        "operation": "delete",
        "filters": {"conditions": [cond("id", "eq", "={{ $json.id }}")]},
    }
    out = run(api, params, [{"json": {"id": 2}}, {"json": {"id": 3}}])
    assert names(out) == ["bob", "Cy"]
    assert names(api.table("people").rows) == ["Ada"]
    assert all(c.method == "DELETE" for c in api.calls("/people"))


def test_delete_without_conditions_is_refused(api: FakeSupabase) -> None:
    with pytest.raises(NodeExecutionError, match="At least one select condition") as info:
        run(api, {"operation": "delete"})
    assert info.value.item_index == 0
    # a string filter that filters nothing meets Supabase's safeupdate
    with pytest.raises(NodeApiError) as refused:
        run(api, {"operation": "delete", "filterType": "string", "filterString": "select=*"})
    assert refused.value.description == "DELETE requires a WHERE clause"
    assert len(api.table("people").rows) == 3


def test_bad_filter_value_and_column(api: FakeSupabase) -> None:
    params = {"operation": "getAll", "filters": {"conditions": [cond("age", "gt", "old")]}}
    with pytest.raises(NodeApiError) as info:
        run(api, params)
    assert info.value.http_code == 400
    assert info.value.description == 'invalid input syntax for type integer: "old"'
    unknown = {"operation": "delete", "filters": {"conditions": [cond("nope", "eq", 1)]}}
    out = run(api, unknown, continue_on_fail=True)
    assert out == [{"error": "column people.nope does not exist"}]


# -- auth, rate limits, tool ----------------------------------------------------------------


def test_auth_failures(api: FakeSupabase) -> None:
    with pytest.raises(NodeApiError) as info:
        run(api, {"operation": "getAll"}, key="wrong")
    assert info.value.http_code == 401
    assert info.value.reason == "Authorization failed - please check your credentials"
    assert info.value.description == "Invalid API key"
    # the anon key is a key the gateway knows
    assert len(run(api, {"operation": "getAll"}, key=ANON)) == 3
    with pytest.raises(NodeExecutionError, match="supabaseApi"):
        run_node(TYPE, {"operation": "getAll", "tableId": "people"}, {})


def test_rate_limit_retried_then_failed(api: FakeSupabase) -> None:
    api.rate_limit(2, retry_after=0)
    assert len(run(api, {"operation": "getAll"})) == 3
    api.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError) as info:
        run(api, {"operation": "getAll"})
    assert info.value.http_code == 429
    api.rate_limit(1, retry_after=0)
    out = run(
        api,
        {"operation": "get", "filters": {"conditions": [{"keyName": "id", "keyValue": "1"}]}},
    )
    assert names(out) == ["Ada"]


def test_unknown_operation_and_tool_variant() -> None:
    with pytest.raises(NodeExecutionError, match='operation "upsert"'):
        run_node(TYPE, {"operation": "upsert", "tableId": "t"}, {})
    assert default_registry().get("n8n-nodes-base.supabaseTool") is not None


def _raw(api: FakeSupabase, path: str, headers: dict[str, str]) -> tuple[int, Any, Any]:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(api.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read()), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def test_fake_ranges_and_gateway_errors(api: FakeSupabase) -> None:
    auth = {"apikey": SERVICE_ROLE, "Authorization": f"Bearer {SERVICE_ROLE}"}
    status, rows, headers = _raw(
        api, "/rest/v1/people?select=name&order=age.desc", {**auth, "Range": "0-1"}
    )
    assert (status, rows, headers["Content-Range"]) == (
        200,
        [{"name": "Cy"}, {"name": "Ada"}],
        "0-1/*",
    )
    counted = {**auth, "Range": "2-9", "Prefer": "count=exact"}
    _, rows, headers = _raw(api, "/rest/v1/people?select=name", counted)
    assert rows == [{"name": "Cy"}] and headers["Content-Range"] == "2-2/3"
    tree = "/rest/v1/people?or=(age.gt.40,and(city.eq.London,not.bio.is.null))&select=id"
    assert _raw(api, tree, auth)[1] == [{"id": 1}, {"id": 3}]
    status, body, _ = _raw(api, "/rest/v1/people", {"Authorization": f"Bearer {SERVICE_ROLE}"})
    assert (status, body["message"]) == (401, "No API key found in request")
    status, body, _ = _raw(api, "/rest/v1/people", {"apikey": ANON, "Authorization": "Bearer x"})
    assert (status, body["code"]) == (401, "PGRST301")
    status, body, _ = _raw(api, "/rest/v1/people?age=between.1", auth)
    assert (
        status == 400
        and body["code"] == "PGRST100"
        and set(body)
        == {
            "code",
            "message",
            "details",
            "hint",
        }
    )
