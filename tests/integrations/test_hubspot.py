"""HubSpot 1 / 2 / 2.1 / 2.2 against a fake of its APIs: every operation with n8n's
requests and items, the three credential kinds, v1 offset / vidOffset paging and v3
`after` cursors with returnAll and limit, HubSpot's errors, and 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from tests.fakes._base import serving
from tests.fakes.fake_hubspot import API_KEY, PORTAL, TOKEN, FakeHubSpot, repeated
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.hubspot"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHubSpot]:
    with serving(FakeHubSpot()) as fake:
        yield fake


@pytest.fixture
def hs(server: FakeHubSpot) -> FakeHubSpot:
    server.reset()
    server.rate_limit(0)
    return server


def creds(fake: FakeHubSpot, kind: str = "hubspotAppToken", secret: str = TOKEN) -> dict[str, Any]:
    field = {"hubspotAppToken": "appToken", "hubspotApi": "apiKey"}[kind]
    return {kind: {"id": "h", "name": "hs", "data": {field: secret, "baseUrl": fake.url}}}


def run(
    fake: FakeHubSpot,
    params: dict[str, Any],
    *,
    kind: str = "hubspotAppToken",
    secret: str = TOKEN,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 2.1)
    auth = {"hubspotAppToken": "appToken", "hubspotApi": "apiKey"}[kind]
    out = run_node(TYPE, {"authentication": auth, **params}, creds(fake, kind, secret), **kw)
    return [o["json"] for o in out]


def rl(value: Any) -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": "id"}


# -- contacts -------------------------------------------------------------------------------


def test_contact_upsert_sends_properties_and_reads_the_profile(hs: FakeHubSpot) -> None:
    out = run(
        hs,
        {
            "resource": "contact",
            "operation": "upsert",
            "email": "ada@example.com",
            "additionalFields": {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "annualRevenue": 1000,
                "closeDate": "2024-01-02T00:00:00Z",
                "buyingRole": ["BUDGET_HOLDER", "END_USER"],
                "customPropertiesUi": {"customPropertiesValues": [{"property": "x", "value": "y"}]},
            },
            "options": {},
        },
    )
    post = hs.calls("/createOrUpdate/email/ada@example.com")[0]
    assert post.method == "POST"
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.json == {
        "properties": [
            {"property": "annualrevenue", "value": "1000"},
            {"property": "closedate", "value": 1704153600000},
            {"property": "firstname", "value": "Ada"},
            {"property": "lastname", "value": "Lovelace"},
            {"property": "hs_buying_role", "value": "BUDGET_HOLDER;END_USER"},
            {"property": "x", "value": "y"},
        ]
    }
    assert hs.log[-1].path.endswith("/profile")
    assert out[0]["isNew"] is True and out[0]["properties"]["firstname"]["value"] == "Ada"
    # second upsert of the same email updates it; resolveData skips the profile read
    again = run(
        hs,
        {
            "resource": "contact",
            "operation": "upsert",
            "email": "ada@example.com",
            "additionalFields": {"city": "London"},
            "options": {"resolveData": True},
        },
    )
    assert again == [{"vid": out[0]["vid"], "isNew": False}]


def test_contact_upsert_invalid_email_gives_hubspots_message(hs: FakeHubSpot) -> None:
    with pytest.raises(NodeApiError) as err:
        run(hs, {"resource": "contact", "operation": "upsert", "email": "nope"})
    assert err.value.reason == "Email address nope is invalid"
    assert err.value.http_code == 400


def test_contact_get_delete_and_not_found(hs: FakeHubSpot) -> None:
    c = hs.add_contact("g@x.io", firstname="Grace")
    got = run(
        hs,
        {
            "resource": "contact",
            "operation": "get",
            "contactId": rl(c["vid"]),
            "additionalFields": {
                "propertiesCollection": {
                    "propertiesValues": {
                        "properties": "email,firstname",
                        "propertyMode": "valueOnly",
                    }
                }
            },
        },
    )
    assert got[0]["vid"] == c["vid"]
    req = hs.log[-1]
    assert repeated(req, "properties") == ["email", "firstname"]
    assert req.query["propertyMode"] == "value_only"
    gone = run(hs, {"resource": "contact", "operation": "delete", "contactId": rl(c["vid"])})
    assert gone == [{"vid": c["vid"], "deleted": True, "reason": "OK"}]
    with pytest.raises(NodeApiError) as err:
        run(hs, {"resource": "contact", "operation": "get", "contactId": rl(c["vid"])})
    assert err.value.http_code == 404
    assert err.value.reason == (
        f"contact #{c['vid']} could not be found. Check your contact ID is correct"
    )


def test_contact_get_all_follows_vid_offset(hs: FakeHubSpot) -> None:
    for i in range(230):
        hs.add_contact(f"c{i}@x.io")
    every = run(hs, {"resource": "contact", "operation": "getAll", "returnAll": True})
    assert len(every) == 230
    calls = hs.calls("/contacts/all")
    assert len(calls) == 3 and all(c.query["count"] == "100" for c in calls)
    assert "vidOffset" not in calls[0].query
    assert calls[1].query["vidOffset"] == str(every[99]["vid"])
    hs.log.clear()
    some = run(hs, {"resource": "contact", "operation": "getAll", "returnAll": False, "limit": 7})
    assert len(some) == 7 and hs.log[0].query["count"] == "7"
    recent = run(
        hs,
        {"resource": "contact", "operation": "getRecentlyCreatedUpdated", "limit": 3},
    )
    assert len(recent) == 3 and hs.log[-1].path.endswith("/recently_updated/contacts/recent")


def test_contact_search_pages_with_after(hs: FakeHubSpot) -> None:
    for i in range(250):
        hs.add_contact(f"s{i}@x.io", lifecyclestage="lead" if i % 2 else "customer")
    params = {
        "resource": "contact",
        "operation": "search",
        "filterGroupsUi": {
            "filterGroupsValues": [
                {
                    "filtersUi": {
                        "filterValues": [
                            {
                                "propertyName": "lifecyclestage|enumeration",
                                "type": "enumeration",
                                "operator": "EQ",
                                "value": "lead",
                            }
                        ]
                    }
                }
            ]
        },
        "additionalFields": {"direction": "ASCENDING"},
    }
    out = run(hs, {**params, "returnAll": True})
    assert len(out) == 125
    searches = hs.calls("/contacts/search")
    assert [s.json.get("after") for s in searches] == [None, "100"]
    assert searches[0].json["filterGroups"] == [
        {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}
    ]
    assert searches[0].json["sorts"] == [{"propertyName": "createdate", "direction": "ASCENDING"}]
    hs.log.clear()
    few = run(hs, {**params, "returnAll": False, "limit": 5})
    assert len(few) == 5 and hs.log[0].json["limit"] == 5


def test_search_refuses_more_than_three_filter_groups(hs: FakeHubSpot) -> None:
    group = {"filtersUi": {"filterValues": [{"propertyName": "a", "operator": "EQ", "value": 1}]}}
    with pytest.raises(NodeExecutionError, match="You can only have 3 filter groups"):
        run(
            hs,
            {
                "resource": "deal",
                "operation": "search",
                "filterGroupsUi": {"filterGroupsValues": [group] * 4},
            },
        )
    assert hs.log == []


# -- companies ------------------------------------------------------------------------------


def test_company_create_update_get_delete(hs: FakeHubSpot) -> None:
    made = run(
        hs,
        {
            "resource": "company",
            "operation": "create",
            "name": "Acme",
            "additionalFields": {"companyDomainName": "acme.io", "annualRevenue": 5},
        },
    )[0]
    assert hs.log[-1].json == {
        "properties": [
            {"name": "name", "value": "Acme"},
            {"name": "annualrevenue", "value": "5"},
            {"name": "domain", "value": "acme.io"},
        ]
    }
    cid = made["companyId"]
    updated = run(
        hs,
        {
            "resource": "company",
            "operation": "update",
            "companyId": rl(cid),
            "updateFields": {"city": "Paris"},
        },
    )[0]
    assert hs.log[-1].method == "PUT" and updated["properties"]["city"]["value"] == "Paris"
    got = run(
        hs,
        {
            "resource": "company",
            "operation": "get",
            "companyId": rl(cid),
            "additionalFields": {"includeMergeAudits": True},
        },
    )[0]
    assert got["companyId"] == cid and hs.log[-1].query["includeMergeAudits"] == "true"
    found = run(
        hs,
        {
            "resource": "company",
            "operation": "searchByDomain",
            "domain": "https://acme.io",
            "options": {"properties": ["name"]},
            "limit": 10,
        },
    )
    assert [c["companyId"] for c in found] == [cid]
    assert hs.log[-1].path == "/companies/v2/domains/acme.io/companies"
    assert hs.log[-1].json == {"requestOptions": {"properties": ["name"]}, "limit": 10}
    gone = run(hs, {"resource": "company", "operation": "delete", "companyId": rl(cid)})
    assert gone == [{"vid": str(cid), "deleted": True}]
    assert hs.log[-1].path == f"/crm/v3/objects/companies/{cid}"


def test_company_get_all_and_recent_follow_offset(hs: FakeHubSpot) -> None:
    for i in range(260):
        hs.add_company(f"Co {i}")
    every = run(hs, {"resource": "company", "operation": "getAll", "returnAll": True})
    assert len(every) == 260
    paged = hs.calls("/companies/paged")
    assert len(paged) == 2 and paged[0].query["limit"] == "250"
    assert paged[1].query["offset"] == str(every[249]["companyId"])
    recent = run(
        hs, {"resource": "company", "operation": "getRecentlyCreatedUpdated", "returnAll": True}
    )
    assert len(recent) == 260 and len(hs.calls("/recent/modified")) == 3
    some = run(hs, {"resource": "company", "operation": "getAll", "limit": 4})
    assert len(some) == 4 and hs.log[-1].query["limit"] == "4"


# -- deals ----------------------------------------------------------------------------------


def test_deal_create_update_get_getall_delete(hs: FakeHubSpot) -> None:
    made = run(
        hs,
        {
            "resource": "deal",
            "operation": "create",
            "stage": "appointmentscheduled",
            "additionalFields": {
                "dealName": "Big",
                "amount": "100",
                "dealOwner": {"__rl": True, "value": 7, "mode": "id"},
                "associatedCompany": [1, 2],
            },
        },
    )[0]
    assert hs.log[-1].json == {
        "properties": [
            {"name": "dealstage", "value": "appointmentscheduled"},
            {"name": "dealname", "value": "Big"},
            {"name": "hubspot_owner_id", "value": 7},
            {"name": "amount", "value": "100"},
        ],
        "associations": {"associatedCompanyIds": [1, 2]},
    }
    did = made["dealId"]
    run(
        hs,
        {
            "resource": "deal",
            "operation": "update",
            "dealId": rl(did),
            "updateFields": {"stage": "closedwon"},
        },
    )
    got = run(hs, {"resource": "deal", "operation": "get", "dealId": rl(did)})[0]
    assert got["properties"]["dealstage"]["value"] == "closedwon"
    for i in range(3):
        hs.add_deal(f"d{i}")
    listed = run(
        hs,
        {
            "resource": "deal",
            "operation": "getAll",
            "returnAll": True,
            "filters": {"properties": "dealname,amount"},
        },
    )
    assert len(listed) == 4
    assert repeated(hs.log[-1], "properties") == ["dealname", "amount"]
    recent = run(hs, {"resource": "deal", "operation": "getRecentlyCreatedUpdated", "limit": 2})
    assert len(recent) == 2 and hs.log[-1].query["count"] == "2"
    gone = run(hs, {"resource": "deal", "operation": "delete", "dealId": rl(did)})
    assert gone == [{"vid": str(did), "deleted": True}]


def test_deal_search(hs: FakeHubSpot) -> None:
    hs.add_deal("alpha")
    hs.add_deal("beta")
    out = run(
        hs,
        {
            "resource": "deal",
            "operation": "search",
            "filterGroupsUi": {
                "filterGroupsValues": [
                    {
                        "filtersUi": {
                            "filterValues": [
                                {"propertyName": "dealname", "operator": "EQ", "value": "beta"}
                            ]
                        }
                    }
                ]
            },
            "limit": 10,
        },
    )
    assert [d["properties"]["dealname"] for d in out] == ["beta"]


# -- engagements, forms, tickets ------------------------------------------------------------


def test_engagement_create_get_getall_delete(hs: FakeHubSpot) -> None:
    made = run(
        hs,
        {
            "resource": "engagement",
            "operation": "create",
            "type": "meeting",
            "metadata": {
                "title": "Kickoff",
                "startTime": "2024-01-02T10:00:00Z",
                "endTime": "2024-01-02T11:00:00Z",
            },
            "additionalFields": {"associations": {"contactIds": "1,2", "ownerId": 9}},
        },
    )[0]
    assert hs.log[-1].json == {
        "engagement": {"type": "MEETING", "ownerId": 9},
        "metadata": {"startTime": 1704189600, "endTime": 1704193200, "title": "Kickoff"},
        "associations": {"contactIds": ["1", "2"]},
    }
    eid = made["engagement"]["id"]
    got = run(hs, {"resource": "engagement", "operation": "get", "engagementId": rl(eid)})
    assert got[0]["metadata"]["title"] == "Kickoff"
    for _ in range(3):
        hs.add_engagement()
    listed = run(hs, {"resource": "engagement", "operation": "getAll", "returnAll": True})
    assert len(listed) == 4
    one = run(hs, {"resource": "engagement", "operation": "getAll", "limit": 1})
    assert len(one) == 1
    gone = run(hs, {"resource": "engagement", "operation": "delete", "engagementId": rl(eid)})
    assert gone == [{"vid": str(eid), "deleted": True}]
    with pytest.raises(NodeExecutionError, match="At least one metadata field needs to set"):
        run(hs, {"resource": "engagement", "operation": "create", "type": "task", "metadata": {}})


def test_email_engagement_metadata(hs: FakeHubSpot) -> None:
    run(
        hs,
        {
            "resource": "engagement",
            "operation": "create",
            "type": "email",
            "metadata": {"fromEmail": "a@x.io", "cc": ["b@x.io,c@x.io"], "subject": "Hi"},
        },
    )
    assert hs.log[-1].json["metadata"] == {
        "from": {"email": "a@x.io"},
        "cc": [{"email": "b@x.io"}, {"email": "c@x.io"}],
        "bcc": [],
        "subject": "Hi",
    }


def test_form_get_fields_and_submit(hs: FakeHubSpot) -> None:
    fields = run(hs, {"resource": "form", "operation": "getFields", "formId": "f-1"}, version=1)
    assert fields[0]["name"] == "email"
    out = run_node(
        TYPE,
        {
            "authentication": "appToken",
            "resource": "form",
            "operation": "submit",
            "formId": "f-1",
            "contextUi": {"contextValue": {"pageName": "Home", "ipAddress": ""}},
        },
        creds(hs),
        [{"json": {"email": "z@x.io", "firstname": "Z"}}],
        version=1,
    )
    assert out[0]["json"] == {"inlineMessage": "Thanks for submitting the form."}
    assert hs.submissions[0] == {
        "formId": "f-1",
        "portalId": PORTAL,
        "legalConsentOptions": {"consent": {}},
        "fields": [{"name": "email", "value": "z@x.io"}, {"name": "firstname", "value": "Z"}],
        "context": {"pageName": "Home"},
    }


def test_ticket_create_update_get_getall_delete(hs: FakeHubSpot) -> None:
    made = run(
        hs,
        {
            "resource": "ticket",
            "operation": "create",
            "pipelineId": "0",
            "stageId": "1",
            "ticketName": "Broken",
            "additionalFields": {"priority": "HIGH", "associatedContactIds": [5]},
        },
    )[0]
    create = hs.calls("/objects/tickets")[0]
    assert create.json == [
        {"name": "hs_pipeline", "value": "0"},
        {"name": "hs_pipeline_stage", "value": "1"},
        {"name": "subject", "value": "Broken"},
        {"name": "hs_ticket_priority", "value": "HIGH"},
    ]
    tid = made["objectId"]
    assert hs.associations == [
        {"fromObjectId": tid, "toObjectId": 5, "category": "HUBSPOT_DEFINED", "definitionId": 16}
    ]
    run(
        hs,
        {
            "resource": "ticket",
            "operation": "update",
            "ticketId": rl(tid),
            "updateFields": {"description": "now fixed"},
        },
    )
    got = run(
        hs,
        {
            "resource": "ticket",
            "operation": "get",
            "ticketId": rl(tid),
            "additionalFields": {"properties": ["subject", "content"]},
        },
    )[0]
    assert got["properties"]["content"]["value"] == "now fixed"
    assert repeated(hs.log[-1], "properties") == ["subject", "content"]
    for i in range(44):
        hs.add_ticket(f"t{i}")
    every = run(hs, {"resource": "ticket", "operation": "getAll", "returnAll": True})
    assert len(every) == 45 and len(hs.calls("/tickets/paged")) == 3
    hs.log.clear()
    some = run(hs, {"resource": "ticket", "operation": "getAll", "limit": 25})
    assert len(some) == 25 and len(hs.log) == 2  # stops once the limit is reached
    gone = run(hs, {"resource": "ticket", "operation": "delete", "ticketId": rl(tid)})
    assert gone == [{"vid": str(tid), "deleted": True}]


# -- auth, errors, rate limits --------------------------------------------------------------


def test_api_key_goes_in_hapikey(hs: FakeHubSpot) -> None:
    hs.add_deal("k")
    out = run(
        hs,
        {"resource": "deal", "operation": "getAll", "limit": 5},
        kind="hubspotApi",
        secret=API_KEY,
    )
    assert len(out) == 1
    assert hs.log[-1].query["hapikey"] == API_KEY
    assert "authorization" not in hs.log[-1].headers


def test_bad_token_is_authorization_failed(hs: FakeHubSpot) -> None:
    with pytest.raises(NodeApiError) as err:
        run(hs, {"resource": "deal", "operation": "getAll"}, secret="wrong")
    assert err.value.reason == "Authorization failed - please check your credentials"
    assert err.value.http_code == 401
    assert err.value.description and "Authentication credentials not found" in err.value.description
    with pytest.raises(NodeApiError) as bad_key:
        run(hs, {"resource": "deal", "operation": "getAll"}, kind="hubspotApi", secret="nope")
    assert bad_key.value.http_code == 401


def test_continue_on_fail_gives_error_items(hs: FakeHubSpot) -> None:
    out = run(
        hs,
        {"resource": "deal", "operation": "get", "dealId": rl(999)},
        continue_on_fail=True,
    )
    assert out == [{"error": "deal #999 could not be found. Check your deal ID is correct"}]


def test_429_is_retried_after_retry_after(hs: FakeHubSpot) -> None:
    hs.add_company("Slow")
    hs.rate_limit(1, retry_after=1)
    out = run(hs, {"resource": "company", "operation": "getAll", "limit": 1})
    assert len(out) == 1 and len(hs.calls("/companies/paged")) == 2


def test_429_bounded(hs: FakeHubSpot) -> None:
    hs.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError) as err:
        run(hs, {"resource": "company", "operation": "getAll", "limit": 1})
    assert err.value.reason == "The service is receiving too many requests from you"
    assert err.value.description == "You have reached your secondly limit."
    assert len(hs.log) == 4


def test_version_1_defaults_to_deal_resource(hs: FakeHubSpot) -> None:
    hs.add_deal("v1")
    out = run_node(
        TYPE,
        {"operation": "getAll", "limit": 3},
        creds(hs, "hubspotApi", API_KEY),
        version=1,
    )
    assert [o["json"]["dealId"] for o in out] and hs.log[-1].path == "/deals/v1/deal/paged"


def test_version_1_shapes(hs: FakeHubSpot) -> None:
    """n8n's HubspotV1: flat contact properties, resolveData, filters sent as they are,
    deletes answering as HubSpot does (or `{success: true}`), recently created/modified."""
    v1 = {"version": 1}
    made = run(
        hs,
        {"resource": "contact", "operation": "upsert", "email": "v1@x.io", "resolveData": False},
        **v1,
    )
    assert made == [{"vid": made[0]["vid"], "isNew": True}]
    vid = made[0]["vid"]
    run(
        hs,
        {
            "resource": "contact",
            "operation": "get",
            "contactId": str(vid),
            "additionalFields": {"properties": ["email"], "propertyMode": "valueAndHistory"},
        },
        **v1,
    )
    assert repeated(hs.log[-1], "property") == ["email"]
    assert hs.log[-1].query["propertyMode"] == "value_and_history"
    filters = [{"propertyName": "email", "operator": "EQ", "value": "v1@x.io"}]
    found = run(
        hs,
        {
            "resource": "contact",
            "operation": "search",
            "filterGroupsUi": {"filterGroupsValues": [{"filtersUi": {"filterValues": filters}}]},
            "limit": 5,
        },
        **v1,
    )
    assert len(found) == 1 and hs.log[-1].json["filterGroups"] == [{"filters": filters}]
    company = hs.add_company("Old")
    gone = run(
        hs,
        {"resource": "company", "operation": "delete", "companyId": str(company["companyId"])},
        **v1,
    )
    assert gone == [{"companyId": company["companyId"], "deleted": True}]
    assert hs.log[-1].path == f"/companies/v2/companies/{company['companyId']}"
    eng = hs.add_engagement()
    out = run(
        hs,
        {
            "resource": "engagement",
            "operation": "delete",
            "engagementId": str(eng["engagement"]["id"]),
        },
        **v1,
    )
    assert out == [{"success": True}]
    hs.add_deal("recent")
    recent = run(
        hs,
        {
            "resource": "deal",
            "operation": "getRecentlyModified",
            "limit": 5,
            "filters": {"since": "2024-01-01T00:00:00Z"},
        },
        **v1,
    )
    assert len(recent) == 1 and hs.log[-1].path == "/deals/v1/deal/recent/modified"
    assert hs.log[-1].query["since"] == "1704067200000"


def test_exported_workflow_runs_inline(hs: FakeHubSpot) -> None:
    """An export as n8n writes it: defaults left out (resource contact, authentication),
    expressions evaluated per item."""
    from hetumind.engine import run_workflow

    hs.add_contact("w@x.io")
    workflow = {
        "name": "hubspot",
        "nodes": [
            {
                "id": "1",
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            },
            {
                "id": "2",
                "name": "HubSpot",
                "type": TYPE,
                "typeVersion": 2.1,
                "position": [200, 0],
                "parameters": {
                    "operation": "upsert",
                    "email": "={{ 'w' + '@x.io' }}",
                    "additionalFields": {"firstName": "Wu"},
                    "options": {},
                },
                "credentials": {"hubspotAppToken": creds(hs)["hubspotAppToken"]},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "HubSpot", "type": "main", "index": 0}]]}},
    }
    result = run_workflow(workflow, backend="inline").to_json()
    assert result["status"] == "success", result
    assert hs.calls("/createOrUpdate/email/w@x.io")[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert hs.log[-1].path.endswith("/profile")


def test_oauth2_refreshes_a_refused_token(hs: FakeHubSpot) -> None:
    hs.add_deal("o")
    oauth = {
        "hubspotOAuth2Api": {
            "id": "o",
            "name": "hs-oauth",
            "data": {
                "baseUrl": hs.url,
                "accessTokenUrl": f"{hs.url}/oauth/v1/token",
                "clientId": "hs-client",
                "clientSecret": "hs-secret",
                "authentication": "body",
                "oauthTokenData": {"access_token": "stale", "refresh_token": "hs-refresh"},
            },
        }
    }
    out = run_node(
        TYPE,
        {"authentication": "oAuth2", "resource": "deal", "operation": "getAll", "limit": 5},
        oauth,
        version=2.1,
    )
    assert len(out) == 1
    paths = [r.path for r in hs.log]
    assert paths == ["/deals/v1/deal/paged", "/oauth/v1/token", "/deals/v1/deal/paged"]
    assert hs.log[0].headers["authorization"] == "Bearer stale"
    assert hs.log[1].form["grant_type"] == "refresh_token"
    assert hs.log[2].headers["authorization"] == f"Bearer {TOKEN}"
