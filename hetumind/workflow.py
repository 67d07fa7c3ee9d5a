"""Workflows in n8n's JSON shape: models, loading (JSON or YAML) and validation.

Loading is as lenient as n8n's import, for every shape exports have had since 0.x: numeric
ids, `staticData: ""`, null settings/pinData/connection slots, retry options as strings or
null, a missing typeVersion, positions in odd shapes. Sticky notes are annotations, not
nodes: they are kept aside (`Workflow.sticky_notes`), never validated or run, and put back
in place when the workflow is dumped. Parameter values nested deeper than
`MAX_PARAMETER_DEPTH` are refused at load (see docs/compatibility.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from hetumind.errors import Problem, WorkflowInvalid

__all__ = [
    "MAX_DOCUMENT_DEPTH",
    "MAX_PARAMETER_DEPTH",
    "STICKY_NOTE_TYPES",
    "Connection",
    "Node",
    "Workflow",
    "load_workflow",
    "parse_workflow",
]


MAX_PARAMETER_DEPTH = 64
"""Deepest nesting of objects/arrays a node parameter may have: n8n's own nodes stay
under 10; a deeper value is an attack on whatever walks it later (serializers, the UI)."""
MAX_DOCUMENT_DEPTH = 256
"""Deepest nesting anywhere in a workflow document (pin data and static data included)."""
STICKY_NOTE_TYPES = frozenset({"n8n-nodes-base.stickyNote", "hetumind.stickyNote"})
"""Node types that are annotations on the canvas: kept, never run."""


def too_deep(value: Any, limit: int) -> str | None:
    """Path of the first value nested deeper than `limit` (None when within it). Iterative,
    so no value is deep enough to exhaust Python's stack."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        current, depth, path = stack.pop()
        if isinstance(current, dict):
            children: Iterable[tuple[str, Any]] = (
                (f"{path}.{k}" if path else str(k), v) for k, v in current.items()
            )
        elif isinstance(current, list):
            children = ((f"{path}[{i}]", v) for i, v in enumerate(current))
        else:
            continue
        if depth >= limit:
            return path[:200] + ("…" if len(path) > 200 else "")
        stack.extend((v, depth + 1, p) for p, v in children)
    return None


