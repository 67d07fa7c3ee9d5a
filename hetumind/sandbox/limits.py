"""Per-run resource limits, read from the workflow's `settings.sandbox` with safe defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hetumind.errors import NodeExecutionError

__all__ = ["MAX_LIMITS", "SandboxLimits"]


@dataclass(frozen=True)
class SandboxLimits:
    """What one guest run may use. Fuel bounds work, the timeout bounds wall-clock time
    (a guest blocked in a host call burns no fuel), memory bounds linear memory."""

    timeout_s: float = 30.0
    fuel: int = 50_000_000_000
    """WebAssembly instructions, roughly; CPython starts with ~250M, QuickJS with ~3M."""
    memory_mb: int = 512
    max_output_mb: int = 64
    """Cap on what the guest writes to stdout and stderr together (result + logs)."""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> SandboxLimits:
        """`settings.sandbox` = {timeoutSeconds, fuel, memoryMb, maxOutputMb}; each is
        optional and capped by MAX_LIMITS so a workflow cannot disarm the sandbox."""
        raw = (settings or {}).get("sandbox") or {}
        if not isinstance(raw, Mapping):
            raise NodeExecutionError("settings.sandbox must be an object")
        base = cls()
        values: dict[str, Any] = {}
        for key, attr in _KEYS.items():
            if key not in raw or raw[key] is None:
                continue
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise NodeExecutionError(f"settings.sandbox.{key} must be a positive number")
            cap = getattr(MAX_LIMITS, attr)
            values[attr] = type(getattr(base, attr))(min(value, cap))
        return cls(**{**base.__dict__, **values})


_KEYS = {
    "timeoutSeconds": "timeout_s",
    "fuel": "fuel",
    "memoryMb": "memory_mb",
    "maxOutputMb": "max_output_mb",
}

MAX_LIMITS = SandboxLimits(timeout_s=600.0, fuel=2_000_000_000_000, memory_mb=4096,
                           max_output_mb=1024)  # fmt: skip
