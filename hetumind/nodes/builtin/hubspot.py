"""HubSpot (n8n `hubspot` 1, 2, 2.1, 2.2): contacts, companies, deals, engagements, forms
and tickets over HubSpot's v1/v2 and CRM v3 APIs, as n8n's node calls them.

Requests are n8n's: `https://api.hubapi.com<endpoint>` (a credential's `baseUrl`, a
Hetumind field, points elsewhere), JSON bodies, array query values repeated
(`properties=a&properties=b`). Authentication: `appToken` (hubspotAppToken, bearer),
`apiKey` (hubspotApi, the legacy `hapikey` query parameter) or `oAuth2`
(hubspotOAuth2Api). returnAll follows n8n's hubspotApiRequestAllItems: `offset` and
`vid-offset` from each answer go back as `offset` / `vidOffset` while `hasMore` /
`has-more` is true; search endpoints (v3) send `paging.next.after` as `after` in the body.
Errors are n8n's texts with HubSpot's `message` as the description; 429s wait for
Retry-After as every kit node does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.integrations import (
    ApiKeyQuery,
    IntegrationNode,
    OAuth2,
    Operation,
    Params,
    Service,
    bearer,
)
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.operations import run_operations
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext, node
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["Hubspot", "HubspotTool"]

HUBSPOT = Service(
    name="HubSpot",
    default_base_url="https://api.hubapi.com",
    credentials={
        "hubspotApi": ApiKeyQuery("apiKey", "hapikey"),
        "hubspotAppToken": bearer("appToken"),
        "hubspotOAuth2Api": OAuth2(),
    },
    authentication={
        "apiKey": "hubspotApi",
        "appToken": "hubspotAppToken",
        "oAuth2": "hubspotOAuth2Api",
    },
    array_format="repeat",
)

RunFn = Callable[[ServiceClient, Params], Any]
MAX_PAGES = 10_000

# additionalFields / updateFields name -> HubSpot property (n8n's tables)
CONTACT_FIELDS: Mapping[str, str] = {
    "annualRevenue": "annualrevenue",
    "city": "city",
    "clickedFacebookAd": "hs_facebook_ad_clicked",
    "closeDate": "closedate",
    "companyName": "company",
    "companySize": "company_size",
    "description": "description",
    "contactOwner": "hubspot_owner_id",
    "country": "country",
    "dateOfBirth": "date_of_birth",
    "degree": "degree",
    "facebookClickId": "hs_facebook_click_id",
    "faxNumber": "fax",
    "fieldOfStudy": "field_of_study",
    "firstName": "firstname",
    "gender": "gender",
    "googleAdClickId": "hs_google_click_id",
    "graduationDate": "graduation_date",
    "industry": "industry",
    "jobFunction": "job_function",
    "jobTitle": "jobtitle",
    "lastName": "lastname",
    "leadStatus": "hs_lead_status",
    "processingContactData": "hs_legal_basis",
    "lifeCycleStage": "lifecyclestage",
    "maritalStatus": "marital_status",
    "membershipNote": "hs_content_membership_notes",
    "message": "message",
    "mobilePhoneNumber": "mobilephone",
    "numberOfEmployees": "numemployees",
    "originalSource": "hs_analytics_source",
    "phoneNumber": "phone",
    "postalCode": "zip",
    "prefferedLanguage": "hs_language",
    "relationshipStatus": "relationship_status",
    "salutation": "salutation",
    "school": "school",
    "seniority": "seniority",
    "startDate": "start_date",
    "stateRegion": "state",
    "status": "hs_content_membership_status",
    "streetAddress": "address",
    "twitterUsername": "twitterhandle",
    "websiteUrl": "website",
    "workEmail": "work_email",
    "buyingRole": "hs_buying_role",
    "countryRegionCode": "hs_country_region_code",
    "emailCustomerQuarantinedReason": "hs_email_customer_quarantined_reason",
    "employmentRole": "hs_role",
    "employmentSeniority": "hs_seniority",
    "employmentSubRole": "hs_sub_role",
    "enrichedEmailBounceDetected": "hs_enriched_email_bounce_detected",
    "inferredLanguageCodes": "hs_inferred_language_codes",
    "latestTrafficSource": "hs_latest_source",
    "latestTrafficSourceDate": "hs_latest_source_timestamp",
    "linkedinUrl": "hs_linkedin_url",
    "memberEmail": "hs_content_membership_email",
    "militaryStatus": "military_status",
    "persona": "hs_persona",
    "prospectingAgentLastEnrolled": "hs_prospecting_agent_last_enrolled",
    "prospectingAgentTotalEnrolledCount": "hs_prospecting_agent_total_enrolled_count",
    "stateRegionCode": "hs_state_code",
    "timeZone": "hs_timezone",
    "whatsappPhoneNumber": "hs_whatsapp_phone_number",
}
_CONTACT_DATES = {"closeDate", "latestTrafficSourceDate", "prospectingAgentLastEnrolled"}

COMPANY_FIELDS: Mapping[str, str] = {
    "name": "name",
    "aboutUs": "about_us",
    "annualRevenue": "annualrevenue",
    "city": "city",
    "closeDate": "closedate",
    "companyDomainName": "domain",
    "companyOwner": "hubspot_owner_id",
    "countryRegion": "country",
    "description": "description",
    "facebookFans": "facebookfans",
    "googlePlusPage": "googleplus_page",
    "industry": "industry",
    "isPublic": "is_public",
    "leadStatus": "hs_lead_status",
    "lifecycleStatus": "lifecyclestage",
    "linkedinBio": "linkedinbio",
    "linkedInCompanyPage": "linkedin_company_page",
    "numberOfEmployees": "numberofemployees",
    "originalSourceType": "hs_analytics_source",
    "phoneNumber": "phone",
    "postalCode": "zip",
    "stateRegion": "state",
    "streetAddress": "address",
    "streetAddress2": "address2",
    "targetAccount": "hs_target_account",
    "timezone": "timezone",
    "totalMoneyRaised": "total_money_raised",
    "twitterBio": "twitterbio",
    "twitterFollowers": "twitterfollowers",
    "twitterHandle": "twitterhandle",
    "type": "type",
    "websiteUrl": "website",
    "webTechnologies": "web_technologies",
    "yearFounded": "founded_year",
}

DEAL_FIELDS: Mapping[str, str] = {
    "stage": "dealstage",
    "dealName": "dealname",
    "dealOwner": "hubspot_owner_id",
    "closeDate": "closedate",
    "amount": "amount",
    "dealType": "dealtype",
    "pipeline": "pipeline",
    "description": "description",
}

TICKET_FIELDS: Mapping[str, str] = {
    "pipelineId": "hs_pipeline",
    "stageId": "hs_pipeline_stage",
    "ticketName": "subject",
    "category": "hs_ticket_category",
    "closeDate": "closed_date",
    "createDate": "createdate",
    "description": "content",
    "priority": "hs_ticket_priority",
    "resolution": "hs_resolution",
    "source": "source_type",
    "ticketOwnerId": "hubspot_owner_id",
}


# -- helpers --------------------------------------------------------------------------------


def _epoch_ms(value: Any, p: Params, name: str) -> int:
    """JavaScript's new Date(value).getTime() for ISO dates and epoch milliseconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise NodeExecutionError(
            f"Invalid date in '{name}': {text!r}", node=p.ctx.node_name, item_index=p.index
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _id(p: Params, name: str) -> str:
    value = p.locator(name)
    if not value:
        raise NodeExecutionError(
            f"The parameter {name!r} is required", node=p.ctx.node_name, item_index=p.index
        )
    return value


