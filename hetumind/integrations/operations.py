"""Resources and operations declared as requests, and the node run that executes them.

A SaaS node is a `Service`, a table of `Operation`s keyed by n8n's (resource, operation)
parameter values, and the defaults n8n fills in. Each operation maps the item's
parameters to one request (method, path, query, body), says where the answer's items are,
and, for list operations, how pages follow one another (n8n's returnAll / limit). An
operation that needs more than one request in a fixed shape (Airtable's update by
matching columns) gives a `run` function instead; it still uses the same client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.http.request import BodyKind
from hetumind.integrations.client import Service, ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.integrations.paging import Page, Pagination, collect, dig
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext
from hetumind.nodes.item_wise import item_error

__all__ = ["IntegrationNode", "Operation", "Params", "WithBinary", "run_operations"]


class Params:
    """One item's view of the node parameters (expressions evaluated for that item)."""

    def __init__(
        self, ctx: NodeContext, index: int, item: Mapping[str, Any], total: int = 1
    ) -> None:
        self.ctx = ctx
        self.index = index
        self.total = total
        """How many items the run has (operations that send items in bulk flush at the
        last one)."""
        self.json: dict[str, Any] = dict(item.get("json") or {})
        self.binary: Mapping[str, Any] = item.get("binary") or {}

    @property
    def version(self) -> float:
        return self.ctx.type_version

    def get(self, name: str, default: Any = None) -> Any:
        return self.ctx.param(name, self.index, default)

    def text(self, name: str, default: str = "") -> str:
        value = self.get(name, default)
        return "" if value is None else str(value)

    def required(self, name: str) -> Any:
        value = self.get(name, None)
        if value in (None, "") or (isinstance(value, Mapping) and value.get("value") in (None, "")):
            raise NodeExecutionError(
                f"The parameter {name!r} is required",
                node=self.ctx.node_name,
                item_index=self.index,
            )
        return value

    def collection(self, name: str) -> dict[str, Any]:
        """A collection parameter (additionalFields, options, ...) as a fresh dict."""
        value = self.get(name, {})
        return dict(value) if isinstance(value, Mapping) else {}

    def locator(self, name: str, url_pattern: str | None = None, default: Any = None) -> str:
        """A resource locator's value (n8n's extractValue): `{"__rl": true, "mode", "value"}`
        or a plain string; in `url` mode the id is the pattern's first group."""
        value = self.get(name, default)
        if isinstance(value, Mapping):
            mode, raw = value.get("mode"), value.get("value")
            text = "" if raw is None else str(raw)
            if mode == "url" and url_pattern:
                found = re.search(url_pattern, text)
                if not found:
                    raise NodeExecutionError(
                        f"The URL in {name!r} is not one this parameter takes: {text}",
                        node=self.ctx.node_name,
                        item_index=self.index,
                    )
                return found.group(1)
            return text
        return "" if value is None else str(value)

    def locator_mode(self, name: str) -> str | None:
        value = self.get(name, None)
        return str(value.get("mode")) if isinstance(value, Mapping) else None


@dataclass(frozen=True)
class WithBinary:
    """An output item with binary data (a downloaded file)."""

    json: dict[str, Any]
    binary: dict[str, Any]


PathFn = Callable[[Params], str]
ValuesFn = Callable[[Params], Mapping[str, Any] | None]
BodyFn = Callable[[Params], Any]
OutputFn = Callable[[Any, Params], Any]
RunFn = Callable[[ServiceClient, Params], Any]