def _number(value: Any, default: float) -> float:
    """A number from what exports hold: numbers, numeric strings, null."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return default
    return default


class Connection(BaseModel):
    """One edge: to input `index` of node `node`."""

    model_config = ConfigDict(extra="allow")

    node: str
    type: str = "main"
    index: int = Field(default=0, ge=0)

    @field_validator("node", mode="before")
    @classmethod
    def _name_as_text(cls, value: Any) -> Any:
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    @field_validator("type", mode="before")
    @classmethod
    def _type_or_main(cls, value: Any) -> Any:
        return "main" if value is None or value == "" else value

    @field_validator("index", mode="before")
    @classmethod
    def _index_as_number(cls, value: Any) -> Any:
        if value is None or value == "":
            return 0
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.node, self.type, self.index)


class Node(BaseModel):
    """A node instance in a workflow (n8n's `nodes[]` entry)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = ""
    name: str = Field(min_length=1)
    type: str = Field(min_length=1)
    type_version: float = Field(default=1, alias="typeVersion")
    position: list[float] = Field(default_factory=lambda: [0.0, 0.0])
    parameters: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, Any] = Field(default_factory=dict)
    disabled: bool = False
    retry_on_fail: bool = Field(default=False, alias="retryOnFail")
    max_tries: int = Field(default=3, alias="maxTries", ge=1, le=100)
    wait_between_tries: int = Field(default=1000, alias="waitBetweenTries", ge=0, le=600_000)
    on_error: str | None = Field(default=None, alias="onError")
    continue_on_fail: bool = Field(default=False, alias="continueOnFail")
    always_output_data: bool = Field(default=False, alias="alwaysOutputData")
    execute_once: bool = Field(default=False, alias="executeOnce")
    timeout: float | None = Field(default=None, gt=0, le=86_400)
    """Seconds this node may run before it is interrupted (a hetumind extension)."""
    notes: str = ""

    @model_validator(mode="before")
    @classmethod
    def _lenient_shapes(cls, data: Any) -> Any:
        """Shapes n8n's import accepts: null for any optional field, numeric ids, retry
        options as strings, a missing typeVersion, positions as {x, y} or strings."""
        if not isinstance(data, dict):
            return data
        doc = {k: v for k, v in data.items() if not (v is None and k in _NULLABLE_NODE_FIELDS)}
        if isinstance(doc.get("id"), int | float) and not isinstance(doc.get("id"), bool):
            doc["id"] = str(doc["id"])
        if isinstance(doc.get("name"), int | float) and not isinstance(doc.get("name"), bool):
            doc["name"] = str(doc["name"])
        if "typeVersion" in doc:
            doc["typeVersion"] = _number(doc["typeVersion"], 1.0)
        if "position" in doc:
            doc["position"] = _position(doc["position"])
        if "maxTries" in doc:
            doc["maxTries"] = int(min(100, max(1, _number(doc["maxTries"], 3))))
        if "waitBetweenTries" in doc:
            doc["waitBetweenTries"] = int(
                min(600_000, max(0, _number(doc["waitBetweenTries"], 1000)))
            )
        if doc.get("onError") == "":
            doc.pop("onError")
        if isinstance(doc.get("notes"), int | float):
            doc["notes"] = str(doc["notes"])
        return doc

    @field_validator("parameters")
    @classmethod
    def _not_too_deep(cls, value: dict[str, Any]) -> dict[str, Any]:
        path = too_deep(value, MAX_PARAMETER_DEPTH)
        if path is not None:
            raise ValueError(
                f"parameter {path.split('.')[0].split('[')[0]!r} is nested deeper than "
                f"{MAX_PARAMETER_DEPTH} levels (at {path})"
            )
        return value

    @field_validator("on_error")
    @classmethod
    def _known_on_error(cls, value: str | None) -> str | None:
        allowed = {"stopWorkflow", "continueRegularOutput", "continueErrorOutput"}
        if value is not None and value not in allowed:
            raise ValueError(f"must be one of {sorted(allowed)}")
        return value

    @property
    def error_mode(self) -> str:
        """stopWorkflow | continueRegularOutput | continueErrorOutput (continueOnFail mapped)."""
        if self.on_error:
            return self.on_error
        return "continueRegularOutput" if self.continue_on_fail else "stopWorkflow"


_NULLABLE_NODE_FIELDS = frozenset(
    {
        "id",
        "typeVersion",
        "position",
        "parameters",
        "credentials",
        "disabled",
        "retryOnFail",
        "maxTries",
        "waitBetweenTries",
        "onError",
        "continueOnFail",
        "alwaysOutputData",
        "executeOnce",
        "timeout",
        "notes",
    }
)


def _position(value: Any) -> list[float]:
    if isinstance(value, dict):
        value = [value.get("x"), value.get("y")]
    if isinstance(value, list | tuple):
        coords = [_number(v, 0.0) for v in list(value)[:2]]
        return coords + [0.0] * (2 - len(coords))
    return [0.0, 0.0]


def _connection_slots(value: Any) -> Any:
    """Connections as exports hold them, with null or empty slots anywhere: a null source
    or kind is dropped, a null port stays (no targets), null targets inside a port go."""
    if not isinstance(value, dict):
        return {} if value is None or value == [] else value
    cleaned: dict[Any, Any] = {}
    for source, kinds in value.items():
        if kinds is None or kinds == []:
            continue
        if not isinstance(kinds, dict):
            cleaned[source] = kinds
            continue
        ports_by_kind: dict[Any, Any] = {}
        for kind, ports in kinds.items():
            if ports is None:
                continue
            if isinstance(ports, list):
                ports = [
                    [t for t in port if t is not None] if isinstance(port, list) else port
                    for port in ports
                ]
            ports_by_kind[kind] = ports
        cleaned[source] = ports_by_kind
    return cleaned


def _pin_data_shapes(value: Any) -> Any:
    """pinData as exports have held it: null, `{node: [{json: ...}]}` (n8n >= 0.214),
    `{node: [{...}]}` (bare items), or one object instead of a list."""
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        return value
    shaped: dict[str, Any] = {}
    for node_name, items in value.items():
        if items is None:
            continue
        if isinstance(items, dict):
            items = [items]
        if isinstance(items, list):
            items = [i for i in items if i is not None]
            items = [i if isinstance(i, dict) else {"json": {"value": i}} for i in items]
        shaped[str(node_name)] = items
    return shaped


