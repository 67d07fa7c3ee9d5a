"""Hosted forms: /form/<path> (active workflows' Form Triggers) and
/form-waiting/<execution id> (the next page of a multi-page form, a parked Form node).

GET shows the page; POST takes a submission (multipart/form-data, urlencoded or JSON),
checks it against the fields (a bad one gets 422 and the page again, each problem named
by field), stores files as binary data, and answers once the run is done with it: the
next page (303 to /form-waiting/<id>), a Form ending, a redirect, or the trigger's own
completion screen. Public routes: the trigger's own authentication applies.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hetumind.binary import put_binary
from hetumind.engine.checkpoint import WAIT_KEY
from hetumind.errors import HetumindError, NotFound
from hetumind.forms import (
    FORM_WAIT,
    FormPage,
    FormSubmissionError,
    read_submission,
    render_form,
    render_message,
    submission_item,
    trigger_answer,
    trigger_page,
)
from hetumind.forms.definitions import FormAnswer, use_workflow_timezone
from hetumind.nodes.builtin.form import Form
from hetumind.nodes.builtin.webhook import WebhookRefused, WebhookResponse
from hetumind.nodes.registry import default_registry
from hetumind.store import WorkflowRecord, normalize_path
from serve_app.errors import ApiError
from serve_app.executor import Running, RunRequest
from serve_app.http import WebhookPath, read_body
from serve_app.resumer import Resumer
from serve_app.schemas import errors_for
from serve_app.services import Services, services
from serve_app.triggers import trigger_kind
from serve_app.webhook_http import authorize_node_call, render_response, request_query

__all__ = ["max_file_bytes", "router"]

router = APIRouter(
    tags=["forms"],
    responses={
        200: {
            "description": "the form page, or what a Respond to Webhook node answered",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **errors_for(401, 403, 404, 409, 413, 415, 422, 429, html=True),
    },
)
Svc = Annotated[Services, Depends(services)]
WAIT_FOR_PARK_SECONDS = 10.0
"""How long a page request waits for a run that is on its way to park at a Form node."""


def max_file_bytes() -> int:
    """The largest uploaded file a form takes (HETUMIND_FORM_MAX_FILE_BYTES, 16 MiB)."""
    return int(os.environ.get("HETUMIND_FORM_MAX_FILE_BYTES", str(16 * 1024 * 1024)))


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)


def _node(record: WorkflowRecord, name: str) -> dict[str, Any]:
    for node in record.data.get("nodes") or []:
        if isinstance(node, dict) and node.get("name") == name:
            return node
    raise ApiError(404, f"node {name!r} is not in the workflow")


def _has_next_page(record: WorkflowRecord, start: str) -> bool:
    """Whether a Form node (a parking page) follows the trigger, as n8n's isFormConnected."""
    registry = default_registry()
    connections = record.data.get("connections") or {}
    by_name = {n.get("name"): n for n in record.data.get("nodes") or [] if isinstance(n, dict)}
    seen, todo = {start}, [start]
    while todo:
        for port in (connections.get(todo.pop()) or {}).get("main") or []:
            for link in port or []:
                target = str(link.get("node")) if isinstance(link, dict) else ""
                if target in seen or target not in by_name:
                    continue
                seen.add(target)
                todo.append(target)
                params = by_name[target].get("parameters") or {}
                cls = registry.get(str(by_name[target].get("type", "")))
                if cls is Form and params.get("operation", "page") == "page":
                    return True
    return False


async def _trigger(svc: Services, path: str, method: str) -> tuple[WorkflowRecord, dict[str, Any]]:
    try:
        clean = normalize_path(path)
    except Exception:
        raise ApiError(404, "a form path is required after /form/") from None
    found = await svc.cache.route(clean, method)
    if found is None:
        raise ApiError(404, f"no active workflow has a form at /form/{clean}")
    record = await svc.cache.workflow(found[0])
    node = _node(record, found[1])
    if trigger_kind(node.get("type")) != "form":
        raise ApiError(404, f"no active workflow has a form at /form/{clean}")
    return record, node


async def _refused(call: Any) -> Response:
    try:
        result: Response = await call
        return result
    except WebhookRefused as refused:
        return Response(
            refused.message,
            status_code=refused.status,
            media_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Basic realm="Enter credentials"'},
        )


def _ignored_bot(node: dict[str, Any], request: Request) -> bool:
    options = (node.get("parameters") or {}).get("options") or {}
    agent = request.headers.get("user-agent", "").lower()
    return bool(options.get("ignoreBots")) and any(
        word in agent for word in ("bot", "crawler", "spider", "slurp", "preview")
    )


async def show_form(path: WebhookPath, request: Request, svc: Svc) -> Response:
    async def answer() -> Response:
        record, node = await _trigger(svc, path, "GET")
        if _ignored_bot(node, request):
            return Response(status_code=403)
        if float(node.get("typeVersion", 1)) > 1:
            await authorize_node_call(svc, request, record, str(node["name"]))
        page = trigger_page(node.get("parameters") or {}, test=False)
        return _html(render_form(page, str(request.url.path), query=request_query(request)))

    return await _refused(answer())


