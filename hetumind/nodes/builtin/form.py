"""n8n Form (1, 2, 2.1, 2.2, 2.3): the next page of a multi-page form, or its ending.

A "page" parks the execution as a Wait on a webhook does, recording the page it shows
(fields with expressions already evaluated); the server shows it at
/form-waiting/<execution id> and resumes the run with the submission as this node's
output item. A "completion" sets what the submitter sees when the run gets there: a
completion screen, a redirect or author HTML (the response the form's request gets).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hetumind.engine.checkpoint import WAIT_KEY
from hetumind.errors import NodeExecutionError
from hetumind.forms import FORM_WAIT, FormDefinitionError, FormPage, parse_fields, render_message
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.wait import Wait
from hetumind.nodes.builtin.webhook import RESPONSE_KEY, WebhookResponse

__all__ = ["Form"]

_HTML = {"content-type": "text/html; charset=utf-8"}


@node(
    "form",
    versions=(1, 2, 2.1, 2.2, 2.3),
    display_name="n8n Form",
    description="Generate webforms and pass their responses to the workflow",
    params=NodeParams,
    fusible=False,
    pure=True,
)
class Form(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        items = inputs[0] if inputs else ItemBatch.empty()
        operation = ctx.param("operation", 0, "page")
        if operation == "completion":
            ctx.record(RESPONSE_KEY, self._completion(ctx).to_dict())
            return [items.with_identity_pairing()]
        if operation != "page":
            raise NodeExecutionError(
                f"parameter 'operation': {operation!r} is not supported (use page or completion)"
            )
        if not ctx.execution.park_waits:
            raise NodeExecutionError(
                "a form page needs the server (hetumind serve): a run from the command line "
                "has no form URL for the next page"
            )
        page = self._page(ctx)
        till = Wait._limit(ctx, datetime.now(UTC))
        ctx.record(
            WAIT_KEY,
            {
                "till": None if till is None else till.astimezone(UTC).isoformat(),
                "resume": FORM_WAIT,
                "form": page.to_dict(),
            },
        )
        return [items.with_identity_pairing()]

    @staticmethod
    def _page(ctx: NodeContext) -> FormPage:
        options: dict[str, Any] = ctx.param("options", 0, {}) or {}
        if ctx.param("defineForm", 0, "fields") == "json":
            raw: Any = ctx.param("jsonOutput", 0, "[]")
        else:
            raw = ctx.param("formFields", 0, {}) or {}
        try:
            fields = parse_fields(raw)
        except FormDefinitionError as exc:
            raise NodeExecutionError(f"parameter 'formFields': {exc.message}") from None
        return FormPage(
            title=str(options.get("formTitle") or ""),
            description=str(options.get("formDescription") or "").replace("\\n", "\n"),
            fields=fields,
            button_label=str(options.get("buttonLabel") or "Submit"),
            custom_css=str(options.get("customCss") or ""),
            test=ctx.execution.mode == "manual",
            extra={"formMode": "test" if ctx.execution.mode == "manual" else "production"},
        )

    @staticmethod
    def _completion(ctx: NodeContext) -> WebhookResponse:
        respond = ctx.param("respondWith", 0, "text")
        options: dict[str, Any] = ctx.param("options", 0, {}) or {}
        css = str(options.get("customCss") or "")
        if respond == "redirect":
            url = str(ctx.param("redirectUrl", 0, "") or "")
            if not url:
                raise NodeExecutionError("parameter 'redirectUrl': enter the URL to redirect to")
            url = url if "://" in url else f"http://{url}"
            return WebhookResponse(303, {"location": url}, None, "empty")
        if respond == "showText":
            text = str(ctx.param("responseText", 0, "") or "")
            return WebhookResponse(200, _HTML, render_message("", text, html=True), "text")
        if respond not in ("text", "returnBinary"):
            raise NodeExecutionError(
                f"parameter 'respondWith': {respond!r} is not supported "
                "(use text, redirect or showText)"
            )
        if respond == "returnBinary":
            raise NodeExecutionError(
                "parameter 'respondWith': returnBinary is not supported yet; "
                "show a completion screen or text instead"
            )
        title = str(ctx.param("completionTitle", 0, "") or "")
        message = str(ctx.param("completionMessage", 0, "") or "")
        page_title = str(options.get("formTitle") or "")
        html = render_message(title, message, page_title=page_title, custom_css=css)
        return WebhookResponse(200, _HTML, html, "text")