def _split(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [v for v in str(value).split(",")] if value not in (None, "") else []


def _properties_collection(fields: Mapping[str, Any], qs: dict[str, Any], key: str) -> None:
    """n8n's propertiesCollection: `properties` (list or comma text) and propertyMode
    (snake_cased: valueOnly -> value_only)."""
    collection = fields.get("propertiesCollection")
    if not isinstance(collection, Mapping):
        return
    values = collection.get("propertiesValues")
    if not isinstance(values, Mapping):
        return
    qs[key] = _split(values.get("properties"))
    mode = str(values.get("propertyMode") or "")
    qs["propertyMode"] = _snake(mode)


def _snake(mode: str) -> str:
    """change-case's snakeCase for n8n's camelCase option values (valueOnly)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in mode)


def _custom(fields: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    ui = fields.get("customPropertiesUi")
    values = ui.get("customPropertiesValues") if isinstance(ui, Mapping) else None
    if isinstance(values, Mapping):
        values = [values]
    out: list[dict[str, Any]] = []
    for entry in values or []:
        if isinstance(entry, Mapping):
            out.append({key: entry.get("property"), "value": entry.get("value")})
    return out


def _call(
    client: ServiceClient,
    p: Params,
    method: str,
    endpoint: str,
    body: Any = None,
    qs: Mapping[str, Any] | None = None,
) -> Any:
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = {}
    try:
        return client.request(method, endpoint, qs=qs, body=body, item_index=p.index)
    except NodeApiError as exc:
        raise _reworded(exc, p) from None


def _reworded(exc: NodeApiError, p: Params) -> NodeApiError:
    """n8n's HubSpot wording: INVALID_EMAIL's own message; a 404 'resource not found'
    names the resource."""
    body = exc.body if isinstance(exc.body, Mapping) else {}
    results = body.get("validationResults")
    message = exc.reason
    first = results[0] if isinstance(results, list) and results else None
    if (
        isinstance(first, Mapping)
        and first.get("error") == "INVALID_EMAIL"
        and first.get("message")
    ):
        message = str(first["message"])
    if exc.http_code == 404 and exc.description == "resource not found":
        resource = p.text("resource", "deal" if p.version < 2 else "contact")
        ident = p.locator(f"{resource}Id") if p.get(f"{resource}Id") is not None else ""
        message = f"{resource} #{ident} could not be found. Check your {resource} ID is correct"
    if message == exc.reason:
        return exc
    return NodeApiError(
        message,
        node=p.ctx.node_name,
        item_index=p.index,
        http_code=exc.http_code,
        description=exc.description,
        body=exc.body,
    )


def _all_items(
    client: ServiceClient,
    p: Params,
    prop: str,
    method: str,
    endpoint: str,
    body: dict[str, Any] | None = None,
    qs: dict[str, Any] | None = None,
) -> list[Any]:
    """n8n's hubspotApiRequestAllItems."""
    query = dict(qs or {})
    query["limit"] = query.get("limit") or 250
    query["count"] = 100
    data = dict(body or {})
    data["limit"] = data.get("limit") or 100
    out: list[Any] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        answer = _call(client, p, method, endpoint, data if method != "GET" else None, query)
        if not isinstance(answer, Mapping):
            break
        query["offset"] = answer.get("offset")
        query["vidOffset"] = answer.get("vid-offset")
        paging = answer.get("paging")
        nxt = paging.get("next") if isinstance(paging, Mapping) else None
        if isinstance(nxt, Mapping):
            data["after"] = nxt.get("after")
        got = answer.get(prop)
        if isinstance(got, list):
            out.extend(got)
        limit = query.get("limit")
        if isinstance(limit, int) and limit <= len(out) and "/tickets/paged" in endpoint:
            return out
        more = answer.get("hasMore") or answer.get("has-more") or isinstance(nxt, Mapping)
        if not more:
            break
        marker = repr((query.get("offset"), query.get("vidOffset"), data.get("after")))
        if marker in seen:
            raise NodeExecutionError(
                f"HubSpot sent the same next page twice ({marker})",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        seen.add(marker)
    return out


def _return_all(p: Params) -> bool:
    return p.ctx.param("returnAll", 0, False) is True


def _limit(p: Params) -> Any:
    return p.ctx.param("limit", 0, 100)


def _list(
    endpoint: str,
    prop: str,
    limit_key: str,
    qs_fn: Callable[[Params], dict[str, Any]] | None = None,
) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        qs = qs_fn(p) if qs_fn else {}
        if _return_all(p):
            return _all_items(client, p, prop, "GET", endpoint, None, qs)
        qs[limit_key] = _limit(p)
        answer = _call(client, p, "GET", endpoint, None, qs)
        return answer.get(prop) if isinstance(answer, Mapping) else answer

    return run


def _delete(
    endpoint: Callable[[str], str],
    id_param: str,
    v1: str = "answer",
    v1_endpoint: Callable[[str], str] | None = None,
) -> RunFn:
    """2.x: `{vid, deleted: true}` for an empty answer; version 1: the answer as it is
    (`v1="answer"`) or `{success: true}` (`v1="success"`)."""

    def run(client: ServiceClient, p: Params) -> Any:
        ident = _id(p, id_param)
        if p.version < 2:
            answer = _call(client, p, "DELETE", (v1_endpoint or endpoint)(ident))
            return {"success": True} if v1 == "success" else answer
        answer = _call(client, p, "DELETE", endpoint(ident))
        return {"vid": ident, "deleted": True} if answer in (None, "") else answer

    return run


# -- contacts -------------------------------------------------------------------------------


def _contact_props(p: Params, fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, prop in CONTACT_FIELDS.items():
        value = fields.get(key)
        if value in (None, "", False, []):
            continue
        if key == "annualRevenue":
            value = str(value)
        elif key in _CONTACT_DATES:
            value = _epoch_ms(value, p, key)
        elif key == "buyingRole" and isinstance(value, list):
            value = ";".join(str(v) for v in value)
        out.append({"property": prop, "value": value})
    return out + _custom(fields, "property")


def _contact_upsert(client: ServiceClient, p: Params) -> Any:
    email = p.text("email")
    fields = p.collection("additionalFields")
    options = p.collection("options")
    body = {"properties": _contact_props(p, fields)}
    answer = _call(client, p, "POST", f"/contacts/v1/contact/createOrUpdate/email/{email}", body)
    vid = answer.get("vid") if isinstance(answer, Mapping) else None
    if fields.get("associatedCompanyId"):
        association = {
            "fromObjectId": vid,
            "toObjectId": fields["associatedCompanyId"],
            "category": "HUBSPOT_DEFINED",
            "definitionId": 1,
        }
        _call(client, p, "PUT", "/crm-associations/v1/associations/create-batch", [association])
    # 2.x: options.resolveData skips the profile read; 1: resolveData (default on) asks for it
    resolve = (
        p.get("resolveData", True) is True if p.version < 2 else not options.get("resolveData")
    )
    if resolve:
        is_new = answer.get("isNew") if isinstance(answer, Mapping) else None
        qs: dict[str, Any] = {}
        if fields.get("properties"):
            qs["property"] = _split(fields["properties"])
        answer = _call(client, p, "GET", f"/contacts/v1/contact/vid/{vid}/profile", None, qs)
        if isinstance(answer, dict):
            answer["isNew"] = is_new
    return answer


def _contact_qs(key: str) -> Callable[[Params], dict[str, Any]]:
    def qs_fn(p: Params) -> dict[str, Any]:
        # version 1's recently created/updated list reads `filters`
        recent = p.version < 2 and p.text("operation") == "getRecentlyCreatedUpdated"
        fields = p.collection("filters" if recent else "additionalFields")
        qs: dict[str, Any] = {}
        if fields.get("formSubmissionMode"):
            qs["formSubmissionMode"] = fields["formSubmissionMode"]
        if fields.get("listMemberships"):
            qs["showListMemberships"] = fields["listMemberships"]
        if p.version < 2:
            # version 1: flat properties / propertyMode, sent as `property`
            if fields.get("properties"):
                qs["property"] = _split(fields["properties"])
            if fields.get("propertyMode"):
                qs["propertyMode"] = _snake(str(fields["propertyMode"]))
            return qs
        _properties_collection(fields, qs, key)
        return qs

    return qs_fn


def _contact_get(client: ServiceClient, p: Params) -> Any:
    ident = _id(p, "contactId")
    qs = _contact_qs("properties")(p)
    return _call(client, p, "GET", f"/contacts/v1/contact/vid/{ident}/profile", None, qs)


def _filter_groups(p: Params) -> list[dict[str, Any]] | None:
    ui = p.get("filterGroupsUi", {})
    groups = ui.get("filterGroupsValues") if isinstance(ui, Mapping) else None
    if not groups:
        return None
    if isinstance(groups, Mapping):
        groups = [groups]
    out: list[dict[str, Any]] = []
    for group in groups:
        filters_ui = group.get("filtersUi") if isinstance(group, Mapping) else None
        if not isinstance(filters_ui, Mapping):
            continue
        values = filters_ui.get("filterValues") or []
        if isinstance(values, Mapping):
            values = [values]
        filters: list[dict[str, Any]] = []
        if not values and p.version < 2:
            continue
        filters = []
        for f in values:
            if p.version < 2:
                filters.append(dict(f))  # version 1 sends the filters as they are
                continue
            entry = {k: v for k, v in dict(f).items() if k != "type"}
            if entry.get("propertyName") is not None:
                entry["propertyName"] = str(entry["propertyName"]).split("|")[0]
            filters.append(entry)
        out.append({"filters": filters})
    if len(out) > 3 and p.version >= 2:
        raise NodeExecutionError(
            "You can only have 3 filter groups", node=p.ctx.node_name, item_index=p.index
        )
    return out


def _search(object_type: str) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        fields = p.collection("additionalFields")
        body: dict[str, Any] = {
            "sorts": [
                {
                    "propertyName": fields.get("sortBy") or "createdate",
                    "direction": fields.get("direction") or "DESCENDING",
                }
            ]
        }
        groups = _filter_groups(p)
        if groups is not None:
            body["filterGroups"] = groups
        body.update(fields)
        if "properties" in body:
            body["properties"] = _split(body["properties"])
        endpoint = f"/crm/v3/objects/{object_type}/search"
        if _return_all(p):
            return _all_items(client, p, "results", "POST", endpoint, body, {})
        body["limit"] = _limit(p)
        answer = _call(client, p, "POST", endpoint, body)
        return answer.get("results") if isinstance(answer, Mapping) else answer

    return run


# -- companies ------------------------------------------------------------------------------


def _company_props(p: Params, fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, prop in COMPANY_FIELDS.items():
        value = fields.get(key)
        if value in (None, "", False):
            continue
        if key == "annualRevenue":
            value = str(value)
        elif key == "closeDate":
            value = _epoch_ms(value, p, key)
        out.append({"name": prop, "value": value})
    return out + _custom(fields, "name")


def _company_create(client: ServiceClient, p: Params) -> Any:
    fields = {**p.collection("additionalFields"), "name": p.text("name")}
    return _call(
        client, p, "POST", "/companies/v2/companies", {"properties": _company_props(p, fields)}
    )


def _company_update(client: ServiceClient, p: Params) -> Any:
    ident = _id(p, "companyId")
    body = {"properties": _company_props(p, p.collection("updateFields"))}
    return _call(client, p, "PUT", f"/companies/v2/companies/{ident}", body)


def _company_get(client: ServiceClient, p: Params) -> Any:
    ident = _id(p, "companyId")
    fields = p.collection("additionalFields")
    qs = {"includeMergeAudits": True} if fields.get("includeMergeAudits") else {}
    return _call(client, p, "GET", f"/companies/v2/companies/{ident}", None, qs)


def _company_list_qs(p: Params) -> dict[str, Any]:
    options = p.collection("options")
    qs: dict[str, Any] = {}
    if options.get("formSubmissionMode"):
        qs["formSubmissionMode"] = options["formSubmissionMode"]
    if options.get("listMerberships"):
        qs["showListMemberships"] = options["listMerberships"]
    _properties_collection(options, qs, "properties")
    return qs


def _company_recent_qs(p: Params) -> dict[str, Any]:
    fields = p.collection("additionalFields")
    qs: dict[str, Any] = {}
    if fields.get("since"):
        qs["since"] = _epoch_ms(fields["since"], p, "since")
    _properties_collection(fields, qs, "properties")
    return qs


def _company_by_domain(client: ServiceClient, p: Params) -> Any:
    domain = p.text("domain")
    for prefix in ("https://", "http://"):
        if prefix in domain:
            domain = domain.replace(prefix, "", 1)
            break
    options = p.collection("options")
    body: dict[str, Any] = {"requestOptions": {}}
    if options.get("properties"):
        body["requestOptions"] = {"properties": _split(options["properties"])}
    endpoint = f"/companies/v2/domains/{domain}/companies"
    if _return_all(p):
        return _all_items(client, p, "results", "POST", endpoint, body, {})
    body["limit"] = _limit(p)
    answer = _call(client, p, "POST", endpoint, body)
    return answer.get("results") if isinstance(answer, Mapping) else answer


# -- deals ----------------------------------------------------------------------------------


def _deal_props(p: Params, fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, prop in DEAL_FIELDS.items():
        value = fields.get(key)
        if value in (None, ""):
            continue
        if key == "dealOwner" and isinstance(value, Mapping):
            value = value.get("value")
        elif key == "closeDate":
            value = _epoch_ms(value, p, key)
        out.append({"name": prop, "value": value})
    return out + _custom(fields, "name")


def _deal_create(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("additionalFields")
    props = _deal_props(p, {**fields, "stage": p.text("stage")})
    association: dict[str, Any] = {}
    if fields.get("associatedCompany"):
        association["associatedCompanyIds"] = fields["associatedCompany"]
    if fields.get("associatedVids"):
        association["associatedVids"] = fields["associatedVids"]
    body = {"properties": props, "associations": association}
    return _call(client, p, "POST", "/deals/v1/deal", body)


def _deal_update(client: ServiceClient, p: Params) -> Any:
    ident = _id(p, "dealId")
    body = {"properties": _deal_props(p, p.collection("updateFields"))}
    return _call(client, p, "PUT", f"/deals/v1/deal/{ident}", body)


def _deal_get(client: ServiceClient, p: Params) -> Any:
    # n8n builds includePropertyVersions / properties but sends the GET without them
    return _call(client, p, "GET", f"/deals/v1/deal/{_id(p, 'dealId')}")


def _deal_list_qs(p: Params) -> dict[str, Any]:
    filters = p.collection("filters")
    qs: dict[str, Any] = {}
    if filters.get("includeAssociations"):
        qs["includeAssociations"] = filters["includeAssociations"]
    _properties_collection(filters, qs, "properties")
    if filters.get("properties"):
        qs["properties"] = _split(filters["properties"])
    if filters.get("propertiesWithHistory"):
        qs["propertiesWithHistory"] = _split(filters["propertiesWithHistory"])
    return qs


def _v1_since_qs(p: Params) -> dict[str, Any]:
    filters = p.collection("filters")
    return {"since": _epoch_ms(filters["since"], p, "since")} if filters.get("since") else {}


def _deal_recent_qs(p: Params) -> dict[str, Any]:
    filters = p.collection("filters")
    qs: dict[str, Any] = {}
    if filters.get("since"):
        qs["since"] = _epoch_ms(filters["since"], p, "since")
    if filters.get("includePropertyVersions"):
        qs["includePropertyVersions"] = filters["includePropertyVersions"]
    return qs


# -- engagements ----------------------------------------------------------------------------


def _emails(values: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for value in values if isinstance(values, list) else [values] if values else []:
        out.extend({"email": e} for e in str(value).split(","))
    return out


def _meeting_time(value: Any, p: Params, name: str) -> int:
    return _epoch_ms(value, p, name) // 1000


def _metadata(kind: str, meta: Mapping[str, Any], p: Params) -> dict[str, Any]:
    def pick(*keys: str) -> dict[str, Any]:
        return {k: meta[k] for k in keys if meta.get(k)}

    if kind == "email":
        sender = {
            k: meta[src]
            for k, src in (
                ("email", "fromEmail"),
                ("firstName", "firstName"),
                ("lastName", "lastName"),
            )
            if meta.get(src)
        }
        return {
            "from": sender,
            "cc": _emails(meta.get("cc")),
            "bcc": _emails(meta.get("bcc")),
            **pick("subject", "html", "text"),
        }
    if kind == "task":
        return pick("body", "subject", "status", "forObjectType")
    if kind == "meeting":
        out = pick("body")
        if meta.get("startTime"):
            out["startTime"] = _meeting_time(meta["startTime"], p, "startTime")
        if meta.get("endTime"):
            out["endTime"] = _meeting_time(meta["endTime"], p, "endTime")
        return {**out, **pick("title", "internalMeetingNotes")}
    if kind == "call":
        return pick(
            "toNumber", "fromNumber", "status", "durationMilliseconds", "recordingUrl", "body"
        )
    return {}


def _engagement_create(client: ServiceClient, p: Params) -> Any:
    kind = p.text("type")
    meta = p.collection("metadata")
    fields = p.collection("additionalFields")
    associations = (
        fields.get("associations") if isinstance(fields.get("associations"), Mapping) else {}
    )
    if not meta:
        raise NodeExecutionError(
            "At least one metadata field needs to set", node=p.ctx.node_name, item_index=p.index
        )
    owner = associations.get("ownerId")
    engagement: dict[str, Any] = {"type": kind.upper()}
    if isinstance(owner, int | float) and not isinstance(owner, bool) and p.version >= 2:
        engagement["ownerId"] = owner
    if kind == "task" and p.version >= 2.2 and p.get("dueDate"):
        engagement["timestamp"] = _epoch_ms(p.get("dueDate"), p, "dueDate")
    assoc = {
        key: str(associations[key]).split(",")
        for key in ("companyIds", "contactIds", "dealIds", "ownerIds", "ticketIds")
        if associations.get(key)
    }
    body = {"engagement": engagement, "metadata": _metadata(kind, meta, p), "associations": assoc}
    return _call(client, p, "POST", "/engagements/v1/engagements", body)


# -- forms ----------------------------------------------------------------------------------


def _form_fields(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "GET", f"/forms/v2/fields/{p.text('formId')}")


def _form_submit(client: ServiceClient, p: Params) -> Any:
    form_id = p.text("formId")
    fields = p.collection("additionalFields")
    context_ui = p.collection("contextUi").get("contextValue")
    consent_ui = p.collection("lengalConsentUi").get("lengalConsentValues")
    form = _call(client, p, "GET", f"/forms/v2/forms/{form_id}")
    portal = form.get("portalId") if isinstance(form, Mapping) else None
    body: dict[str, Any] = {
        "formId": form_id,
        "portalId": portal,
        "legalConsentOptions": {},
        "fields": [],
    }
    if fields.get("submittedAt"):
        body["submittedAt"] = _epoch_ms(fields["submittedAt"], p, "submittedAt")
    if fields.get("skipValidation"):
        body["skipValidation"] = fields["skipValidation"]
    consent: dict[str, Any] = {}
    if isinstance(consent_ui, Mapping):
        if consent_ui.get("consentToProcess"):
            consent["consentToProcess"] = consent_ui["consentToProcess"]
        if consent_ui.get("text"):
            consent["text"] = consent_ui["text"]
        comms = consent_ui.get("communicationsUi")
        if isinstance(comms, Mapping):
            consent["communications"] = comms.get("communicationValues")
    body["legalConsentOptions"]["consent"] = consent
    body["fields"] = [{"name": k, "value": v} for k, v in p.json.items()]
    if isinstance(context_ui, Mapping):
        body["context"] = {k: v for k, v in context_ui.items() if v not in (None, "")}
    # n8n posts to api.hsforms.com; a credential baseUrl (proxy, fake) serves both hosts
    forms_url = str(client.data.get("baseUrl") or "https://api.hsforms.com")
    uri = f"{forms_url.rstrip('/')}/submissions/v3/integration/submit/{portal}/{form_id}"
    return _call(client, p, "POST", uri, body)


# -- tickets --------------------------------------------------------------------------------


def _ticket_props(p: Params, fields: Mapping[str, Any], update: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, prop in TICKET_FIELDS.items():
        value = fields.get(key)
        if value in (None, ""):
            continue
        if key == "closeDate":
            # n8n's update sends closed_date from createDate (its bug, kept)
            source = fields.get("createDate") if update else value
            value = _epoch_ms(source, p, key) if source not in (None, "") else None
        elif key == "createDate":
            value = _epoch_ms(value, p, key)
        out.append({"name": prop, "value": value})
    return out


def _ticket_associate(
    client: ServiceClient, p: Params, fields: Mapping[str, Any], object_id: Any
) -> None:
    for key, definition in (("associatedCompanyIds", 26), ("associatedContactIds", 16)):
        ids = fields.get(key)
        if not ids:
            continue
        batch = [
            {
                "fromObjectId": object_id,
                "toObjectId": target,
                "category": "HUBSPOT_DEFINED",
                "definitionId": definition,
            }
            for target in (ids if isinstance(ids, list) else [ids])
        ]
        _call(client, p, "PUT", "/crm-associations/v1/associations/create-batch", batch)


def _ticket_create(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("additionalFields")
    head = {
        "pipelineId": p.text("pipelineId"),
        "stageId": p.text("stageId"),
        "ticketName": p.text("ticketName"),
    }
    props = [
        {"name": "hs_pipeline", "value": head["pipelineId"]},
        {"name": "hs_pipeline_stage", "value": head["stageId"]},
        {"name": "subject", "value": head["ticketName"]},
    ]
    rest = {k: v for k, v in fields.items() if k not in head}
    props += _ticket_props(p, rest, update=False)
    answer = _call(client, p, "POST", "/crm-objects/v1/objects/tickets", props)
    object_id = answer.get("objectId") if isinstance(answer, Mapping) else None
    _ticket_associate(client, p, fields, object_id)
    return answer


def _ticket_update(client: ServiceClient, p: Params) -> Any:
    ident = _id(p, "ticketId")
    fields = p.collection("updateFields")
    props = _ticket_props(p, fields, update=True)
    answer = _call(client, p, "PUT", f"/crm-objects/v1/objects/tickets/{ident}", props)
    object_id = answer.get("objectId") if isinstance(answer, Mapping) else None
    _ticket_associate(client, p, fields, object_id)
    return answer


def _ticket_qs(p: Params) -> dict[str, Any]:
    fields = p.collection("additionalFields")
    qs: dict[str, Any] = {}
    if fields.get("properties"):
        qs["properties"] = _split(fields["properties"])
    if fields.get("propertiesWithHistory"):
        qs["propertiesWithHistory"] = _split(fields["propertiesWithHistory"])
    return qs


def _ticket_get(client: ServiceClient, p: Params) -> Any:
    ident = _id(p, "ticketId")
    qs = _ticket_qs(p)
    if p.collection("additionalFields").get("includeDeleted"):
        qs["includeDeleted"] = True
    return _call(client, p, "GET", f"/crm-objects/v1/objects/tickets/{ident}", None, qs)


def _ticket_get_all(client: ServiceClient, p: Params) -> Any:
    qs = _ticket_qs(p)
    endpoint = "/crm-objects/v1/objects/tickets/paged"
    if _return_all(p):
        return _all_items(client, p, "objects", "GET", endpoint, None, qs)
    limit = _limit(p)
    qs["limit"] = limit
    found = _all_items(client, p, "objects", "GET", endpoint, None, qs)
    return found[: int(limit)]


def _get(endpoint: Callable[[str], str], id_param: str) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        return _call(client, p, "GET", endpoint(_id(p, id_param)))

    return run


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("contact", "upsert"): Operation(run=_contact_upsert),
    ("contact", "get"): Operation(run=_contact_get),
    ("contact", "getAll"): Operation(
        run=_list(
            "/contacts/v1/lists/all/contacts/all", "contacts", "count", _contact_qs("property")
        )
    ),
    ("contact", "getRecentlyCreatedUpdated"): Operation(
        run=_list(
            "/contacts/v1/lists/recently_updated/contacts/recent",
            "contacts",
            "count",
            _contact_qs("properties"),
        )
    ),
    ("contact", "delete"): Operation(
        run=_delete(lambda i: f"/contacts/v1/contact/vid/{i}", "contactId")
    ),
    ("contact", "search"): Operation(run=_search("contacts")),
    ("company", "create"): Operation(run=_company_create),
    ("company", "update"): Operation(run=_company_update),
    ("company", "get"): Operation(run=_company_get),
    ("company", "getAll"): Operation(
        run=_list("/companies/v2/companies/paged", "companies", "limit", _company_list_qs)
    ),
    ("company", "getRecentlyCreatedUpdated"): Operation(
        run=_list("/companies/v2/companies/recent/modified", "results", "count", _company_recent_qs)
    ),
    ("company", "searchByDomain"): Operation(run=_company_by_domain),
    ("company", "delete"): Operation(
        run=_delete(
            lambda i: f"/crm/v3/objects/companies/{i}",
            "companyId",
            v1_endpoint=lambda i: f"/companies/v2/companies/{i}",
        )
    ),
    # version 1 only
    ("company", "getRecentlyCreated"): Operation(
        run=_list("/companies/v2/companies/recent/created", "results", "count")
    ),
    ("company", "getRecentlyModified"): Operation(
        run=_list("/companies/v2/companies/recent/modified", "results", "count", _v1_since_qs)
    ),
    ("deal", "getRecentlyCreated"): Operation(
        run=_list("/deals/v1/deal/recent/created", "results", "count", _deal_recent_qs)
    ),
    ("deal", "getRecentlyModified"): Operation(
        run=_list("/deals/v1/deal/recent/modified", "results", "count", _deal_recent_qs)
    ),
    ("deal", "create"): Operation(run=_deal_create),
    ("deal", "update"): Operation(run=_deal_update),
    ("deal", "get"): Operation(run=_deal_get),
    ("deal", "getAll"): Operation(
        run=_list("/deals/v1/deal/paged", "deals", "limit", _deal_list_qs)
    ),
    ("deal", "getRecentlyCreatedUpdated"): Operation(
        run=_list("/deals/v1/deal/recent/created", "results", "count", _deal_recent_qs)
    ),
    ("deal", "delete"): Operation(run=_delete(lambda i: f"/deals/v1/deal/{i}", "dealId")),
    ("deal", "search"): Operation(run=_search("deals")),
    ("engagement", "create"): Operation(run=_engagement_create),
    ("engagement", "get"): Operation(
        run=_get(lambda i: f"/engagements/v1/engagements/{i}", "engagementId")
    ),
    ("engagement", "getAll"): Operation(
        run=_list("/engagements/v1/engagements/paged", "results", "limit")
    ),
    ("engagement", "delete"): Operation(
        run=_delete(lambda i: f"/engagements/v1/engagements/{i}", "engagementId", "success")
    ),
    ("form", "getFields"): Operation(run=_form_fields),
    ("form", "submit"): Operation(run=_form_submit),
    ("ticket", "create"): Operation(run=_ticket_create),
    ("ticket", "get"): Operation(run=_ticket_get),
    ("ticket", "getAll"): Operation(run=_ticket_get_all),
    ("ticket", "update"): Operation(run=_ticket_update),
    ("ticket", "delete"): Operation(
        run=_delete(lambda i: f"/crm-objects/v1/objects/tickets/{i}", "ticketId", "success")
    ),
}


@node("hubspot", versions=[1, 2, 2.1, 2.2], display_name="HubSpot", fusible=False)
class Hubspot(IntegrationNode):
    """Consume the HubSpot API."""

    service = HUBSPOT
    operations = OPERATIONS
    default_resource = "contact"
    default_operations = {
        "contact": "upsert",
        "company": "create",
        "deal": "create",
        "engagement": "create",
        "form": "getFields",
        "ticket": "create",
    }

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        # n8n 1 defaults the resource to deal, 2.x to contact (exports leave defaults out)
        resource = "deal" if ctx.type_version < 2 else "contact"
        return run_operations(
            ctx, inputs, self.service, self.operations, resource, self.default_operations
        )


HubspotTool = as_tool(Hubspot)
"""n8n's HubSpot as an agent tool: `$fromAI` parameters (builtin._node_tools)."""
