"""A fake of Typeform's Webhooks API (https://www.typeform.com/developers/webhooks/), on
loopback, and Typeform's side of delivering a form response.

From the docs: `Authorization: Bearer <token>` (a wrong or missing one is 401
`{"code": "AUTHENTICATION_FAILED", "description": ...}`); `PUT /forms/{form_id}/webhooks/
{tag}` creates (201) or updates (200) the webhook called `tag` from `url` (required),
`enabled`, `secret` and `verify_ssl`; `GET /forms/{form_id}/webhooks` answers
`{"items": [...]}`, `GET/DELETE .../webhooks/{tag}` one (DELETE: 204); an unknown form is
404 `FORM_NOT_FOUND`, an unknown webhook 404 `NOT_FOUND`; answers never show the secret.
A delivery is a POST of `{event_id, event_type: "form_response", form_response: {form_id,
token, landed_at, submitted_at, definition: {id, title, fields}, answers}}` with
`Typeform-Signature: sha256=<base64 HMAC-SHA256 of the body with the secret>` when the
webhook has a secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

TOKEN = "tfp_FAKE_token"
FORM_ID = "lT4Z3j"
CREATED = "2026-01-01T00:00:00Z"

DEFINITION: dict[str, Any] = {
    "id": FORM_ID,
    "title": "Feedback",
    "fields": [
        {"id": "f_name", "title": "What is your name?", "type": "short_text", "ref": "name"},
        {
            "id": "f_colour",
            "title": "Hi {{field:name}}, favourite colour?",
            "type": "multiple_choice",
            "ref": "colour",
        },
        {"id": "f_tools", "title": "Tools you use", "type": "multiple_choice", "ref": "tools"},
        {"id": "f_score", "title": "How likely are you to recommend us?", "type": "opinion_scale"},
    ],
}

ANSWERS: list[dict[str, Any]] = [
    {"type": "text", "text": "Ada", "field": {"id": "f_name", "type": "short_text"}},
    {
        "type": "choice",
        "choice": {"id": "c1", "label": "Blue"},
        "field": {"id": "f_colour", "type": "multiple_choice"},
    },
    {
        "type": "choices",
        "choices": {"ids": ["t1", "t2"], "labels": ["n8n", "Hetumind"]},
        "field": {"id": "f_tools", "type": "multiple_choice"},
    },
    {"type": "number", "number": 9, "field": {"id": "f_score", "type": "opinion_scale"}},
]


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def form_response(answers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A delivery's payload for the fake form."""
    return {
        "event_id": "01HFAKEEVENT",
        "event_type": "form_response",
        "form_response": {
            "form_id": FORM_ID,
            "token": "tok-1",
            "landed_at": "2026-01-02T10:00:00Z",
            "submitted_at": "2026-01-02T10:01:00Z",
            "definition": DEFINITION,
            "answers": ANSWERS if answers is None else answers,
        },
    }


def _err(status: int, code: str, description: str) -> Answer:
    return Answer(status, {"code": code, "description": description})


class FakeTypeform(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.forms = {FORM_ID}
        self.webhooks: dict[tuple[str, str], dict[str, Any]] = {}
        self.secrets: dict[tuple[str, str], str] = {}

    def handle(self, req: Request) -> Answer:
        if req.headers.get("authorization", "") != f"Bearer {TOKEN}":
            return _err(
                401,
                "AUTHENTICATION_FAILED",
                "Authentication credentials not found on the Request Headers",
            )
        parts = req.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "forms" or parts[2] != "webhooks" or len(parts) > 4:
            return _err(404, "NOT_FOUND", "Endpoint not found")
        form = parts[1]
        if form not in self.forms:
            return _err(404, "FORM_NOT_FOUND", f"Non existing form with uid {form}")
        if len(parts) == 3:
            if req.method != "GET":
                return _err(405, "METHOD_NOT_ALLOWED", "Method not allowed")
            rows = [self._view(h) for (f, _), h in self.webhooks.items() if f == form]
            return Answer(200, {"items": rows})
        key = (form, parts[3])
        if req.method == "PUT":
            body: dict[str, Any] = req.json if isinstance(req.json, dict) else {}
            if not body.get("url"):
                return _err(400, "VALIDATION_ERROR", "url: is required")
            existed = key in self.webhooks
            hook = {
                "id": self.webhooks.get(key, {}).get("id") or uuid.uuid4().hex[:26].upper(),
                "form_id": form,
                "tag": parts[3],
                "url": body["url"],
                "enabled": bool(body.get("enabled", False)),
                "verify_ssl": bool(body.get("verify_ssl", True)),
                "created_at": CREATED,
                "updated_at": CREATED,
            }
            with self.lock:
                self.webhooks[key] = hook
                self.secrets[key] = str(body.get("secret") or "")
            return Answer(200 if existed else 201, self._view(hook))
        hook = self.webhooks.get(key)
        if hook is None:
            return _err(404, "NOT_FOUND", "Webhook not found")
        if req.method == "GET":
            return Answer(200, self._view(hook))
        if req.method == "DELETE":
            with self.lock:
                self.webhooks.pop(key, None)
                self.secrets.pop(key, None)
            return Answer(204)
        return _err(405, "METHOD_NOT_ALLOWED", "Method not allowed")

    @staticmethod
    def _view(hook: dict[str, Any]) -> dict[str, Any]:
        return dict(hook)

    # -- Typeform's side: deliveries ------------------------------------------------------

    def the_webhook(self) -> tuple[tuple[str, str], dict[str, Any]]:
        ((key, hook),) = self.webhooks.items()
        return key, hook

    def deliver(
        self,
        payload: dict[str, Any] | None = None,
        *,
        signature: str | None = None,
        signed: bool = True,
        to: str | None = None,
    ) -> tuple[int, str]:
        """POST a form response to the webhook's URL as Typeform would: (status, text).
        `signature` replaces the right one; `signed=False` sends none; `to` is where to
        send it when not the registered URL (a server not listening at its public URL)."""
        key, hook = self.the_webhook()
        body = json.dumps(form_response() if payload is None else payload).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "Typeform Webhooks"}
        if signed:
            headers["Typeform-Signature"] = signature or sign(self.secrets[key], body)
        request = urllib.request.Request(
            to or hook["url"], data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
