"""Registers `hetumind batch` (the command lives in hetumind/batch/command.py)."""

from __future__ import annotations

import typer

from hetumind.batch.command import batch


def register(app: typer.Typer) -> None:
    app.command(name="batch")(batch)
