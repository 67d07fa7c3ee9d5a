"""Model deployments for the Serve application: `ray.serve.llm` LLMConfigs built from
hetumind's serve config, and a listing of what is deployed.

Config shape (the `models:` list of the Serve app's config)::

    models:
      - model_id: smollm2                # the name requests use ("model")
        model_source: /models/smollm2    # local path or hub id (weights must be reachable)
        accelerator: cpu                 # or {type: L4, count: 1} for GPUs
        replicas: {min: 1, max: 2}
        max_ongoing_requests: 64         # requests in flight per replica (continuous batching)
        engine_kwargs: {max_model_len: 2048}

`ray.serve.llm` needs vLLM where the replicas run; it is imported only when building.
The lead wires `build_llm_apps` into serve_app; `hetumind models` calls `list_models`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.ai.errors import AIConfigError

__all__ = [
    "DEFAULT_APP_NAME",
    "build_llm_apps",
    "deploy_models",
    "deployment_name",
    "list_models",
    "llm_config_kwargs",
]

DEFAULT_APP_NAME = "hetumind-llm"
DEPLOYMENT_PREFIX = "LLMServer:"


def deployment_name(model_id: str) -> str:
    """The Serve deployment name `ray.serve.llm` gives a model (lmChatRayServe uses it)."""
    return DEPLOYMENT_PREFIX + model_id.replace("/", "--").replace(".", "_")


def llm_config_kwargs(entry: Mapping[str, Any], where: str = "models[0]") -> dict[str, Any]:
    """LLMConfig keyword arguments for one `models:` entry (checked, without importing vLLM)."""
    model_id = entry.get("model_id")
    source = entry.get("model_source", model_id)
    if not isinstance(model_id, str) or not model_id:
        raise AIConfigError(f"{where}.model_id: required (the name requests use)")
    if not isinstance(source, str) or not source:
        raise AIConfigError(f"{where}.model_source: must be a path or a hub id")
    replicas = entry.get("replicas") or {}
    low, high = int(replicas.get("min", 1)), int(replicas.get("max", replicas.get("min", 1)))
    if not 0 <= low <= high or high < 1:
        raise AIConfigError(f"{where}.replicas: need 0 <= min <= max and max >= 1")
    engine_kwargs = dict(entry.get("engine_kwargs") or {})
    kwargs: dict[str, Any] = {
        "model_loading_config": {"model_id": model_id, "model_source": source},
        "deployment_config": {
            "autoscaling_config": {"min_replicas": low, "max_replicas": high},
            "max_ongoing_requests": int(entry.get("max_ongoing_requests", 64)),
        },
        "engine_kwargs": engine_kwargs,
    }
    accelerator = entry.get("accelerator", "cpu")
    if accelerator == "cpu" or (
        isinstance(accelerator, Mapping) and accelerator.get("type") == "cpu"
    ):
        cpus = int(accelerator.get("cpus", 1)) if isinstance(accelerator, Mapping) else 1
        kwargs["accelerator_config"] = {"kind": "cpu"}
        kwargs["placement_group_config"] = {"bundles": [{"CPU": cpus}]}
    elif isinstance(accelerator, Mapping) and accelerator.get("type"):
        count = int(accelerator.get("count", 1))
        if count < 1:
            raise AIConfigError(f"{where}.accelerator.count: must be at least 1")
        kwargs["accelerator_type"] = str(accelerator["type"])
        engine_kwargs.setdefault("tensor_parallel_size", count)
        kwargs["placement_group_config"] = {"bundles": [{"GPU": 1, "CPU": 1}] * count}
    else:
        raise AIConfigError(f"{where}.accelerator: 'cpu' or {{type: <GPU type>, count: N}}")
    if entry.get("runtime_env"):
        kwargs["runtime_env"] = dict(entry["runtime_env"])
    return kwargs


def build_llm_apps(models: Sequence[Mapping[str, Any]]) -> list[tuple[str, Any]]:
    """(deployment name, Serve Application) for each `models:` entry."""
    try:
        from ray.serve.llm import LLMConfig, build_llm_deployment
    except ImportError as exc:
        raise AIConfigError(
            f"serving models needs vLLM beside Ray ({exc}); on CPU, scripts/setup-llm.sh "
            "builds such an environment"
        ) from None
    apps = []
    for i, entry in enumerate(models):
        config = LLMConfig(**llm_config_kwargs(entry, f"models[{i}]"))
        apps.append((deployment_name(config.model_id), build_llm_deployment(config)))
    return apps


def deploy_models(
    models: Sequence[Mapping[str, Any]], app_prefix: str = DEFAULT_APP_NAME
) -> list[dict[str, str]]:
    """Deploy each model as its own Serve application (`<prefix>` for the first, then
    `<prefix>-<n>`), so models can be replaced one at a time."""
    from ray import serve

    deployed = []
    for i, (name, app) in enumerate(build_llm_apps(models)):
        app_name = app_prefix if i == 0 else f"{app_prefix}-{i}"
        serve.run(app, name=app_name, route_prefix=None, blocking=False)
        deployed.append({"app": app_name, "deployment": name})
    return deployed


def list_models() -> list[dict[str, Any]]:
    """Deployed `ray.serve.llm` models: app, deployment, model id, status, replicas."""
    from ray import serve

    found = []
    for app_name, app in serve.status().applications.items():
        for dep_name, dep in app.deployments.items():
            if not dep_name.startswith(DEPLOYMENT_PREFIX):
                continue
            replicas = sum(dep.replica_states.values()) if dep.replica_states else 0
            found.append(
                {
                    "app": app_name,
                    "deployment": dep_name,
                    "model": dep_name.removeprefix(DEPLOYMENT_PREFIX),
                    "status": str(getattr(dep.status, "value", dep.status)),
                    "replicas": replicas,
                }
            )
    return found
