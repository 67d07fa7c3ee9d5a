"""`hetumind models`: the LLM deployments (ray.serve.llm) running in the cluster."""

from __future__ import annotations

import json
import logging

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models(
        as_json: bool = typer.Option(False, "--json", help="one JSON array"),
        address: str = typer.Option(
            "auto", "--address", envvar="RAY_ADDRESS", help="the Ray cluster to ask"
        ),
    ) -> None:
        """List the model deployments served in the Ray cluster."""
        import ray

        from hetumind.ai.serving import list_models

        connected_here = not ray.is_initialized()
        if connected_here:
            try:
                ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
            except ConnectionError as exc:
                typer.echo(f"error: no Ray cluster at {address!r}: {exc}", err=True)
                raise typer.Exit(2) from None
        try:
            found = list_models()
        finally:
            if connected_here:
                ray.shutdown()
        if as_json:
            typer.echo(json.dumps(found))
            return
        if not found:
            typer.echo("no model deployments")
            return
        for m in found:
            typer.echo(
                f"{m['model']}\t{m['status']}\t{m['replicas']} replica(s)\t"
                f"app={m['app']}\tdeployment={m['deployment']}"
            )
