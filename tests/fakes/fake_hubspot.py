"""A fake of HubSpot's APIs (https://developers.hubspot.com/docs/api, legacydocs for v1/v2),
on loopback.

From the docs: a private app token as `Authorization: Bearer <token>` or the legacy
`?hapikey=<key>`; without either, or with a wrong one, 401
`{"status": "error", "message": ..., "correlationId": ..., "category": "INVALID_AUTHENTICATION"}`.
Errors share that shape (`category` VALIDATION_ERROR, OBJECT_NOT_FOUND, RATE_LIMITS); the
v1 contact API answers an unknown vid with 404 `{"status": "error", "message":
"resource not found"}` and an invalid email with 400 and `validationResults`. Pages: v1
contact lists take `count` and `vidOffset` and answer `has-more` / `vid-offset`; companies
v2 `limit` / `offset` with `has-more` / `offset`; deals, engagements and tickets `limit` (or
a fixed page) / `offset` with `hasMore` / `offset`; CRM v3 search takes `limit` and `after`
in the body and answers `paging.next.after` while more follow. A 429 carries
`Retry-After` and HubSpot's `{"status": "error", "errorType": "RATE_LIMIT", ...}`.
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any
from urllib.parse import parse_qs

from tests.fakes._base import Answer, FakeService, Request

TOKEN = "pat-na1-FAKE"
API_KEY = "hapikey-FAKE"
PORTAL = 62515


def _err(status: int, message: str, category: str, **extra: Any) -> Answer:
    return Answer(
        status,
        {
            "status": "error",
            "message": message,
            "correlationId": str(uuid.uuid4()),
            "category": category,
            **extra,
        },
    )


def _not_found() -> Answer:
    return Answer(
        404, {"status": "error", "message": "resource not found", "correlationId": "c0ffee"}
    )


class FakeHubSpot(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "c0ffee",
                "policyName": "SECONDLY",
            },
            {"Retry-After": str(wait)},
        )
    )

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.log.clear()
            self.ids = itertools.count(101)
            self.contacts: dict[int, dict[str, Any]] = {}
            self.companies: dict[int, dict[str, Any]] = {}
            self.deals: dict[int, dict[str, Any]] = {}
            self.engagements: dict[int, dict[str, Any]] = {}
            self.tickets: dict[int, dict[str, Any]] = {}
            self.associations: list[dict[str, Any]] = []
            self.submissions: list[dict[str, Any]] = []
            self.ticket_page = 20
            """tickets/paged ignores `limit`: a fixed page (HubSpot's 20)."""

    # -- helpers --------------------------------------------------------------------------

    def add_contact(self, email: str, **props: Any) -> dict[str, Any]:
        vid = next(self.ids)
        contact = {
            "vid": vid,
            "canonical-vid": vid,
            "portal-id": PORTAL,
            "is-contact": True,
            "properties": {k: {"value": str(v)} for k, v in {"email": email, **props}.items()},
        }
        self.contacts[vid] = contact
        return contact

    def add_company(self, name: str, domain: str = "") -> dict[str, Any]:
        cid = next(self.ids)
        company = {
            "companyId": cid,
            "portalId": PORTAL,
            "isDeleted": False,
            "properties": {
                "name": {"value": name},
                **({"domain": {"value": domain}} if domain else {}),
            },
        }
        self.companies[cid] = company
        return company

    def add_deal(self, name: str) -> dict[str, Any]:
        did = next(self.ids)
        deal = {"dealId": did, "portalId": PORTAL, "properties": {"dealname": {"value": name}}}
        self.deals[did] = deal
        return deal

    def add_ticket(self, subject: str) -> dict[str, Any]:
        tid = next(self.ids)
        ticket = {"objectType": "TICKET", "objectId": tid, "portalId": PORTAL, "isDeleted": False}
        ticket["properties"] = {"subject": {"value": subject, "sourceId": "n8n"}}
        self.tickets[tid] = ticket
        return ticket

    def add_engagement(self, kind: str = "NOTE") -> dict[str, Any]:
        eid = next(self.ids)
        row = {
            "engagement": {"id": eid, "portalId": PORTAL, "type": kind},
            "associations": {},
            "metadata": {"body": f"engagement {eid}"},
        }
        self.engagements[eid] = row
        return row

    @staticmethod
    def _int(req: Request, name: str, default: int) -> int:
        try:
            return int(req.query.get(name, default))
        except ValueError:
            return default

    @staticmethod
    def _offset_page(rows: list[Any], offset: int, limit: int) -> tuple[list[Any], bool, int]:
        start = 0
        if offset:
            keys = [r[0] for r in rows]
            start = next((i + 1 for i, k in enumerate(keys) if k == offset), len(rows))
        chunk = rows[start : start + limit]
        more = start + limit < len(rows)
        last = chunk[-1][0] if chunk else offset
        return [r[1] for r in chunk], more, last

    # -- routes ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        if req.path == "/oauth/v1/token" and req.method == "POST":
            return self._token(req)
        auth = req.headers.get("authorization", "")
        if auth:
            if auth != f"Bearer {TOKEN}":
                return _err(
                    401,
                    "Authentication credentials not found. This API supports OAuth 2.0 "
                    "authentication and you can find more details at "
                    "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                    "INVALID_AUTHENTICATION",
                )
        elif req.query.get("hapikey") != API_KEY:
            return _err(
                401,
                "The API key provided is invalid. View or manage your API key here: "
                "https://app.hubspot.com/l/api-key/",
                "INVALID_AUTHENTICATION",
            )
        with self.lock:
            return self._route(req)

    def _route(self, req: Request) -> Answer:
        m, path = req.method, req.path
        body = req.json if req.json is not None else {}
        if m == "POST" and (
            hit := re.fullmatch(r"/contacts/v1/contact/createOrUpdate/email/(.+)", path)
        ):
            return self._upsert(hit.group(1), body)
        if hit := re.fullmatch(r"/contacts/v1/contact/vid/(\d+)/profile", path):
            contact = self.contacts.get(int(hit.group(1)))
            return Answer(200, contact) if contact else _not_found()
        if m == "DELETE" and (hit := re.fullmatch(r"/contacts/v1/contact/vid/(\d+)", path)):
            vid = int(hit.group(1))
            if self.contacts.pop(vid, None) is None:
                return _not_found()
            return Answer(200, {"vid": vid, "deleted": True, "reason": "OK"})
        if path in (
            "/contacts/v1/lists/all/contacts/all",
            "/contacts/v1/lists/recently_updated/contacts/recent",
        ):
            count = max(1, min(100, self._int(req, "count", 20)))
            rows = sorted(self.contacts.items())
            items, more, last = self._offset_page(rows, self._int(req, "vidOffset", 0), count)
            return Answer(200, {"contacts": items, "has-more": more, "vid-offset": last})
        if m == "POST" and (hit := re.fullmatch(r"/crm/v3/objects/(contacts|deals)/search", path)):
            return self._search(hit.group(1), body)
        if path == "/companies/v2/companies" and m == "POST":
            cid = next(self.ids)
            props = {p["name"]: {"value": p["value"]} for p in body.get("properties", [])}
            company = {
                "companyId": cid,
                "portalId": PORTAL,
                "isDeleted": False,
                "properties": props,
            }
            self.companies[cid] = company
            return Answer(200, company)
        if hit := re.fullmatch(r"/companies/v2/companies/(\d+)", path):
            company = self.companies.get(int(hit.group(1)))
            if company is None:
                return _err(404, "resource not found", "OBJECT_NOT_FOUND")
            if m == "DELETE":
                del self.companies[int(hit.group(1))]
                return Answer(200, {"companyId": company["companyId"], "deleted": True})
            if m == "PUT":
                for p in body.get("properties", []):
                    company["properties"][p["name"]] = {"value": p["value"]}
            return Answer(200, company)
        if path == "/companies/v2/companies/paged":
            limit = max(1, min(250, self._int(req, "limit", 100)))
            rows = sorted(self.companies.items())
            items, more, last = self._offset_page(rows, self._int(req, "offset", 0), limit)
            return Answer(200, {"companies": items, "has-more": more, "offset": last})
        if path in (
            "/companies/v2/companies/recent/modified",
            "/companies/v2/companies/recent/created",
        ):
            count = max(1, min(100, self._int(req, "count", 100)))
            rows = sorted(self.companies.items())
            items, more, last = self._offset_page(rows, self._int(req, "offset", 0), count)
            return Answer(
                200, {"results": items, "hasMore": more, "offset": last, "total": len(rows)}
            )
        if m == "POST" and (hit := re.fullmatch(r"/companies/v2/domains/([^/]+)/companies", path)):
            found = [
                c
                for c in self.companies.values()
                if c["properties"].get("domain", {}).get("value") == hit.group(1)
            ]
            limit = int(body.get("limit") or 100)
            return Answer(200, {"results": found[:limit], "hasMore": False, "offset": {}})
        if m == "DELETE" and (hit := re.fullmatch(r"/crm/v3/objects/companies/(\d+)", path)):
            if self.companies.pop(int(hit.group(1)), None) is None:
                return _err(404, "resource not found", "OBJECT_NOT_FOUND")
            return Answer(204, content=b"")
        if path == "/deals/v1/deal" and m == "POST":
            did = next(self.ids)
            props = {p["name"]: {"value": p["value"]} for p in body.get("properties", [])}
            deal = {
                "dealId": did,
                "portalId": PORTAL,
                "properties": props,
                "associations": body.get("associations", {}),
            }
            self.deals[did] = deal
            return Answer(200, deal)
        if path == "/deals/v1/deal/paged":
            limit = max(1, min(250, self._int(req, "limit", 100)))
            rows = sorted(self.deals.items())
            items, more, last = self._offset_page(rows, self._int(req, "offset", 0), limit)
            return Answer(200, {"deals": items, "hasMore": more, "offset": last})
        if path in ("/deals/v1/deal/recent/created", "/deals/v1/deal/recent/modified"):
            count = max(1, min(100, self._int(req, "count", 20)))
            rows = sorted(self.deals.items())
            items, more, last = self._offset_page(rows, self._int(req, "offset", 0), count)
            return Answer(
                200, {"results": items, "hasMore": more, "offset": last, "total": len(rows)}
            )
        if hit := re.fullmatch(r"/deals/v1/deal/(\d+)", path):
            did = int(hit.group(1))
            deal = self.deals.get(did)
            if deal is None:
                return _not_found()
            if m == "PUT":
                for p in body.get("properties", []):
                    deal["properties"][p["name"]] = {"value": p["value"]}
            if m == "DELETE":
                del self.deals[did]
                return Answer(204, content=b"")
            return Answer(200, deal)
        if path == "/engagements/v1/engagements" and m == "POST":
            eid = next(self.ids)
            engagement = {
                "engagement": {"id": eid, "portalId": PORTAL, **body.get("engagement", {})},
                "associations": body.get("associations", {}),
                "metadata": body.get("metadata", {}),
            }
            self.engagements[eid] = engagement
            return Answer(200, engagement)
        if path == "/engagements/v1/engagements/paged":
            limit = max(1, min(250, self._int(req, "limit", 100)))
            rows = sorted(self.engagements.items())
            items, more, last = self._offset_page(rows, self._int(req, "offset", 0), limit)
            return Answer(200, {"results": items, "hasMore": more, "offset": last})
        if hit := re.fullmatch(r"/engagements/v1/engagements/(\d+)", path):
            eid = int(hit.group(1))
            if eid not in self.engagements:
                return _not_found()
            if m == "DELETE":
                del self.engagements[eid]
                return Answer(204, content=b"")
            return Answer(200, self.engagements[eid])
        if hit := re.fullmatch(r"/forms/v2/fields/([\w-]+)", path):
            return Answer(200, [{"name": "email", "label": "Email", "type": "string"}])
        if hit := re.fullmatch(r"/forms/v2/forms/([\w-]+)", path):
            return Answer(200, {"portalId": PORTAL, "guid": hit.group(1), "name": "Signup"})
        if m == "POST" and (
            hit := re.fullmatch(r"/submissions/v3/integration/submit/(\d+)/([\w-]+)", path)
        ):
            self.submissions.append(body)
            return Answer(200, {"inlineMessage": "Thanks for submitting the form."})
        if path == "/crm-objects/v1/objects/tickets" and m == "POST":
            tid = next(self.ids)
            props = {p["name"]: {"value": p["value"]} for p in body}
            ticket = {
                "objectType": "TICKET",
                "objectId": tid,
                "portalId": PORTAL,
                "properties": props,
            }
            self.tickets[tid] = ticket
            return Answer(200, ticket)
        if path == "/crm-objects/v1/objects/tickets/paged":
            rows = sorted(self.tickets.items())
            items, more, last = self._offset_page(
                rows, self._int(req, "offset", 0), self.ticket_page
            )
            return Answer(200, {"objects": items, "hasMore": more, "offset": last})
        if hit := re.fullmatch(r"/crm-objects/v1/objects/tickets/(\d+)", path):
            tid = int(hit.group(1))
            ticket = self.tickets.get(tid)
            if ticket is None:
                return _err(404, "resource not found", "OBJECT_NOT_FOUND")
            if m == "PUT":
                for p in body:
                    ticket["properties"][p["name"]] = {"value": p["value"]}
            if m == "DELETE":
                del self.tickets[tid]
                return Answer(204, content=b"")
            return Answer(200, ticket)
        if path == "/crm-associations/v1/associations/create-batch" and m == "PUT":
            self.associations.extend(body)
            return Answer(204, content=b"")
        return _err(404, f"Unable to route {m} {path}", "OBJECT_NOT_FOUND")

    def _token(self, req: Request) -> Answer:
        """HubSpot's OAuth token endpoint: form fields, client credentials in the body."""
        form = req.form
        if form.get("client_id") != "hs-client" or form.get("client_secret") != "hs-secret":
            return Answer(
                400, {"status": "BAD_CLIENT_ID", "message": "missing or unknown client id"}
            )
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != "hs-refresh":
            return Answer(
                400, {"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"}
            )
        return Answer(
            200,
            {
                "token_type": "bearer",
                "refresh_token": "hs-refresh",
                "access_token": TOKEN,
                "expires_in": 1800,
            },
        )

    def _upsert(self, email: str, body: dict[str, Any]) -> Answer:
        if "@" not in email:
            return Answer(
                400,
                {
                    "status": "error",
                    "message": "Property values were not valid",
                    "correlationId": "c0ffee",
                    "validationResults": [
                        {
                            "isValid": False,
                            "message": f"Email address {email} is invalid",
                            "error": "INVALID_EMAIL",
                            "name": "email",
                        }
                    ],
                },
            )
        existing = next(
            (
                c
                for c in self.contacts.values()
                if c["properties"].get("email", {}).get("value") == email
            ),
            None,
        )
        is_new = existing is None
        contact = existing or self.add_contact(email)
        for prop in body.get("properties", []):
            contact["properties"][prop["property"]] = {"value": str(prop["value"])}
        return Answer(200, {"vid": contact["vid"], "isNew": is_new})

    def _search(self, kind: str, body: dict[str, Any]) -> Answer:
        limit = int(body.get("limit") or 10)
        if limit > 200:
            return _err(400, "limit must be at most 200", "VALIDATION_ERROR")
        store = self.contacts if kind == "contacts" else self.deals
        rows = []
        for key, obj in sorted(store.items()):
            props = {k: v["value"] for k, v in obj["properties"].items()}
            if self._matches(props, body.get("filterGroups")):
                rows.append({"id": str(key), "properties": props, "archived": False})
        start = int(body.get("after") or 0)
        chunk = rows[start : start + limit]
        answer: dict[str, Any] = {"total": len(rows), "results": chunk}
        if start + limit < len(rows):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return Answer(200, answer)

    @staticmethod
    def _matches(props: dict[str, Any], groups: Any) -> bool:
        if not groups:
            return True
        for group in groups:
            ok = True
            for f in group.get("filters", []):
                value = props.get(f.get("propertyName"))
                op = f.get("operator", "EQ")
                if op == "EQ":
                    ok = ok and value == str(f.get("value"))
                elif op == "CONTAINS_TOKEN":
                    ok = ok and str(f.get("value", "")).strip("*") in str(value or "")
                elif op == "HAS_PROPERTY":
                    ok = ok and value is not None
            if ok:
                return True
        return False


def repeated(req: Request, name: str) -> list[str]:
    """A repeated query key's values in order."""
    return parse_qs(req.raw_query).get(name, [])
