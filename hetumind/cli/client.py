"""`hetumind workflow ...` and `hetumind execution ...`: a client of a running server.

The server is `--url`, else HETUMIND_URL, else http://127.0.0.1:8000. It authenticates
with an API key: HETUMIND_API_KEY, else `apiKey` in the config file (HETUMIND_CONFIG, else
~/.config/hetumind/config.json, which may also name the `url`). Exit codes: 0 done, 1 the
server failed or cannot be reached, 2 the request was refused (bad input, 4xx).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

__all__ = ["load_documents", "register", "upsert_workflow"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DEFAULT_URL = "http://127.0.0.1:8000"
UrlOption = Annotated[
    str | None, typer.Option("--url", help="server URL (default: HETUMIND_URL or :8000)")
]


class ClientError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _config() -> dict[str, Any]:
    path = Path(
        os.environ.get("HETUMIND_CONFIG") or Path.home() / ".config" / "hetumind" / "config.json"
    ).expanduser()
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ClientError(f"cannot read the client config {path}: {exc}", 2) from None
    return loaded if isinstance(loaded, dict) else {}


def _base(url: str | None) -> str:
    return (url or os.environ.get("HETUMIND_URL") or _config().get("url") or DEFAULT_URL).rstrip(
        "/"
    )


def api_key() -> str | None:
    """The key the client sends in X-HETUMIND-API-KEY."""
    key = os.environ.get("HETUMIND_API_KEY") or _config().get("apiKey")
    return key if isinstance(key, str) and key else None


def request(url: str | None, method: str, path: str, **kwargs: Any) -> Any:
    """One API call; raises ClientError with the server's message on failure."""
    import httpx

    base = _base(url)
    try:
        key = api_key()
        headers = {**kwargs.pop("headers", {}), **({"X-HETUMIND-API-KEY": key} if key else {})}
        response = httpx.request(method, f"{base}{path}", timeout=60, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        raise ClientError(f"cannot reach the server at {base}: {exc}", 1) from None
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
            message = error["message"]
            details = error.get("details")
            if isinstance(details, list):
                message += "".join(
                    f"\n  - {d.get('text') or d.get('message')}"
                    for d in details
                    if isinstance(d, dict)
                )
        except (ValueError, KeyError, TypeError):
            message = response.text[:500]
        raise ClientError(
            f"{method} {path}: {response.status_code} {message}",
            2 if response.status_code < 500 else 1,
        )
    return response.json() if response.content else None


def load_documents(paths: list[Path]) -> list[tuple[Path, Any]]:
    """Workflow documents from files and directories (*.json, *.yaml, *.yml in them)."""
    import yaml

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
            )
        else:
            files.append(path)
    docs = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
            doc = yaml.safe_load(text) if file.suffix in (".yaml", ".yml") else json.loads(text)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise ClientError(f"{file}: cannot read a workflow: {exc}", 2) from None
        docs.append((file, doc))
    return docs


def upsert_workflow(url: str | None, doc: Any, *, activate: bool = False) -> dict[str, Any]:
    """Create the workflow, or replace the one with its id (or, without an id, its name)."""
    wf_id = doc.get("id") if isinstance(doc, dict) else None
    exists = False
    if isinstance(wf_id, str) and wf_id:
        try:
            request(url, "GET", f"/api/v1/workflows/{wf_id}")
            exists = True
        except ClientError as exc:
            if exc.code != 2:
                raise
    elif isinstance(doc, dict) and isinstance(doc.get("name"), str):
        # No id (a hand-written file): the workflow of the same name, when there is one,
        # so that importing a folder twice replaces instead of duplicating.
        page = request(url, "GET", "/api/v1/workflows", params={"name": doc["name"], "limit": 250})
        same = [w for w in page["data"] if w["name"] == doc["name"]]
        if len(same) == 1:
            wf_id, exists = same[0]["id"], True
    if exists:
        saved: dict[str, Any] = request(url, "PUT", f"/api/v1/workflows/{wf_id}", json=doc)
    else:
        saved = request(url, "POST", "/api/v1/workflows", json=doc)
    if activate and not saved.get("active"):
        saved = request(url, "POST", f"/api/v1/workflows/{saved['id']}/activate")
    return saved


def _fail(exc: ClientError) -> typer.Exit:
    err.print(exc.message, markup=False)
    return typer.Exit(exc.code)


