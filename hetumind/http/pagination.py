"""options.pagination: keep requesting pages until a stop condition holds.

Mirrors n8n's requestWithAuthenticationPaginated: before each request the page
parameters (or the next URL) are evaluated with `$response` (the previous answer:
body, headers, statusCode), `$pageCount` (pages fetched so far) and `$request`; after it,
the stop condition. Those three variables exist only here: they are registered in the
expression language's variable table and read from a `PageContext`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hetumind.errors import ExpressionError, HetumindError
from hetumind.expressions import CompiledParameter, ExpressionContext
from hetumind.expressions.values import EvalError, truthy
from hetumind.expressions.variables import VARIABLES
from hetumind.http.request import RequestSpec, idempotency_key
from hetumind.http.response import detect_format, parse_json_body
from hetumind.http.transport import HttpResponse

__all__ = ["PageContext", "Pagination", "PaginationError", "paginate"]

MAX_IDENTICAL = 3
"""Stop (with an error) when this many answers in a row equal the one before them."""


class PaginationError(HetumindError):
    """The pagination settings are unusable, or the pages never end."""


@dataclass
class PageContext(ExpressionContext):
    """An item's expression context plus the pagination variables."""

    response: Any = field(default_factory=dict)
    page_count: int = 0
    request: Any = field(default_factory=dict)


def _page_variable(attribute: str, name: str) -> Callable[[Any], Any]:
    def get(rt: Any) -> Any:
        if not isinstance(rt.ctx, PageContext):
            raise EvalError(f"{name} is only available in HTTP Request pagination settings")
        return getattr(rt.ctx, attribute)

    return get


for _attribute, _name in (
    ("response", "$response"),
    ("page_count", "$pageCount"),
    ("request", "$request"),
):
    VARIABLES.setdefault(_name, _page_variable(_attribute, _name))


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> CompiledParameter:
    # Not compile_parameter's cache: a text compiled there before the variables above were
    # registered would keep resolving them as unknown.
    return CompiledParameter(text)


@dataclass(frozen=True)
class Pagination:
    """options.pagination.pagination, its expressions still raw."""

    mode: str
    next_url: Any = ""
    parameters: tuple[Mapping[str, Any], ...] = ()
    complete_when: str = "responseIsEmpty"
    status_codes: frozenset[int] = frozenset()
    complete_expression: str = ""
    max_requests: Any = None
    request_interval: Any = 0

    @classmethod
    def from_parameter(cls, raw: Any) -> Pagination | None:
        if not isinstance(raw, Mapping):
            return None
        mode = str(raw.get("paginationMode", "updateAParameterInEachRequest"))
        if mode == "off":
            return None
        if mode not in ("updateAParameterInEachRequest", "responseContainsNextURL"):
            raise PaginationError(f"pagination mode {mode!r} is not supported")
        params = raw.get("parameters", {})
        entries = params.get("parameters", []) if isinstance(params, Mapping) else []
        if mode == "updateAParameterInEachRequest":
            _check_parameters(entries)
        complete_when = str(raw.get("paginationCompleteWhen", "responseIsEmpty"))
        codes: frozenset[int] = frozenset()
        if complete_when == "receiveSpecificStatusCodes":
            try:
                codes = frozenset(
                    int(c) for c in str(raw.get("statusCodesWhenComplete", "")).split(",") if c
                )
            except ValueError:
                raise PaginationError(
                    "statusCodesWhenComplete must be comma-separated status codes"
                ) from None
        expression = str(raw.get("completeExpression", ""))
        if complete_when == "other" and not expression.startswith("="):
            raise PaginationError("Invalid or empty Complete Expression")
        return cls(
            mode=mode,
            next_url=raw.get("nextURL", ""),
            parameters=tuple(entries),
            complete_when=complete_when,
            status_codes=codes,
            complete_expression=expression,
            max_requests=raw.get("maxRequests", 100) if raw.get("limitPagesFetched") else None,
            request_interval=raw.get("requestInterval", 0),
        )


def _check_parameters(entries: list[Any]) -> None:
    if not entries or (
        len(entries) == 1 and not entries[0].get("name") and not entries[0].get("value")
    ):
        raise PaginationError(
            "At least one entry with 'Name' and 'Value' filled must be included in "
            "'Parameters' to use 'Update a Parameter in Each Request' mode"
        )
    for n, entry in enumerate(entries, start=1):
        if not entry.get("name"):
            raise PaginationError(
                f"Parameter name must be set for parameter [{n}] in pagination settings"
            )
        if entry.get("type", "qs") not in ("body", "headers", "qs"):
            raise PaginationError(
                f"Parameter type must be one of: body, headers, qs for "
                f"parameter [{n}] in pagination settings"
            )
        if entry.get("value", "") == "":
            raise PaginationError(
                f"Some value must be provided for parameter [{n}] in pagination settings, "
                "omitting it will result in an infinite loop"
            )


