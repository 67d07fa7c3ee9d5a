"""Structured logs: one JSON object per line (or readable text), with the execution,
workflow and node a record belongs to, and without the run's secrets.

The context lives in a contextvar, set where an execution or a node run starts
(`log_context`, `node_log_scope`), so every logger below it (engine, nodes, store, HTTP
client) gets the fields without passing them around. Ray workers inherit the chosen format
through HETUMIND_LOG_FORMAT and configure themselves on their first node run, so their
lines, which Ray forwards to the driver, are in the same format.

This module is imported by the engine at CLI start-up: it imports only the standard
library.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

__all__ = [
    "FORMATS",
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "current_context",
    "log_context",
    "mask",
    "node_log_scope",
    "serve_logging_config",
]

FORMATS = ("text", "json")
FORMAT_ENV = "HETUMIND_LOG_FORMAT"
LEVEL_ENV = "HETUMIND_LOG_LEVEL"
CONTEXT_FIELDS = ("execution_id", "workflow_id", "node")
MASK = "***"

_context: ContextVar[Mapping[str, Any]] = ContextVar("hetumind_log_context", default={})  # noqa: B039

# Secrets that look like secrets wherever they appear, credentials or not: our API keys,
# bearer tokens and password=... pairs (a URL's query, a connection string).
# Compiled on first use: this module loads with every CLI start.
_PATTERNS = (
    (r"hmk_[A-Za-z0-9_]{8,}", MASK),
    (r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}", r"\1" + MASK),
    (
        r"(?i)((?:password|passwd|secret|api[_-]?key|token)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;)]+",
        r"\1" + MASK,
    ),
    (r"(://[^:/@\s]+:)[^@\s/]+@", r"\1" + MASK + "@"),
)


@functools.cache
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), replacement) for pattern, replacement in _PATTERNS)


F = TypeVar("F", bound=Callable[..., Any])


def current_context() -> dict[str, Any]:
    """The context fields of the running execution / node (without its secrets)."""
    return {k: v for k, v in _context.get().items() if k in CONTEXT_FIELDS and v is not None}


@contextmanager
def log_context(secrets: Sequence[str] = (), **fields: Any) -> Iterator[None]:
    """Records logged inside carry `fields` (execution_id, workflow_id, node) on top of
    the enclosing context; `secrets` are masked in their text."""
    outer = _context.get()
    merged = {**outer, **{k: v for k, v in fields.items() if v is not None}}
    if secrets:
        merged["secrets"] = tuple(sorted({*outer.get("secrets", ()), *secrets}, key=len))[::-1]
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def node_log_scope(run: F) -> F:
    """Decorates engine/node_run's entry point (its first argument is a NodeRunSpec): the
    node run's records carry its execution, workflow and node, and mask its credentials."""

    @functools.wraps(run)
    def scoped(spec: Any, *args: Any, **kwargs: Any) -> Any:
        _configure_worker_once()
        info = spec.info
        with log_context(
            _secrets_of(info.credentials),
            execution_id=info.execution_id,
            workflow_id=info.workflow_id,
            node=spec.node.name,
        ):
            return run(spec, *args, **kwargs)

    return scoped  # type: ignore[return-value]


