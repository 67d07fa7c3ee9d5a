"""Regenerate the schema test data from the upstream files named in ORIGIN.md.

    python tests/cluster/schemas/extract.py KUBERAY_GIT_DIR KUBERNETES_CLIENT_PYTHON_GIT_DIR

The data is a mechanical extraction, nothing is edited: each KubeRay CRD's v1
`openAPIV3Schema` as it is in the chart, and the Kubernetes OpenAPI v2 definitions that
the kinds under cluster/ use (with everything they reference). Strictness (unknown fields
are errors) is added when the tests load them, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
KUBERAY_TAG = "v1.7.0"
CRDS = ("rayservices", "rayjobs", "rayclusters")
K8S_COMMIT = "024658493d124f046fc0a9827a2a3165cf2aee28"
K8S_PATH = "kubernetes/swagger.json.unprocessed"
K8S_ROOTS = (
    "io.k8s.api.core.v1.ConfigMap",
    "io.k8s.api.core.v1.Secret",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.core.v1.PersistentVolumeClaim",
    "io.k8s.api.apps.v1.Deployment",
    "io.k8s.api.apps.v1.StatefulSet",
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
)


def _show(git_dir: str, rev: str, path: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{rev}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.removeprefix("#/definitions/"))
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _write(name: str, data: object) -> None:
    (HERE / name).write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")


def main(kuberay: str, k8s_client: str) -> None:
    for crd in CRDS:
        doc = yaml.safe_load(
            _show(kuberay, KUBERAY_TAG, f"helm-chart/kuberay-operator/crds/ray.io_{crd}.yaml")
        )
        (version,) = [v for v in doc["spec"]["versions"] if v["name"] == "v1"]
        _write(f"ray.io_{crd}.v1.json", version["schema"]["openAPIV3Schema"])
    spec = json.loads(_show(k8s_client, K8S_COMMIT, K8S_PATH))
    keep: set[str] = set()
    todo = list(K8S_ROOTS)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found: set[str] = set()
        _refs(spec["definitions"][name], found)
        todo.extend(found - keep)
    _write(
        "kubernetes-definitions.json",
        {"info": spec["info"], "definitions": {k: spec["definitions"][k] for k in sorted(keep)}},
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
