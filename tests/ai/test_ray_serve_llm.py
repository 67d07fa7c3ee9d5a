"""Slow tier: SmolLM2 deployed with ray.serve.llm (CPU accelerator config) and called by
lmChatRayServe through a DeploymentHandle, in the LLM venv on a separate local Ray."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hetumind.ai.local_server import llm_python, server_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]


def test_chain_through_a_ray_serve_llm_deployment() -> None:
    env = {**server_env(), "PYTHONPATH": str(ROOT), "RAY_AUTH_MODE": "disabled"}
    env.pop("RAY_ADDRESS", None)
    proc = subprocess.run(
        [str(llm_python()), str(ROOT / "tests" / "ai" / "rayserve_check.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=1100,
        cwd=ROOT,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-5000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["status"] == "success", result["error"]
    (model,) = result["listed"]
    assert model["model"] == "smollm2" and model["status"] == "HEALTHY"
    assert model["deployment"] == "LLMServer:smollm2"
    assert "paris" in result["texts"][0].lower()
    assert result["texts"] == result["again"]  # temperature 0: deterministic
    # Streaming through the handle gives the same text as one reply, in several pieces.
    assert len(result["streamed"]) > 1
    assert "".join(result["streamed"]) == result["whole"]
