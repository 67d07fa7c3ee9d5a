"""cluster/ is deployable as written: every Kubernetes object validates against the schema
the API server would apply (KubeRay's CRDs, Kubernetes' own OpenAPI definitions, both kept
in tests/cluster/schemas/ with their origin), the manifests agree with each other and with
the code (Serve config, batch CLI, Ray version), and the images, launcher config and
Grafana dashboard are checked for what they promise.

Strictness: the API server prunes or (with kubectl's default strict field validation)
rejects fields a structural schema does not declare, except below
`x-kubernetes-preserve-unknown-fields`. `strict()` makes the schemas say so, so a
misspelled field fails here as it would on apply; tests below prove the validator bites.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "cluster"
K8S_DIR = CLUSTER / "kubernetes"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
RAY_VERSION = "2.60.0"

CRD_FILES = {
    ("ray.io/v1", "RayService"): "ray.io_rayservices.v1.json",
    ("ray.io/v1", "RayJob"): "ray.io_rayjobs.v1.json",
    ("ray.io/v1", "RayCluster"): "ray.io_rayclusters.v1.json",
}
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
KUSTOMIZE = "kustomize.config.k8s.io/"


# ---------------------------------------------------------------- schemas


def strict(schema: Any) -> Any:
    """A copy where every object schema with declared properties refuses other fields,
    unless it preserves unknown fields or already says what extra fields may be."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def _load_json(name: str) -> Any:
    return json.loads((SCHEMAS / name).read_text())


_K8S: dict[str, Any] = {}


def k8s_definitions() -> dict[str, Any]:
    """Kubernetes' definitions, strict, with the two string-typed wrappers widened to what
    the API server accepts (an IntOrString is an int or a string, a Quantity a string or a
    number), as kubectl's own validation reads them."""
    if not _K8S:
        defs = copy.deepcopy(_load_json("kubernetes-definitions.json")["definitions"])
        defs[INT_OR_STRING] = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
        defs[QUANTITY] = {"anyOf": [{"type": "string"}, {"type": "number"}]}
        _K8S.update(strict(defs))
    return _K8S


def k8s_schema(definition: str) -> dict[str, Any]:
    return {"definitions": k8s_definitions(), "allOf": [{"$ref": f"#/definitions/{definition}"}]}


def k8s_kinds() -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> definition name, from the definitions' own GVK markers."""
    kinds = {}
    for name, d in k8s_definitions().items():
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            group = gvk["group"]
            api_version = f"{group}/{gvk['version']}" if group else gvk["version"]
            kinds[(api_version, gvk["kind"])] = name
    return kinds


def schema_for(doc: dict[str, Any]) -> dict[str, Any]:
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in CRD_FILES:
        crd = strict(_load_json(CRD_FILES[key]))
        # The CRD leaves metadata to the API server, which checks it as ObjectMeta.
        crd["properties"]["metadata"] = {"$ref": f"#/definitions/{OBJECT_META}"}
        crd["definitions"] = k8s_definitions()
        return dict(crd)
    kinds = k8s_kinds()
    if key not in kinds:
        raise AssertionError(f"no schema for apiVersion/kind {key}: add it to the test data")
    return k8s_schema(kinds[key])


def errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(schema_for(doc))
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(doc)
    ]


# ---------------------------------------------------------------- manifests


def _yaml_files() -> list[Path]:
    return sorted(
        p
        for p in CLUSTER.rglob("*.y*ml")
        if "serverless" not in p.relative_to(CLUSTER).parts and p.suffix in (".yaml", ".yml")
    )