def register(app: typer.Typer) -> None:
    workflow = typer.Typer(help="Workflows on a running server.", no_args_is_help=True)
    execution = typer.Typer(help="Executions on a running server.", no_args_is_help=True)
    app.add_typer(workflow, name="workflow")
    app.add_typer(execution, name="execution")

    @workflow.command("list")
    def workflow_list(
        url: UrlOption = None,
        active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """List workflows (every page)."""
        try:
            rows: list[dict[str, Any]] = []
            cursor = None
            while True:
                params: dict[str, Any] = {"limit": 250}
                if cursor:
                    params["cursor"] = cursor
                if active is not None:
                    params["active"] = str(active).lower()
                page = request(url, "GET", "/api/v1/workflows", params=params)
                rows.extend(page["data"])
                cursor = page.get("nextCursor")
                if not cursor:
                    break
        except ClientError as exc:
            raise _fail(exc) from None
        if as_json:
            out.print(json.dumps(rows), markup=False)
            return
        from rich.table import Table  # on use: `hetumind run` never needs it

        table = Table()
        for col in ("id", "name", "active", "version", "updated"):
            table.add_column(col)
        for wf in rows:
            table.add_row(
                wf["id"],
                wf["name"],
                "yes" if wf["active"] else "no",
                str(wf.get("versionId")),
                str(wf.get("updatedAt")),
            )
        out.print(table)

    @workflow.command("import")
    def workflow_import(
        paths: Annotated[list[Path], typer.Argument(help="workflow files or directories")],
        url: UrlOption = None,
        activate: Annotated[bool, typer.Option("--activate", help="activate each one")] = False,
    ) -> None:
        """Import n8n workflow exports as they are (replacing ones with the same id)."""
        try:
            for path, doc in load_documents(paths):
                saved = upsert_workflow(url, doc, activate=activate)
                state = "active" if saved.get("active") else "inactive"
                out.print(f"{path}: {saved['id']} {saved['name']!r} ({state})", markup=False)
        except ClientError as exc:
            raise _fail(exc) from None

    @workflow.command("export")
    def workflow_export(
        workflow_id: str,
        url: UrlOption = None,
        output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    ) -> None:
        """Print (or write) a workflow as n8n-compatible JSON."""
        try:
            doc = request(url, "GET", f"/api/v1/workflows/{workflow_id}")
        except ClientError as exc:
            raise _fail(exc) from None
        text = json.dumps(doc, indent=2)
        if output is None:
            out.print(text, markup=False)
        else:
            output.write_text(text + "\n", encoding="utf-8")

    @workflow.command("activate")
    def workflow_activate(
        workflow_id: str,
        url: UrlOption = None,
        off: Annotated[bool, typer.Option("--off", help="deactivate instead")] = False,
    ) -> None:
        """Activate a workflow (its webhooks and schedules go live), or --off."""
        action = "deactivate" if off else "activate"
        try:
            saved = request(url, "POST", f"/api/v1/workflows/{workflow_id}/{action}")
        except ClientError as exc:
            raise _fail(exc) from None
        out.print(
            f"{saved['id']} {saved['name']!r}: {'active' if saved['active'] else 'inactive'}",
            markup=False,
        )

    @execution.command("list")
    def execution_list(
        url: UrlOption = None,
        workflow_id: Annotated[str | None, typer.Option("--workflow")] = None,
        status: Annotated[str | None, typer.Option("--status")] = None,
        limit: Annotated[int, typer.Option("--limit")] = 50,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """The newest executions."""
        params: dict[str, Any] = {"limit": limit}
        if workflow_id:
            params["workflowId"] = workflow_id
        if status:
            params["status"] = status
        try:
            rows = request(url, "GET", "/api/v1/executions", params=params)["data"]
        except ClientError as exc:
            raise _fail(exc) from None
        if as_json:
            out.print(json.dumps(rows), markup=False)
            return
        from rich.table import Table  # on use: `hetumind run` never needs it

        table = Table()
        for col in ("id", "workflow", "mode", "status", "started", "last node"):
            table.add_column(col)
        for e in rows:
            table.add_row(
                e["id"],
                e.get("workflowName") or "",
                e["mode"],
                e["status"],
                str(e.get("startedAt")),
                e.get("lastNodeExecuted") or "",
            )
        out.print(table)

    @execution.command("show")
    def execution_show(
        execution_id: str,
        url: UrlOption = None,
        data: Annotated[bool, typer.Option("--data/--no-data", help="node outputs")] = True,
    ) -> None:
        """An execution as JSON (with node outputs unless --no-data)."""
        try:
            body = request(
                url,
                "GET",
                f"/api/v1/executions/{execution_id}",
                params={"includeData": str(data).lower()},
            )
        except ClientError as exc:
            raise _fail(exc) from None
        out.print(json.dumps(body, indent=2), markup=False)
