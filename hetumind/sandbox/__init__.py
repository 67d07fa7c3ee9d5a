"""WebAssembly sandbox for user code: wasmtime with fuel, epoch timeouts and memory caps.

The host grants guests argv, stdin and captured stdout/stderr, nothing else: no
filesystem, no network, no environment. See docs/sandbox.md.

Names load lazily, so importing the package (node registration, `python -m
hetumind.sandbox.assets`) does not load wasmtime.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "CodeOutcome",
    "GuestFailure",
    "GuestOutput",
    "SandboxError",
    "SandboxLimits",
    "SandboxOutOfFuel",
    "SandboxOutOfMemory",
    "SandboxOutputTooLarge",
    "SandboxStackOverflow",
    "SandboxTimeout",
    "SandboxTrap",
    "SandboxUnavailable",
    "UserCodeError",
    "WasmRuntime",
    "default_runtime",
    "run_code",
]

_WHERE = {
    "CodeOutcome": "code_runner",
    "GuestFailure": "code_runner",
    "run_code": "code_runner",
    "GuestOutput": "runtime",
    "WasmRuntime": "runtime",
    "default_runtime": "runtime",
    "SandboxLimits": "limits",
    **{
        name: "errors"
        for name in __all__
        if (name.startswith("Sandbox") and name != "SandboxLimits") or name == "UserCodeError"
    },
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'hetumind.sandbox' has no attribute {name!r}")
    return getattr(import_module(f"hetumind.sandbox.{_WHERE[name]}"), name)
