"""S3 in and out (moto's server on loopback), the CLI and `python -m hetumind.batch`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from hetumind.batch import BatchOptions, run_batch
from hetumind.workflow import parse_workflow
from tests.batch.helpers import chain, single_run, table
from tests.batch.test_equality import BIG, SCORE, TAG, TRIGGER

DOC = chain(TRIGGER, SCORE, BIG, TAG)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.usefixtures("ray_session")
def test_s3_source_and_destination(s3: str, tmp_path: Path) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=s3)
    client.create_bucket(Bucket="rows")
    data = table(2_000)
    for i, start in enumerate((0, 1_200)):
        sink = pa.BufferOutputStream()
        pq.write_table(data.slice(start, 1_200 if i == 0 else None), sink)
        client.put_object(Bucket="rows", Key=f"in/{i}.parquet", Body=sink.getvalue().to_pybytes())
    report = run_batch(
        parse_workflow(DOC),
        BatchOptions(
            input="s3://rows/in/*.parquet",
            output="s3://rows/out/result.jsonl",
            s3_endpoint=s3,
            block_rows=500,
            progress=False,
        ),
    )
    assert report.status == "success", report.error
    body = client.get_object(Bucket="rows", Key="out/result.jsonl")["Body"].read().decode()
    assert [json.loads(line) for line in body.splitlines()] == single_run(DOC, data, "Tag")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="rows")["Contents"]]
    assert not [k for k in keys if "stage" in k]  # the staging parts are cleaned up


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    from hetumind.cli.main import app

    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(DOC))
    result = CliRunner().invoke(
        app, ["batch", str(wf), "--input", str(tmp_path / "nope.parquet"), "--output", "o"]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_python_m_entrypoint_runs_a_batch(tmp_path: Path) -> None:
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(DOC))
    data = table(1_000)
    pq.write_table(data, tmp_path / "in.parquet")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "RAY_ADDRESS": ""}
    env.pop("RAY_ADDRESS")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hetumind.batch",
            str(wf),
            "--input",
            str(tmp_path / "in.parquet"),
            "--output",
            str(out),
            "--block-rows",
            "300",
            "--json",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["rowsIn"] == 1_000 and summary["blocks"] == 4
    assert [json.loads(x) for x in out.read_text().splitlines()] == single_run(DOC, data, "Tag")