def manifests() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Kubernetes object under cluster/ (documents with apiVersion and kind)."""
    for path in _yaml_files():
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if (
                isinstance(doc, dict)
                and "apiVersion" in doc
                and "kind" in doc
                and not str(doc["apiVersion"]).startswith(KUSTOMIZE)
            ):
                yield f"{path.relative_to(CLUSTER)}#{i}:{doc['kind']}", doc


ALL = dict(manifests())


def one(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        d
        for d in ALL.values()
        if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return copy.deepcopy(found[0])


def test_manifests_are_found() -> None:
    kinds = {d["kind"] for d in ALL.values()}
    assert {"RayService", "RayJob", "RayCluster", "Secret", "ConfigMap", "Service"} <= kinds
    # Every YAML file in cluster/kubernetes is made only of Kubernetes objects.
    for path in sorted(K8S_DIR.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        assert docs and all("apiVersion" in d and "kind" in d for d in docs), path


@pytest.mark.parametrize("where", sorted(ALL))
def test_manifest_matches_its_schema(where: str) -> None:
    assert errors(ALL[where]) == []


# ------------------------------------------------- the validator bites


def test_strict_keeps_preserved_fields_open() -> None:
    schema = strict(
        {
            "type": "object",
            "properties": {
                "open": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"a": {"type": "string"}},
                },
                "closed": {"type": "object", "properties": {"a": {"type": "string"}}},
                "map": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    )
    v = jsonschema.Draft4Validator(schema)
    assert v.is_valid({"open": {"zz": 1}, "map": {"k": "v"}})
    assert not v.is_valid({"closed": {"zz": 1}})
    assert not v.is_valid({"map": {"k": 1}})
    assert not v.is_valid({"typo": 1})


def _bad(doc: dict[str, Any], change: Any) -> list[str]:
    broken = copy.deepcopy(doc)
    change(broken)
    return errors(broken)


def test_misspelled_rayservice_field_is_rejected() -> None:
    def typo(d: dict[str, Any]) -> None:
        head = d["spec"]["rayClusterConfig"]["headGroupSpec"]
        head["rayStartParam"] = head.pop("rayStartParams")

    assert any("rayStartParam" in e for e in _bad(one("RayService"), typo))


def test_misspelled_field_inside_the_pod_template_is_rejected() -> None:
    def typo(d: dict[str, Any]) -> None:
        pod = d["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]
        c = pod["containers"][0]
        c["imagePulPolicy"] = c.pop("imagePullPolicy")

    assert any("imagePulPolicy" in e for e in _bad(one("RayService"), typo))


def test_wrong_types_are_rejected() -> None:
    def int_param(d: dict[str, Any]) -> None:  # rayStartParams values are strings
        d["spec"]["rayClusterConfig"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 0

    def str_replicas(d: dict[str, Any]) -> None:
        d["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["maxReplicas"] = "20"

    def bad_enum(d: dict[str, Any]) -> None:
        d["spec"]["rayClusterConfig"]["authOptions"]["mode"] = "tokens"

    def no_group_name(d: dict[str, Any]) -> None:
        del d["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["groupName"]

    for change in (int_param, str_replicas, bad_enum, no_group_name):
        assert _bad(one("RayService"), change), change.__name__


def test_broken_core_objects_are_rejected() -> None:
    def secret_typo(d: dict[str, Any]) -> None:
        d["stringdata"] = d.pop("stringData")

    def port_text(d: dict[str, Any]) -> None:
        d["spec"]["ports"][0]["port"] = "six-three-seven-nine"

    def bad_meta(d: dict[str, Any]) -> None:
        d["metadata"]["label"] = {"a": "b"}

    assert any("stringdata" in e for e in _bad(one("Secret", "hetumind-secrets"), secret_typo))
    assert _bad(one("Service", "hetumind-redis"), port_text)
    assert any("label" in e for e in _bad(one("ConfigMap", "hetumind-config"), bad_meta))
    # ... and metadata of a custom resource is checked as ObjectMeta too
    assert any("label" in e for e in _bad(one("RayJob"), bad_meta))


def test_unknown_kind_has_no_schema() -> None:
    with pytest.raises(AssertionError, match="no schema"):
        schema_for({"apiVersion": "ray.io/v1", "kind": "RayServe"})


# ------------------------------------------------- consistency


def _ray_clusters() -> dict[str, dict[str, Any]]:
    return {
        "RayService": one("RayService")["spec"]["rayClusterConfig"],
        "RayJob": one("RayJob")["spec"]["rayClusterSpec"],
        "RayCluster": one("RayCluster")["spec"],
    }


def _pod_specs(cluster: dict[str, Any]) -> list[dict[str, Any]]:
    groups = [cluster["headGroupSpec"], *cluster.get("workerGroupSpecs", [])]
    return [g["template"]["spec"] for g in groups]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _objects(kind: str) -> dict[str, set[str]]:
    """name -> keys, for every Secret or ConfigMap under cluster/kubernetes."""
    found: dict[str, set[str]] = {}
    for d in ALL.values():
        if d["kind"] == kind:
            found[d["metadata"]["name"]] = set(d.get("data") or {}) | set(d.get("stringData") or {})
    return found


@pytest.mark.parametrize("where", sorted(ALL))
def test_references_resolve(where: str) -> None:
    """Every Secret and ConfigMap an object names exists here, with the key it reads."""
    doc = ALL[where]
    secrets, configmaps = _objects("Secret"), _objects("ConfigMap")
    for auth in (n["authOptions"] for n in _walk(doc) if "authOptions" in n):
        if auth.get("mode") == "token":
            assert "auth_token" in secrets[auth["secretName"]]
    for node in _walk(doc):
        if "secretKeyRef" in node:
            ref = node["secretKeyRef"]
            assert ref["key"] in secrets[ref["name"]], ref
        if "configMapKeyRef" in node:
            ref = node["configMapKeyRef"]
            assert ref["key"] in configmaps[ref["name"]], ref
        if "secretRef" in node:
            assert node["secretRef"]["name"] in secrets
        if "configMapRef" in node:
            assert node["configMapRef"]["name"] in configmaps
        if "configMap" in node and isinstance(node["configMap"], dict):
            assert node["configMap"]["name"] in configmaps


@pytest.mark.parametrize("kind", ["RayService", "RayJob", "RayCluster"])
def test_clusters_pin_this_ray_and_run_as_non_root(kind: str) -> None:
    import ray

    cluster = _ray_clusters()[kind]
    assert cluster["rayVersion"] == RAY_VERSION == ray.__version__
    assert cluster["enableInTreeAutoscaling"] is True
    assert cluster["authOptions"]["mode"] == "token"
    for pod in _pod_specs(cluster):
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for c in pod["containers"]:
            image = c["image"]
            assert re.fullmatch(r"hetumind/hetumind:0\.1\.0(-gpu)?", image), image
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
    for group in cluster.get("workerGroupSpecs", []):
        assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"], group["groupName"]


def test_gcs_fault_tolerance_uses_the_redis_service() -> None:
    ft = _ray_clusters()["RayService"]["gcsFaultToleranceOptions"]
    m = re.fullmatch(r"(?:redis://)?([a-z0-9-]+):(\d+)", ft["redisAddress"])
    assert m, ft["redisAddress"]
    service = one("Service", m.group(1))
    assert int(m.group(2)) in [p["port"] for p in service["spec"]["ports"]]
    deployment = one("Deployment", m.group(1))
    assert (
        service["spec"]["selector"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    # Redis is started with the password the GCS is given.
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    (password,) = [e for e in env if e["name"] == "REDIS_PASSWORD"]
    assert password["valueFrom"] == ft["redisPassword"]["valueFrom"]


def _serve_config() -> dict[str, Any]:
    return yaml.safe_load(one("RayService")["spec"]["serveConfigV2"])


def test_serve_config_is_serve_app_config() -> None:
    """serveConfigV2 is serve_app/config.yaml; the only change: Api autoscales."""
    ours = yaml.safe_load((ROOT / "serve_app" / "config.yaml").read_text())
    theirs = _serve_config()
    for key in set(ours) - {"applications"}:
        assert theirs[key] == ours[key], key
    (app,) = ours["applications"]
    (deployed,) = [a for a in theirs["applications"] if a["name"] == app["name"]]
    expected = copy.deepcopy(app)
    for d in expected["deployments"]:
        if d["name"] == "Api":
            del d["num_replicas"]
            d["autoscaling_config"] = next(
                x["autoscaling_config"] for x in deployed["deployments"] if x["name"] == "Api"
            )
    assert deployed == expected
    api = next(x for x in deployed["deployments"] if x["name"] == "Api")
    scaling = api["autoscaling_config"]
    assert 1 <= scaling["min_replicas"] <= scaling["max_replicas"]
    # KubeRay's serve service fronts the port Serve listens on.
    ports = one("RayService")["spec"]["serveService"]["spec"]["ports"]
    assert [p["port"] for p in ports] == [theirs["http_options"]["port"]]


def _serve_problems(config: dict[str, Any]) -> list[str]:
    """Ray Serve's own schema of a config (what `serve deploy` and KubeRay submit), plus
    field names: Ray's models accept unknown deployment fields, Serve would ignore them."""
    from pydantic import ValidationError
    from ray.serve.schema import DeploymentSchema, ServeApplicationSchema, ServeDeploySchema

    problems = []
    try:
        ServeDeploySchema.model_validate(config)
    except ValidationError as exc:
        problems.append(str(exc))
    for app in config.get("applications", []):
        problems += [f"app field {k}" for k in set(app) - set(ServeApplicationSchema.model_fields)]
        for d in app.get("deployments", []):
            extra = set(d) - set(DeploymentSchema.model_fields)
            problems += [f"{app['name']}.{d['name']}: field {k}" for k in extra]
    return problems


