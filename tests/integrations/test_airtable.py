"""Airtable v2 against a fake of its Web API: each record and base operation, offset
pagination with returnAll / limit, n8n's item shapes and errors, 429s, and OAuth2 refresh
written back to the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hetumind.credentials import set_credential_resolver, set_credential_writer
from hetumind.errors import NodeExecutionError
from tests.fakes._base import serving
from tests.fakes.fake_airtable import BASE, TABLE, TOKEN, FakeAirtable
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.airtable"


@pytest.fixture(scope="module")
def airtable() -> Iterator[FakeAirtable]:
    with serving(FakeAirtable()) as fake:
        yield fake


@pytest.fixture(autouse=True)
def empty(airtable: FakeAirtable) -> None:
    airtable.reset()


def creds(fake: FakeAirtable, token: str = TOKEN) -> dict[str, Any]:
    return {
        "airtableTokenApi": {
            "id": "a",
            "name": "air",
            "data": {"accessToken": token, "baseUrl": fake.url},
        }
    }


def rl(value: str, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


WHERE = {"base": rl(BASE), "table": rl(TABLE)}


def run(fake: FakeAirtable, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    kw.setdefault("version", 2.1)
    params = {"authentication": "airtableTokenApi", **WHERE, **params}
    return [o["json"] for o in run_node(TYPE, params, creds(fake), **kw)]


def define(value: dict[str, Any], matching: list[str] | None = None) -> dict[str, Any]:
    return {
        "mappingMode": "defineBelow",
        "value": value,
        "matchingColumns": matching or [],
        "schema": [],
    }


def test_create_from_defined_columns_and_from_input(airtable: FakeAirtable) -> None:
    out = run(
        airtable,
        {
            "operation": "create",
            "columns": define({"Name": "Ada", "Score": 3}),
            "options": {"typecast": True},
        },
    )
    assert out[0]["fields"] == {"Name": "Ada", "Score": 3} and out[0]["id"].startswith("rec")
    assert airtable.calls(f"/{TABLE}")[-1].json == {
        "typecast": True,
        "fields": {"Name": "Ada", "Score": 3},
    }
    auto = run(
        airtable,
        {
            "operation": "create",
            "columns": {"mappingMode": "autoMapInputData", "value": None},
            "options": {"ignoreFields": "skip"},
        },
        items=[{"json": {"Name": "Bo", "skip": 1}}, {"json": {"Name": "Cy"}}],
    )
    assert [o["fields"] for o in auto] == [{"Name": "Bo"}, {"Name": "Cy"}]


def test_get_flattens_and_delete_returns_airtables_answer(airtable: FakeAirtable) -> None:
    rec = airtable.add({"Name": "Ada", "Email": "a@x.io"})
    got = run(airtable, {"operation": "get", "id": rec["id"]})
    assert got == [
        {"id": rec["id"], "createdTime": rec["createdTime"], "Name": "Ada", "Email": "a@x.io"}
    ]
    gone = run(airtable, {"operation": "deleteRecord", "id": rec["id"]})
    assert gone == [{"deleted": True, "id": rec["id"]}]
    with pytest.raises(NodeExecutionError) as info:
        run(airtable, {"operation": "get", "id": rec["id"]})
    assert info.value.reason == "The resource you are requesting could not be found"
    assert info.value.description == f"{rec['id']} is not a valid Record ID"  # type: ignore[attr-defined]
    out = run(airtable, {"operation": "deleteRecord", "id": "recNOPE"}, continue_on_fail=True)
    assert out == [{"error": "The resource you are requesting could not be found"}]


def test_search_returns_every_page_or_the_limit(airtable: FakeAirtable) -> None:
    airtable.reset(230)
    before = len(airtable.calls(f"/{TABLE}"))
    every = run(
        airtable, {"operation": "search", "returnAll": True, "options": {"fields": "Name, Score"}}
    )
    assert len(every) == 230 and every[229]["Name"] == "n229" and "Email" not in every[0]
    calls = airtable.calls(f"/{TABLE}")[before:]
    assert [c.query.get("offset") for c in calls] == [None, "itr100", "itr200"]
    assert calls[0].query["pageSize"] == "100" and calls[0].query["fields[0]"] == "Name"
    some = run(
        airtable,
        {
            "operation": "search",
            "returnAll": False,
            "limit": 5,
            "sort": {"property": [{"field": "Name", "direction": "desc"}]},
        },
    )
    assert [r["Name"] for r in some] == ["n229", "n228", "n227", "n226", "n225"]
    q = airtable.calls(f"/{TABLE}")[-1].query
    assert q["maxRecords"] == "5" and q["sort[0][direction]"] == "desc"
    found = run(airtable, {"operation": "search", "filterByFormula": "{Name} = 'n007'"})
    assert [r["Score"] for r in found] == [7]


def test_search_runs_once_in_v2_and_per_item_in_v2_1(airtable: FakeAirtable) -> None:
    airtable.reset(3)
    two = [{"json": {}}, {"json": {}}]
    assert len(run(airtable, {"operation": "search"}, items=two, version=2)) == 3
    assert len(run(airtable, {"operation": "search"}, items=two, version=2.1)) == 6


def test_update_by_id_and_by_matching_column(airtable: FakeAirtable) -> None:
    a = airtable.add({"Name": "Ada", "Score": 1})
    airtable.add({"Name": "Bo", "Score": 1})
    by_id = run(
        airtable, {"operation": "update", "columns": define({"id": a["id"], "Score": 9}, ["id"])}
    )
    assert by_id[0]["fields"] == {"Name": "Ada", "Score": 9}
    assert airtable.calls(f"/{TABLE}")[-1].json == {
        "typecast": False,
        "records": [{"id": a["id"], "fields": {"Score": 9}}],
    }
    by_name = run(
        airtable,
        {
            "operation": "update",
            "columns": define({"Name": "={{ $json.who }}", "Notes": "hi"}, ["Name"]),
        },
        items=[{"json": {"who": "Bo"}}, {"json": {"who": "Ada"}}],
    )
    assert [r["fields"]["Notes"] for r in by_name] == ["hi", "hi"]
    assert [r["fields"]["Name"] for r in by_name] == ["Bo", "Ada"]
    with pytest.raises(NodeExecutionError, match="Record matching provided keys was not found"):
        run(airtable, {"operation": "update", "columns": define({"Name": "Zed"}, ["Name"])})
    with pytest.raises(NodeExecutionError) as info:
        run(
            airtable,
            {"operation": "update", "columns": define({"id": "recGONE", "Score": 1}, ["id"])},
        )
    assert info.value.description == "Record ID recGONE does not exist in this table"  # type: ignore[attr-defined]


def test_upsert_merges_on_columns_and_creates_unknown_ids(airtable: FakeAirtable) -> None:
    airtable.add({"Name": "Ada", "Score": 1})
    out = run(
        airtable, {"operation": "upsert", "columns": define({"Name": "Ada", "Score": 5}, ["Name"])}
    )
    assert out[0]["fields"] == {"Name": "Ada", "Score": 5}
    assert airtable.calls(f"/{TABLE}")[-1].json["performUpsert"] == {"fieldsToMergeOn": ["Name"]}
    new = run(
        airtable, {"operation": "upsert", "columns": define({"Name": "Cy", "Score": 2}, ["Name"])}
    )
    assert new[0]["fields"]["Name"] == "Cy" and len(airtable.records) == 2
    made = run(
        airtable, {"operation": "upsert", "columns": define({"id": "recNEW", "Name": "Di"}, ["id"])}
    )
    assert made[0]["fields"] == {"Name": "Di"} and len(airtable.records) == 3
    airtable.add({"Name": "Ada", "Score": 0})  # now two records match: n8n updates the first
    twice = run(
        airtable,
        {"operation": "upsert", "columns": define({"Name": "Ada", "Notes": "x"}, ["Name"])},
    )
    assert len(twice) == 1 and twice[0]["fields"]["Notes"] == "x"


def test_unknown_field_is_a_bad_request_with_airtables_words(airtable: FakeAirtable) -> None:
    out = run(
        airtable, {"operation": "create", "columns": define({"Nope": 1})}, continue_on_fail=True
    )
    assert out[0]["message"] == "Your request is invalid or could not be processed by the service"
    assert out[0]["error"]["description"] == 'Unknown field name: "Nope"'


def test_bases_and_schema(airtable: FakeAirtable) -> None:
    bases = run(airtable, {"resource": "base", "operation": "getMany", "returnAll": True})
    assert [b["name"] for b in bases] == [f"Base {i}" for i in range(1, 6)]
    two = run(
        airtable, {"resource": "base", "operation": "getMany", "returnAll": False, "limit": 3}
    )
    assert len(two) == 3
    created = run(
        airtable,
        {"resource": "base", "operation": "getMany", "options": {"permissionLevel": ["create"]}},
    )
    assert {b["permissionLevel"] for b in created} == {"create"}
    schema = run(airtable, {"resource": "base", "operation": "getSchema"})
    assert schema[0]["name"] == "People" and len(schema[0]["fields"]) == 5


def test_locators_by_url(airtable: FakeAirtable) -> None:
    airtable.add({"Name": "Ada"})
    url = {
        "base": rl(f"https://airtable.com/{BASE}/{TABLE}/viwX", "url"),
        "table": rl(f"https://airtable.com/{BASE}/{TABLE}/viwX", "url"),
    }
    assert len(run(airtable, {"operation": "search", **url})) == 1


def test_auth_failures_name_the_node(airtable: FakeAirtable) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run_node(
            TYPE,
            {"operation": "search", **WHERE},
            creds(airtable, "patWRONG"),
            version=2.1,
            node_name="Table",
        )
    assert (
        str(info.value)
        == "node 'Table', item 0: Authorization failed - please check your credentials"
    )
    assert info.value.description == "Authentication required"  # type: ignore[attr-defined]
    with pytest.raises(NodeExecutionError) as info:
        run(airtable, {"operation": "search", "base": rl("appOTHER")})
    assert info.value.reason == "Forbidden - perhaps check your credentials?"


def test_rate_limit_then_success_and_bounded_failure(airtable: FakeAirtable) -> None:
    airtable.add({"Name": "Ada"})
    airtable.rate_limit(2, retry_after=0)
    assert len(run(airtable, {"operation": "search"})) == 1
    airtable.rate_limit(9, retry_after=0)
    try:
        with pytest.raises(NodeExecutionError) as info:
            run(airtable, {"operation": "search"})
        assert info.value.reason == "The service is receiving too many requests from you"
        # n8n's findProperty takes `error` before `message` in each of Airtable's errors
        assert info.value.description == "RATE_LIMIT_REACHED"  # type: ignore[attr-defined]
    finally:
        airtable.rate_limit(0)


def test_a_rate_limit_longer_than_the_kit_waits_fails_at_once(airtable: FakeAirtable) -> None:
    before = len(airtable.log)
    airtable.rate_limit(1, retry_after=3600)
    try:
        with pytest.raises(NodeExecutionError, match="too many requests"):
            run(airtable, {"operation": "search"})
        assert len(airtable.log) - before == 1
    finally:
        airtable.rate_limit(0)


def test_oauth2_refreshes_on_401_and_writes_the_token_back_encrypted(
    airtable: FakeAirtable, tmp_path: Path
) -> None:
    from hetumind.store import Store
    from hetumind.store.resolver import credential_resolver, credential_writer

    airtable.refresh_tokens.add("oar-first")
    data = {
        "grantType": "pkce",
        "accessTokenUrl": f"{airtable.url}/oauth2/v1/token",
        "clientId": airtable.client_id,
        "clientSecret": airtable.client_secret,
        "authentication": "header",
        "oauthTokenData": {"access_token": "oaa-expired", "refresh_token": "oar-first"},
        "baseUrl": airtable.url,
    }
    store = Store.open_sync(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    try:
        view = store.run_sync(
            store.credentials.create(name="air oauth", type="airtableOAuth2Api", data=data)
        )
        set_credential_resolver(credential_resolver(store))
        set_credential_writer(credential_writer(store))
        airtable.add({"Name": "Ada"})
        params = {"authentication": "airtableOAuth2Api", "operation": "search", **WHERE}
        ref = {"airtableOAuth2Api": {"id": view.id, "name": "air oauth"}}
        out = run_node(TYPE, params, ref, version=2.1)
        assert out[0]["json"]["Name"] == "Ada" and airtable.token_calls == 1
        stored = store.run_sync(store.credentials.reveal(view.id)).data["oauthTokenData"]
        assert stored["access_token"].startswith("oaa-") and stored["refresh_token"].startswith(
            "oar-"
        )
        assert stored["refresh_token"] != "oar-first"  # Airtable rotates refresh tokens
        (row,) = store.run_sync(_rows(store))
        assert stored["access_token"] not in row.data  # encrypted at rest
        run_node(TYPE, params, ref, version=2.1)
        assert airtable.token_calls == 1  # the stored token is used, no second refresh
    finally:
        set_credential_resolver(None)
        set_credential_writer(None)
        store.close_sync()


async def _rows(store: Any) -> list[Any]:
    from sqlalchemy import select

    from hetumind.store import CredentialRecord

    async with store.sessions() as session:
        return list((await session.execute(select(CredentialRecord))).scalars())


def test_oauth2_without_a_refresh_token_says_reconnect(airtable: FakeAirtable) -> None:
    data = {
        "accessTokenUrl": f"{airtable.url}/oauth2/v1/token",
        "oauthTokenData": {"access_token": "stale"},
        "baseUrl": airtable.url,
    }
    with pytest.raises(NodeExecutionError, match="reconnect the credential"):
        run_node(
            TYPE,
            {"authentication": "airtableOAuth2Api", "operation": "search", **WHERE},
            {"airtableOAuth2Api": {"id": "x", "name": "x", "data": data}},
            version=2.1,
        )


def v1(fake: FakeAirtable, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    where = {"application": rl(BASE), "table": rl(TABLE), "authentication": "airtableTokenApi"}
    return [o["json"] for o in run_node(TYPE, {**where, **params}, creds(fake), version=1, **kw)]


def test_v1_append_sends_items_in_bulk_and_pairs_records(airtable: FakeAirtable) -> None:
    items = [{"json": {"Name": f"r{i}", "id": "x"}} for i in range(3)]
    out = run_node(
        TYPE,
        {
            "application": rl(BASE),
            "table": rl(TABLE),
            "authentication": "airtableTokenApi",
            "operation": "append",
            "options": {"bulkSize": 2, "typecast": True},
        },
        creds(airtable),
        items,
        version=1,
    )
    assert [o["json"]["fields"]["Name"] for o in out] == ["r0", "r1", "r2"]
    posts = [c for c in airtable.calls(f"/{TABLE}") if c.method == "POST"][-2:]
    assert posts[0].json == {
        "typecast": True,
        "records": [{"fields": {"Name": "r0"}}, {"fields": {"Name": "r1"}}],
    }
    assert len(posts[1].json["records"]) == 1


def test_v1_list_read_update_delete(airtable: FakeAirtable) -> None:
    airtable.reset(120)
    every = v1(airtable, {"operation": "list"})
    assert len(every) == 120 and set(every[0]) == {"id", "createdTime", "fields"}
    some = v1(
        airtable,
        {
            "operation": "list",
            "returnAll": False,
            "limit": 3,
            "additionalOptions": {"filterByFormula": "{Name} = 'n001'"},
        },
    )
    assert [r["fields"]["Name"] for r in some] == ["n001"]
    rec = every[5]
    assert v1(airtable, {"operation": "read", "id": rec["id"]})[0]["fields"]["Name"] == "n005"
    upd = v1(
        airtable,
        {"operation": "update", "id": rec["id"], "updateAllFields": False, "fields": ["Score"]},
        items=[{"json": {"Score": 99, "Name": "ignored"}}],
    )
    assert upd[0]["fields"] == {"Name": "n005", "Email": "u5@x.io", "Score": 99}
    gone = v1(
        airtable,
        {"operation": "delete", "id": "={{ $json.id }}"},
        items=[{"json": {"id": every[0]["id"]}}, {"json": {"id": every[1]["id"]}}],
    )
    assert gone == [
        {"id": every[0]["id"], "deleted": True},
        {"id": every[1]["id"], "deleted": True},
    ]
    assert len(airtable.records) == 118


def test_v1_refuses_the_deprecated_api_key(airtable: FakeAirtable) -> None:
    with pytest.raises(
        NodeExecutionError, match="The API Key connection was deprecated by Airtable"
    ):
        v1(airtable, {"operation": "list", "authentication": "airtableApi"})


def test_without_an_authentication_parameter_the_nodes_credential_decides(
    airtable: FakeAirtable,
) -> None:
    airtable.add({"Name": "Ada"})
    where = {"application": rl(BASE), "table": rl(TABLE), "operation": "list"}
    out = run_node(TYPE, where, creds(airtable), version=1)  # an export leaves it out
    assert out[0]["json"]["fields"] == {"Name": "Ada"}


def test_attachments_download_as_binary(airtable: FakeAirtable) -> None:
    from hetumind.binary import read_binary

    files = [
        airtable.attach("a.txt", b"alpha", "text/plain"),
        airtable.attach("b.png", b"PNG", "image/png"),
    ]
    rec = airtable.add({"Name": "Ada", "Files": files})
    out = run_node(
        TYPE,
        {
            "authentication": "airtableTokenApi",
            **WHERE,
            "operation": "search",
            "options": {"downloadFields": ["Files"]},
        },
        creds(airtable),
        version=2.1,
    )
    binary = out[0]["binary"]
    assert sorted(binary) == ["Files_0", "Files_1"]
    assert read_binary(binary["Files_0"]) == b"alpha" and binary["Files_1"]["fileName"] == "b.png"
    assert out[0]["json"]["Name"] == "Ada" and out[0]["json"]["id"] == rec["id"]
    got = run_node(
        TYPE,
        {
            "authentication": "airtableTokenApi",
            **WHERE,
            "operation": "get",
            "id": rec["id"],
            "options": {"downloadFields": "Files"},
        },
        creds(airtable),
        version=2.1,
    )
    assert read_binary(got[0]["binary"]["Files_1"]) == b"PNG"
