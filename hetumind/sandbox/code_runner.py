"""Run user JavaScript or Python over a batch of items, inside the WebAssembly sandbox.

One call is one guest instantiation: the whole batch goes in, the results and the logs come
out as one JSON line marked with a per-run nonce (anything else the guest prints is
ignored). Guest-side failures come back as typed `SandboxError`s.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
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
from hetumind.sandbox.guest_py import PY_ARGV
from hetumind.sandbox.limits import SandboxLimits
from hetumind.sandbox.runtime import WasmRuntime, default_runtime

__all__ = ["CodeOutcome", "GuestFailure", "Language", "run_code"]

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
    }
    if language == "javaScript":
        module = runtime.module(asset_path("quickjs.wasm"))
        output = runtime.run(module, js_argv(body), limits)
    else:
        module = runtime.module(asset_path("python.wasm"))
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
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
    if payload.get("mode") == "runOnceForEachItem":
        results = [
            _failure(r["error"]) if "error" in r else r.get("value") for r in message["results"]
        ]
        return CodeOutcome(results=results, logs=logs, static_data=message.get("staticData"))
    return CodeOutcome(value=message.get("value"), logs=logs, static_data=message.get("staticData"))


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
