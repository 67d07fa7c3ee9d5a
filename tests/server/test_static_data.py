"""Workflow static data survives between executions run by the server."""

from __future__ import annotations

import pytest

from tests.server.helpers import Server

pytestmark = pytest.mark.slow

COUNT = """
const data = $getWorkflowStaticData('global');
data.runs = (data.runs || 0) + 1;
return [{json: {runs: data.runs}}];
"""


def test_static_data_is_kept_from_one_run_to_the_next(server: Server) -> None:
    wf = server.create(
        {
            "name": "counts its runs",
            "nodes": [
                {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
                {
                    "name": "Count",
                    "type": "n8n-nodes-base.code",
                    "typeVersion": 2,
                    "parameters": {"jsCode": COUNT},
                },
            ],
            "connections": {"Start": {"main": [[{"node": "Count", "type": "main", "index": 0}]]}},
        }
    )
    seen = []
    for _ in range(3):
        r = server.client.post(f"/api/v1/workflows/{wf['id']}/run", params={"wait": "true"})
        assert r.status_code == 200, r.text
        seen.append(r.json()["runData"]["Count"][0]["outputs"][0][0]["runs"])
    assert seen == [1, 2, 3]
