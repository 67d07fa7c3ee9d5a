"""HTTP Request (n8n `httpRequest` 3 and 4.x; 1 and 2 in `http_request_v1`): one request
per item, or one series of pages.

Requests of a run are built first (so a bad parameter stops the run before anything is
sent), then sent concurrently (bounded, in batches when options.batching says so) through
the process's pooled client; output items keep input order and pair with their item.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from hetumind.errors import HetumindError
from hetumind.http.auth import Auth, load_auth
from hetumind.http.build import build_request
from hetumind.http.pagination import PageContext, Pagination, page_context, paginate
from hetumind.http.request import RequestSpec
from hetumind.http.response import OutputItem, ResponseOptions, response_items
from hetumind.http.transport import HttpResponse, RequestFailed, RetryPolicy
from hetumind.items import ItemBatch
from hetumind.nodes.api import Expr, Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._http_redirects import send_keeping_credentials_home
from hetumind.nodes.builtin.http_request_v1 import (
    build_request_v1,
    load_auth_v1,
    response_items_v1,
    status_error,
)
from hetumind.nodes.item_wise import batch_error, item_error

__all__ = ["HttpRequest", "HttpRequestParams"]

MAX_CONCURRENCY = 16
"""Requests in flight at once per node run (a batch never exceeds its batchSize)."""


class HttpRequestParams(NodeParams):
    method: Expr[str] = "GET"
    url: Expr[str] = ""
    authentication: str = "none"
    genericAuthType: str = ""
    sendQuery: Expr[bool] = False
    sendHeaders: Expr[bool] = False
    sendBody: Expr[bool] = False
    contentType: Expr[str] = "json"
    options: dict[str, Any] = {}


@dataclass(frozen=True)
class RunSettings:
    """What n8n reads once per run (from item 0)."""

    auth: Auth
    response: ResponseOptions
    retry: RetryPolicy
    pagination: Pagination | None
    batch_size: int
    batch_interval_s: float

    @classmethod
    def read(cls, ctx: NodeContext, n: int) -> RunSettings:
        auth = load_auth(
            str(ctx.param("authentication", 0, "none")),
            str(ctx.param("genericAuthType", 0, "")),
            ctx.credentials,
        )
        options = ctx.raw_parameters.get("options")
        raw_pagination = options.get("pagination") if isinstance(options, Mapping) else None
        batch = ctx.param("options.batching.batch", 0, None)
        size, interval = n, 0.0
        if isinstance(batch, Mapping):
            size = _positive_int(batch.get("batchSize", 50), "batchSize") or 1
            interval = _positive_int(batch.get("batchInterval", 1000), "batchInterval") / 1000
        return cls(
            auth=auth,
            response=ResponseOptions.from_parameter(ctx.param("options.response.response", 0)),
            retry=RetryPolicy.from_options(ctx.param("options.retry", 0, None)),
            # raw: its expressions see $response and $pageCount, evaluated page by page
            pagination=Pagination.from_parameter(
                raw_pagination.get("pagination") if isinstance(raw_pagination, Mapping) else None
            ),
            batch_size=size,
            batch_interval_s=interval,
        )


def _positive_int(value: Any, name: str) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        raise RequestFailed(f"options.batching.batch.{name} must be a number") from None


@dataclass
class _Job:
    index: int
    spec: RequestSpec
    page_ctx: PageContext | None


Outcome = list[HttpResponse] | HetumindError


@node(
    "httpRequest",
    versions=[1, 2, 3, 4, 4.1, 4.2, 4.3, 4.4],
    display_name="HTTP Request",
    params=HttpRequestParams,
    fusible=False,  # waits on the network: a task of its own
)
class HttpRequest(Node):
    """Makes an HTTP request per item and returns the response data."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        if not len(batch):
            return [ItemBatch.empty()]
        items = batch.to_items()
        if ctx.type_version < 3:
            return [_run_v1(ctx, items)]
        try:
            settings = RunSettings.read(ctx, len(items))
        except HetumindError as exc:
            return [self._all_failed(ctx, len(items), exc)]
        execution_id = ctx.execution.execution_id
        outcomes: dict[int, Outcome] = {}
        jobs: list[_Job] = []
        for i, item in enumerate(items):
            try:
                spec = build_request(ctx, i, item.get("binary"), execution_id)
                page_ctx = (
                    page_context(_expression_context(ctx, i)) if settings.pagination else None
                )
                jobs.append(_Job(i, settings.auth.apply(spec), page_ctx))
            except HetumindError as exc:
                item_error(ctx, i, exc.message)  # stops unless onError continues
                outcomes[i] = exc
        outcomes.update(_send_all(jobs, settings))
        return [self._output(ctx, items, outcomes, jobs, settings)]

    @staticmethod
    def _all_failed(ctx: NodeContext, n: int, exc: HetumindError) -> ItemBatch:
        return batch_error(ctx, exc.message, items=n)

    @staticmethod
    def _output(
        ctx: NodeContext,
        items: list[dict[str, Any]],
        outcomes: Mapping[int, Outcome],
        jobs: list[_Job],
        settings: RunSettings,
    ) -> ItemBatch:
        urls = {job.index: job.spec.url for job in jobs}
        rows: list[dict[str, Any]] = []
        binary: list[dict[str, Any] | None] = []
        paired: list[int] = []
        for i, item in enumerate(items):
            outcome = outcomes[i]
            produced: list[OutputItem]
            try:
                if isinstance(outcome, HetumindError):
                    raise outcome
                produced = [
                    out
                    for response in outcome
                    for out in response_items(
                        response, settings.response, urls[i], item["json"], item.get("binary")
                    )
                ]
            except HetumindError as exc:
                produced = [(item_error(ctx, i, exc.message), None)]
            for json_out, binary_out in produced:
                rows.append(json_out)
                binary.append(binary_out)
                paired.append(i)
        return ItemBatch.from_json(rows, binary=binary, paired=paired)


