"""`hetumind serve`: local Ray plus the Serve app (API, webhooks, scheduler) on embedded
defaults, optionally importing workflows first (`--import examples/`).

Secure by default (docs/security.md): the first start creates the owner account and prints
its password once; the embedded Ray runs with its token authentication on (the token
lives in HETUMIND_HOME/ray-auth-token, mode 0600); `--ssl-certfile/--ssl-keyfile`
serve HTTPS.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:  # argon2 and the account code load only when `serve` runs
    from hetumind.auth import OwnerCreated

__all__ = ["embedded_ray_env", "ray_address", "register", "start_server"]

RAY_TOKEN_FILE = "ray-auth-token"

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


def embedded_ray_env(home: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The variables that turn Ray's token authentication on for a local cluster of our
    own: an explicit RAY_AUTH_MODE wins; the token is created once (0600) under `home`."""
    env = dict(os.environ if env is None else env)
    if env.get("RAY_AUTH_MODE"):
        return {}
    path = home / RAY_TOKEN_FILE
    if not path.exists():
        import secrets

        home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_hex(32))
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(path)}


def _home() -> Path:
    return Path(os.environ.get("HETUMIND_HOME") or "~/.hetumind").expanduser()


def ray_address(option: str | None) -> str:
    """The Ray to use: `--address`, else RAY_ADDRESS, else "local" (a Ray of our own,
    never one that happens to run on this machine)."""
    return option or os.environ.get("RAY_ADDRESS") or "local"


