"""Run user JavaScript or Python over a batch of items, inside the WebAssembly sandbox.

One call is one guest instantiation: the whole batch goes in, the results and the logs come
out as one JSON line marked with a per-run nonce (anything else the guest prints is
ignored). Guest-side failures come back as typed `SandboxError`s.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from hetumind.sandbox.assets import asset_path
from hetumind.sandbox.errors import (
    SandboxError,
    SandboxOutOfMemory,
    SandboxOutputTooLarge,
    SandboxStackOverflow,
    SandboxTrap,
    UserCodeError,
)
from hetumind.sandbox.guest_js import js_argv
from hetumind.sandbox.guest_js_intl import zone_tables
from hetumind.sandbox.guest_py import PY_ARGV
from hetumind.sandbox.limits import SandboxLimits
from hetumind.sandbox.runtime import WasmRuntime, default_runtime

__all__ = ["CodeOutcome", "GuestFailure", "Language", "LegacyItemResult", "run_code"]

Language = Literal["javaScript", "python"]


@dataclass(frozen=True)
class GuestFailure:
    """One failure reported by the guest: the user's message and line, and its kind."""

    message: str
    line: int | None
    kind: str

    def to_error(self) -> SandboxError:
        if self.kind == "memory":
            return SandboxOutOfMemory(f"out of memory: {self.message}")
        if self.kind == "output":
            return SandboxOutputTooLarge(
                "output exceeded the limit (settings.sandbox.maxOutputMb): too much printed"
            )
        if self.kind == "stack":
            return SandboxStackOverflow(f"stack overflow: {self.message}")
        return UserCodeError(self.message, self.line)


@dataclass
class CodeOutcome:
    """runOnceForAllItems: `value`; runOnceForEachItem: `results`, one entry per item run
    (a value, or a GuestFailure), stopping at the first failure unless continueOnFail."""

    value: Any = None
    results: list[Any] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    static_data: dict[str, Any] | None = None
    """The workflow static data after the run, when the code used it."""
    columns: dict[str, Any] | None = None
    """The result as {keys, values, n} columns (same-keyed rows), instead of value/results."""
    custom_data: dict[str, str] = field(default_factory=dict)
    """What the code put into $execution.customData."""


def run_code(
    language: Language,
    code: str,
    payload: dict[str, Any],
    limits: SandboxLimits,
    runtime: WasmRuntime | None = None,
) -> CodeOutcome:
    """Run `code` over `payload` (items, mode, nodes, ...); raise SandboxError on failure.

    For runOnceForAllItems a user error raises UserCodeError; for runOnceForEachItem per-item
    failures are returned in `results` so the caller can apply continue-on-fail.
    """
    runtime = runtime or default_runtime()
    nonce = "\x1e" + secrets.token_hex(8) + ":"
    body = {
        **payload,
        "code": code,
        "nonce": nonce,
        "maxOutputBytes": limits.max_output_mb * 1024 * 1024 // 2,  # logs: half the output
        "seed": secrets.token_hex(32),
        # n8n's operator settings for require(): comma-separated names, or *
        "allowBuiltin": os.environ.get("NODE_FUNCTION_ALLOW_BUILTIN", ""),
        "allowExternal": os.environ.get("NODE_FUNCTION_ALLOW_EXTERNAL", ""),
    }
    zone = str(payload.get("zone") or "UTC")
    if language == "javaScript":
        libs = {name: _library(name) for name, used in _JS_LIBS.items() if used.search(code)}
        if "luxon" in libs:
            body["zones"] = zone_tables(code, zone)
        module = runtime.module(asset_path("quickjs.wasm"))
        output = runtime.run(module, js_argv(body, libs), limits)
    else:
        body["zoneOffset"] = _offset_minutes(zone)
        if "_jmespath" in code:
            body["jmespathSource"] = _jmespath_source()
        module = runtime.module(asset_path("python.wasm"))
        data = _python_stdin(body)
        output = runtime.run(module, PY_ARGV, limits, stdin=data)
    marker = nonce.encode("utf-8")
    line = next(
        (ln for ln in reversed(output.stdout.split(b"\n")) if ln.startswith(marker)),
        None,
    )
    if line is None:
        raise _no_result(output.exit_code, output.stderr, language)
    message = json.loads(line[len(marker) :].decode("utf-8"))
    logs = [str(x) for x in message.get("logs") or []]
    if not message.get("ok"):
        raise _failure(message["error"]).to_error()
    outcome = CodeOutcome(
        logs=logs,
        static_data=message.get("staticData"),
        columns=message.get("cols"),
        custom_data={str(k): str(v) for k, v in (message.get("customData") or {}).items()},
    )
    if outcome.columns is not None:
        return outcome
    if payload.get("mode") == "runOnceForEachItem":
        outcome.results = [_each(r) for r in message["results"]]
    else:
        outcome.value = message.get("value")
    return outcome


