"""The LLM throughput benchmark on a GPU: chainLlm over N prompts vs the same prompts sent
straight to vLLM with the same concurrency (the floor), vLLM using the GPU.

Prepared for a machine with an NVIDIA GPU and vLLM (CUDA build) installed in the Python
that runs it, and the model on local disk (no hub access is assumed):

    python benchmarks/gpu/bench_llm_gpu.py --model /path/to/SmolLM2-135M-Instruct \
        --prompts 1000 --concurrency 64

(`scripts/setup-llm.sh` writes the converted SmolLM2 to ~/.cache/hetumind-llm/smollm2;
copy that directory over.) Prints one JSON line: seconds and prompts/s per variant, and
the GPU's name.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.bench_llm import chain, direct, prompts
from hetumind.ai.local_server import _wait_healthy, free_port, server_env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--python", default=sys.executable, help="a Python with vLLM (CUDA)")
    args = parser.parse_args()
    gpu = subprocess.run(
        ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    port = free_port()
    log = Path("/tmp/bench_llm_gpu_vllm.log")
    command = [
        args.python, "-m", "vllm.entrypoints.openai.api_server", "--model", args.model,
        "--served-model-name", "smollm2", "--host", "127.0.0.1", "--port", str(port),
        "--max-model-len", "2048", "--seed", "0", "--max-num-seqs", str(max(args.concurrency, 8)),
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=server_env())
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/health", proc, 900, log)
        base = f"http://127.0.0.1:{port}/v1"
        texts = prompts(args.prompts)
        direct(base, texts[: args.concurrency], args.concurrency)  # warm-up
        t0 = time.perf_counter()
        direct(base, texts, args.concurrency)
        t_direct = time.perf_counter() - t0
        t0 = time.perf_counter()
        chain(base, texts, args.concurrency)
        t_chain = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    print(
        json.dumps(
            {
                "gpu": gpu,
                "prompts": args.prompts,
                "concurrency": args.concurrency,
                "direct_s": t_direct,
                "chainLlm_s": t_chain,
                "direct_prompts_per_s": args.prompts / t_direct,
                "chainLlm_prompts_per_s": args.prompts / t_chain,
            }
        )
    )


if __name__ == "__main__":
    main()
