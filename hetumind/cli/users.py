"""`hetumind user create EMAIL`: add a user (the owner, too, before the first start) and
optionally an API key, straight in the store (HETUMIND_DATABASE_URL or the SQLite file)."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["register"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="Users and API keys of the server's store.", no_args_is_help=True)
    app.add_typer(users, name="user")

    @users.command("create")
    def create(
        email: Annotated[str, typer.Argument(help="the user's email (their login)")],
        role: Annotated[str, typer.Option(help="owner, admin or member")] = "member",
        password: Annotated[
            str | None,
            typer.Option(help="at least 12 characters; a random one is printed when omitted"),
        ] = None,
        api_key: Annotated[
            bool, typer.Option("--api-key", help="also create an API key (printed once)")
        ] = False,
        expires_in_days: Annotated[
            float | None, typer.Option(help="API key lifetime (default 90 days)")
        ] = 90,
    ) -> None:
        """Create a user; the first owner owns the default project."""
        from hetumind.auth import create_api_key, create_user
        from hetumind.errors import HetumindError
        from hetumind.store import Store
        from hetumind.store.models import DEFAULT_PROJECT_ID

        chosen = password or secrets.token_urlsafe(18)
        store = Store.open_sync()
        try:
            owners = [u for u in store.run_sync(store.users.list()) if u.role == "owner"]
            if role == "owner" and owners:
                err.print("there is an owner already; create an admin instead")
                raise typer.Exit(2)
            project = DEFAULT_PROJECT_ID if role == "owner" else None
            try:
                user = store.run_sync(
                    create_user(store, email, chosen, role=role, project_id=project)
                )
                store.run_sync(
                    store.audit.log(
                        "user.created",
                        target_type="user",
                        target_id=user.id,
                        details={"email": user.email, "role": role, "via": "cli"},
                    )
                )
                key = (
                    store.run_sync(
                        create_api_key(store, user.id, name="cli", expires_in_days=expires_in_days)
                    )
                    if api_key
                    else None
                )
            except HetumindError as exc:
                err.print(exc.message, markup=False)
                raise typer.Exit(2) from None
        finally:
            store.close_sync()
        out.print(f"created {role} {user.email} ({user.id})", markup=False)
        if password is None:
            out.print(f"password: {chosen}  (shown once)", markup=False)
        if key is not None:
            out.print(
                f"API key: {key.plaintext}  (shown once; send it as X-HETUMIND-API-KEY)",
                markup=False,
            )
