"""Which module defines each built-in node type, remembered between processes.

Importing every node module costs most of a short run's start-up (parsers, database
drivers, HTML and Markdown libraries), while a workflow uses a handful of node types. The
registry therefore imports a built-in module only when one of its types is asked for, and
needs to know which module that is without importing them all. The answer is computed once
(by importing everything) and kept in a small JSON file in the user's cache directory, keyed
by a fingerprint of the built-in package's files: an upgrade or an edited module changes the
fingerprint, and the next process computes the index again. Nothing breaks without the
file; a process that cannot read or write it just imports every module, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

__all__ = ["cache_path", "fingerprint", "read_index", "write_index"]

INDEX_FORMAT = 1


def cache_path() -> Path:
    """`$HETUMIND_CACHE_DIR`, else `$XDG_CACHE_HOME/hetumind`, else `~/.cache/hetumind`."""
    explicit = os.environ.get("HETUMIND_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser() / "node-index.json"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hetumind" / "node-index.json"


def fingerprint(package_dirs: list[str]) -> str:
    """A digest of every .py file's path, size and mtime under the given package folders."""
    digest = hashlib.sha256(str(INDEX_FORMAT).encode())
    for root in package_dirs:
        entries: list[tuple[str, int, int]] = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    stat = os.stat(path)
                    entries.append((os.path.relpath(path, root), stat.st_size, stat.st_mtime_ns))
        digest.update(os.path.abspath(root).encode())
        digest.update(json.dumps(sorted(entries)).encode())
    return digest.hexdigest()


def read_index(key: str) -> dict[str, str] | None:
    """The remembered {type name: module} for `key`, or None if there is none (or it is
    unreadable, or for other files)."""
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    types = data.get("types")
    if not isinstance(types, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in types.items()
    ):
        return None
    return types


def write_index(key: str, types: dict[str, str]) -> None:
    """Remember `types` for `key`; silently does nothing where the cache is not writable."""
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed so a concurrent reader never sees half a file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps({"key": key, "types": types}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