def start_server(
    host: str,
    port: int,
    replicas: int = 1,
    *,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    address: str | None = None,
) -> str:
    """Start (or join, with `address` or RAY_ADDRESS) Ray and run the app; returns its
    base URL. Logs take the format HETUMIND_LOG_FORMAT names (configure_logging)."""
    # RAY_ADDRESS / --address joins a cluster; otherwise a local Ray of our own, even when
    # another one runs on this machine (plain ray.init() would join that one), with token
    # authentication on. (Ray 2.60 turns a loopback node address into the machine's
    # own, see resolve_ip_for_localhost, so the token is what keeps others out.) The
    # token settings must be in the environment before `import ray`: Ray reads them once.
    address = ray_address(address)
    if address == "local":
        os.environ.update(embedded_ray_env(_home()))
    _importable_serve_app()
    import ray
    from ray import serve

    from hetumind.observability.logs import adopt_ray_loggers, serve_logging_config
    from serve_app import ServerSettings, build_app

    if not ray.is_initialized():
        if address == "local":
            # our Ray dies with us, even after a SIGKILL of this process alone
            from hetumind.cli.ray_reaper import start_reaper

            start_reaper()
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    adopt_ray_loggers()
    http: dict[str, object] = {"host": host, "port": port}
    if ssl_certfile or ssl_keyfile:
        if not (ssl_certfile and ssl_keyfile):
            raise typer.BadParameter("--ssl-certfile and --ssl-keyfile go together")
        http.update(ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
    logging_config = serve_logging_config()
    serve.start(http_options=http, logging_config=logging_config or None)
    url = f"{'https' if ssl_certfile else 'http'}://{host}:{port}"
    settings = ServerSettings.from_env()
    if settings.public_url == ServerSettings.public_url:
        settings = dataclasses.replace(settings, public_url=url)
    serve.run(
        build_app(settings, replicas=replicas),
        name="hetumind",
        route_prefix="/",
        logging_config=logging_config or None,
    )
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
        ssl_certfile: Annotated[
            str | None, typer.Option("--ssl-certfile", help="TLS certificate (PEM): HTTPS")
        ] = None,
        ssl_keyfile: Annotated[
            str | None, typer.Option("--ssl-keyfile", help="TLS private key (PEM)")
        ] = None,
        address: Annotated[
            str | None,
            typer.Option(
                "--address", help="Ray cluster to join (else RAY_ADDRESS, else a Ray of its own)"
            ),
        ] = None,
        log_format: Annotated[
            str | None,
            typer.Option(
                "--log-format",
                help="text | json, for the server, its Ray workers and Serve (stderr; "
                "default HETUMIND_LOG_FORMAT, else text)",
            ),
        ] = None,
        log_level: Annotated[
            str | None,
            typer.Option("--log-level", help="debug | info | warning | error (default warning)"),
        ] = None,
    ) -> None:
        """Run the API server (REST, webhooks, live events, schedules) until Ctrl-C."""
        from hetumind.observability.logs import configure_logging

        try:  # before Ray starts: its workers and Serve inherit the format
            configure_logging(log_format, log_level)
        except ValueError as exc:
            err.print(f"--log-format/--log-level: {exc}", markup=False)
            raise typer.Exit(2) from None
        from hetumind.cli.client import ClientError, load_documents, upsert_workflow

        try:
            documents = load_documents(import_paths or [])
        except ClientError as exc:
            err.print(exc.message, markup=False)
            raise typer.Exit(2) from None
        owner, import_key, cli_key = _prepare_accounts(bool(documents))
        url = start_server(
            host,
            port,
            replicas,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            address=address,
        )
        code = 0
        previous = os.environ.get("HETUMIND_API_KEY")
        if import_key is not None:
            os.environ["HETUMIND_API_KEY"] = import_key[1]
        try:
            for path, doc in documents:
                try:
                    saved = upsert_workflow(url, doc, activate=activate)
                    out.print(f"imported {path}: {saved['id']} {saved['name']!r}", markup=False)
                except ClientError as exc:
                    err.print(f"{path}: {exc.message}", markup=False)
                    code = 2
        finally:
            if import_key is not None:
                _revoke(import_key[0])
                if previous is None:
                    os.environ.pop("HETUMIND_API_KEY", None)
                else:
                    os.environ["HETUMIND_API_KEY"] = previous
        out.print(f"Hetumind is serving on {url} (API docs: {url}/docs); Ctrl-C stops it.")
        if owner is not None:
            out.print(
                f"Created the owner account: {owner.email} / password {owner.password}\n"
                f"  and an API key for the CLI: export HETUMIND_API_KEY={cli_key}\n"
                "  (shown once; log in with POST /api/v1/auth/login, more keys with "
                "POST /api/v1/keys or `hetumind user create`)",
                markup=False,
            )
        else:
            out.print(
                "Log in with POST /api/v1/auth/login; the CLI client reads HETUMIND_API_KEY.",
                markup=False,
            )
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


def _prepare_accounts(
    importing: bool,
) -> tuple[OwnerCreated | None, tuple[str, str] | None, str | None]:
    """Create the owner on first start (returned, with an API key of theirs, to print
    once) and, when workflows are to be imported, a short-lived owner key for this
    process only."""
    from hetumind.auth import create_api_key, ensure_owner
    from hetumind.store import Store

    store = Store.open_sync()
    try:
        owner = store.run_sync(ensure_owner(store))
        users = [u for u in store.run_sync(store.users.list()) if u.role == "owner"]
        cli_key = None
        if owner is not None and users:
            cli_key = store.run_sync(
                create_api_key(store, users[0].id, name="first start", expires_in_days=90)
            ).plaintext
        key = None
        if importing and users:
            created = store.run_sync(
                create_api_key(
                    store,
                    users[0].id,
                    name="hetumind serve --import",
                    scopes=["workflow:read", "workflow:write"],
                    expires_in_days=1 / 24,
                )
            )
            key = (created.record.id, created.plaintext)
        return owner, key, cli_key
    finally:
        store.close_sync()


def _revoke(key_id: str) -> None:
    from hetumind.store import Store

    store = Store.open_sync()
    try:
        store.run_sync(store.api_keys.revoke(key_id))
    finally:
        store.close_sync()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
