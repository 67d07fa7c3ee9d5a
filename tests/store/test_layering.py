"""store/ is the bottom of the persistence stack: tables, repositories and plain-data
codecs. It imports nothing from the layers above it (issue 12, item 4):

- hetumind.engine, hetumind.nodes, hetumind.workflow, hetumind.expressions: what runs;
- hetumind.recording: the adapter that joins the engine to the store (recorder, checkpoints);
- hetumind.subworkflows, hetumind.batch, hetumind.cli, hetumind.serverless, hetumind.ai,
  serve_app: whoever starts executions or serves them.

Allowed below it: hetumind.errors (typed errors, no imports), hetumind.items (`ItemBatch`,
the item format itself: pyarrow and numpy only, imports no hetumind module; the store keeps
items as Arrow IPC, so it is the store's data type as much as the engine's, not an engine
part), and the plain-data credential kinds of hetumind.integrations (declared without the
HTTP machinery for this purpose).

Two checks: every import statement of every module (TYPE_CHECKING blocks, function-level
imports and the migrations included), and what `import hetumind.store` actually loads, so
that an allowed module pulling in an upper layer is caught too.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import hetumind.store

STORE = Path(hetumind.store.__file__).parent
UPPER = (
    "hetumind.engine",
    "hetumind.nodes",
    "hetumind.workflow",
    "hetumind.expressions",
    "hetumind.recording",
    "hetumind.subworkflows",
    "hetumind.batch",
    "hetumind.cli",
    "hetumind.serverless",
    "hetumind.ai",
    "serve_app",
)


def _upper(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in UPPER)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(("hetumind", *path.relative_to(STORE.parent).parent.parts))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
            # `from hetumind import engine` names the upper layer in the alias
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def test_the_scan_sees_imports() -> None:
    # The checks below are only as good as the scan: it must see the store's own imports.
    seen = {m for p in STORE.rglob("*.py") for _, m in _imports(p)}
    assert "hetumind.store.models" in seen and "hetumind.items" in seen
    assert _upper("hetumind.engine.events") and not _upper("hetumind.engineering")


def test_no_store_module_imports_an_upper_layer() -> None:
    offenders = [
        f"{path.relative_to(STORE.parent.parent)}:{line} imports {module}"
        for path in sorted(STORE.rglob("*.py"))
        for line, module in _imports(path)
        if _upper(module)
    ]
    assert offenders == [], "store/ must not import the layers above it:\n" + "\n".join(offenders)


def test_importing_the_store_loads_no_upper_layer() -> None:
    # In a fresh interpreter: what `import hetumind.store` loads beyond `import hetumind`
    # (whose __init__ brings in the workflow model for its own public names).
    modules = sorted(
        "hetumind.store" if p.stem == "__init__" else f"hetumind.store.{p.stem}"
        for p in STORE.glob("*.py")
    )
    code = (
        "import importlib, json, sys\n"
        "import hetumind\n"
        "before = set(sys.modules)\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "hetumind.store.models" in loaded
    assert [m for m in loaded if _upper(m)] == []