def test_serve_configs_match_serves_schema() -> None:
    assert _serve_problems(yaml.safe_load((ROOT / "serve_app" / "config.yaml").read_text())) == []
    config = _serve_config()
    assert _serve_problems(config) == []
    typo = copy.deepcopy(config)
    typo["applications"][0]["deployments"][0]["max_ongoing_request"] = 5
    assert any("max_ongoing_request" in p for p in _serve_problems(typo))
    clash = copy.deepcopy(config)
    clash["applications"][1]["route_prefix"] = "/"
    assert any("route_prefix" in p for p in _serve_problems(clash))


def test_llm_application_fits_the_gpu_group() -> None:
    apps = [
        a for a in _serve_config()["applications"] if a["import_path"].startswith("ray.serve.llm")
    ]
    assert [a["import_path"] for a in apps] == ["ray.serve.llm:build_openai_app"]
    # The builder exists in this Ray (importing ray.serve.llm itself needs vLLM).
    import importlib.util

    spec = importlib.util.find_spec("ray.serve.llm")
    assert spec is not None and spec.origin is not None
    assert "\ndef build_openai_app(" in Path(spec.origin).read_text()
    from hetumind.ai.serving import DEFAULT_APP_NAME

    assert apps[0]["name"] == DEFAULT_APP_NAME  # where lmChatRayServe looks by default
    groups = _ray_clusters()["RayService"]["workerGroupSpecs"]
    gpu_groups = [
        g
        for g in groups
        if "nvidia.com/gpu" in g["template"]["spec"]["containers"][0]["resources"]["limits"]
    ]
    assert gpu_groups, "no worker group with nvidia.com/gpu"
    for config in apps[0]["args"]["llm_configs"]:
        assert config["model_loading_config"]["model_id"]
        wanted = f"accelerator_type:{config['accelerator_type']}"
        assert any(wanted in g.get("resources", {}) for g in gpu_groups), wanted
    # One image on every node: Serve builds an application on any node, and building
    # ray.serve.llm's needs vLLM.
    images = {
        c["image"] for pod in _pod_specs(_ray_clusters()["RayService"]) for c in pod["containers"]
    }
    assert images == {"hetumind/hetumind:0.1.0-gpu"}


