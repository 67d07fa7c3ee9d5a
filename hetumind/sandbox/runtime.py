"""The wasmtime runtime: one engine per process, compiled modules cached, one store per run.

Every run gets a fresh `Store` with a fuel budget, an epoch deadline (a background thread
ticks the engine's epoch, so a guest stuck anywhere is stopped on time) and a memory cap,
and a WASI context with argv, stdin and captured stdout/stderr only: no preopened
directories, no sockets, no environment variables, no inherited stdio. The host decides
every capability, and grants none beyond these.

Compiled modules are serialized to `<wasm_dir>/compiled/` keyed by the module's hash and
the wasmtime version, so a worker loads CPython's 26 MB module in tens of milliseconds
instead of compiling it for seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import wasmtime

from hetumind.sandbox.assets import wasm_dir
from hetumind.sandbox.errors import (
    SandboxError,
    SandboxOutOfFuel,
    SandboxOutOfMemory,
    SandboxOutputTooLarge,
    SandboxStackOverflow,
    SandboxTimeout,
    SandboxTrap,
    SandboxUnavailable,
)
from hetumind.sandbox.limits import SandboxLimits

__all__ = ["GuestOutput", "WasmRuntime", "default_runtime"]

TICK_S = 0.01
"""Epoch granularity: a timeout fires at most this much late."""


@dataclass(frozen=True)
class GuestOutput:
    """What a finished guest left: its exit code and everything it wrote."""

    exit_code: int
    stdout: bytes
    stderr: bytes
    fuel_used: int


class _OutputWatch:
    """Output files of one running guest; the ticker empties them once over the cap, so
    a guest printing in a loop cannot fill the disk before its timeout stops it."""

    def __init__(self, paths: list[str], cap: int) -> None:
        self.paths = paths
        self.cap = cap
        self.overflowed = False

    def check(self) -> None:
        if sum(_size(p) for p in self.paths) > self.cap:
            self.overflowed = True
            for path in self.paths:
                with contextlib.suppress(OSError):
                    os.truncate(path, 0)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return b""


class WasmRuntime:
    """A wasmtime engine with fuel and epoch interruption, and its compiled modules."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        config = wasmtime.Config()
        config.consume_fuel = True
        config.epoch_interruption = True
        self.engine = wasmtime.Engine(config)
        self.cache_dir = cache_dir if cache_dir is not None else wasm_dir() / "compiled"
        self._modules: dict[str, wasmtime.Module] = {}
        self._lock = threading.Lock()
        self._linker = wasmtime.Linker(self.engine)
        self._linker.define_wasi()
        self._watches: set[_OutputWatch] = set()
        self._busy = threading.Event()
        self._run_lock = threading.Lock()
        self._running = 0
        self._ticker = threading.Thread(target=self._tick, name="hetumind-wasm-epoch", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        ticks = 0
        while True:
            self._busy.wait()  # an idle worker's ticker sleeps
            time.sleep(TICK_S)
            self.engine.increment_epoch()
            ticks += 1
            if ticks % 5 == 0:
                for watch in list(self._watches):
                    watch.check()

    # modules ----------------------------------------------------------------------------
    def module(self, source: Path | bytes) -> wasmtime.Module:
        """The compiled module for a `.wasm`/`.wat` file or bytes, from the caches if any."""
        data = source.read_bytes() if isinstance(source, Path) else source
        key = hashlib.sha256(data).hexdigest()
        with self._lock:
            cached = self._modules.get(key)
            if cached is None:
                cached = self._load(key, data)
                self._modules[key] = cached
            return cached

    def _load(self, key: str, data: bytes) -> wasmtime.Module:
        path = self.cache_dir / f"{key}-wasmtime{version('wasmtime')}.cwasm"
        if path.is_file():
            try:
                return wasmtime.Module.deserialize_file(self.engine, str(path))
            except wasmtime.WasmtimeError:
                path.unlink(missing_ok=True)  # stale or foreign: compile again
        try:
            module = wasmtime.Module(self.engine, data)
        except wasmtime.WasmtimeError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid module"
            raise SandboxUnavailable(f"not a valid WebAssembly module: {first}") from None
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix=".partial")
            with os.fdopen(fd, "wb") as fh:
                fh.write(module.serialize())
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache only costs compile time
        return module

    # runs -------------------------------------------------------------------------------
    def run(
        self,
        module: wasmtime.Module,
        argv: list[str],
        limits: SandboxLimits,
        stdin: bytes = b"",
    ) -> GuestOutput:
        """Run a WASI command module's `_start` once, in a fresh store, within `limits`."""
        store = wasmtime.Store(self.engine)
        store.set_fuel(limits.fuel)
        store.set_limits(memory_size=limits.memory_mb * 1024 * 1024)
        cap = limits.max_output_mb * 1024 * 1024
        # Files, not wasmtime-py's stdout_custom callbacks: those are finalized on wasmtime's
        # tokio threads, which abort the process when Python exits under them.
        with tempfile.TemporaryDirectory(prefix="hetumind-wasm-") as tmp:
            paths = {name: os.path.join(tmp, name) for name in ("stdin", "stdout", "stderr")}
            wasi = wasmtime.WasiConfig()
            wasi.argv = argv
            wasi.stdout_file = paths["stdout"]
            wasi.stderr_file = paths["stderr"]
            if stdin:
                with open(paths["stdin"], "wb") as fh:
                    fh.write(stdin)
                wasi.stdin_file = paths["stdin"]
            store.set_wasi(wasi)
            watch = _OutputWatch([paths["stdout"], paths["stderr"]], cap)
            with self._run_lock:
                self._watches.add(watch)
                self._running += 1
                self._busy.set()
            try:
                exit_code = self._start(store, module, limits)
            except SandboxError:
                # a guest that flooded its output was then stopped by a limit: say why
                if watch.overflowed:
                    raise _too_large(limits) from None
                raise
            finally:
                with self._run_lock:
                    self._watches.discard(watch)
                    self._running -= 1
                    if not self._running:
                        self._busy.clear()
                fuel_used = _used(store, limits)
                store.close()
            if watch.overflowed or sum(_size(p) for p in watch.paths) > cap:
                raise _too_large(limits)
            stdout, stderr = (_read(paths[name]) for name in ("stdout", "stderr"))
        return GuestOutput(exit_code, stdout, stderr, fuel_used)

    def _start(self, store: wasmtime.Store, module: wasmtime.Module, limits: SandboxLimits) -> int:
        store.set_epoch_deadline(max(1, math.ceil(limits.timeout_s / TICK_S)))
        try:
            instance = self._linker.instantiate(store, module)
        except wasmtime.Trap as trap:
            raise _classify(trap, limits) from None
        except wasmtime.WasmtimeError as exc:
            if "memory" in str(exc).lower() and "limit" in str(exc).lower():
                raise _out_of_memory(limits) from None
            raise SandboxTrap(f"module could not start: {_first_line(exc)}") from None
        start = instance.exports(store).get("_start")
        if not isinstance(start, wasmtime.Func):
            raise SandboxTrap("module has no WASI `_start` export (build it as a command)")
        try:
            start(store)
        except wasmtime.ExitTrap as exit_:
            return int(exit_.code)
        except wasmtime.Trap as trap:
            raise _classify(trap, limits) from None
        return 0


