"""`hetumind db upgrade | current | prune`: schema migrations and execution pruning."""

from __future__ import annotations

from typing import Annotated

import typer

EXIT_INVALID = 2

db_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Database schema migrations.")

_URL = typer.Option(
    "--url", help="database URL (default: HETUMIND_DATABASE_URL or the SQLite file)"
)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(EXIT_INVALID)


@db_app.command("upgrade")
def upgrade_command(
    url: Annotated[str | None, _URL] = None,
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from hetumind.store.migrate import alembic_config, current, upgrade

    target = alembic_config(url).attributes["url"]
    try:
        upgrade(target, revision)
        typer.echo(f"database at revision {current(target)}")
    except Exception as exc:  # a bad URL or an unreachable server is input, not a crash
        raise _fail(f"db upgrade: {type(exc).__name__}: {exc}") from None


@db_app.command("current")
def current_command(url: Annotated[str | None, _URL] = None) -> None:
    """Print the database's revision and the newest one this code knows."""
    from hetumind.store.migrate import current, head

    try:
        revision = current(url)
    except Exception as exc:
        raise _fail(f"db current: {type(exc).__name__}: {exc}") from None
    latest = head()
    state = "up to date" if revision == latest else f"behind; head is {latest}"
    typer.echo(f"{revision or 'none'} ({state})")


@db_app.command("prune")
def prune_command(
    url: Annotated[str | None, _URL] = None,
    max_age_hours: Annotated[
        float | None,
        typer.Option(help="default: HETUMIND_PRUNE_MAX_AGE_HOURS (336); <= 0 turns it off"),
    ] = None,
    max_count: Annotated[
        int | None,
        typer.Option(help="default: HETUMIND_PRUNE_MAX_COUNT (10000); <= 0 turns it off"),
    ] = None,
) -> None:
    """Delete finished executions (rows and data) beyond the pruning policy."""
    from hetumind.errors import HetumindError
    from hetumind.store import ExecutionData, Store, open_blob_store

    try:
        store = Store.open_sync(url)
    except Exception as exc:
        raise _fail(f"db prune: {type(exc).__name__}: {exc}") from None
    try:
        data = ExecutionData(store, open_blob_store(settings=store.settings))
        deleted = store.run_sync(data.prune(max_age_hours=max_age_hours, max_count=max_count))
    except HetumindError as exc:
        raise _fail(f"db prune: {exc.message}") from None
    finally:
        store.close_sync()
    typer.echo(f"pruned {len(deleted)} execution(s)")


def register(app: typer.Typer) -> None:
    """Add the `db` command group to the main CLI."""
    app.add_typer(db_app, name="db")