async def submit_form(path: WebhookPath, request: Request, svc: Svc) -> Response:
    async def answer() -> Response:
        record, node = await _trigger(svc, path, "POST")
        if _ignored_bot(node, request):
            return Response(status_code=403)
        name = str(node["name"])
        if float(node.get("typeVersion", 1)) > 1:
            await authorize_node_call(svc, request, record, name)
        params = node.get("parameters") or {}
        page = trigger_page(params, test=False)
        version = float(node.get("typeVersion", 1))
        zone = (record.data.get("settings") or {}).get("timezone")
        tz = _zone(zone) if use_workflow_timezone(params, version) else UTC
        item = await _item(svc, request, page, str(request.url.path), "production", tz, True)
        if isinstance(item, Response):
            return item
        next_page = _has_next_page(record, name)
        mode = params.get("responseMode", "onReceived")
        early = mode == "onReceived" and not next_page
        run = RunRequest(
            record.document(),
            record.id,
            record.version,
            mode="webhook",
            input_items=[item],
            triggers={name},
            create_row=early,  # answered before the run ends: written first
        )
        running = await svc.executor.start(run)
        if early:
            return _answer_page(trigger_answer(params))
        return await _outcome(svc, running, trigger_answer(params))

    return await _refused(answer())


def _zone(name: Any) -> Any:
    try:
        return ZoneInfo(str(name)) if name else datetime.now().astimezone().tzinfo
    except (KeyError, ValueError):
        return UTC


async def _item(
    svc: Services,
    request: Request,
    page: FormPage,
    action: str,
    mode: str,
    tz: Any,
    with_query: bool,
) -> dict[str, Any] | Response:
    """The submission's item, or the page again (422) naming what is wrong."""
    raw = await read_body(request, svc.settings.max_body_bytes)
    query = request_query(request) if with_query else {}
    submission: Any = ({}, {})
    try:
        submission = read_submission(raw, request.headers.get("content-type", ""))

        def build() -> dict[str, Any]:
            return submission_item(
                page.fields,
                submission,
                mode=mode,
                submitted_at=datetime.now(tz),
                put_binary=lambda data, mime, name: put_binary(
                    data, mime_type=mime or None, file_name=name or None
                ),
                max_file_bytes=max_file_bytes(),
                query=query,
            )

        return await asyncio.to_thread(build)
    except FormSubmissionError as bad:
        html = render_form(page, action, values=submission[0], problems=bad.problems)
        return _html(html, 422)


def _answer_page(answer: FormAnswer) -> Response:
    if answer.redirect_url:
        return RedirectResponse(answer.redirect_url, status_code=303)
    return _html(render_message(answer.title, answer.text))


async def _outcome(svc: Services, running: Running, fallback: FormAnswer) -> Response:
    """What the submitter sees once the run is done with the submission: a Form ending or
    Respond to Webhook response, the next page, or the fallback completion screen."""
    waits: set[asyncio.Future[Any]] = {running.response, running.done}
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    if running.response.done() and running.response.result() is not None:
        return _responded(running.response.result() or {})
    result = await running.done
    if result.status == "waiting":
        return RedirectResponse(f"/form-waiting/{result.execution_id}", status_code=303)
    response = await running.response
    if response is not None:
        return _responded(response)
    if result.status != "success":
        message = (result.error or {}).get("message", "the workflow failed")
        page = render_message("Problem submitting response", str(message))
        return _html(page, 500)
    return _answer_page(fallback)


def _responded(response: dict[str, Any]) -> Response:
    """A Form ending's page, or a Respond to Webhook answer; its JSON `formSubmittedText`
    or `redirectURL` becomes the completion screen or a redirect, as n8n's form shows."""
    answer = WebhookResponse.from_dict(response)
    body = answer.body
    if answer.kind == "json" and isinstance(body, dict):
        if body.get("redirectURL"):
            return RedirectResponse(str(body["redirectURL"]), status_code=303)
        if "formSubmittedText" in body:
            return _answer_page(FormAnswer(str(body["formSubmittedText"])))
    return render_response(answer, head=False)


async def _parked_page(svc: Services, execution_id: str) -> FormPage | None:
    """The page a parked Form node shows, waiting briefly for a run about to park there;
    None when the execution is not (or no longer) waiting for a form."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_FOR_PARK_SECONDS
    while True:
        try:
            record = await svc.store.executions.get(execution_id)
        except NotFound:
            raise ApiError(404, f"execution {execution_id} not found") from None
        if record.status == "waiting":
            runs = await svc.store.executions.node_runs(execution_id)
            for run in reversed(runs):
                wait = (run.extra or {}).get(WAIT_KEY)
                if isinstance(wait, dict) and wait.get("resume") == FORM_WAIT:
                    return FormPage.from_dict(wait.get("form") or {})
            return None
        if record.status not in ("new", "running") or loop.time() > deadline:
            return None
        await asyncio.sleep(0.1)


_DONE = render_message("Form Submitted", "This form has already been submitted")


async def show_waiting(execution_id: str, request: Request, svc: Svc) -> Response:
    page = await _parked_page(svc, execution_id)
    if page is None:
        return _html(_DONE, 409)
    return _html(render_form(page, str(request.url.path)))


async def submit_waiting(execution_id: str, request: Request, svc: Svc) -> Response:
    page = await _parked_page(svc, execution_id)
    if page is None:
        return _html(_DONE, 409)
    mode = str(page.extra.get("formMode") or "production")
    item = await _item(svc, request, page, str(request.url.path), mode, UTC, False)
    if isinstance(item, Response):
        return item
    try:
        running = await Resumer(svc).wake(execution_id, [item])
    except HetumindError as exc:
        raise ApiError(409, exc.message) from None
    if running is None:
        return _html(_DONE, 409)
    return await _outcome(svc, running, FormAnswer())


for _path, _endpoint, _method in (
    ("/form/{path:path}", show_form, "GET"),
    ("/form/{path:path}", submit_form, "POST"),
    ("/form-waiting/{execution_id}", show_waiting, "GET"),
    ("/form-waiting/{execution_id}", submit_waiting, "POST"),
):
    router.add_api_route(
        _path,
        _endpoint,
        methods=[_method],
        response_model=None,
        operation_id=f"{_endpoint.__name__}_{_method.lower()}",
    )
