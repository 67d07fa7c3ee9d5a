"""Cold start: what `hetumind run --backend inline` loads, checked structurally.

A short inline run pays for every module it imports (issue 17, item 3), so the servers,
databases, clients and cluster machinery must stay out of it until a command or node
asks for them. Each check runs the command in a fresh interpreter and reads its
sys.modules afterwards; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hello-world.json"

# Top-level packages an inline hello-world run has no use for. `yaml` (only .yaml files),
# `regex` (only JS regular expressions), `jmespath` (only $jmespath) and `pandas`
# (pyarrow's probe is answered "no", cli/_startup.py) are imported on first use.
HEAVY = (
    "ray",
    "sqlalchemy",
    "asyncpg",
    "psycopg",
    "redis",
    "pymysql",
    "httpx",
    "httpcore",
    "opentelemetry",
    "fastapi",
    "starlette",
    "uvicorn",
    "pandas",
    "PIL",
    "lxml",
    "cryptography",
    "yaml",
    "regex",
    "jmespath",
)

_PROBE = """
import json, sys
from hetumind.cli.main import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"code": code, "loaded": loaded, "rich_table": "rich.table" in sys.modules}),
      file=sys.stderr)
"""


def _run(args: list[str], cache: Path) -> tuple[dict, str]:
    # A private node-index cache: a stale shared one would import every node module once.
    env = {**os.environ, "HETUMIND_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report, proc.stdout


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node index built once (that run imports every node module, by design)."""
    cache = tmp_path_factory.mktemp("node-index")
    report, _ = _run(["nodes", "--json"], cache)
    assert report["code"] in (0, None)
    assert (cache / "node-index.json").is_file()
    return cache


def test_inline_json_run_loads_none_of_the_heavy_packages(warm_cache: Path) -> None:
    report, stdout = _run(["run", "--backend", "inline", "--json", str(EXAMPLE)], warm_cache)
    assert report["code"] == 0
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["status"] == "success"
    assert result["runData"]["Greet"][0]["outputs"][0][0]["greeting"] == "Hello, Ada!"
    found = sorted(set(HEAVY) & set(report["loaded"]))
    assert found == [], f"an inline hello-world run imported {found}"
    assert not report["rich_table"], "`run --json` prints no table, so needs no rich.table"


def test_inline_table_run_loads_none_of_the_heavy_packages(warm_cache: Path) -> None:
    report, stdout = _run(["run", "--backend", "inline", str(EXAMPLE)], warm_cache)
    assert report["code"] == 0
    assert "Hello, Alan!" in stdout
    found = sorted(set(HEAVY) & set(report["loaded"]))
    assert found == [], f"an inline hello-world run imported {found}"


def test_yaml_workflow_still_loads(warm_cache: Path, tmp_path: Path) -> None:
    """YAML is imported on use: a .yaml workflow runs, and bad YAML is a clear error."""
    flow = tmp_path / "hello.yaml"
    flow.write_text(json.dumps(json.loads(EXAMPLE.read_text())), encoding="utf-8")
    report, stdout = _run(["run", "--backend", "inline", "--json", str(flow)], warm_cache)
    assert report["code"] == 0
    assert json.loads(stdout.strip().splitlines()[-1])["status"] == "success"
    bad = tmp_path / "bad.yaml"
    bad.write_text("nodes: [unclosed\n", encoding="utf-8")
    report, stdout = _run(["run", "--backend", "inline", "--json", str(bad)], warm_cache)
    assert report["code"] == 2
    assert "malformed YAML" in stdout


def test_package_import_defers_arrow_and_pydantic() -> None:
    """`import hetumind` re-exports lazily: the names resolve, nothing heavy loads first."""
    probe = (
        "import sys, json, hetumind\n"
        "before = {m: m in sys.modules for m in ('pyarrow', 'pydantic')}\n"
        "from hetumind import ItemBatch, Workflow, load_workflow, parse_workflow\n"
        "assert ItemBatch.__module__ == 'hetumind.items'\n"
        "assert hetumind.workflow.Workflow is Workflow\n"
        "print(json.dumps(before))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"pyarrow": False, "pydantic": False}