class Workflow(BaseModel):
    """A whole workflow document."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = None
    name: str = "workflow"
    active: bool = False
    nodes: list[Node]
    connections: dict[str, dict[str, list[list[Connection] | None]]] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    pin_data: dict[str, list[dict[str, Any]]] = Field(default_factory=dict, alias="pinData")
    static_data: dict[str, Any] | None = Field(default=None, alias="staticData")

    _sticky_notes: list[tuple[int, dict[str, Any]]] = PrivateAttr(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _lenient_shapes(cls, data: Any) -> Any:
        """Workflow-level shapes n8n's import accepts (see the module docstring)."""
        if not isinstance(data, dict):
            return data
        doc = dict(data)
        if isinstance(doc.get("id"), int | float) and not isinstance(doc.get("id"), bool):
            doc["id"] = str(doc["id"])
        if doc.get("id") == "":
            doc["id"] = None
        if doc.get("name") is None or doc.get("name") == "":
            doc.pop("name", None)
        elif isinstance(doc["name"], int | float):
            doc["name"] = str(doc["name"])
        if doc.get("active") is None:
            doc.pop("active", None)
        if doc.get("nodes") is None and "nodes" in doc:
            doc["nodes"] = []
        if not isinstance(doc.get("settings"), dict):
            doc.pop("settings", None)
        static = doc.get("staticData")
        if isinstance(static, str):
            # n8n stores static data as JSON text; "" (0.x exports) means none.
            try:
                static = json.loads(static) if static.strip() else None
            except (json.JSONDecodeError, RecursionError):
                static = None
            doc["staticData"] = static if isinstance(static, dict) else None
        elif static is not None and not isinstance(static, dict):
            doc["staticData"] = None
        return doc

    @model_validator(mode="wrap")
    @classmethod
    def _set_sticky_notes_aside(cls, data: Any, handler: Any) -> Workflow:
        notes: list[tuple[int, dict[str, Any]]] = []
        if isinstance(data, dict) and isinstance(data.get("nodes"), list):
            kept = []
            for i, raw in enumerate(data["nodes"]):
                # `type` may be any JSON value here (validation comes later): only a
                # string can name a sticky note, and a dict is not hashable.
                kind = raw.get("type") if isinstance(raw, dict) else None
                if isinstance(kind, str) and kind in STICKY_NOTE_TYPES:
                    notes.append((i, raw))
                else:
                    kept.append(raw)
            if notes:
                data = {**data, "nodes": kept}
        workflow: Workflow = handler(data)
        if notes:
            workflow._sticky_notes = notes
        return workflow

    @model_serializer(mode="wrap")
    def _put_sticky_notes_back(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if (
            self._sticky_notes
            and isinstance(dumped, dict)
            and isinstance(dumped.get("nodes"), list)
        ):
            nodes = list(dumped["nodes"])
            for index, note in self._sticky_notes:
                nodes.insert(min(index, len(nodes)), note)
            dumped["nodes"] = nodes
        return dumped

    @field_validator("connections", mode="before")
    @classmethod
    def _connections_or_empty(cls, value: Any) -> Any:
        return _connection_slots(value)

    @field_validator("pin_data", mode="before")
    @classmethod
    def _pin_data_or_empty(cls, value: Any) -> Any:
        return _pin_data_shapes(value)

    @property
    def sticky_notes(self) -> list[dict[str, Any]]:
        """The canvas annotations (sticky notes) as they were in the document."""
        return [note for _, note in self._sticky_notes]

    @property
    def execution_order(self) -> str:
        """`settings.executionOrder`: "v0" only when asked for; v1 otherwise (n8n runs a
        workflow without the setting as v0: see docs/compatibility.md)."""
        return "v0" if self.settings.get("executionOrder") == "v0" else "v1"

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def main_edges(self) -> Iterable[tuple[str, int, Connection]]:
        """(source node, source output index, connection) for every distinct main
        connection: one written twice on the same port is one edge (n8n's editor never
        writes duplicates; repeated in a hand-made document, n8n would run the target once
        per copy)."""
        for source, kinds in self.connections.items():
            for out_index, targets in enumerate(kinds.get("main", [])):
                seen: set[tuple[str, str, int]] = set()
                for conn in targets or []:
                    if conn.key not in seen:
                        seen.add(conn.key)
                        yield source, out_index, conn

    def supply_edges(self) -> Iterable[tuple[str, str, Connection]]:
        """(sub-node, connection kind, root connection) for every non-main connection:
        a sub-node such as a chat model supplies a capability to its root node."""
        for source, kinds in self.connections.items():
            for kind, ports in kinds.items():
                if kind == "main":
                    continue
                seen: set[tuple[str, str, int]] = set()
                for targets in ports:
                    for conn in targets or []:
                        if conn.key not in seen:
                            seen.add(conn.key)
                            yield source, kind, conn

    @property
    def execution_timeout(self) -> float | None:
        """settings.executionTimeout in seconds; n8n uses -1 for none."""
        value = self.settings.get("executionTimeout")
        if isinstance(value, int | float) and value > 0:
            return float(value)
        return None


def _problems_from_validation(exc: ValidationError, doc: Mapping[str, Any]) -> list[Problem]:
    problems = []
    raw_nodes = doc.get("nodes")
    nodes: list[Any] = raw_nodes if isinstance(raw_nodes, list) else []
    for err in exc.errors():
        loc = list(err["loc"])
        node_name = None
        if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int):
            raw = nodes[loc[1]] if loc[1] < len(nodes) else None
            node_name = (
                raw.get("name") if isinstance(raw, dict) and raw.get("name") else f"#{loc[1]}"
            )
            loc = loc[2:]
        field = ".".join(str(p) for p in loc) or None
        problems.append(Problem(err["msg"], node=node_name, field=field))
    return problems