@dataclass(frozen=True)
class Operation:
    """One (resource, operation) as a request."""

    method: str = "GET"
    path: str | PathFn = ""
    qs: ValuesFn | None = None
    body: BodyFn | None = None
    body_kind: BodyKind = "json"
    output: str | OutputFn | None = None
    """Where the result is in the answer (dotted path), or a function of it."""
    paginate: Pagination | None = None
    """How pages follow when returnAll is true."""
    items_path: str | None = None
    """Where a page's items are (pagination)."""
    limit_param: str | None = None
    """Query parameter that carries `limit` when returnAll is false."""
    run: RunFn | None = None
    """Instead of the above: a function making the calls itself."""
    once: Callable[[float], bool] | None = None
    """For typeVersion v: run for the first item only (n8n runs some list operations once
    per node run, not per item, in older versions)."""
    error_json: Callable[[HetumindError], dict[str, Any]] | None = None
    """continueOnFail's item (n8n's shapes differ by node); default {"error": message}."""

    def execute(self, client: ServiceClient, p: Params) -> Any:
        if self.run is not None:
            return self.run(client, p)
        path = self.path(p) if callable(self.path) else self.path
        qs = dict(self.qs(p) or {}) if self.qs else {}
        body = self.body(p) if self.body else None
        if self.paginate is not None and p.get("returnAll", False) is True:

            def fetch(page: Page) -> Any:
                page_body = body
                if page.body:
                    page_body = {**(body or {}), **page.body}
                return client.request(
                    self.method,
                    page.url or path,
                    qs=None if page.url else {**qs, **page.qs},
                    body=page_body,
                    body_kind=self.body_kind if page_body is not None else None,
                    item_index=p.index,
                )

            return collect(fetch, self.paginate, self.items_path)
        if self.limit_param:
            qs[self.limit_param] = p.get("limit", 50)
        answer = client.request(
            self.method,
            path,
            qs=qs,
            body=body,
            body_kind=self.body_kind if body is not None else None,
            item_index=p.index,
        )
        if callable(self.output):
            return self.output(answer, p)
        return dig(answer, self.output)


def _as_items(result: Any) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    values = result if isinstance(result, list) else [result]
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for value in values:
        if isinstance(value, WithBinary):
            out.append((value.json, value.binary))
        elif isinstance(value, dict):
            out.append((value, None))
        elif value is None:
            out.append(({}, None))
        else:
            out.append(({"data": value}, None))
    return out


def _failure(exc: HetumindError) -> str:
    return exc.reason if isinstance(exc, NodeExecutionError) else exc.message


def run_operations(
    ctx: NodeContext,
    inputs: Sequence[ItemBatch],
    service: Service,
    operations: Mapping[tuple[str, str], Operation],
    default_resource: str,
    default_operations: Mapping[str, str],
) -> list[ItemBatch]:
    """The node run: pick the operation, call it per item, keep pairing and n8n's
    continueOnFail shape."""
    batch = inputs[0] if inputs else ItemBatch.empty()
    items = batch.to_items()
    if not items:
        return [ItemBatch.empty()]
    resource = str(ctx.param("resource", 0, default_resource) or default_resource)
    operation = str(ctx.param("operation", 0, default_operations.get(resource, "")) or "")
    op = operations.get((resource, operation))
    if op is None:
        known = ", ".join(f"{r}:{o}" for r, o in operations)
        raise NodeExecutionError(
            f'The operation "{operation}" of resource "{resource}" is not supported by '
            f"Hetumind's {service.name} node (supported: {known})",
            node=ctx.node_name,
        )
    try:
        client = ServiceClient(ctx, service)
    except HetumindError as exc:
        raise NodeExecutionError(_failure(exc), node=ctx.node_name) from None
    once = op.once is not None and op.once(ctx.type_version)
    rows: list[dict[str, Any]] = []
    binary: list[dict[str, Any] | None] = []
    paired: list[int] = []
    for i in [0] if once else range(len(items)):
        try:
            produced = _as_items(op.execute(client, Params(ctx, i, items[i], len(items))))
        except HetumindError as exc:
            # the shared onError decision (hetumind.nodes.item_wise); an API error stops
            # with its HTTP details, and an operation may shape its own error item
            failed = item_error(
                ctx, i, _failure(exc), stop=exc if isinstance(exc, NodeApiError) else None
            )
            error = op.error_json(exc) if op.error_json else failed
            produced = [(error, None)]
        for json_out, binary_out in produced:
            rows.append(json_out)
            binary.append(binary_out)
            paired.append(i)
    return [ItemBatch.from_json(rows, binary=binary, paired=paired)]


class IntegrationNode(Node):
    """Base of declared SaaS nodes: set the class attributes, decorate with @node."""

    service: ClassVar[Service]
    operations: ClassVar[Mapping[tuple[str, str], Operation]]
    default_resource: ClassVar[str]
    default_operations: ClassVar[Mapping[str, str]]

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        return run_operations(
            ctx,
            inputs,
            self.service,
            self.operations,
            self.default_resource,
            self.default_operations,
        )