def test_rayjob_runs_the_real_batch_cli(tmp_path: Path) -> None:
    """The RayJob's entrypoint parses with `hetumind batch`'s own options, its workflow
    file comes from a mounted ConfigMap, and that workflow runs as a batch."""
    import typer
    from typer.main import get_command

    from hetumind.batch.command import batch

    job = one("RayJob")
    argv = shlex.split(job["spec"]["entrypoint"])
    assert argv[:3] == ["python", "-m", "hetumind.batch"] or argv[:2] == ["hetumind", "batch"]
    args = argv[3:] if argv[0] == "python" else argv[2:]
    head = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in head["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in head["volumes"]}
    workflow_path = Path(args[0])
    (volume,) = [n for n, p in mounts.items() if workflow_path.parent == Path(p)]
    configmap = one("ConfigMap", volumes[volume]["configMap"]["name"])
    local = tmp_path / workflow_path.name
    local.write_text(configmap["data"][workflow_path.name])

    app = typer.Typer()
    app.command()(batch)
    command = get_command(app)
    ctx = command.make_context("batch", [str(local), *args[1:]])
    assert ctx.params["executor"] == "ray"
    assert str(ctx.params["input"]).startswith("s3://")

    (tmp_path / "people.csv").write_text("name\nAda\nGrace\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "hetumind.batch",
            str(local),
            "--input",
            str(tmp_path / "people.csv"),
            "--output",
            str(tmp_path / "out.jsonl"),
            "--executor",
            "inline",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["greeting"] for r in rows] == ["Hello, Ada!", "Hello, Grace!"]


# ------------------------------------------------- kustomizations


def _pointer(path: str) -> list[str | int]:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
    return [int(p) if p.isdigit() else p for p in parts]


def _apply(doc: dict[str, Any], ops: list[dict[str, Any]]) -> None:
    """The JSON 6902 operations our kustomizations use (replace, add, remove)."""
    for op in ops:
        *parents, last = _pointer(op["path"])
        node: Any = doc
        for part in parents:
            node = node[part]
        if op["op"] == "replace":
            _ = node[last]  # RFC 6902: replace needs an existing target
            node[last] = op["value"]
        elif op["op"] == "add":
            if isinstance(node, list):
                node.insert(len(node) if last == "-" else int(last), op["value"])
            else:
                node[last] = op["value"]
        elif op["op"] == "remove":
            del node[last]
        else:
            raise AssertionError(f"unsupported patch op {op['op']}")


def render(directory: Path) -> list[dict[str, Any]]:
    """What `kubectl kustomize DIRECTORY` builds, for the features used here."""
    k = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert k["apiVersion"].startswith(KUSTOMIZE) and k["kind"] == "Kustomization"
    assert set(k) <= {"apiVersion", "kind", "resources", "patches"}, set(k)
    docs: list[dict[str, Any]] = []
    for resource in k["resources"]:
        path = (directory / resource).resolve()
        if path.is_dir():
            docs += render(path)
        else:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for patch in k.get("patches", []):
        target = patch["target"]
        hits = [
            d
            for d in docs
            if d["kind"] == target["kind"]
            and d["metadata"]["name"] == target["name"]
            and d["apiVersion"] == "/".join(filter(None, [target.get("group"), target["version"]]))
        ]
        assert len(hits) == 1, f"patch target {target} matches {len(hits)} objects"
        _apply(hits[0], yaml.safe_load(patch["patch"]))
    return docs


KUSTOMIZATIONS = [K8S_DIR, CLUSTER / "kind"]


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda p: p.name)
def test_kustomization_builds_valid_objects(directory: Path) -> None:
    docs = render(directory)
    assert {d["kind"] for d in docs} >= {"RayService", "ConfigMap", "Deployment", "Service"}
    assert "Secret" not in {d["kind"] for d in docs}  # secrets never come from files
    for d in docs:
        assert errors(d) == [], d["metadata"]["name"]


