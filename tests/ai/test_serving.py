"""Model deployment configs for ray.serve.llm, checked without vLLM installed."""

from __future__ import annotations

import pytest

from hetumind.ai.errors import AIConfigError
from hetumind.ai.serving import build_llm_apps, deployment_name, llm_config_kwargs


def test_cpu_and_gpu_configs() -> None:
    cpu = llm_config_kwargs(
        {
            "model_id": "smollm2",
            "model_source": "/m",
            "accelerator": "cpu",
            "max_ongoing_requests": 32,
        }
    )
    assert cpu["accelerator_config"] == {"kind": "cpu"}
    assert cpu["placement_group_config"] == {"bundles": [{"CPU": 1}]}
    assert cpu["deployment_config"]["max_ongoing_requests"] == 32
    gpu = llm_config_kwargs(
        {
            "model_id": "m",
            "accelerator": {"type": "L4", "count": 2},
            "replicas": {"min": 1, "max": 3},
        }
    )
    assert gpu["accelerator_type"] == "L4"
    assert gpu["engine_kwargs"]["tensor_parallel_size"] == 2
    assert gpu["deployment_config"]["autoscaling_config"] == {"min_replicas": 1, "max_replicas": 3}
    assert gpu["model_loading_config"] == {"model_id": "m", "model_source": "m"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"model_source": "/m"}, r"models\[0\]\.model_id: required"),
        ({"model_id": "m", "accelerator": "tpu"}, r"models\[0\]\.accelerator"),
        ({"model_id": "m", "replicas": {"min": 3, "max": 1}}, r"models\[0\]\.replicas"),
        ({"model_id": "m", "accelerator": {"type": "A100", "count": 0}}, r"count"),
    ],
)
def test_bad_configs_name_the_field(entry: dict, message: str) -> None:
    with pytest.raises(AIConfigError, match=message):
        llm_config_kwargs(entry)


def test_deployment_names_follow_ray_serve_llm() -> None:
    assert deployment_name("org/Model-1.5") == "LLMServer:org--Model-1_5"


def test_building_without_vllm_says_how_to_get_it() -> None:
    # The main venv has no vLLM (it lives in the LLM venv; see scripts/setup-llm.sh).
    with pytest.raises(AIConfigError, match=r"setup-llm\.sh"):
        build_llm_apps([{"model_id": "m"}])
