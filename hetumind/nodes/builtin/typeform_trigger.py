"""Typeform Trigger (n8n `typeformTrigger` 1, 1.1): a form's submissions start the workflow.

A service webhook trigger (hetumind.nodes.service_webhooks): activation creates the
form's webhook with `PUT /forms/{formId}/webhooks/{tag}` (`url`, `enabled: true`,
`verify_ssl: true` and a random `secret`) and keeps the tag as `webhookId` and the secret
as `webhookSecret` in the node's static data, as n8n does; deactivation deletes it
(`DELETE` the same path; a webhook already gone, 404, counts as deleted). Credentials:
typeformApi (`Authorization: Bearer <accessToken>`) or typeformOAuth2Api
(`authentication: oAuth2`); the API is https://api.typeform.com (a credential's `baseUrl`
points elsewhere).

Each call must carry `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body with
the secret>` (compared in constant time), else 403 before anything runs. Items follow n8n:
with `simplifyAnswers` (default on) the answers become `{field title: value}` (titles'
`{{`/`}}` as `[`/`]`; a choice's `label`, choices' `labels`), the only item with
`onlyAnswers` (default on) or put in place of `form_response.answers` in the whole body
without; `onlyAnswers` alone gives the answers keyed by field id from 1.1 on and, in 1,
the answers list as one item keyed "0", "1", ... (n8n's item of an array); neither gives
the whole body. A call without `form_response.definition`/`answers` fails the run with
n8n's "Expected definition/answers data is missing!".

Differences: n8n skips the signature check for webhooks made before it sent secrets;
Hetumind always has one, so an unsigned call is always refused. An answer to a field the
definition lacks is keyed by the field's id (n8n: "undefined").
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from hetumind.errors import NodeExecutionError
from hetumind.integrations import ApiKeyHeader, OAuth2, Params, Service
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.service_webhooks import ServiceWebhookTrigger

__all__ = ["TYPEFORM", "TypeformTrigger", "shape_items", "typeform_signature"]

SIGNATURE_HEADER = "typeform-signature"
ID_KEY = "webhookId"
SECRET_KEY = "webhookSecret"
MISSING_MESSAGE = "Expected definition/answers data is missing!"
SUB_VALUE_KEYS = ("label", "labels")

TYPEFORM = Service(
    name="Typeform",
    default_base_url="https://api.typeform.com",
    credentials={
        "typeformApi": ApiKeyHeader("accessToken", "Authorization", "Bearer "),
        "typeformOAuth2Api": OAuth2(),
    },
    authentication={"accessToken": "typeformApi", "oAuth2": "typeformOAuth2Api"},
)


def typeform_signature(secret: str, raw_body: bytes) -> str:
    """The `Typeform-Signature` value Typeform sends for `raw_body`."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def _title(field: Mapping[str, Any]) -> str:
    return str(field.get("title", "")).replace("{{", "[").replace("}}", "]")


def _simplified(answers: list[Any], definition: Mapping[str, Any]) -> dict[str, Any]:
    titles = {
        str(f.get("id")): _title(f)
        for f in definition.get("fields") or []
        if isinstance(f, Mapping)
    }
    out: dict[str, Any] = {}
    for answer in answers:
        if not isinstance(answer, Mapping):
            continue
        value = answer.get(str(answer.get("type")))
        if isinstance(value, Mapping):
            for key in SUB_VALUE_KEYS:
                if key in value:
                    value = value[key]
                    break
        field_id = str((answer.get("field") or {}).get("id"))
        out[titles.get(field_id, field_id)] = value
    return out


def shape_items(
    body: Any, *, simplify: bool, only_answers: bool, version: float, node_name: str
) -> list[dict[str, Any]]:
    """n8n's items for a delivery's JSON body."""
    response = body.get("form_response") if isinstance(body, Mapping) else None
    if (
        not isinstance(response, Mapping)
        or not isinstance(response.get("definition"), Mapping)
        or not isinstance(response.get("answers"), list)
    ):
        raise NodeApiError(MISSING_MESSAGE, node=node_name)
    answers: list[Any] = response["answers"]
    if simplify:
        converted = _simplified(answers, response["definition"])
        if only_answers:
            return [converted]
        whole = copy.deepcopy(dict(body))
        whole["form_response"]["answers"] = converted
        return [whole]
    if only_answers:
        if version >= 1.1:
            return [
                {
                    str((a.get("field") or {}).get("id")): a
                    for a in answers
                    if isinstance(a, Mapping)
                }
            ]
        return [{str(i): a for i, a in enumerate(answers)}]
    return [dict(body)]


class TypeformTriggerParams(NodeParams):
    authentication: str = "accessToken"
    formId: Any = ""
    simplifyAnswers: bool = True
    onlyAnswers: bool = True


@node(
    "typeformTrigger",
    versions=[1, 1.1],
    display_name="Typeform Trigger",
    description="Starts the workflow on a Typeform form submission",
    inputs=0,
    trigger=True,
    params=TypeformTriggerParams,
    trigger_kind="webhook",
    fusible=False,
)
class TypeformTrigger(ServiceWebhookTrigger):
    """Receives a form's responses through a webhook created with the Webhooks API."""

    @staticmethod
    def _form(ctx: NodeContext) -> str:
        form_id = Params(ctx, 0, {}).locator("formId")
        if not form_id:
            raise NodeExecutionError("The parameter 'formId' is required", node=ctx.node_name)
        return quote(form_id, safe="")

    def register(self, ctx: NodeContext, url: str) -> None:
        form = self._form(ctx)
        tag = f"hetumind-{secrets.token_hex(6)}"
        secret = secrets.token_urlsafe(32)
        body = {"url": url, "enabled": True, "verify_ssl": True, "secret": secret}
        ServiceClient(ctx, TYPEFORM).request("PUT", f"forms/{form}/webhooks/{tag}", body=body)
        state = ctx.static_data("node")
        state[ID_KEY] = tag
        state[SECRET_KEY] = secret

    def unregister(self, ctx: NodeContext, url: str) -> None:
        state = ctx.static_data("node")
        tag = state.get(ID_KEY)
        if tag is not None:
            path = f"forms/{self._form(ctx)}/webhooks/{quote(str(tag), safe='')}"
            try:
                ServiceClient(ctx, TYPEFORM).request("DELETE", path)
            except NodeApiError as exc:
                if exc.http_code != 404:  # gone already: deleted all the same
                    raise
        state.pop(ID_KEY, None)
        state.pop(SECRET_KEY, None)

    @classmethod
    def accepts(
        cls,
        parameters: Mapping[str, Any],
        version: float,
        headers: Mapping[str, str],
        state: Mapping[str, Any],
    ) -> bool:
        return False  # a signature needs the body: the server calls `verify`

    @classmethod
    def verify(
        cls,
        parameters: Mapping[str, Any],
        version: float,
        headers: Mapping[str, str],
        state: Mapping[str, Any],
        raw_body: bytes,
    ) -> bool:
        given = str(headers.get(SIGNATURE_HEADER) or "")
        return cls.signed(
            state, SECRET_KEY, given, lambda secret: typeform_signature(secret, raw_body)
        )

    def items(self, ctx: NodeContext, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        return shape_items(
            request.get("body"),
            simplify=bool(ctx.param("simplifyAnswers", 0, True)),
            only_answers=bool(ctx.param("onlyAnswers", 0, True)),
            version=ctx.type_version,
            node_name=ctx.node_name,
        )
