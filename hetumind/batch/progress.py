"""Progress of a batch run: a bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["Progress"]


class Progress:
    """Rows/s, blocks done and ETA (when the row count is known up front)."""

    def __init__(self, total_rows: int | None, enabled: bool | None, every_s: float = 5.0) -> None:
        self.total = total_rows
        self.rows = 0
        self.blocks = 0
        self.t0 = time.perf_counter()
        self.every_s = every_s
        self._last_log = self.t0
        self._bar: Any = None
        tty = sys.stderr.isatty() if enabled is None else enabled
        if tty:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows · {task.fields[rate]} rows/s · {task.fields[blocks]} blocks"),
                TimeRemainingColumn(),
                transient=True,
            )
            self._task = self._bar.add_task("rows", total=total_rows, rate="-", blocks=0)
            self._bar.start()

    def advance(self, rows: int) -> None:
        self.rows += rows
        self.blocks += 1
        elapsed = max(1e-9, time.perf_counter() - self.t0)
        rate = self.rows / elapsed
        if self._bar is not None:
            self._bar.update(
                self._task, completed=self.rows, rate=f"{rate:,.0f}", blocks=self.blocks
            )
            return
        now = time.perf_counter()
        if now - self._last_log >= self.every_s:
            self._last_log = now
            print(self.line(rate), file=sys.stderr, flush=True)

    def line(self, rate: float) -> str:
        eta = ""
        if self.total and rate > 0:
            eta = f", ETA {max(0.0, (self.total - self.rows) / rate):.0f}s"
        total = f"/{self.total:,}" if self.total else ""
        return f"batch: {self.rows:,}{total} rows, {self.blocks} blocks, {rate:,.0f} rows/s{eta}"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
