"""Event parsing, workflow lookup, the inline run and the API Gateway answer."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

_STATE: dict[str, Any] = {}


class BadEvent(Exception):
    """An event the handler cannot use: answered with `status` and a JSON message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(body, default=str, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return _json_answer(status, {"error": {"code": code, "message": message}})


def _startup() -> None:
    """The engine's imports, once per process (the cold start)."""
    if _STATE.get("ready"):
        return
    from hetumind.cli._startup import skip_pyarrow_pandas_probe

    skip_pyarrow_pandas_probe()
    _STATE["ready"] = True


# --- workflows -------------------------------------------------------------------


def _bundled() -> list[dict[str, Any]]:
    """Workflows from HETUMIND_WORKFLOWS (a file or a directory of .json), read once."""
    if "bundled" in _STATE:
        return list(_STATE["bundled"])
    found: list[dict[str, Any]] = []
    where = os.environ.get("HETUMIND_WORKFLOWS")
    if where:
        root = Path(where)
        files = sorted(root.glob("*.json")) if root.is_dir() else [root]
        for path in files:
            try:
                doc = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise BadEvent(500, "bad_bundle", f"HETUMIND_WORKFLOWS: {path}: {exc}") from None
            for wf in doc if isinstance(doc, list) else [doc]:
                if isinstance(wf, dict):
                    found.append(wf)
    _STATE["bundled"] = found
    return list(found)


def _store() -> Any:
    """The store when HETUMIND_DATABASE_URL is set (None: nothing recorded)."""
    if not os.environ.get("HETUMIND_DATABASE_URL"):
        return None
    if _STATE.get("store_url") != os.environ["HETUMIND_DATABASE_URL"]:
        from hetumind.store import Store

        # Migrating checks the schema on every cold start (~130 ms on SQLite); a function
        # whose database is migrated at deploy time (`hetumind db upgrade`) skips it.
        migrate = os.environ.get("HETUMIND_SERVERLESS_MIGRATE", "1") not in ("0", "false", "no")
        _STATE["store"] = Store.open_sync(migrate=migrate)
        _STATE["store_url"] = os.environ["HETUMIND_DATABASE_URL"]
    return _STATE["store"]


def _stored_workflows(store: Any) -> list[tuple[dict[str, Any], str | None, str | None]]:
    if store is None:
        return []
    records = store.run_sync(store.workflows.list(active=True))
    items = getattr(records, "items", records)
    return [(dict(r.data, name=r.name), r.id, r.project_id) for r in items]


def _webhook_nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    from hetumind.nodes.registry import default_registry

    registry = default_registry()
    return [
        n
        for n in doc.get("nodes") or []
        if isinstance(n, dict)
        and isinstance(n.get("type"), str)
        and registry.trigger_kind(n["type"]) == "webhook"
        and not n.get("disabled")
    ]


def _methods(params: dict[str, Any]) -> set[str]:
    if params.get("multipleMethods"):
        return {str(m).upper() for m in params.get("httpMethod") or ["GET", "POST"]}
    return {str(params.get("httpMethod") or "GET").upper()}


def _find_route(
    path: str, method: str
) -> tuple[dict[str, Any], dict[str, Any], str | None, str | None]:
    clean = path.strip().strip("/")
    if clean.startswith("webhook/"):
        clean = clean[len("webhook/") :]
    store = _store()
    candidates: list[tuple[dict[str, Any], str | None, str | None]] = [
        (wf, wf.get("id"), None) for wf in _bundled()
    ]
    candidates += _stored_workflows(store)
    for doc, wf_id, project_id in candidates:
        for node in _webhook_nodes(doc):
            params = node.get("parameters") or {}
            if str(params.get("path") or "").strip().strip("/") != clean:
                continue
            if method in _methods(params) or (method == "HEAD" and "GET" in _methods(params)):
                return doc, node, wf_id, project_id
    raise BadEvent(404, "not_found", f"no workflow has a Webhook node for {method} /{clean}")


def _find_workflow(ref: Any) -> tuple[dict[str, Any], str | None]:
    if isinstance(ref, dict):
        return ref, ref.get("id")
    if not isinstance(ref, str) or not ref:
        raise BadEvent(400, "bad_event", "'workflow' must be a workflow object or an id/name")
    for wf in _bundled():
        if ref in (wf.get("id"), wf.get("name")):
            return wf, wf.get("id")
    store = _store()
    if store is not None:
        from hetumind.errors import NotFound

        try:
            record = store.run_sync(store.workflows.get(ref))
        except NotFound:
            record = None
        if record is not None:
            return dict(record.data, name=record.name), record.id
    raise BadEvent(404, "not_found", f"no workflow with id or name {ref!r}")


# --- running -----------------------------------------------------------------------


def _run(doc: dict[str, Any], wf_id: str | None, items: list[dict[str, Any]], mode: str) -> Any:
    from hetumind.engine import run_workflow

    listeners = []
    store = _store()
    if store is not None:
        from hetumind.recording import ExecutionRecorder
        from hetumind.store import ExecutionData, open_blob_store

        if "blobs" not in _STATE:
            _STATE["blobs"] = open_blob_store()
        listeners.append(
            ExecutionRecorder(
                ExecutionData(store, _STATE["blobs"]), workflow=doc, workflow_id=wf_id
            )
        )
    return run_workflow(doc, backend="inline", input_items=items, mode=mode, listeners=listeners)


def _direct(event: dict[str, Any]) -> dict[str, Any]:
    doc, wf_id = _find_workflow(event.get("workflow"))
    items = event.get("input")
    if items is None:
        items = [{}]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadEvent(400, "bad_event", "'input' must be a list of JSON objects")
    from hetumind.errors import HetumindError

    try:
        result = _run(doc, wf_id, items, "integrated" if event.get("mode") else "manual")
    except HetumindError as exc:
        raise BadEvent(400, "workflow_invalid", exc.message) from None
    return result.to_json()  # type: ignore[no-any-return,unused-ignore]


# --- HTTP events ---------------------------------------------------------------------


def _http_request(event: dict[str, Any]) -> dict[str, Any]:
    """method, path, headers, query, raw body and source IP from a v1 or v2 event."""
    ctx = event.get("requestContext") or {}
    if event.get("version") == "2.0" or "http" in ctx:
        http = ctx.get("http") or {}
        method, path, ip = http.get("method"), event.get("rawPath"), http.get("sourceIp", "")
        query: dict[str, Any] = {}
        for key, value in parse_qsl(event.get("rawQueryString") or "", keep_blank_values=True):
            query[key] = (
                value
                if key not in query
                else [*([query[key]] if not isinstance(query[key], list) else query[key]), value]
            )
        if event.get("cookies"):
            event.setdefault("headers", {})["cookie"] = "; ".join(event["cookies"])
    else:
        method, path = event.get("httpMethod"), event.get("path")
        ip = (ctx.get("identity") or {}).get("sourceIp", "")
        multi = event.get("multiValueQueryStringParameters") or {}
        query = {k: (v[0] if len(v) == 1 else v) for k, v in multi.items()} or dict(
            event.get("queryStringParameters") or {}
        )
    if not isinstance(method, str) or not isinstance(path, str):
        raise BadEvent(400, "bad_event", "an HTTP event needs a method and a path")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw = event.get("body") or b""
    if isinstance(raw, str):
        try:
            raw = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
        except ValueError:
            raise BadEvent(400, "bad_event", "'body' is not valid base64") from None
    return {
        "method": method.upper(),
        "path": path,
        "headers": headers,
        "query": query,
        "raw": raw,
        "ip": ip,
    }


def _body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            raise BadEvent(400, "bad_body", "the request body is not valid JSON") from None
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    return text


def _credential(node: dict[str, Any], project_id: str | None) -> Any:
    from hetumind.nodes.builtin.webhook import AUTH_CREDENTIALS

    kind = (node.get("parameters") or {}).get("authentication", "none")
    store = _store()
    if kind not in AUTH_CREDENTIALS or store is None:
        return None
    ref = (node.get("credentials") or {}).get(AUTH_CREDENTIALS[kind])
    if not isinstance(ref, dict):
        return None
    from hetumind.errors import HetumindError

    try:
        found = store.run_sync(
            store.credentials.resolve(AUTH_CREDENTIALS[kind], ref, project_id=project_id)
        )
    except HetumindError:
        return None
    return found.data


def _render(response: Any, head: bool) -> dict[str, Any]:
    headers = {str(k).lower(): str(v) for k, v in dict(response.headers).items()}
    if response.kind == "empty" or response.body is None or head:
        return {
            "statusCode": response.status,
            "headers": headers,
            "body": "",
            "isBase64Encoded": False,
        }
    if response.kind == "binary":
        from hetumind.binary import read_binary

        entry = response.body if isinstance(response.body, dict) else {}
        headers.setdefault("content-type", str(entry.get("mimeType") or "application/octet-stream"))
        return {
            "statusCode": response.status,
            "headers": headers,
            "body": base64.b64encode(read_binary(entry)).decode(),
            "isBase64Encoded": True,
        }
    if isinstance(response.body, bytes | bytearray):
        headers.setdefault("content-type", "application/octet-stream")
        return {
            "statusCode": response.status,
            "headers": headers,
            "body": base64.b64encode(bytes(response.body)).decode(),
            "isBase64Encoded": True,
        }
    if response.kind == "text":
        headers.setdefault("content-type", "text/plain; charset=utf-8")
        return {
            "statusCode": response.status,
            "headers": headers,
            "body": str(response.body),
            "isBase64Encoded": False,
        }
    return _json_answer(response.status, response.body, headers)


def _webhook(event: dict[str, Any]) -> dict[str, Any]:
    request = _http_request(event)
    doc, node, wf_id, project_id = _find_route(request["path"], request["method"])
    from hetumind.nodes.builtin.webhook import WebhookRefused, check_webhook_request

    params = node.get("parameters") or {}
    try:
        jwt_payload = check_webhook_request(
            params, _credential(node, project_id), request["headers"], request["ip"]
        )
    except WebhookRefused as refused:
        return {
            "statusCode": refused.status,
            "headers": {
                "content-type": "text/plain; charset=utf-8",
                "www-authenticate": 'Basic realm="Webhook"',
            },
            "body": refused.message,
            "isBase64Encoded": False,
        }
    item: dict[str, Any] = {
        "headers": request["headers"],
        "params": {},
        "query": request["query"],
        "body": _body(request["raw"], request["headers"].get("content-type", "")),
        "webhookUrl": request["path"],
        "executionMode": "production",
    }
    if jwt_payload is not None:
        item["jwtPayload"] = jwt_payload
    from hetumind.errors import HetumindError
    from hetumind.nodes.builtin.webhook import last_node_response, received_response

    try:
        result = _run(doc, wf_id, [item], "webhook")
    except HetumindError as exc:
        return _error(500, "workflow_invalid", exc.message)
    head = request["method"] == "HEAD"
    mode = params.get("responseMode", "onReceived")
    if mode == "onReceived":
        # Lambda ends the process's work when the handler returns: the run is finished
        # before the answer, unlike the server's early answer.
        return _render(received_response(params), head)
    if not result.ok:
        err = result.error or {}
        return _error(
            500,
            "workflow_failed",
            f"workflow execution failed: {err.get('message', 'unknown error')}",
        )
    try:
        return _render(last_node_response(params, result), head)
    except HetumindError as exc:
        return _error(500, "workflow_failed", exc.message)


def handle(event: Any, context: Any) -> dict[str, Any]:
    try:
        if not isinstance(event, dict):
            raise BadEvent(
                400, "bad_event", f"the event must be a JSON object, not {type(event).__name__}"
            )
        _startup()
        if "workflow" in event:
            return _direct(event)
        if "httpMethod" in event or "requestContext" in event or "rawPath" in event:
            return _webhook(event)
        raise BadEvent(
            400,
            "bad_event",
            "unknown event: expected an API Gateway (v1/v2), function URL, or "
            "{'workflow': ..., 'input': [...]} event",
        )
    except BadEvent as bad:
        return _error(bad.status, bad.code, bad.message)
