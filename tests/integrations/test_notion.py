"""Notion v2 against a fake of the Notion API: each operation with n8n's bodies, simple
output, cursor pagination in body and query, auth failure and rate limiting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from tests.fakes._base import serving
from tests.fakes.fake_notion import DATABASE, PARENT_PAGE, SECRET, FakeNotion
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.notion"


@pytest.fixture
def notion() -> Iterator[FakeNotion]:
    with serving(FakeNotion()) as fake:
        yield fake


def creds(fake: FakeNotion, key: str = SECRET) -> dict[str, Any]:
    return {
        "notionApi": {"id": "n", "name": "notion", "data": {"apiKey": key, "baseUrl": fake.url}}
    }


def run(fake: FakeNotion, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    kw.setdefault("version", 2.2)
    return [o["json"] for o in run_node(TYPE, params, creds(fake), **kw)]


def rl(value: str, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


def create(fake: FakeNotion, title: str, **props: Any) -> dict[str, Any]:
    values = [{"key": k, **v} for k, v in props.items()]
    out = run(
        fake,
        {
            "resource": "databasePage",
            "operation": "create",
            "databaseId": rl(DATABASE),
            "title": title,
            "propertiesUi": {"propertyValues": values},
        },
    )
    return out[0]


def test_database_page_create_maps_n8n_properties(notion: FakeNotion) -> None:
    out = create(
        notion,
        "Write docs",
        **{
            "Status|select": {"selectValue": "Todo"},
            "Tags|multi_select": {"multiSelectValue": "a, b"},
            "Score|number": {"numberValue": 3},
            "Done|checkbox": {"checkboxValue": True},
            "Due Date|date": {"date": "2024-05-01T09:30:00", "timezone": "Europe/Berlin"},
            "Notes|rich_text": {"textContent": "first"},
        },
    )
    sent = notion.calls("/pages")[-1]
    assert sent.headers["notion-version"] == "2021-08-16"
    assert sent.json["parent"] == {"database_id": DATABASE}
    props = sent.json["properties"]
    assert props["Name"] == {"title": [{"text": {"content": "Write docs"}}]}
    assert props["Tags"] == {"type": "multi_select", "multi_select": [{"name": "a"}, {"name": "b"}]}
    assert props["Due Date"] == {
        "type": "date",
        "date": {"start": "2024-05-01T09:30:00+02:00", "end": None},
    }
    assert props["Notes"] == {"rich_text": [{"text": {"content": "first"}}]}
    assert out["name"] == "Write docs" and out["property_status"] == "Todo"
    assert out["property_tags"] == ["a", "b"] and out["property_due_date"]["start"].endswith(
        "+02:00"
    )
    assert out["property_done"] is True and out["property_score"] == 3


def test_get_update_and_get_all_with_filters_and_paging(notion: FakeNotion) -> None:
    for i in range(7):
        create(notion, f"task {i}", **{"Score|number": {"numberValue": i}})
    page = create(notion, "special")
    got = run(
        notion,
        {"resource": "databasePage", "operation": "get", "pageId": rl(page["id"]), "simple": False},
    )
    assert (
        got[0]["object"] == "page"
        and got[0]["properties"]["Name"]["title"][0]["plain_text"] == "special"
    )
    url = rl(f"https://www.notion.so/special-{page['id'].replace('-', '')}", "url")
    upd = run(
        notion,
        {
            "resource": "databasePage",
            "operation": "update",
            "pageId": url,
            "propertiesUi": {"propertyValues": [{"key": "Status|select", "selectValue": "Done"}]},
        },
    )
    assert upd[0]["property_status"] == "Done"
    every = run(
        notion,
        {
            "resource": "databasePage",
            "operation": "getAll",
            "databaseId": rl(DATABASE),
            "returnAll": True,
        },
    )
    assert len(every) == 8
    queries = notion.calls(f"/{DATABASE}/query")
    assert [q.json.get("start_cursor") for q in queries] == [None, "3", "6"]
    some = run(
        notion,
        {"resource": "databasePage", "operation": "getAll", "databaseId": rl(DATABASE), "limit": 2},
    )
    assert len(some) == 2 and notion.calls(f"/{DATABASE}/query")[-1].json["page_size"] == 2
    done = run(
        notion,
        {
            "resource": "databasePage",
            "operation": "getAll",
            "databaseId": rl(DATABASE),
            "returnAll": True,
            "filterType": "manual",
            "matchType": "allFilters",
            "filters": {
                "conditions": [
                    {"key": "Status|select", "condition": "equals", "selectValue": "Done"}
                ]
            },
            "options": {"sort": {"sortValue": [{"key": "Name|title", "direction": "descending"}]}},
        },
    )
    assert [d["name"] for d in done] == ["special"]
    body = notion.calls(f"/{DATABASE}/query")[-1].json
    assert body["filter"] == {"and": [{"property": "Status", "select": {"equals": "Done"}}]}
    assert body["sorts"] == [{"direction": "descending", "property": "Name"}]
    with pytest.raises(NodeExecutionError, match="Filters \\(JSON\\) must be a valid json"):
        run(
            notion,
            {
                "resource": "databasePage",
                "operation": "getAll",
                "databaseId": rl(DATABASE),
                "filterType": "json",
                "filterJson": "{",
            },
        )


def test_pages_blocks_and_archive(notion: FakeNotion) -> None:
    notion.blocks[PARENT_PAGE] = []
    page = run(
        notion,
        {
            "resource": "page",
            "operation": "create",
            "pageId": rl(PARENT_PAGE),
            "title": "Notes",
            "options": {"icon": "📝"},
            "blockUi": {
                "blockValues": [
                    {"type": "heading_1", "textContent": "Hi"},
                    {"type": "to_do", "textContent": "x", "checked": True},
                ]
            },
        },
    )
    assert page[0]["name"] == "Notes" and page[0]["url"].startswith("https://www.notion.so/")
    sent = notion.calls("/pages")[-1].json
    assert sent["icon"] == {"emoji": "📝"}
    assert sent["children"][1] == {
        "object": "block",
        "type": "to_do",
        "to_do": {"checked": True, "text": [{"text": {"content": "x"}}]},
    }
    pid = page[0]["id"]
    appended = run(
        notion,
        {
            "resource": "block",
            "operation": "append",
            "blockId": rl(pid),
            "blockUi": {
                "blockValues": [{"type": "paragraph", "textContent": "={{ 'p' + $itemIndex }}"}]
            },
        },
        items=[{"json": {}}] * 3,
    )
    assert len(appended) == 3 and appended[0]["object"] == "list"
    children = run(
        notion, {"resource": "block", "operation": "getAll", "blockId": rl(pid), "returnAll": True}
    )
    assert len(children) == 5 and all(c["parent_id"] == pid for c in children)
    assert notion.calls("/children")[-1].query["start_cursor"] == "3"
    two = run(notion, {"resource": "block", "operation": "getAll", "blockId": rl(pid), "limit": 2})
    assert len(two) == 2 and notion.calls("/children")[-1].query["page_size"] == "2"
    archived = run(
        notion, {"resource": "page", "operation": "archive", "pageId": rl(pid), "simple": False}
    )
    assert archived[0]["archived"] is True
    found = run(
        notion, {"resource": "page", "operation": "search", "text": "Notes", "returnAll": True}
    )
    assert found == []


def test_database_get_get_all_and_search(notion: FakeNotion) -> None:
    db = run(
        notion,
        {
            "resource": "database",
            "operation": "get",
            "databaseId": rl(f"https://www.notion.so/ws/{DATABASE}?v=1", "url"),
        },
    )
    assert db == [{"id": DATABASE, "name": "Tasks", "url": notion.database["url"]}]
    assert (
        run(notion, {"resource": "database", "operation": "getAll", "returnAll": True})[0]["name"]
        == "Tasks"
    )
    assert notion.calls("/search")[-1].json == {
        "filter": {"property": "object", "value": "database"}
    }
    found = run(
        notion,
        {
            "resource": "database",
            "operation": "search",
            "text": "task",
            "returnAll": True,
            "simple": False,
        },
    )
    assert found[0]["object"] == "database"
    assert (
        run(
            notion,
            {"resource": "database", "operation": "search", "text": "nothing", "returnAll": True},
        )
        == []
    )


def test_users(notion: FakeNotion) -> None:
    every = run(notion, {"resource": "user", "operation": "getAll", "returnAll": True})
    assert [u["id"] for u in every] == ["u-1", "u-2", "u-3", "u-4"]
    assert len(run(notion, {"resource": "user", "operation": "getAll", "limit": 2})) == 2
    assert (
        run(notion, {"resource": "user", "operation": "get", "userId": "u-2"})[0]["name"]
        == "Person 2"
    )
    with pytest.raises(NodeExecutionError) as info:
        run(notion, {"resource": "user", "operation": "get", "userId": "nobody"})
    assert info.value.reason == "The resource you are requesting could not be found"
    assert info.value.description.startswith("Could not find user with ID: nobody")  # type: ignore[attr-defined]


def test_bad_key_and_bad_property(notion: FakeNotion) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run_node(
            TYPE,
            {"resource": "user", "operation": "getAll"},
            creds(notion, "secret_wrong"),
            version=2.2,
            node_name="Docs",
        )
    assert (
        str(info.value)
        == "node 'Docs', item 0: Authorization failed - please check your credentials"
    )
    assert info.value.description == "API token is invalid."  # type: ignore[attr-defined]
    out = run(
        notion,
        {
            "resource": "databasePage",
            "operation": "create",
            "databaseId": rl(DATABASE),
            "title": "x",
            "propertiesUi": {"propertyValues": [{"key": "Nope|number", "numberValue": 1}]},
        },
        continue_on_fail=True,
    )
    assert out == [{"error": "Bad request - please check your parameters"}]


def test_rate_limited_then_served(notion: FakeNotion) -> None:
    notion.rate_limit(2, retry_after=0)
    assert len(run(notion, {"resource": "user", "operation": "getAll", "returnAll": True})) == 4
    notion.rate_limit(5, retry_after=0)
    with pytest.raises(NodeExecutionError, match="too many requests"):
        run(notion, {"resource": "user", "operation": "get", "userId": "u-1"})


def v1(fake: FakeNotion, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    return run(fake, params, version=1, **kw)


def test_v1_database_pages_by_option_id_with_v1_simple_output(notion: FakeNotion) -> None:
    values = [
        {"key": "Name|title", "title": "Old style"},
        {"key": "Score|number", "numberValue": 2},
    ]
    made = v1(
        notion,
        {
            "resource": "databasePage",
            "operation": "create",
            "databaseId": DATABASE,
            "propertiesUi": {"propertyValues": values},
        },
    )
    assert notion.calls("/pages")[-1].headers["notion-version"] == "2021-05-13"
    assert made[0]["Name"] == "Old style" and made[0]["Score"] == 2 and "url" not in made[0]
    sent = notion.calls("/pages")[-1].json
    assert "icon" not in sent and sent["parent"] == {"database_id": DATABASE}
    select = [{"key": "Status|select", "selectValue": "o2"}]
    upd = v1(
        notion,
        {
            "resource": "databasePage",
            "operation": "update",
            "pageId": made[0]["id"],
            "propertiesUi": {"propertyValues": select},
        },
    )
    assert upd[0]["Status"] == "Done"  # option o2, chosen by id
    sent_update = notion.calls("/pages/" + made[0]["id"])[-1].json
    assert sent_update["properties"]["Status"] == {"type": "select", "select": {"id": "o2"}}
    found = v1(
        notion,
        {
            "resource": "databasePage",
            "operation": "getAll",
            "databaseId": DATABASE,
            "returnAll": True,
            "options": {
                "filter": {
                    "singleCondition": {
                        "key": "Name|title",
                        "condition": "equals",
                        "titleValue": "Old style",
                    }
                }
            },
        },
    )
    assert [f["Name"] for f in found] == ["Old style"]
    assert notion.calls("/query")[-1].json["filter"] == {
        "property": "Name",
        "title": {"equals": "Old style"},
    }


def test_v1_databases_raw_pages_and_users(notion: FakeNotion) -> None:
    db = v1(notion, {"resource": "database", "operation": "get", "databaseId": DATABASE})
    assert db[0]["object"] == "database" and db[0]["properties"]["Name"]["type"] == "title"
    notion.blocks[PARENT_PAGE] = []
    page = v1(
        notion,
        {"resource": "page", "operation": "create", "pageId": PARENT_PAGE, "title": "V1 page"},
    )
    assert page == [{"id": page[0]["id"], "name": "V1 page"}]
    got = v1(notion, {"resource": "page", "operation": "get", "pageId": page[0]["id"]})
    assert got[0]["name"] == "V1 page"
    hits = v1(notion, {"resource": "page", "operation": "search", "text": "V1", "returnAll": True})
    assert [h["name"] for h in hits] == ["V1 page"]
    appended = v1(
        notion,
        {
            "resource": "block",
            "operation": "append",
            "blockId": page[0]["id"],
            "blockUi": {"blockValues": [{"type": "paragraph", "textContent": "x"}]},
        },
    )
    assert appended[0]["results"][0]["type"] == "paragraph"
    assert (
        len(
            v1(
                notion,
                {
                    "resource": "block",
                    "operation": "getAll",
                    "blockId": page[0]["id"],
                    "returnAll": True,
                },
            )
        )
        == 1
    )
    assert len(v1(notion, {"resource": "user", "operation": "getAll", "limit": 3})) == 3
    with pytest.raises(NodeExecutionError, match='"archive" of resource "page"'):
        v1(notion, {"resource": "page", "operation": "archive", "pageId": page[0]["id"]})
