"""What a node sees while it runs: parameters with expressions resolved, and item access.

Expressions read items through accessors that convert Arrow rows to Python lazily, so a
node whose parameters vectorize never turns its batch into Python objects.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from hetumind.capabilities import Capabilities
from hetumind.capabilities import enter as enter_capabilities
from hetumind.credentials import resolve_credential
from hetumind.engine.custom_data import CustomDataView
from hetumind.errors import ExpressionError
from hetumind.execution_services import Services
from hetumind.execution_services import enter as enter_services
from hetumind.expressions import (
    NotVectorizable,
    compile_parameter,
    evaluate_parameters,
    is_expression,
)
from hetumind.expressions.context import ExpressionContext, Item
from hetumind.items import ItemBatch
from hetumind.nodes.api import NODE_CONTEXT_KEY, SubNode
from hetumind.workflow import Node

__all__ = ["NODE_CONTEXT_KEY", "STATIC_DATA_KEY", "ExecutionInfo", "NodeOutputs", "NodeRunContext"]

STATIC_DATA_KEY = "staticData"
"""RunMeta.extra key: the static data a run read or changed, by key ("global", "node:X")."""


@dataclass(frozen=True)
class ExecutionInfo:
    """Facts about the execution that every node run shares."""

    execution_id: str
    workflow_id: str | None
    workflow_name: str
    mode: str = "manual"
    now: datetime = field(default_factory=lambda: datetime.now().astimezone())
    env: Mapping[str, str] = field(default_factory=dict)
    vars: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The workflow's `settings` (the Code node reads its sandbox limits there)."""
    credentials: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Credential data the coordinator looked up before the run, by `credential_key`."""
    static_data: dict[str, Any] = field(default_factory=dict)
    """n8n's workflow static data ({"global": {...}, "node:<name>": {...}}), kept between
    executions by the server; nodes change it through `ctx.static_data(kind)`."""
    resume_url: str = ""
    """`$execution.resumeUrl`: where a webhook Wait is resumed (set by the server)."""
    park_waits: bool = False
    """A Wait node parks the execution instead of sleeping (see Coordinator.park_waits)."""
    custom_data: dict[str, str] = field(default_factory=dict)
    """`$execution.customData` set by the node runs so far (see engine/custom_data.py)."""
    capabilities: Capabilities = field(default_factory=Capabilities.local)
    """What the workflow may reach (files, network, inline credentials, $env): set by
    whoever starts the execution; the server's is `Capabilities.server_mode()`."""
    traceparent: str = ""
    """The execution span's W3C trace context, for node-run spans in workers ("" when
    traces are off: hetumind.observability.tracing)."""
    services: Services = field(default_factory=Services)
    """The blob store and credential services whoever started the execution handed it
    (RunOptions.services; hetumind.execution_services). Workers get the description only."""

    @staticmethod
    def environment(capabilities: Capabilities | None = None) -> dict[str, str]:
        """$env, unless the capabilities block it (server mode; n8n's
        N8N_BLOCK_ENV_ACCESS_IN_NODE)."""
        return (capabilities or Capabilities.local()).environment()


@dataclass
class NodeOutputs:
    """A finished run's outputs, as another node's expressions see them via $('Name')."""

    name: str
    outputs: list[ItemBatch]
    parameters: Mapping[str, Any]
    context: Mapping[str, Any] = field(default_factory=dict)
    """What its run recorded as its node context (NODE_CONTEXT_KEY), e.g. a loop's state."""
    _items: dict[int, list[Item]] = field(default_factory=dict)

    def items(self, branch: int) -> list[Item]:
        if branch not in self._items:
            batch = self.outputs[branch] if branch < len(self.outputs) else ItemBatch.empty()
            self._items[branch] = batch.to_items()
        return self._items[branch]

    def flat_item(self, flat_index: int) -> Item | None:
        """Item by index into all output ports concatenated (how lineage counts)."""
        for branch, batch in enumerate(self.outputs):
            if flat_index < len(batch):
                return self.items(branch)[flat_index]
            flat_index -= len(batch)
        return None