# Libraries loaded into QuickJS only when the code mentions what they provide.
_JS_LIBS = {
    "luxon": re.compile(r"DateTime|Duration|Interval|\$now|\$today|luxon"),
    "jmespath": re.compile(r"jmespath"),
}


def _library(name: str) -> str:
    return _read_library(str(asset_path(f"{name}.js")))


@lru_cache(maxsize=4)
def _read_library(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _python_stdin(body: dict[str, Any]) -> bytes:
    """marshal when it can carry the payload (CPython decodes it far faster than JSON),
    else JSON; the first byte says which."""
    try:
        return b"M" + marshal.dumps(body, 4)
    except ValueError:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
        return b"J" + text.encode("utf-8")


def _offset_minutes(zone: str) -> int:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        delta = datetime.now(UTC).astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(delta.total_seconds() // 60) if delta else 0


@lru_cache(maxsize=1)
def _jmespath_source() -> list[tuple[str, str]]:
    """The pure-Python jmespath package's modules, for `_jmespath` in the guest."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("jmespath")
    if spec is None or spec.origin is None:
        return []
    root = Path(spec.origin).parent
    order = ["compat", "exceptions", "ast", "lexer", "functions", "visitor", "parser"]
    modules = [(f"jmespath.{name}", (root / f"{name}.py").read_text()) for name in order]
    return [*modules, ("jmespath", (root / "__init__.py").read_text())]


def _each(raw: dict[str, Any]) -> Any:
    if "error" in raw:
        return _failure(raw["error"])
    if "binary" in raw or "undef" in raw:  # Function Item: the item's binary rides along
        return LegacyItemResult(raw.get("value"), raw.get("binary"), bool(raw.get("undef")))
    return raw.get("value")


@dataclass(frozen=True)
class LegacyItemResult:
    """One Function Item run: the returned json, the item's binary, whether it returned."""

    value: Any
    binary: dict[str, Any] | None
    undefined: bool


def _failure(raw: dict[str, Any]) -> GuestFailure:
    return GuestFailure(str(raw.get("message")), raw.get("line"), str(raw.get("kind", "user")))


def _no_result(exit_code: int, stderr: bytes, language: Language) -> SandboxError:
    text = stderr.decode("utf-8", "replace")
    lowered = text.lower()
    if "memoryerror" in lowered or "out of memory" in lowered:
        return SandboxOutOfMemory("out of memory (settings.sandbox.memoryMb)")
    if "recursion" in lowered or "stack overflow" in lowered:
        return SandboxStackOverflow("stack overflow: recursion too deep")
    last = [ln for ln in text.splitlines() if ln.strip()][-1:] or [""]
    if exit_code != 0:
        return SandboxTrap(f"the {language} interpreter exited with code {exit_code} {last[0]}")
    # e.g. awaiting a promise that never settles: the event loop empties without a result
    return UserCodeError("the code finished without returning (a promise never settled?)")
