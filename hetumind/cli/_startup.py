"""Start-up shortcuts for short command-line runs.

pyarrow asks "is pandas installed?" the first time it converts a Python list, and answers
by importing pandas (about 0.1 s, a third of a short run's start-up) although nothing here
uses pandas. A short inline run answers that question with "no" for its process, before
its first conversion. pyarrow still imports pandas when something asks it for a pandas
conversion explicitly (`to_pandas`, `from_pandas`), so nothing is lost; Ray workers and
the server never take this shortcut.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["skip_pyarrow_pandas_probe"]


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def skip_pyarrow_pandas_probe() -> None:
    """Let pyarrow's one-time pandas probe find nothing (see the module docstring)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    blocker = _NoPandas()
    sys.meta_path.insert(0, blocker)
    try:
        pa.array([0])  # pyarrow probes once, here, and remembers the answer
    finally:
        sys.meta_path.remove(blocker)
