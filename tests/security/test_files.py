"""The file root: in server mode every file-touching node reaches only
HETUMIND_FILES_ROOT (default $HETUMIND_HOME/files), after `..` and symlinks are resolved;
the home folder (database, keys, blobs) is never reachable; the CLI keeps its freedom."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from hetumind.capabilities import Capabilities
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin._files import Output, checked_path, for_each_item
from hetumind.nodes.registry import default_registry
from tests.security.helpers import error_of, outputs, run_one, server_caps
from tests.security.helpers import node as wf_node


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / "files").mkdir(parents=True)
    (home / "files" / "ok.txt").write_text("inside")
    (home / "hetumind.db").write_text("the database")
    monkeypatch.setenv("HETUMIND_HOME", str(home))
    monkeypatch.delenv("HETUMIND_FILES_ROOT", raising=False)
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    from hetumind.binary import reset_blob_store

    reset_blob_store()
    return home


def read(selector: str) -> dict[str, Any]:
    return wf_node(
        "Read", "readWriteFile", 1, parameters={"operation": "read", "fileSelector": selector}
    )


@pytest.mark.parametrize("path", ["/etc/passwd", "/proc/self/environ"])
def test_server_mode_refuses_system_files_naming_node_and_path(home: Path, path: str) -> None:
    message = error_of(run_one(read(path), server_caps(home)))
    assert message.startswith("Read: ")
    assert path in message and "not allowed" in message and "HETUMIND_FILES_ROOT" in message


def test_server_mode_reads_and_writes_inside_the_default_root(home: Path) -> None:
    caps = server_caps(home)
    out = outputs(run_one(read(str(home / "files" / "ok.txt")), caps), "Read")
    assert out[0]["fileName"] == "ok.txt"
    write = wf_node(
        "Write",
        "readWriteFile",
        1,
        parameters={"operation": "write", "fileName": str(home / "files" / "new" / "w.txt")},
    )
    doc_nodes = [
        wf_node("Start", "manualTrigger"),
        read(str(home / "files" / "ok.txt")),
        write,
    ]
    from hetumind.engine import run_workflow
    from tests.engine.workflows import chain, workflow

    result = run_workflow(workflow(doc_nodes, chain("Start", "Read", "Write")), capabilities=caps)
    assert result.status == "success", result.error
    assert (home / "files" / "new" / "w.txt").read_text() == "inside"


def test_dotdot_symlinks_and_globs_are_resolved_before_the_check(home: Path) -> None:
    caps = server_caps(home)
    root = home / "files"
    (root / "link").symlink_to("/etc")
    attempts = [
        f"{root}/../hetumind.db",  # .. into the home folder
        f"{root}/../../../../../../etc/passwd",
        f"{root}/link/passwd",  # a symlink out of the root
        f"{root}/link/*",  # a glob through it
        f"{root}/../*.db",
    ]
    for attempt in attempts:
        message = error_of(run_one(read(attempt), caps))
        assert "not allowed" in message, attempt


def test_the_home_folder_stays_closed_even_when_the_root_contains_it(home: Path) -> None:
    caps = server_caps(home, HETUMIND_FILES_ROOT=str(home.parent))
    message = error_of(run_one(read(str(home / "hetumind.db")), caps))
    assert "inside the hetumind home folder" in message
    # the root itself is honoured where it does not overlap home
    (home.parent / "data.txt").write_text("x")
    assert outputs(run_one(read(str(home.parent / "data.txt")), caps), "Read")


def test_files_root_setting_moves_the_root(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "shared"
    other.mkdir()
    (other / "a.txt").write_text("a")
    caps = server_caps(home, HETUMIND_FILES_ROOT=str(other))
    assert outputs(run_one(read(str(other / "a.txt")), caps), "Read")
    assert "not allowed" in error_of(run_one(read(str(home / "files" / "ok.txt")), caps))


def test_local_mode_keeps_reading_anywhere_but_home(home: Path, tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    assert outputs(run_one(read(str(tmp_path / "x.txt"))), "Read")  # default: local
    assert "home folder" in error_of(run_one(read(str(home / "hetumind.db"))))


def test_execute_workflow_local_file_obeys_the_root(home: Path, tmp_path: Path) -> None:
    callee = {
        "name": "callee",
        "nodes": [wf_node("In", "executeWorkflowTrigger", 1)],
        "connections": {},
    }
    outside = tmp_path / "callee.json"
    outside.write_text(json.dumps(callee))
    inside = home / "files" / "callee.json"
    inside.write_text(json.dumps(callee))

    def call(path: Path) -> dict[str, Any]:
        return wf_node(
            "Call",
            "executeWorkflow",
            1.2,
            parameters={"source": "localFile", "workflowPath": str(path)},
        )

    caps = server_caps(home)
    message = error_of(run_one(call(outside), caps))
    assert message.startswith("Call: ") and str(outside) in message and "not allowed" in message
    assert run_one(call(inside), caps).status == "success"
    assert run_one(call(outside)).status == "success"  # local mode


@node("securityTestReadPath", versions=[1], display_name="Reads a path", n8n=False)
class _ReadsPath(Node):
    """A stand-in for a node built on the shared helpers that is handed no context."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        out = Output()

        def step(i: int) -> None:
            data = checked_path(str(ctx.param("path", i))).read_bytes()  # no ctx passed
            out.add({"size": len(data)}, None, i)

        for_each_item(ctx, len(inputs[0]), out, step)
        return [out.batch()]