def _too_deep_problems(doc: dict[str, Any]) -> list[Problem]:
    """Values nested too deep, found before anything recursive walks the document."""
    problems = []
    nodes = doc.get("nodes")
    for i, raw in enumerate(nodes if isinstance(nodes, list) else []):
        if not isinstance(raw, dict):
            continue
        path = too_deep(raw.get("parameters"), MAX_PARAMETER_DEPTH)
        if path is not None:
            name = raw.get("name") if isinstance(raw.get("name"), str) else f"#{i}"
            top = path.split(".")[0].split("[")[0]
            problems.append(
                Problem(
                    f"parameter {top!r} is nested deeper than {MAX_PARAMETER_DEPTH} levels "
                    f"(at {path})",
                    name,
                    f"parameters.{top}",
                )
            )
    if problems:
        return problems
    path = too_deep(doc, MAX_DOCUMENT_DEPTH)
    if path is not None:
        top = path.split(".")[0].split("[")[0]
        problems.append(
            Problem(f"value nested deeper than {MAX_DOCUMENT_DEPTH} levels (at {path})", None, top)
        )
    return problems


def parse_workflow(doc: Any, source: str | None = None) -> Workflow:
    """Build a Workflow from an already-decoded document, or raise WorkflowInvalid."""
    if not isinstance(doc, dict):
        kind = type(doc).__name__
        raise WorkflowInvalid([Problem(f"expected a workflow object, got {kind}")], source)
    deep = _too_deep_problems(doc)
    if deep:
        raise WorkflowInvalid(deep, source)
    try:
        return Workflow.model_validate(doc)
    except ValidationError as exc:
        raise WorkflowInvalid(_problems_from_validation(exc, doc), source) from None


def load_workflow(path: str | Path) -> Workflow:
    """Read a workflow from a .json, .yaml or .yml file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowInvalid([Problem(f"cannot read file: {exc.strerror}")], str(p)) from None
    # Only YAML documents pay for importing the YAML parser (~10 ms of every start-up).
    yaml_error: tuple[type[Exception], ...] = ()
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        yaml_error = (yaml.YAMLError,)
    try:
        doc = yaml.safe_load(text) if yaml_error else json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
        raise WorkflowInvalid([problem], str(p)) from None
    except RecursionError:
        problem = Problem(f"document nested too deep (more than {MAX_DOCUMENT_DEPTH} levels)")
        raise WorkflowInvalid([problem], str(p)) from None
    except yaml_error as exc:
        raise WorkflowInvalid([Problem(f"malformed YAML: {exc}")], str(p)) from None
    return parse_workflow(doc, str(p))