def page_context(base: ExpressionContext) -> PageContext:
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(ExpressionContext)}
    return PageContext(**values)


def paginate(
    spec: RequestSpec,
    config: Pagination,
    ctx: PageContext,
    send: Callable[[RequestSpec], HttpResponse],
    *,
    binary_result: bool,
    sleep: Callable[[float], None] = time.sleep,
) -> list[HttpResponse]:
    """Every page's answer for one item, in order (a page that merely signals the end
    with a status code in statusCodesWhenComplete is not included)."""
    pages: list[HttpResponse] = []
    last_hash: str | None = None
    identical = 0
    while True:
        page_spec = _page_request(spec, config, ctx)
        response = send(page_spec)
        ctx.page_count += 1
        ctx.response = {
            "body": _body_value(response, binary_result),
            "headers": response.headers,
            "statusCode": response.status,
        }
        digest = response.headers.get("etag") or hashlib.sha256(response.content).hexdigest()
        identical = identical + 1 if digest == last_hash else 0
        last_hash = digest
        if identical >= MAX_IDENTICAL:
            raise PaginationError(
                f"The returned response was identical {identical + 1}x, so requests got "
                "stopped; check 'Pagination Complete When'"
            )
        max_requests = _evaluate(config.max_requests, ctx, "maxRequests")
        if _done_by_status(config, response):
            return pages
        pages.append(response)
        if max_requests and ctx.page_count >= _int(max_requests, "maxRequests"):
            return pages
        if not _should_continue(config, ctx):
            return pages
        interval = _evaluate(config.request_interval, ctx, "requestInterval")
        if interval:
            sleep(_int(interval, "requestInterval") / 1000)
        if not response.ok:
            text = response.text()
            raise PaginationError(f'{response.status} - "{text[:500]}"')


def _done_by_status(config: Pagination, response: HttpResponse) -> bool:
    return config.complete_when == "receiveSpecificStatusCodes" and (
        response.status in config.status_codes
    )


def _should_continue(config: Pagination, ctx: PageContext) -> bool:
    if config.complete_when == "responseIsEmpty":
        body = ctx.response["body"]
        return bool(body) if isinstance(body, list) else truthy(body)
    if config.complete_when == "other":
        return not truthy(_evaluate(config.complete_expression, ctx, "completeExpression"))
    return True  # receiveSpecificStatusCodes: ended above when one came


def _page_request(spec: RequestSpec, config: Pagination, ctx: PageContext) -> RequestSpec:
    first = ctx.page_count == 0
    ctx.request = spec.redacted()
    if config.mode == "responseContainsNextURL":
        if not first:
            url = _evaluate(config.next_url, ctx, "nextURL")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise PaginationError(
                    f"'{url}' is not a valid URL. Make sure the \"Next URL\" parameter "
                    "evaluates to a valid URL."
                )
            spec = spec.with_url(url)
    else:
        parts: dict[str, dict[str, Any]] = {"qs": {}, "headers": {}, "body": {}}
        for entry in config.parameters:
            where = f"pagination parameter '{entry.get('name')}'"
            try:
                value = _evaluate(entry.get("value", ""), ctx, where)
            except HetumindError:
                if first:
                    continue  # n8n: an expression over the empty first $response is unset
                raise
            if value is not None:
                parts[str(entry.get("type", "qs"))][str(entry["name"])] = value
        spec = spec.with_updates(parts["qs"], parts["headers"], parts["body"])
    if spec.idempotency_seed is not None and not first:
        headers = {k: v for k, v in spec.headers.items() if k.lower() != "idempotency-key"}
        headers["Idempotency-Key"] = idempotency_key(spec.idempotency_seed, ctx.page_count)
        spec = dataclasses.replace(spec, headers=headers)
    return spec


def _body_value(response: HttpResponse, binary_result: bool) -> Any:
    if binary_result:
        return {}
    if detect_format(response.content_type) == "json":
        return parse_json_body(response, fallback=True)
    return response.text()


def _evaluate(value: Any, ctx: PageContext, parameter: str) -> Any:
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    try:
        return _compiled(value).evaluate(ctx)
    except ExpressionError as exc:
        raise exc.located(
            node=ctx.node_name, parameter=parameter, item_index=ctx.item_index
        ) from None


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PaginationError(f"{name} must be a number, got {value!r}") from None