class _ItemsAccessor:
    """$('Name') for one item being evaluated."""

    def __init__(self, data: NodeOutputs | None, lineage: pa.Array | None, current: int) -> None:
        self._data = data
        self._lineage = lineage
        self._current = current

    @property
    def is_executed(self) -> bool:
        return self._data is not None

    def _require(self) -> NodeOutputs:
        if self._data is None:
            raise ExpressionError("the referenced node has not been executed yet")
        return self._data

    def all(self, branch: int = 0, run_index: int | None = None) -> list[Item]:
        return list(self._require().items(branch))

    def first(self, branch: int = 0, run_index: int | None = None) -> Item | None:
        items = self._require().items(branch)
        return items[0] if items else None

    def last(self, branch: int = 0, run_index: int | None = None) -> Item | None:
        items = self._require().items(branch)
        return items[-1] if items else None

    def item_matching(self, item_index: int) -> Item | None:
        data = self._require()
        if self._lineage is None or not 0 <= item_index < len(self._lineage):
            raise ExpressionError(
                f"paired item data for node {data.name!r} is unavailable: "
                f"the item does not descend from one of its items"
            )
        flat = self._lineage[item_index].as_py()
        if flat is None:
            raise ExpressionError(f"paired item data for node {data.name!r} is unavailable")
        return data.flat_item(flat)

    def item(self) -> Item | None:
        return self.item_matching(self._current)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._require().parameters)

    @property
    def context(self) -> dict[str, Any]:
        # n8n's `$node["Name"].context` is {} for a node without one, run or not
        return dict(self._data.context) if self._data is not None else {}


class _InputAccessor:
    """$input: the items of input 0 of the node being run."""

    def __init__(self, run: NodeRunContext, current: int) -> None:
        self._run = run
        self._current = current

    @property
    def is_executed(self) -> bool:
        return True

    def all(self, branch: int = 0, run_index: int | None = None) -> list[Item]:
        return list(self._run.input_items(branch))

    def first(self, branch: int = 0, run_index: int | None = None) -> Item | None:
        items = self._run.input_items(branch)
        return items[0] if items else None

    def last(self, branch: int = 0, run_index: int | None = None) -> Item | None:
        items = self._run.input_items(branch)
        return items[-1] if items else None

    def item_matching(self, item_index: int) -> Item | None:
        items = self._run.input_items(0)
        return items[item_index] if 0 <= item_index < len(items) else None

    def item(self) -> Item | None:
        return self.item_matching(self._current)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._run.raw_parameters)

    @property
    def context(self) -> dict[str, Any]:
        return {}  # $input has no node context of its own


_NO_DEFAULT = object()


