"""`hetumind run | validate | nodes` as DESIGN.md's contract describes.

Exit codes: 0 every run succeeded, 1 a run failed at run time, 2 invalid input.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import pkgutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from hetumind.cli._startup import skip_pyarrow_pandas_probe
from hetumind.engine import ExecutionResult, build_plan, make_backend
from hetumind.engine.checkpoint import checkpoint_from_json
from hetumind.engine.runtime import new_execution_id
from hetumind.engine.start import RunOptions, start_execution
from hetumind.errors import HetumindError, WorkflowInvalid
from hetumind.nodes.registry import default_registry
from hetumind.observability.logs import configure_logging, log_context
from hetumind.workflow import load_workflow

if TYPE_CHECKING:
    from hetumind.engine.plan import Plan

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_FAILED = 1
EXIT_INVALID = 2

log = logging.getLogger("hetumind.cli")


def _parse_input(value: str | None) -> list[dict[str, Any]] | None:
    """`--input` is JSON text or @path; an object is one item, an array many."""
    if value is None:
        return None
    where = "--input"
    text = value
    if value.startswith("@"):
        where = value[1:]
        try:
            text = Path(where).read_text(encoding="utf-8")
        except OSError as exc:
            raise HetumindError(f"--input: cannot read {where}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HetumindError(f"{where}: malformed JSON at column {exc.colno}: {exc.msg}") from None
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise HetumindError(f"{where}: item {i} must be a JSON object")
    return items


def _previous_run(from_node: str | None, data: Path | None) -> dict[str, Any]:
    """The `run --json` result that `--from` reuses (`--data`); {} without --from."""
    if from_node is None:
        if data is not None:
            raise HetumindError("--data is only used with --from NODE")
        return {}
    if data is None:
        raise HetumindError("--from needs --data: a previous `hetumind run --json` result")
    try:
        text = data.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise HetumindError(f"--data: cannot read {data}: {exc.strerror}") from None
    try:
        found = json.loads(text)
    except json.JSONDecodeError:
        try:  # `run --json` of several files prints one object per line: use the last
            found = json.loads(text.splitlines()[-1] if text else "")
        except (json.JSONDecodeError, IndexError):
            raise HetumindError(f"--data: {data} is not a `run --json` result") from None
    if not isinstance(found, dict) or not isinstance(found.get("runData"), dict):
        raise HetumindError(f"--data: {data} has no runData (is it a `run --json` result?)")
    return found


def _invalid_result(exc: HetumindError) -> dict[str, Any]:
    return {
        "executionId": None,
        "status": "error",
        "error": {**exc.to_dict(), "node": None},
        "lastNodeExecuted": None,
        "runData": {},
    }


@contextmanager
def _stdout_kept_for_json() -> Iterator[Callable[[str], None]]:
    """While `run --json` runs, file descriptor 1 points at stderr, so whatever else
    writes to stdout (Ray's worker log lines, which it prints from a thread, and processes
    Ray starts, which inherit the descriptor) cannot interleave with the JSON lines; the
    yielded function writes a line to the real stdout."""
    sys.stdout.flush()
    try:
        on_fd_1 = sys.stdout.fileno() == 1
    except (AttributeError, OSError, ValueError):  # captured (typer's CliRunner)
        on_fd_1 = False
    if not on_fd_1:
        yield lambda line: print(line, file=sys.stdout, flush=True)
        return
    real = os.dup(1)
    os.dup2(2, 1)
    stream = os.fdopen(real, "w", encoding="utf-8", closefd=False)

    def emit(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    try:
        yield emit
    finally:
        # Ray's last worker lines arrive until it shuts down: let them reach stderr too.
        ray = sys.modules.get("ray")
        if ray is not None and ray.is_initialized():
            ray.shutdown()
        stream.flush()
        sys.stdout.flush()
        os.dup2(real, 1)
        os.close(real)


def _print_table(path: str, result: ExecutionResult) -> None:
    from rich.table import Table  # imported here: `run --json` prints no table

    table = Table(title=f"{path}: {result.status}", title_justify="left")
    for col in ("node", "run", "status", "items out", "ms"):
        table.add_column(col)
    for node, runs in result.run_data.items():
        for i, r in enumerate(runs):
            counts = " / ".join(str(c) for c in r.meta.counts) or "-"
            table.add_row(node, str(i), r.meta.status, counts, f"{r.meta.execution_time_ms:.1f}")
    out.print(table)
    if result.error:
        out.print(
            f"[red]error[/red] in node {result.error.get('node')!r}: {result.error.get('message')}"
        )
    elif result.last_node_executed:
        last = result.outputs(result.last_node_executed)
        out.print(f"output of {result.last_node_executed!r}:")
        out.print_json(json.dumps(last[0] if last else [], default=str))


@app.command()
def run(
    files: Annotated[list[Path], typer.Argument(help="workflow files (.json, .yaml)")],
    input: Annotated[
        str | None, typer.Option("--input", help="input items: JSON text or @file")
    ] = None,
    backend: Annotated[str, typer.Option(help="ray | inline")] = "ray",
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per file")] = False,
    from_node: Annotated[
        str | None,
        typer.Option("--from", help="partial run: re-run this node and what follows it"),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="with --from: a previous `run --json` result to reuse"),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format", help="text | json (stderr; default HETUMIND_LOG_FORMAT, else text)"
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option("--log-level", help="debug | info | warning | error (default warning)"),
    ] = None,
    profile: Annotated[
        bool, typer.Option("--profile", help="print where the time went, per node")
    ] = False,
    profile_out: Annotated[
        Path | None,
        typer.Option("--profile-out", help="write a Chrome trace (Perfetto, chrome://tracing)"),
    ] = None,
) -> None:
    """Run workflows, one after another, on one backend.

    `--from NODE --data previous.json` is n8n's partial execution: the nodes before NODE
    are not run again, their items come from the previous result; NODE and everything
    after it run afresh.
    """
    if backend not in ("ray", "inline"):
        err.print(f"--backend: unknown backend {backend!r}; choose 'ray' or 'inline'")
        raise typer.Exit(EXIT_INVALID)
    try:  # before Ray is imported: its workers inherit the format (observability/logs.py)
        configure_logging(log_format, log_level)
    except ValueError as exc:
        err.print(f"--log-format/--log-level: {exc}", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    profiling = _Profiling(profile, profile_out, to_stderr=as_json)
    if backend == "inline":
        skip_pyarrow_pandas_probe()
    try:
        items = _parse_input(input)
        previous = _previous_run(from_node, data)
    except HetumindError as exc:
        err.print(exc.message)
        raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        with _stdout_kept_for_json() as emit:
            code = _run_files(files, backend, items, from_node, previous, emit, profiling)
    else:
        code = _run_files(files, backend, items, from_node, previous, None, profiling)
    profiling.write()
    raise typer.Exit(code)


def _run_files(
    files: list[Path],
    backend: str,
    items: list[dict[str, Any]] | None,
    from_node: str | None,
    previous: dict[str, Any],
    emit: Callable[[str], None] | None,
    profiling: _Profiling | None = None,
) -> int:
    """Run each file; `emit` writes a `--json` line (None: print tables). The exit code."""
    engine = None
    code = 0
    for path in files:
        try:
            plan = build_plan(load_workflow(path))
        except WorkflowInvalid as exc:
            exc.source = exc.source or str(path)
            code = max(code, EXIT_INVALID)
            if emit is not None:
                emit(json.dumps(_invalid_result(exc)))
            else:
                err.print(f"{path}: {exc.message}")
            continue
        checkpoint = None
        if from_node is not None:
            if from_node not in plan.nodes:
                err.print(f"{path}: --from: the workflow has no node named {from_node!r}")
                code = max(code, EXIT_INVALID)
                continue
            checkpoint = checkpoint_from_json(previous, skip=plan.downstream(from_node))
        if engine is None:
            engine = make_backend(backend)
            _ray_logs_like_ours()
        execution_id = new_execution_id()
        with log_context(execution_id=execution_id, workflow_id=plan.workflow.id):
            options = RunOptions(
                input_items=items, checkpoint=checkpoint, execution_id=execution_id
            )
            result = start_execution(plan, engine, options).result()
            log.info(
                "%s: execution %s finished: %s%s",
                path,
                execution_id,
                result.status,
                f" (node {result.error.get('node')!r}: {result.error.get('message')})"
                if result.error
                else "",
            )
        if not result.ok:
            code = max(code, EXIT_FAILED)
        if emit is not None:
            emit(json.dumps(result.to_json(), default=str))
        else:
            _print_table(str(path), result)
        if profiling is not None:
            profiling.add(str(path), plan, result)
    return code


def _ray_logs_like_ours() -> None:
    if "ray" in sys.modules:
        from hetumind.observability.logs import adopt_ray_loggers

        adopt_ray_loggers()


class _Profiling:
    """`--profile` / `--profile-out`: a profile per run, printed after it; one trace file
    with a process per workflow file."""

    def __init__(self, show: bool, path: Path | None, *, to_stderr: bool) -> None:
        self.show, self.path = show, path
        self.console = err if to_stderr else out  # `--json` keeps stdout for its lines
        self.events: list[dict[str, Any]] = []

    def add(self, name: str, plan: Plan, result: ExecutionResult) -> None:
        if not (self.show or self.path):
            return
        from hetumind.observability.profile import (
            build_profile,
            main_connections,
            samples_from_result,
        )

        types = {name: planned.node.type for name, planned in plan.nodes.items()}
        samples = samples_from_result(result, types)
        pid = len({e["pid"] for e in self.events}) + 1
        found = build_profile(samples, main_connections(plan.workflow), pid=pid, process_name=name)
        self.events.extend(found.events)
        if not self.show:
            return
        from rich.table import Table

        table = Table(
            title=f"{name}: profile of {result.execution_id} ({found.wall_ms:.1f} ms wall)",
            title_justify="left",
        )
        for col in ("node", "type", "runs", "items in", "items out", "total ms", "mean ms"):
            table.add_column(
                col, justify="left" if col in ("node", "type") else "right", overflow="fold"
            )
        table.add_column("share", justify="right")
        for row in found.rows:
            table.add_row(
                row.node,
                row.type,
                str(row.runs),
                str(row.items_in),
                str(row.items_out),
                f"{row.total_ms:.1f}",
                f"{row.mean_ms:.1f}",
                f"{row.share:.0%}",
            )
        self.console.print(table)
        from hetumind.observability.hotspots import hotspots

        on_ray = result.backend is not None and result.backend.name == "ray"
        for line in hotspots(plan, found.rows, on_ray=on_ray):
            self.console.print(f"hot spot: {line}", markup=False, highlight=False)

    def write(self) -> None:
        if self.path is None:
            return
        trace = {"traceEvents": self.events, "displayTimeUnit": "ms"}
        self.path.write_text(json.dumps(trace), encoding="utf-8")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="workflow files (.json, .yaml)")],
) -> None:
    """Report every problem in each workflow; exit 2 when any is invalid."""
    from hetumind.validation import validate_workflow, workflow_warnings

    registry = default_registry()
    code = 0
    for path in files:
        warnings = []
        try:
            workflow = load_workflow(path)
            problems = validate_workflow(workflow, registry)
            warnings = workflow_warnings(workflow)
        except WorkflowInvalid as exc:
            problems = exc.problems
        if problems:
            code = EXIT_INVALID
            out.print(f"{path}: invalid ({len(problems)} problem(s))", markup=False)
            for p in problems:
                out.print(f"  - {p}", markup=False)
        else:
            out.print(f"{path}: valid", markup=False)
        for w in warnings:
            out.print(f"  warning: {w}", markup=False)
    raise typer.Exit(code)


@app.command()
def nodes(
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON array: full type names and versions")
    ] = False,
) -> None:
    """List registered node types and their versions."""
    definitions = sorted(default_registry().definitions(), key=lambda d: d.name)
    if as_json:
        listing = [
            {
                "type": f"hetumind.{d.name}",
                "aliases": list(d.type_names[1:]),
                "versions": [int(v) if float(v).is_integer() else v for v in d.versions],
                "name": d.display_name,
            }
            for d in definitions
        ]
        sys.stdout.write(json.dumps(listing, indent=1) + "\n")
        return
    from rich.table import Table

    table = Table()
    for col in ("type", "versions", "name", "aliases"):
        # Fold, never truncate: a type name cut with "…" cannot be copied into a workflow.
        table.add_column(col, overflow="fold")
    for d in definitions:
        versions = ", ".join(f"{v:g}" for v in d.versions)
        table.add_row(f"hetumind.{d.name}", versions, d.display_name, ", ".join(d.type_names[1:]))
    out.print(table)


def _register_command_modules() -> None:
    """Every other module in hetumind/cli with a `register(app)` adds its commands.

    Those modules import heavy dependencies (servers, cloud SDKs) inside their commands, so
    `hetumind run` starts fast.
    """
    import hetumind.cli as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "main":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_command_modules()


def main() -> None:
    try:
        app()
    except HetumindError as exc:
        err.print(exc.message, markup=False)
        sys.exit(EXIT_INVALID)


if __name__ == "__main__":
    main()