def _secrets_of(credentials: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every string in the run's credential data, and Basic auth's token: the store
    knows which fields are secret, but importing it in every worker costs more than
    masking a header name in a log line."""
    found: set[str] = set()
    for data in credentials.values():
        values = [v for v in data.values() if isinstance(v, str) and len(v) >= 4]
        found.update(values)
        if data.get("user") and data.get("password"):
            pair = f"{data['user']}:{data['password']}".encode()
            found.add(base64.b64encode(pair).decode())
    return sorted(found, key=len, reverse=True)


def mask(text: str, secrets: Sequence[str] = ()) -> str:
    """`text` with the given secrets, and things that look like secrets, masked."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, MASK)
    for pattern, replacement in _compiled():
        text = pattern.sub(replacement, text)
    return text


def _message_and_exception(
    record: logging.LogRecord, formatter: logging.Formatter
) -> tuple[str, str | None]:
    secrets = _context.get().get("secrets", ())
    message = mask(record.getMessage(), secrets)
    exception = None
    if record.exc_info:
        exception = mask(formatter.formatException(record.exc_info), secrets)
    elif record.exc_text:
        exception = mask(record.exc_text, secrets)
    return message, exception


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: ts, level, logger, message, the context
    fields that are known, and `exception` (the traceback as one string field)."""

    def format(self, record: logging.LogRecord) -> str:
        message, exception = _message_and_exception(record, self)
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
            **current_context(),
        }
        if exception is not None:
            line["exception"] = exception
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`ts LEVEL logger [execution_id=.. node=..] message`, traceback on the next lines."""

    def format(self, record: logging.LogRecord) -> str:
        message, exception = _message_and_exception(record, self)
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = " ".join(f"{k}={v}" for k, v in current_context().items())
        text = f"{ts.replace('+00:00', 'Z')} {record.levelname:<7} {record.name}"
        text += f" [{fields}] {message}" if fields else f" {message}"
        return text if exception is None else f"{text}\n{exception}"


class _Handler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Ours, so configure_logging replaces it instead of adding a second one."""


def resolve_format(value: str | None = None) -> str:
    """`value`, else HETUMIND_LOG_FORMAT, else text; ValueError for anything else."""
    chosen = (value or os.environ.get(FORMAT_ENV) or "text").strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"log format {chosen!r}: choose 'text' or 'json'")
    return chosen


def configure_logging(
    fmt: str | None = None, level: str | int | None = None, *, export: bool = True
) -> str:
    """Send the root logger's records to stderr in `fmt` (text | json; default
    HETUMIND_LOG_FORMAT, else text) at `level` (default HETUMIND_LOG_LEVEL, else
    WARNING). `export` writes both to the environment, where Ray workers started later
    find them. Returns the format."""
    chosen = resolve_format(fmt)
    explicit = level or os.environ.get(LEVEL_ENV)
    level = explicit or "WARNING"
    if isinstance(level, str):
        level = level.upper()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler = _Handler(sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    if export:
        os.environ[FORMAT_ENV] = chosen
        if explicit:  # else Serve keeps its own default level (serve_logging_config)
            os.environ[LEVEL_ENV] = logging.getLevelName(root.level)
        if chosen == "json":
            # Ray forwards worker lines to the driver as "(task pid=..) line" and folds
            # repeats into "[repeated 3x]": either would break a JSON line. Ray reads
            # these when it is imported, which the CLI does after this.
            os.environ.setdefault("RAY_DISABLE_WORKER_LOG_PREFIX", "1")
            os.environ.setdefault("RAY_DEDUP_LOGS", "0")
            # Serve's controller, proxies and replicas print text to stderr whatever
            # their encoding; in JSON mode they log (as JSON) to their files only.
            os.environ.setdefault("RAY_SERVE_LOG_TO_STDERR", "0")
    return chosen


def serve_logging_config(**fields: Any) -> dict[str, Any]:
    """Ray Serve's `logging_config` in the chosen format (HETUMIND_LOG_FORMAT): JSON
    encoding for the controller, proxies and replicas' Serve loggers."""
    config: dict[str, Any] = dict(fields)
    if os.environ.get(FORMAT_ENV, "").lower() == "json":
        config.setdefault("encoding", "JSON")
    level = os.environ.get(LEVEL_ENV)
    if level and "log_level" not in config:
        config["log_level"] = level.upper()
    return config


def adopt_ray_loggers() -> None:
    """Ray's own loggers ("ray", "ray.serve") print through handlers of their own; give
    those our formatter so that a JSON stderr stays JSON."""
    ours = next((h for h in logging.getLogger().handlers if isinstance(h, _Handler)), None)
    if ours is None or ours.formatter is None:
        return
    for name in ("ray", "ray.serve", "ray.data", "ray.train"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.stderr,
                sys.stdout,
            ):
                handler.setFormatter(ours.formatter)


_configured = False


def _configure_worker_once() -> None:
    """In a Ray worker of a driver that chose a format, use it (once per process)."""
    global _configured
    if _configured:
        return
    _configured = True
    if (
        os.environ.get(FORMAT_ENV)
        and not any(isinstance(h, _Handler) for h in logging.getLogger().handlers)
        and _in_ray_worker()
    ):
        configure_logging(export=False)


def _in_ray_worker() -> bool:
    worker = sys.modules.get("ray._private.worker")
    return worker is not None and getattr(worker.global_worker, "mode", None) == worker.WORKER_MODE


# A Ray worker (task, actor, Serve replica) of a driver that chose a format imports the
# engine, hence this module, before it logs anything of ours.
_configure_worker_once()
