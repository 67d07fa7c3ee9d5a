"""`hetumind batch` (also `python -m hetumind.batch`, e.g. under `ray job submit`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["batch"]

EXIT_FAILED = 1
EXIT_INVALID = 2


def batch(
    workflow: Annotated[Path, typer.Argument(help="workflow file (.json, .yaml)")],
    input: Annotated[str, typer.Option("--input", help="Parquet/CSV/JSONL file, dir or glob")],
    output: Annotated[
        str, typer.Option("--output", help="a .parquet/.csv/.jsonl file, or a directory")
    ],
    address: Annotated[str | None, typer.Option(help="Ray cluster address")] = None,
    parallelism: Annotated[int | None, typer.Option(help="blocks run at once")] = None,
    block_rows: Annotated[int, typer.Option(help="rows per block")] = 250_000,
    resume: Annotated[bool, typer.Option(help="skip blocks an earlier run wrote")] = False,
    input_format: Annotated[str | None, typer.Option(help="parquet | csv | jsonl")] = None,
    output_format: Annotated[str | None, typer.Option(help="parquet | csv | jsonl")] = None,
    output_node: Annotated[str | None, typer.Option(help="node whose items to write")] = None,
    dead_letter: Annotated[str | None, typer.Option(help="where failed rows go")] = None,
    s3_endpoint: Annotated[str | None, typer.Option(help="S3 endpoint URL override")] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="a bar (default on a terminal) or log lines"),
    ] = None,
    executor: Annotated[
        str, typer.Option(help="auto (small inputs inline unless a Ray runs) | inline | ray")
    ] = "auto",
    float_sums: Annotated[
        str,
        typer.Option(help="exact (two-phase, exactly rounded) | ordered (gathered, item order)"),
    ] = "exact",
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Run WORKFLOW over every row of --input, writing its output items to --output."""
    from hetumind.batch.runner import BatchOptions, run_batch
    from hetumind.errors import HetumindError
    from hetumind.workflow import load_workflow

    options = BatchOptions(
        input=input,
        output=output,
        input_format=input_format,
        output_format=output_format,
        address=address,
        parallelism=parallelism,
        block_rows=block_rows,
        resume=resume,
        output_node=output_node,
        dead_letter=dead_letter,
        s3_endpoint=s3_endpoint,
        progress=progress,
        executor=executor,
        float_sums=float_sums,
    )
    try:
        report = run_batch(load_workflow(workflow), options)
    except HetumindError as exc:
        print(f"{workflow}: {exc.message}", file=sys.stderr)
        raise typer.Exit(EXIT_INVALID) from None
    summary = report.to_json()
    if as_json:
        print(json.dumps(summary))
    else:
        _print_summary(summary)
    raise typer.Exit(0 if report.status == "success" else EXIT_FAILED)


def _print_summary(summary: dict[str, object]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console(highlight=False, soft_wrap=True)
    table = Table(title=f"batch: {summary['status']}", title_justify="left")
    for col in ("node", "rows in", "rows out", "ms (sum over blocks)"):
        table.add_column(col)
    nodes = summary["nodes"]
    assert isinstance(nodes, dict)
    for name, s in nodes.items():
        rows_in = "-" if s.get("rowsIn") is None else f"{s['rowsIn']:,}"
        rows_out = " / ".join(f"{c:,}" for c in s["rowsOut"]) or "-"
        table.add_row(name, rows_in, rows_out, f"{s['ms']:.1f}")
    out.print(table)
    plan = summary["plan"]
    assert isinstance(plan, dict)
    out.print(
        f"{summary['rowsIn']:,} rows in, {summary['rowsOut']:,} out, {summary['blocks']} blocks "
        f"({summary['blocksSkipped']} resumed), {summary['deadLetters']} dead letters, "
        f"{summary['seconds']} s, mode {plan['mode']}",
        markup=False,
    )
    for note in plan.get("notes", []):
        out.print(f"note: {note}", markup=False)
    if summary["deadLetterOutput"]:
        out.print(f"dead letters: {summary['deadLetterOutput']}", markup=False)
    if summary["error"]:
        out.print(f"error: {json.dumps(summary['error'])}", markup=False)


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(batch)
    app()