def _run_v1(ctx: NodeContext, items: list[dict[str, Any]]) -> ItemBatch:
    """Versions 1-2: their own parameter shapes, the same sending and pairing."""
    n = len(items)
    raw_body: dict[int, bool] = {}
    try:
        auth = load_auth_v1(ctx)
        options = ctx.param("options", 0, {}) or {}
        size = options.get("batchSize", -1) if isinstance(options, Mapping) else -1
        interval = options.get("batchInterval", 0) if isinstance(options, Mapping) else 0
        size_n, interval_n = (
            _positive_int(size, "batchSize"),
            _positive_int(interval, "batchInterval"),
        )
        never_error = isinstance(options, Mapping) and options.get("ignoreResponseCode") is True
    except HetumindError as exc:
        return HttpRequest._all_failed(ctx, n, exc)
    settings = RunSettings(
        auth=auth,
        response=ResponseOptions(never_error=True),  # statuses are judged below
        retry=RetryPolicy(),
        pagination=None,
        # batching applies only when both are set, as in n8n 1-2
        batch_size=(size_n or 1) if interval_n > 0 and size_n >= 0 else n,
        batch_interval_s=interval_n / 1000 if interval_n > 0 else 0.0,
    )
    outcomes: dict[int, Outcome] = {}
    jobs: list[_Job] = []
    for i, item in enumerate(items):
        try:
            spec, raw_body[i] = build_request_v1(ctx, i, item.get("binary"))
            jobs.append(_Job(i, auth.apply(spec), None))
        except HetumindError as exc:
            item_error(ctx, i, exc.message)  # stops unless onError continues
            outcomes[i] = exc
    outcomes.update(_send_all(jobs, settings))
    rows: list[dict[str, Any]] = []
    binary: list[dict[str, Any] | None] = []
    paired: list[int] = []
    for i, item in enumerate(items):
        outcome = outcomes[i]
        produced: list[OutputItem]
        try:
            if isinstance(outcome, HetumindError):
                raise outcome
            if not outcome[0].ok and not never_error:
                raise status_error(outcome[0])
            produced = response_items_v1(ctx, i, outcome[0], raw_body[i], item)
        except HetumindError as exc:
            produced = [(item_error(ctx, i, exc.message), None)]
        for json_out, binary_out in produced:
            rows.append(json_out)
            binary.append(binary_out)
            paired.append(i)
    return ItemBatch.from_json(rows, binary=binary, paired=paired)


def _expression_context(ctx: NodeContext, i: int) -> Any:
    # Pagination expressions need the item's variables plus $response: only the engine's
    # context can build them.
    build = getattr(ctx, "expression_context", None)
    if build is None:
        raise RequestFailed("pagination needs the engine's node context")
    return build(i)


def _send_all(jobs: list[_Job], settings: RunSettings) -> dict[int, Outcome]:
    """Every job's outcome; batches of batch_size, batch_interval apart, run concurrently."""
    out: dict[int, Outcome] = {}
    if not jobs:
        return out
    size = max(1, settings.batch_size)
    workers = min(MAX_CONCURRENCY, size, len(jobs))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="http-request") as pool:
        for start in range(0, len(jobs), size):
            if start and settings.batch_interval_s:
                time.sleep(settings.batch_interval_s)
            chunk = jobs[start : start + size]
            for job, outcome in zip(
                chunk, pool.map(lambda j: _execute(j, settings), chunk), strict=True
            ):
                out[job.index] = outcome
    return out


def _execute(job: _Job, settings: RunSettings) -> Outcome:
    def send_page(spec: RequestSpec) -> HttpResponse:
        return send_keeping_credentials_home(spec, settings.retry)

    try:
        if settings.pagination is not None and job.page_ctx is not None:
            return paginate(
                job.spec,
                settings.pagination,
                job.page_ctx,
                send_page,
                binary_result=settings.response.response_format == "file",
            )
        response = send_page(job.spec)
        if not response.ok and not settings.response.never_error:
            raise RequestFailed(_status_message(response))
        return [response]
    except HetumindError as exc:
        return exc


def _status_message(response: HttpResponse) -> str:
    text = response.text().strip()
    message = (
        f"{response.status} - {text[:1000]}" if text else f"{response.status} - {response.reason}"
    )
    if response.status == 429:
        message += " (try spacing your requests out using options.batching, or options.retry)"
    if 300 <= response.status < 400 and "location" in response.headers:
        message += f" (redirect to {response.headers['location']} not followed)"
    return message