def test_kind_overlay_only_resizes() -> None:
    base = {(d["kind"], d["metadata"]["name"]): d for d in render(K8S_DIR)}
    small = {(d["kind"], d["metadata"]["name"]): d for d in render(CLUSTER / "kind")}
    assert base.keys() == small.keys()
    rs, rs_small = base[("RayService", "hetumind")], small[("RayService", "hetumind")]
    assert rs_small["spec"]["serveConfigV2"] == rs["spec"]["serveConfigV2"]

    def cpus(d: dict[str, Any]) -> float:
        total = 0.0
        cluster = d["spec"]["rayClusterConfig"]
        groups = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
        for g in groups:
            limit = g["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"]
            total += float(limit) * g.get("replicas", 1)
        return total

    assert cpus(rs_small) <= 4 < cpus(rs)


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl is not installed")
@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda p: p.name)
def test_kustomization_matches_kubectl(directory: Path) -> None:
    """Our reading of the kustomizations is kubectl's own (kustomize built into kubectl)."""
    out = subprocess.run(
        ["kubectl", "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    def key(d: dict[str, Any]) -> tuple[str, str]:
        return d["kind"], d["metadata"]["name"]

    theirs = sorted((d for d in yaml.safe_load_all(out) if d), key=key)
    assert theirs == sorted(render(directory), key=key)


# ------------------------------------------------- images


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    assert not pending, f"{path}: dangling line continuation"
    return [
        (ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln else "") for ln in lines
    ]


DOCKERFILES = {
    "Dockerfile": f"rayproject/ray:{RAY_VERSION}-py311",
    "Dockerfile.cuda": f"rayproject/ray:{RAY_VERSION}-py311-gpu",
}


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_dockerfile(name: str) -> None:
    path = CLUSTER / "images" / name
    steps = _instructions(path)
    froms = [a for i, a in steps if i == "FROM"]
    assert froms == [DOCKERFILES[name]], froms
    for base in froms:  # pinned: a tag that is not latest, or a digest
        image = base.split()[0]
        assert "@sha256:" in image or (":" in image and not image.endswith(":latest")), image
    users = [a for i, a in steps if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    checks = [a for i, a in steps if i == "HEALTHCHECK"]
    assert len(checks) == 1 and "/healthz" in checks[0] and "CMD" in checks[0]
    assert "8000" in checks[0]
    cmd = [a for i, a in steps if i == "CMD"]
    assert cmd and json.loads(cmd[-1])[:2] == ["hetumind", "serve"]
    runs = [a for i, a in steps if i == "RUN"]
    for run in runs:  # hadolint's rules, by hand
        if "pip install" in run:
            assert "--no-cache-dir" in run, "DL3042: pip install --no-cache-dir"
            assert "ray[" in run and f"=={RAY_VERSION}" in run, "ray must stay pinned"
        if "apt-get install" in run:
            assert "--no-install-recommends" in run and "rm -rf /var/lib/apt/lists" in run
        assert not re.search(r"(^|&&|;)\s*cd\s", run), "DL3003: use WORKDIR"
        assert "sudo " not in run, "DL3004"
        assert ":latest" not in run
    for i, a in steps:
        assert i != "ADD", "DL3020: COPY, not ADD"
        if i == "WORKDIR":
            assert a.startswith("/"), "DL3000: absolute WORKDIR"
        if i == "COPY":
            assert "--chown=" in a, "files owned by the non-root user"
    ignore = path.with_name(name + ".dockerignore")
    lines = ignore.read_text().splitlines()
    assert "*" in lines and "!hetumind/" in lines, "context limited to what is copied"
    if name == "Dockerfile.cuda":
        # vLLM pinned to the release this Ray's ray[llm] extra requires.
        from importlib.metadata import requires

        wanted = [
            r.split(";")[0] for r in requires("ray") or [] if r.startswith("vllm") and "llm" in r
        ]
        (pin,) = {re.sub(r"\[.*?\]", "", w).replace(" ", "") for w in wanted}
        assert re.search(r"vllm==\d+\.\d+\.\d+", " ".join(runs)), "vLLM pinned"
        assert set(re.findall(r"vllm==[\d.]+", " ".join(runs))) == {pin}


def test_images_copy_what_exists() -> None:
    for name in DOCKERFILES:
        for i, a in _instructions(CLUSTER / "images" / name):
            if i == "COPY":
                sources = [s for s in a.split()[:-1] if not s.startswith("--")]
                for s in sources:
                    assert (ROOT / s).exists(), f"{name}: COPY {s}"


def test_lambda_image() -> None:
    """cluster/serverless/Dockerfile: a pinned Lambda base, the handler Lambda will call
    exists, and the build context holds what it copies."""
    import importlib

    path = CLUSTER / "serverless" / "Dockerfile"
    steps = _instructions(path)
    froms = [a for i, a in steps if i == "FROM"]
    assert len(froms) == 1 and froms[0].startswith("public.ecr.aws/lambda/python:3.11")
    assert not froms[0].endswith(":latest")
    (cmd,) = [json.loads(a) for i, a in steps if i == "CMD"]
    module, _, attr = cmd[0].rpartition(".")
    assert callable(getattr(importlib.import_module(module), attr)), cmd
    ignore = path.with_name("Dockerfile.dockerignore").read_text().splitlines()
    for i, a in steps:
        assert i != "ADD", "DL3020: COPY, not ADD"
        if i == "RUN" and "pip install" in a:
            assert "--no-cache-dir" in a
        if i == "COPY":
            for source in a.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}"
                top = source.split("/")[0]
                assert f"!{top}" in ignore or f"!{top}/" in ignore, f"{source} not in context"


# ------------------------------------------------- cluster launcher


def test_launcher_config() -> None:
    import ray.autoscaler

    config = yaml.safe_load((CLUSTER / "launcher" / "aws.yaml").read_text())
    ray_schema = json.loads((Path(ray.autoscaler.__file__).parent / "ray-schema.json").read_text())
    jsonschema.validate(config, ray_schema)
    for key in ("cluster_name", "provider", "available_node_types", "head_node_type"):
        assert config[key], key
    assert config["provider"]["type"] == "aws" and config["provider"]["region"]
    types = config["available_node_types"]
    assert config["head_node_type"] in types
    assert types[config["head_node_type"]]["resources"]["CPU"] == 0
    assert any(t["resources"].get("GPU") for t in types.values())
    assert (
        sum(t.get("max_workers", 0) for n, t in types.items() if n != config["head_node_type"])
        <= config["max_workers"]
    )
    images = [config["docker"]["image"]] + [
        t["docker"]["worker_image"] for t in types.values() if "docker" in t
    ]
    assert all(re.fullmatch(r"hetumind/hetumind:0\.1\.0(-gpu)?", i) for i in images), images
    head = " ".join(config["head_start_ray_commands"])
    assert "RAY_REDIS_ADDRESS" in head and "--redis-password" in head  # GCS fault tolerance
    env = (CLUSTER / "launcher" / "hetumind.env.example").read_text()
    for var in re.findall(r"\$([A-Z_]+)", head):
        assert f"\n{var}=" in env, var
    for local in config["file_mounts"].values():
        assert (ROOT / local).with_suffix(".env.example").exists(), local


def test_launcher_schema_bites() -> None:
    import ray.autoscaler

    ray_schema = json.loads((Path(ray.autoscaler.__file__).parent / "ray-schema.json").read_text())
    config = yaml.safe_load((CLUSTER / "launcher" / "aws.yaml").read_text())
    config["head_node_typ"] = config.pop("head_node_type")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, ray_schema)


# ------------------------------------------------- Grafana


METRICS = {
    "ray_hetumind_executions_total": {"status", "mode", "workflow"},
    "ray_hetumind_node_run_seconds_bucket": {"node_type", "le"},
    "ray_hetumind_node_run_seconds_sum": {"node_type"},
    "ray_hetumind_node_run_seconds_count": {"node_type"},
    "ray_hetumind_node_run_items_total": {"node_type", "direction"},
    "ray_hetumind_queue_depth": set(),
    "ray_hetumind_admission_refusals_total": {"reason"},
    "ray_hetumind_resumes_total": set(),
    "ray_hetumind_webhook_latency_seconds_bucket": {"method", "le"},
    "ray_hetumind_webhook_latency_seconds_sum": {"method"},
    "ray_hetumind_webhook_latency_seconds_count": {"method"},
    "ray_hetumind_llm_tokens_total": {"model", "kind"},
}
MUST_SHOW = set(METRICS) - {"ray_hetumind_webhook_latency_seconds_sum"}


def _dashboard() -> dict[str, Any]:
    return dict(json.loads((CLUSTER / "grafana" / "hetumind-dashboard.json").read_text()))


def _exprs(dash: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    exprs += [v["definition"] for v in dash["templating"]["list"] if v["type"] == "query"]
    return exprs


def test_dashboard_covers_the_metrics() -> None:
    dash = _dashboard()
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    exprs = _exprs(dash)
    used = {m for e in exprs for m in re.findall(r"\bray_hetumind_\w+", e)}
    assert used - set(METRICS) == set(), "unknown metric names (typos?)"
    assert MUST_SHOW - used == set(), "metrics without a panel"
    for e in exprs:
        for metric, labels in METRICS.items():
            for selector in re.findall(rf"\b{metric}\{{([^}}]*)\}}", e):
                names = set(re.findall(r"(\w+)\s*=~?", selector))
                assert names <= labels, (metric, names)
        for grouping in re.findall(r"by \(([^)]*)\)", e):
            names = {n.strip() for n in grouping.split(",")}
            series = set(re.findall(r"\bray_hetumind_\w+", e))
            assert any(names <= METRICS[s] for s in series), (e, names)
        if "histogram_quantile" in e:
            assert "_bucket" in e and re.search(r"by \(le\b|by \([^)]*\ble\b", e), e
        assert e.count("(") == e.count(")"), e
    # Every variable a query uses is defined.
    for e in exprs:
        for var in re.findall(r"\$(\w+)", e):
            assert var in variables or var.startswith("__"), var


def test_dashboard_panels_use_the_datasource_variable() -> None:
    dash = _dashboard()
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for p in dash["panels"]:
        if p["type"] == "row":
            continue
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}"
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24


# ------------------------------------------------- README


def test_readme_names_real_files() -> None:
    text = (CLUSTER / "README.md").read_text()
    named = set(re.findall(r"(?<![\w/])cluster/[\w./-]+\w", text))
    for path in named:  # or a file the README has you copy from its .example
        assert (ROOT / path).exists() or (ROOT / f"{path}.example").exists(), path
    for path in [
        *K8S_DIR.glob("*.yaml"),
        CLUSTER / "launcher" / "aws.yaml",
        CLUSTER / "images" / "Dockerfile",
        CLUSTER / "images" / "Dockerfile.cuda",
        CLUSTER / "grafana" / "hetumind-dashboard.json",
    ]:
        assert str(path.relative_to(ROOT)) in named, f"README does not mention {path}"
    assert re.search(
        r"helm install kuberay-operator kuberay/kuberay-operator --version \d+\.\d+\.\d+", text
    )
    assert "ray job submit" in text and "--working-dir ." in text


def test_readme_creates_the_secrets_the_manifests_read() -> None:
    """The `kubectl create secret` commands of the README make the Secrets of
    secrets.example.yaml with the same keys (plus the optional S3 endpoints)."""
    text = (CLUSTER / "README.md").read_text()
    created: dict[str, set[str]] = {}
    command = r"kubectl create secret generic ([\w-]+)((?:[^\n]*\\\n)*[^\n]*)"
    for name, rest in re.findall(command, text):
        created[name] = set(re.findall(r"--from-literal=([A-Za-z0-9_]+)=", rest))
    optional = {"hetumind-secrets": {"HETUMIND_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL"}}
    for name, keys in _objects("Secret").items():
        assert created.get(name) == keys | optional.get(name, set()), name
