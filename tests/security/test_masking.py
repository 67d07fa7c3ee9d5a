"""Secrets never reach stored execution data: the server's executor hands the recorder
the secrets of the credentials a run uses, and both recorders (written after the run,
and row by row) mask them in items and errors, also when a server echoes them back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from hetumind.http.client import close_clients
from hetumind.store import ExecutionData, Store, open_blob_store
from serve_app.executor import Executor, RunRequest
from serve_app.recording import Recording
from serve_app.routes.workflows import respond_with_run
from serve_app.services import Services
from serve_app.settings import ServerSettings
from tests.security.helpers import node
from tests.security.servers import Recorder, serving

SECRET = "s3cret-header-value-42"
PASSWORD = "hunter2-but-longer"


@pytest.fixture
def echo() -> Iterator[Recorder]:
    with serving("127.0.0.1") as server:
        yield server
    close_clients()


def _doc(url: str, header_id: str, basic_id: str) -> dict[str, Any]:
    def call(name: str, kind: str, cred_id: str, path: str) -> dict[str, Any]:
        return node(
            name,
            "httpRequest",
            4.2,
            parameters={
                "url": f"{url}{path}",
                "authentication": "genericCredentialType",
                "genericAuthType": kind,
            },
            credentials={kind: {"id": cred_id, "name": kind}},
        )

    nodes = [
        node("Start", "manualTrigger"),
        call("Header", "httpHeaderAuth", header_id, "/header"),
        call("Basic", "httpBasicAuth", basic_id, "/basic"),
        node(
            "Fail",
            "code",
            2,
            parameters={"jsCode": "throw new Error('leaked ' + $json.echo.headers['x-key'])"},
        ),
    ]
    link = lambda to: {"main": [[{"node": to, "type": "main", "index": 0}]]}  # noqa: E731
    return {
        "name": "echoes its credentials",
        "nodes": nodes,
        "connections": {"Start": link("Header"), "Header": link("Basic"), "Basic": link("Fail")},
        "settings": {"backend": "inline"},
    }


async def _stored_run(
    home: Path, url: str, *, create_row: bool, answered: dict[str, Any] | None = None
) -> tuple[str, Any]:
    """Run the echoing workflow on a server's executor; the stored run data. With
    `answered`, it is started as `POST /run?wait=true` is, and the reply is put there."""
    settings = ServerSettings.from_env(
        {"HETUMIND_HOME": str(home), "HETUMIND_ALLOWED_HOSTS": "127.0.0.1"}
    )
    store_settings = settings.store_settings()
    store = await Store.open(settings.database_url, settings=store_settings)
    data = ExecutionData(store, open_blob_store(settings=store_settings))
    executor = Executor(Recording(store, data), None, settings)
    try:
        header = await store.credentials.create(
            name="h", type="httpHeaderAuth", data={"name": "X-Key", "value": SECRET}
        )
        basic = await store.credentials.create(
            name="b", type="httpBasicAuth", data={"user": "ada", "password": PASSWORD}
        )
        doc = _doc(url, header.id, basic.id)
        # stored, as every workflow the server runs is: its project's credentials are its own
        stored_wf = await store.workflows.create(doc)
        request = RunRequest(doc=doc, workflow_id=stored_wf.id, version=1, create_row=create_row)
        if answered is not None:
            svc = cast(Services, SimpleNamespace(executor=executor))
            reply = await respond_with_run(svc, request, wait=True)
            assert isinstance(reply, dict), reply  # the execution, not a 202
            answered.update(reply)
            return str(answered["status"]), await data.to_json(answered["executionId"])
        running = await executor.start(request)
        result = await running.done
        assert running.recorder is not None
        if running.recorder.deferred:
            await asyncio.wrap_future(running.recorder.written)
        stored = await data.to_json(running.execution_id)
        return result.status, stored
    finally:
        executor.close()
        await store.close()


@pytest.mark.parametrize("create_row", [False, True], ids=["deferred", "row-by-row"])
def test_stored_run_data_masks_secrets_a_server_echoed(
    echo: Recorder, tmp_path: Path, create_row: bool
) -> None:
    status, stored = asyncio.run(_stored_run(tmp_path, echo.url, create_row=create_row))
    assert status == "error"
    # the secrets did go out (the echo server saw them) ...
    assert echo.seen[0]["headers"]["x-key"] == SECRET
    assert echo.seen[1]["headers"]["authorization"].startswith("Basic ")
    # ... and came back in the items and the error, but none is stored
    text = json.dumps(stored)
    assert "Header" in stored["runData"] and "Fail" in stored["runData"]
    assert SECRET not in text and PASSWORD not in text
    assert echo.seen[1]["headers"]["authorization"][len("Basic ") :] not in text
    assert "***" in text


def test_the_wait_reply_masks_secrets_as_the_stored_data_does(
    echo: Recorder, tmp_path: Path
) -> None:
    """`POST /api/v1/workflows/{id}/run?wait=true` answers the execution itself: the
    secrets a server echoed back are masked there too, not only in what is stored."""
    answered: dict[str, Any] = {}
    status, stored = asyncio.run(
        _stored_run(tmp_path, echo.url, create_row=True, answered=answered)
    )
    assert status == "error"
    assert echo.seen[0]["headers"]["x-key"] == SECRET  # it went out
    reply = json.dumps(answered)
    assert "Header" in answered["runData"] and "Fail" in answered["runData"]
    assert SECRET not in reply and PASSWORD not in reply
    assert "***" in reply
    assert SECRET not in json.dumps(stored)
