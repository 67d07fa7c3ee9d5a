"""`hetumind serve`: local Ray plus the Serve app (API, webhooks, scheduler) on embedded
defaults, optionally importing workflows first (`--import examples/`)."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["register", "start_server"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _importable_serve_app() -> None:
    """serve_app sits next to the hetumind package; make it importable from a checkout,
    here and (through PYTHONPATH, inherited by a local Ray) in Serve's own processes."""
    try:
        import serve_app  # noqa: F401
    except ImportError:
        import hetumind

        root = str(Path(hetumind.__file__).resolve().parent.parent)
        sys.path.insert(0, root)
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)


def start_server(host: str, port: int, replicas: int = 1) -> str:
    """Start (or join, with RAY_ADDRESS) Ray and run the app; returns its base URL."""
    _importable_serve_app()
    import ray
    from ray import serve

    from serve_app import ServerSettings, build_app

    if not ray.is_initialized():
        # RAY_ADDRESS joins a cluster; otherwise a local Ray of our own, even when another
        # one runs on this machine (plain ray.init() would join that one).
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        address = os.environ.get("RAY_ADDRESS") or "local"
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    serve.start(http_options={"host": host, "port": port})
    url = f"http://{host}:{port}"
    settings = ServerSettings.from_env()
    if settings.public_url == ServerSettings.public_url:
        settings = dataclasses.replace(settings, public_url=url)
    serve.run(build_app(settings, replicas=replicas), name="hetumind", route_prefix="/")
    return url


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
        replicas: Annotated[int, typer.Option(help="API replicas")] = 1,
        import_paths: Annotated[
            list[Path] | None,
            typer.Option("--import", help="workflow files or directories to import first"),
        ] = None,
        activate: Annotated[
            bool, typer.Option("--activate", help="activate the imported workflows")
        ] = False,
    ) -> None:
        """Run the API server (REST, webhooks, live events, schedules) until Ctrl-C."""
        from hetumind.cli.client import ClientError, load_documents, upsert_workflow

        try:
            documents = load_documents(import_paths or [])
        except ClientError as exc:
            err.print(exc.message, markup=False)
            raise typer.Exit(2) from None
        url = start_server(host, port, replicas)
        code = 0
        for path, doc in documents:
            try:
                saved = upsert_workflow(url, doc, activate=activate)
                out.print(f"imported {path}: {saved['id']} {saved['name']!r}", markup=False)
            except ClientError as exc:
                err.print(f"{path}: {exc.message}", markup=False)
                code = 2
        out.print(f"Hetumind is serving on {url} (API docs: {url}/docs); Ctrl-C stops it.")
        if code:
            err.print("some workflows were not imported (see above)")
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            import ray
            from ray import serve as ray_serve

            ray_serve.shutdown()
            ray.shutdown()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