def test_nodes_on_the_shared_helpers_inherit_the_policy(home: Path) -> None:
    default_registry().register(_ReadsPath)
    step = wf_node("Helper", "hetumind.securityTestReadPath", 1, parameters={"path": "/etc/passwd"})
    message = error_of(run_one(step, server_caps(home)))
    assert message.startswith("Helper: ") and "/etc/passwd" in message
    assert run_one(step, Capabilities.local({})).status == "success"


def test_a_crafted_binary_id_cannot_read_other_blobs(home: Path) -> None:
    """Items are the workflow's: a binary entry naming stored execution data is refused."""
    crafted = {
        "name": "Extract",
        "type": "n8n-nodes-base.extractFromFile",
        "typeVersion": 1,
        "parameters": {"operation": "text"},
    }
    pin = {
        "Start": [
            {
                "json": {},
                "binary": {
                    "data": {
                        "data": "hetumind-blob",
                        "id": "blob:executions/someone-else/input.arrow",
                        "mimeType": "text/plain",
                    }
                },
            }
        ]
    }
    from hetumind.engine import run_workflow
    from tests.engine.workflows import chain, start, workflow

    doc = workflow([start(), crafted], chain("Start", "Extract"), pinData=pin)
    result = run_workflow(doc, capabilities=server_caps(home))
    assert "not a binary data id" in error_of(result)


def test_the_wasm_module_node_loads_modules_only_from_the_root(home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.wasm"
    outside.write_bytes(b"\0asm\1\0\0\0")
    step = wf_node("Wasm", "hetumind.wasm", 1, parameters={"source": "path", "path": str(outside)})
    message = error_of(run_one(step, server_caps(home)))
    assert message.startswith("Wasm: ") and str(outside) in message and "not allowed" in message


@pytest.mark.parametrize(
    ("kind", "parameters"),
    [
        ("readBinaryFile", {"filePath": "/etc/passwd"}),
        ("readBinaryFiles", {"fileSelector": "/etc/pass*"}),
    ],
)
def test_legacy_binary_file_nodes_inherit_the_root(
    home: Path, kind: str, parameters: dict[str, Any]
) -> None:
    message = error_of(
        run_one(wf_node("Legacy", kind, 1, parameters=parameters), server_caps(home))
    )
    assert message.startswith("Legacy: ") and "/etc/passwd" in message and "not allowed" in message


def test_the_policy_travels_to_ray_workers(home: Path, backend: str) -> None:
    """Nodes in Ray workers obey the policy of the process that started the execution
    (it travels with the execution's facts, not the worker's environment)."""
    message = error_of(run_one(read("/etc/passwd"), server_caps(home), backend=backend))
    assert message.startswith("Read: ") and "not allowed" in message
    env = wf_node(
        "Env",
        "set",
        3.4,
        parameters={
            "assignments": {
                "assignments": [{"name": "p", "value": "={{ $env.PATH }}", "type": "string"}]
            }
        },
    )
    assert "access to env vars denied" in error_of(run_one(env, server_caps(home), backend=backend))


def test_unresolvable_paths_fail_cleanly(home: Path) -> None:
    loop = home / "files" / "loop"
    loop.symlink_to(loop)
    for bad in (str(loop / "x"), "/tmp/a\0b"):
        assert "Read: " in error_of(run_one(read(bad), server_caps(home)))