def _used(store: wasmtime.Store, limits: SandboxLimits) -> int:
    return limits.fuel - store.get_fuel()


def _first_line(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def _too_large(limits: SandboxLimits) -> SandboxError:
    return SandboxOutputTooLarge(
        f"output exceeded the limit of {limits.max_output_mb} MB (settings.sandbox.maxOutputMb)"
    )


def _out_of_memory(limits: SandboxLimits) -> SandboxError:
    return SandboxOutOfMemory(
        f"out of memory: the code needed more than {limits.memory_mb} MB"
        " (settings.sandbox.memoryMb)"
    )


def _classify(trap: wasmtime.Trap, limits: SandboxLimits) -> SandboxError:
    code = trap.trap_code
    if code == wasmtime.TrapCode.INTERRUPT:
        return SandboxTimeout(
            f"timed out after {limits.timeout_s:g}s (settings.sandbox.timeoutSeconds)"
        )
    if code == wasmtime.TrapCode.OUT_OF_FUEL:
        return SandboxOutOfFuel(
            f"ran out of fuel: used all {limits.fuel:,} instructions (settings.sandbox.fuel)"
        )
    if code == wasmtime.TrapCode.STACK_OVERFLOW:
        return SandboxStackOverflow("stack overflow: recursion too deep")
    if code == wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS:
        # C interpreters keep their own stack in linear memory; running off its end is
        # how deep recursion ends inside QuickJS. The host is untouched either way.
        return SandboxStackOverflow(
            "stack overflow: recursion too deep (guest memory access out of bounds)"
        )
    return SandboxTrap(f"WebAssembly trap: {_first_line(trap)}")


@lru_cache(maxsize=1)
def default_runtime() -> WasmRuntime:
    """This process's runtime (one per Ray worker, one per inline process)."""
    return WasmRuntime()
