"""Small inputs run without starting Ray; a running cluster is joined; stderr says which."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hetumind.batch import BatchOptions, run_batch
from hetumind.workflow import parse_workflow
from tests.batch.helpers import chain, read_jsonl, single_run, table
from tests.batch.test_equality import BIG, SCORE, TAG, TRIGGER, sort, summarize

ROOT = Path(__file__).resolve().parents[2]
DOC = chain(TRIGGER, SCORE, BIG, TAG, sort(), summarize(("count", "id"), ("sum", "score")))


def _cli(tmp: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    (tmp / "wf.json").write_text(json.dumps(DOC))
    pq.write_table(table(2_000), tmp / "in.parquet")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "hetumind.batch",
            str(tmp / "wf.json"),
            "--input",
            str(tmp / "in.parquet"),
            "--output",
            str(tmp / "out.jsonl"),
            "--block-rows",
            "500",
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["RAY_TMPDIR"] = str(tmp / "ray")  # no `ray start` cluster to find there
    return env


def test_small_input_runs_inline_without_ray(tmp_path: Path) -> None:
    done = _cli(tmp_path, _env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "running inline in this process (no Ray): 2,000 rows is small" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["executor"].startswith("inline") and summary["rayNodes"] == []
    assert summary["plan"]["mode"] == "summarize"
    assert read_jsonl(tmp_path / "out.jsonl") == single_run(DOC, table(2_000), "Stats")
    assert not (tmp_path / "ray").exists()  # Ray never started


def test_parallelism_one_runs_inline_whatever_the_size(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env["HETUMIND_BATCH_INLINE_ROWS"] = "10"  # 2,000 rows is "large" now
    done = _cli(tmp_path, env, "--parallelism", "1")
    assert done.returncode == 0, done.stderr
    assert "running inline in this process (no Ray): --parallelism 1" in done.stderr
    assert read_jsonl(tmp_path / "out.jsonl") == single_run(DOC, table(2_000), "Stats")


@pytest.mark.usefixtures("ray_session")
def test_a_running_cluster_is_joined(tmp_path: Path) -> None:
    import ray

    env = _env(tmp_path)
    env["RAY_ADDRESS"] = ray.get_runtime_context().gcs_address
    done = _cli(tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert f"running on the running Ray cluster at {env['RAY_ADDRESS']}" in done.stderr
    assert json.loads(done.stdout)["rayNodes"]
    assert read_jsonl(tmp_path / "out.jsonl") == single_run(DOC, table(2_000), "Stats")


def test_inline_in_process_equals_ray(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = table(1_500)
    pq.write_table(data, tmp_path / "in.parquet")
    report = run_batch(
        parse_workflow(DOC),
        BatchOptions(
            input=str(tmp_path / "in.parquet"),
            output=str(tmp_path / "out.jsonl"),
            block_rows=400,
            executor="inline",
            progress=False,
        ),
    )
    assert report.status == "success" and report.blocks == 4
    assert "inline in this process (no Ray), as asked" in capsys.readouterr().err
    assert read_jsonl(tmp_path / "out.jsonl") == single_run(DOC, data, "Stats")


def test_bad_executor_is_named(tmp_path: Path) -> None:
    done = _cli(tmp_path, _env(tmp_path), "--executor", "cloud")
    assert done.returncode == 2
    assert "--executor: 'cloud'; choose auto, inline or ray" in done.stderr
