"""Built-in node modules are imported when first used, from an index kept in the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hetumind.nodes import _index
from hetumind.nodes.registry import NodeRegistry

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HETUMIND_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_lazy_registry_knows_every_type_an_eager_one_does(cache_dir: Path) -> None:
    eager = NodeRegistry()
    eager.load_builtins()  # also writes the index
    assert (cache_dir / "node-index.json").exists()
    lazy = NodeRegistry()
    lazy.load_builtins(lazy=True)
    eager_types = {t for d in eager.definitions() for t in d.type_names}
    for type_name in sorted(eager_types):
        cls = lazy.get(type_name)
        assert cls is not None, type_name
        assert cls.__qualname__ == eager.get(type_name).__qualname__  # type: ignore[union-attr]
    assert {d.name for d in lazy.definitions()} == {d.name for d in eager.definitions()}
    assert lazy.get("n8n-nodes-base.noSuchNode") is None


def test_a_short_run_imports_only_the_nodes_it_uses(cache_dir: Path) -> None:
    NodeRegistry().load_builtins()
    script = (
        "import sys, json\n"
        "from hetumind.engine import run_workflow\n"
        "from hetumind.workflow import load_workflow\n"
        "r = run_workflow(load_workflow(sys.argv[1]), backend='inline')\n"
        "mods = sorted(m for m in sys.modules if m.startswith('hetumind.nodes.builtin.'))\n"
        "print(json.dumps({'status': r.status, 'modules': mods, 'bs4': 'bs4' in sys.modules}))\n"
    )
    env = {"HETUMIND_CACHE_DIR": str(cache_dir), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "examples" / "hello-world.json")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["status"] == "success"
    assert report["bs4"] is False  # the HTML nodes were never imported
    assert "hetumind.nodes.builtin.set_fields" in report["modules"]
    assert len(report["modules"]) < 15, report["modules"]


def test_a_stale_or_broken_index_is_ignored(cache_dir: Path) -> None:
    (cache_dir / "node-index.json").write_text("{not json")
    registry = NodeRegistry()
    registry.load_builtins(lazy=True)  # unreadable: imports everything
    assert registry.get("n8n-nodes-base.set") is not None
    # An index that names the wrong module for a type: the registry falls back to all.
    key = json.loads((cache_dir / "node-index.json").read_text())["key"]
    _index.write_index(key, {"n8n-nodes-base.set": "hetumind.nodes.builtin.core"})
    wrong = NodeRegistry()
    wrong.load_builtins(lazy=True)
    cls = wrong.get("n8n-nodes-base.set")
    assert cls is not None and cls.definition.name == "set"