class NodeRunContext:
    """The engine's `NodeContext`: one per node run, inside the worker that runs it.

    `vectorize=False` makes `evaluate_column` go item by item, so tests can check that both
    paths of a node agree.
    """

    def __init__(
        self,
        node: Node,
        inputs: Sequence[ItemBatch],
        *,
        run_index: int,
        info: ExecutionInfo,
        state: dict[str, Any],
        references: Mapping[str, NodeOutputs],
        continue_on_fail: bool,
        vectorize: bool = True,
        supplied: Mapping[str, tuple[SubNode, ...]] | None = None,
        needed_outputs: frozenset[int] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self._extra = extra if extra is not None else {}
        self._needed_outputs = needed_outputs
        self._vectorize = vectorize
        self._supplied = supplied or {}
        self._node = node
        self._inputs = list(inputs)
        self._run_index = run_index
        self._info = info
        self._state = state
        self._references = references
        self._continue_on_fail = continue_on_fail
        self._input_items: dict[int, list[Item]] = {}
        enter_capabilities(info.capabilities)  # for helpers handed no context (file paths)
        enter_services(info.services)  # for helpers handed no context (binary data)

    # NodeContext --------------------------------------------------------------------------
    @property
    def node_name(self) -> str:
        return self._node.name

    @property
    def type_version(self) -> float:
        return float(self._node.type_version)

    @property
    def run_index(self) -> int:
        return self._run_index

    @property
    def state(self) -> dict[str, Any]:
        return self._state

    @property
    def raw_parameters(self) -> Mapping[str, Any]:
        return self._node.parameters

    @property
    def continue_on_fail(self) -> bool:
        return self._continue_on_fail

    def record(self, key: str, value: Any) -> None:
        self._extra[key] = value

    def output_needed(self, port: int) -> bool:
        return self._needed_outputs is None or port in self._needed_outputs

    def supplied(self, kind: str) -> Sequence[SubNode]:
        return self._supplied.get(kind, ())

    @property
    def execution(self) -> ExecutionInfo:
        """Execution-wide facts: ids, workflow name and settings, $vars."""
        return self._info

    def static_data(self, kind: str = "global") -> dict[str, Any]:
        key = "global" if kind == "global" else f"node:{self.node_name}"
        touched = self._extra.setdefault(STATIC_DATA_KEY, {})
        if key not in touched:
            touched[key] = copy.deepcopy(self._info.static_data.get(key) or {})
        data: dict[str, Any] = touched[key]
        return data

    def credentials(self, credential_type: str) -> dict[str, Any]:
        return resolve_credential(
            self._node.credentials,
            credential_type,
            self._info.credentials,
            capabilities=self._info.capabilities,
            node=self.node_name,
        )

    @property
    def credential_refs(self) -> Mapping[str, Any]:
        """The node's credential references by type, as the workflow names them: where
        renewed data (an OAuth2 refresh) is written back (hetumind.credentials)."""
        return self._node.credentials

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        value: Any = self._node.parameters
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return self.evaluate(value, item_index, path)

    def evaluate(self, value: Any, item_index: int, parameter: str) -> Any:
        if not _contains_expression(value):
            return value
        ctx = self.expression_context(item_index)
        try:
            return evaluate_parameters(value, ctx)
        except ExpressionError as exc:
            raise exc.located(
                node=self.node_name, parameter=parameter, item_index=item_index
            ) from None

    def evaluate_column(
        self, value: Any, parameter: str, batch: ItemBatch | None = None
    ) -> list[Any] | Any:
        batch = batch if batch is not None else self.input(0)
        n = len(batch)
        if not is_expression(value):
            return _broadcast(value, n) if self._vectorize else [value] * n
        compiled = self._compile(value, parameter)
        plan = compiled.vectorize() if self._vectorize else None
        if plan is not None:
            try:
                return plan.evaluate(batch.typed_column, n)
            except NotVectorizable:
                pass
            except ExpressionError as exc:
                raise exc.located(node=self.node_name, parameter=parameter) from None
        if batch is self.input(0):
            return [self.evaluate(value, i, parameter) for i in range(n)]
        rows = batch.to_json()
        out = []
        for i, row in enumerate(rows):
            ctx = self.expression_context(i)
            ctx.json = row
            try:
                out.append(compiled.evaluate(ctx))
            except ExpressionError as exc:
                raise exc.located(node=self.node_name, parameter=parameter, item_index=i) from None
        return out

    # helpers for the engine and for accessors -------------------------------------------------
    @property
    def references(self) -> Mapping[str, NodeOutputs]:
        """Outputs of the nodes this node reads by name (plan: `PlannedNode.references`)."""
        return self._references

    def input(self, port: int) -> ItemBatch:
        return self._inputs[port] if port < len(self._inputs) else ItemBatch.empty()

    def input_items(self, port: int) -> list[Item]:
        if port not in self._input_items:
            self._input_items[port] = self.input(port).to_items()
        return self._input_items[port]

    def _compile(self, text: str, parameter: str) -> Any:
        try:
            return compile_parameter(text)
        except ExpressionError as exc:
            raise exc.located(node=self.node_name, parameter=parameter) from None

    def expression_context(self, item_index: int) -> ExpressionContext:
        items = self.input_items(0)
        item = items[item_index] if 0 <= item_index < len(items) else {"json": {}}
        lineage_source = self.input(0)

        def node_data(name: str) -> _ItemsAccessor:
            data = self._references.get(name)
            return _ItemsAccessor(data, lineage_source.lineage.get(name), item_index)

        return ExpressionContext(
            json=item["json"],
            binary=item.get("binary"),
            item_index=item_index,
            run_index=self._run_index,
            input=_InputAccessor(self, item_index),
            node_data=node_data,
            node_name=self.node_name,
            parameters=self._node.parameters,
            workflow={
                "id": self._info.workflow_id,
                "name": self._info.workflow_name,
                "active": False,
            },
            execution={
                "id": self._info.execution_id,
                "mode": "test" if self._info.mode == "manual" else "production",
                "resumeUrl": self._info.resume_url,
                "customData": CustomDataView(self._info.custom_data, self._extra),
            },
            env=self._info.env,
            vars=self._info.vars,
            now=self._info.now,
            static_data=self.static_data,
        )


def _contains_expression(value: Any) -> bool:
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, dict):
        return any(_contains_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_expression(v) for v in value)
    return False


def _broadcast(value: Any, n: int) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        try:
            return pa.repeat(value, n) if value is not None else pa.nulls(n)
        except (pa.ArrowInvalid, OverflowError):
            pass
    return [value] * n
