"""Workflows in n8n's JSON shape: models, loading (JSON or YAML) and validation."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hetumind.errors import Problem, WorkflowInvalid

__all__ = [
    "Connection",
    "Node",
    "Workflow",
    "load_workflow",
    "parse_workflow",
]


class Connection(BaseModel):
    """One edge: to input `index` of node `node`."""

    model_config = ConfigDict(extra="allow")

    node: str
    type: str = "main"
    index: int = Field(default=0, ge=0)


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

    @field_validator("pin_data", mode="before")
    @classmethod
    def _pin_data_or_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def main_edges(self) -> Iterable[tuple[str, int, Connection]]:
        """(source node, source output index, connection) for every main connection."""
        for source, kinds in self.connections.items():
            for out_index, targets in enumerate(kinds.get("main", [])):
                for conn in targets or []:
                    yield source, out_index, conn

    def supply_edges(self) -> Iterable[tuple[str, str, Connection]]:
        """(sub-node, connection kind, root connection) for every non-main connection:
        a sub-node such as a chat model supplies a capability to its root node."""
        for source, kinds in self.connections.items():
            for kind, ports in kinds.items():
                if kind == "main":
                    continue
                for targets in ports:
                    for conn in targets or []:
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


def parse_workflow(doc: Any, source: str | None = None) -> Workflow:
    """Build a Workflow from an already-decoded document, or raise WorkflowInvalid."""
    if not isinstance(doc, dict):
        kind = type(doc).__name__
        raise WorkflowInvalid([Problem(f"expected a workflow object, got {kind}")], source)
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
    try:
        doc = yaml.safe_load(text) if p.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
        raise WorkflowInvalid([problem], str(p)) from None
    except yaml.YAMLError as exc:
        raise WorkflowInvalid([Problem(f"malformed YAML: {exc}")], str(p)) from None
    return parse_workflow(doc, str(p))
