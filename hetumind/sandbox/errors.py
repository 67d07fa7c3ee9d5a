"""Sandbox failures, each its own type so that callers (and users) can tell them apart."""

from __future__ import annotations

from hetumind.errors import HetumindError

__all__ = [
    "SandboxError",
    "SandboxOutOfFuel",
    "SandboxOutOfMemory",
    "SandboxOutputTooLarge",
    "SandboxStackOverflow",
    "SandboxTimeout",
    "SandboxTrap",
    "SandboxUnavailable",
    "UserCodeError",
]


class SandboxError(HetumindError):
    """Base of everything that stops guest code; `kind` is a short stable tag."""

    kind = "sandbox"


class SandboxUnavailable(SandboxError):
    """The interpreter modules are missing or a module cannot be compiled."""

    kind = "unavailable"


class SandboxTimeout(SandboxError):
    """The wall-clock limit passed (epoch interruption)."""

    kind = "timeout"


class SandboxOutOfFuel(SandboxError):
    """The instruction budget (fuel) ran out."""

    kind = "fuel"


class SandboxOutOfMemory(SandboxError):
    """The guest asked for more linear memory than the limit allows."""

    kind = "memory"


class SandboxStackOverflow(SandboxError):
    """Recursion too deep for the guest's stack."""

    kind = "stack"


class SandboxOutputTooLarge(SandboxError):
    """The guest wrote more to stdout/stderr than the output limit allows."""

    kind = "output"


class SandboxTrap(SandboxError):
    """Any other WebAssembly trap (a crash inside the guest, never in the host)."""

    kind = "trap"


class UserCodeError(SandboxError):
    """The user's code raised; `line` is its line number in the user's own source."""

    kind = "user"

    def __init__(self, message: str, line: int | None = None) -> None:
        self.reason = message
        self.line = line
        super().__init__(f"{message} [line {line}]" if line else message)
