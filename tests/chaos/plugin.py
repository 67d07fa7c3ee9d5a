"""A third-party node package for the chaos tests, installed into a temporary directory.

`chaosDouble` doubles `x`. With `$CHAOS_DIR/kill` present, its first run writes its
worker's PID to `$CHAOS_DIR/pids` and sleeps until the test kills that worker; later runs
append their PID and finish at once. `chaosPureDouble` does the same and declares itself
pure, so the segment it shares with other pure nodes may be re-run by Ray.
"""

from __future__ import annotations

from pathlib import Path

PLUGIN_SOURCE = """
import os
import time
from pathlib import Path

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, node


def double(inputs):
    folder = Path(os.environ["CHAOS_DIR"])
    if (folder / "kill").exists():
        pids = folder / "pids"
        first = not pids.exists()
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\\n")
        if first:
            time.sleep(120)  # the test kills this worker meanwhile
    rows = inputs[0].to_json()
    return [ItemBatch.from_json([{**r, "y": r["x"] * 2} for r in rows],
                                paired=list(range(len(rows))))]


@node("chaosDouble", versions=[1], display_name="Chaos Double", n8n=False)
class ChaosDouble(Node):
    def run(self, ctx, inputs):
        return double(inputs)


@node("chaosPureDouble", versions=[1], display_name="Chaos Pure Double", n8n=False, pure=True)
class ChaosPureDouble(Node):
    def run(self, ctx, inputs):
        return double(inputs)
"""


def install_plugin(site: Path) -> None:
    """Write the package and its `hetumind.nodes` entry point under `site`."""
    (site / "chaos_nodes").mkdir(parents=True, exist_ok=True)
    (site / "chaos_nodes" / "__init__.py").write_text(PLUGIN_SOURCE)
    info = site / "chaos_nodes-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chaos-nodes\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[hetumind.nodes]\nchaos = chaos_nodes\n")
