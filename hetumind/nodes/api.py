"""The node API: how a node type is defined, registered and run.

A node is a class decorated with `@node(...)`. The decorator checks the definition once and
attaches a frozen `NodeDefinition`; the engine then calls `run(ctx, inputs)` with one
`ItemBatch` per input port and gets back one `ItemBatch` per output port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar, Union, get_args

from pydantic import BaseModel, ConfigDict, StringConstraints

from hetumind.items import ItemBatch

__all__ = [
    "ENGINE_API_VERSION",
    "NODE_CONTEXT_KEY",
    "BatchAlgorithm",
    "ExecutionFacts",
    "Expr",
    "Node",
    "NodeContext",
    "NodeDefinition",
    "NodeParams",
    "PortCount",
    "SubNode",
    "TriggerKind",
    "node",
]

ENGINE_API_VERSION = 1
"""Bumped when a change breaks nodes built against the previous API."""

NODE_CONTEXT_KEY = "nodeContext"
"""What a run records (`ctx.record(NODE_CONTEXT_KEY, {...})`) as its node's context: what
n8n's `$node["Name"].context` reads in later nodes' expressions (a loop's `noItemsLeft`)."""

T = TypeVar("T")
ExprStr = Annotated[str, StringConstraints(pattern=r"^=")]
Expr = Union[T, ExprStr]  # noqa: UP007 - a generic alias: Expr[int] is "int or an expression"
"""A parameter that may hold a literal of type T or an `=`-prefixed expression."""

PortCount = int | Callable[[Mapping[str, Any]], int]
"""A fixed number of ports, or one computed from the node's raw parameters."""

RequiredInputs = int | Sequence[int]
"""How many inputs must have items (an int), or which ones (a list of indexes)."""

TriggerKind = Literal[
    "manual", "webhook", "schedule", "polling", "error", "subworkflow", "form", "chat", "mcp"
]
"""What starts a run at a trigger node: a user or API call (manual), an HTTP request to its
route (webhook), its schedule rules, a poll, another workflow's failure (error), an
Execute Workflow node (subworkflow), a submission of its hosted form (form: /form/<path>)
or a message to its chat (chat: /webhook/<webhookId>/chat), or an MCP client's request
(mcp: /mcp/<path>). The server routes starts by kind, never by type name."""

BatchAlgorithm = Literal["summarize", "sort", "limit"]
"""A distributed algorithm `hetumind batch` has for a node that sees all items: two-phase
grouped aggregation, a range-partitioned sort, a per-block limit then a final one."""


class NodeParams(BaseModel):
    """Base for node parameter schemas: unknown keys are kept (n8n adds many)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


@dataclass(frozen=True)
class NodeDefinition:
    """What the engine knows about a node type without running it."""

    name: str
    """Short type name; registered as `hetumind.<name>` (and `n8n-nodes-base.<name>`)."""
    versions: tuple[float, ...]
    display_name: str
    description: str = ""
    inputs: PortCount = 1
    outputs: PortCount = 1
    params: type[NodeParams] = NodeParams
    trigger: bool = False
    loop: bool = False
    """A loop node may close a cycle in the graph (Loop Over Items)."""
    n8n: bool = True
    """Also answers to `n8n-nodes-base.<name>`."""
    aliases: tuple[str, ...] = ()
    """Further full type names, e.g. legacy n8n names."""
    api_version: int = ENGINE_API_VERSION
    required_inputs: RequiredInputs | Callable[[Mapping[str, Any]], RequiredInputs] = 1
    """For multi-input nodes: what must have arrived for a run with partial inputs, once
    nothing else can arrive (n8n's `requiredInputs`); otherwise the node does not run."""
    supplies: str | None = None
    """A sub-node: the connection kind it supplies to a root node (e.g. "ai_languageModel").
    Sub-nodes never run on their own; their root reads them through `ctx.supplied(kind)`."""
    accepts: tuple[str, ...] = ()
    """Connection kinds (besides main) a root node takes sub-nodes on."""
    also_supplies: tuple[str, ...] = ()
    """Further kinds it supplies in some modes (a vector store: ai_vectorStore when
    retrieving, ai_tool as a tool, and a main-input node when inserting)."""
    fusible: bool = True
    """Cheap enough to share a Ray task with its neighbours in a linear chain. Nodes that
    wait on the network or hold a GPU set this False so they get a task of their own."""
    sleeps: bool = False
    """Its run is mostly a timer (Wait): it needs no CPU while it runs, so a server may run
    it in one of its threads rather than hold a Ray worker's CPU for the whole sleep."""
    any_version: bool = False
    """n8n describes the node without versioned descriptions (a plain node type), so n8n
    runs it whatever typeVersion a workflow names; so does Hetumind."""
    trigger_kind: TriggerKind | None = None
    """What starts a run at this trigger (see TriggerKind); None for the other nodes, and
    for triggers nothing outside the engine starts."""
    pure: bool = False
    """Running it twice has no effect outside its outputs: after a worker dies Ray may run
    it again, and a resumed execution may repeat it. The default, effectful, means at most
    once: a node that calls out, writes or answers must not claim this."""
    item_wise: bool = False
    """Its output item i depends only on input item i and the parameters (no item counts,
    no other items): a batch run may run it on each block of rows separately."""
    reads_named_fields: bool = False
    """Every input field it reads is named in its parameters (a plain field name or
    `$json.field`): a batch run may read only those columns from the input file."""
    batch_algorithm: BatchAlgorithm | None = None
    """The distributed algorithm a batch run may use for it (see BatchAlgorithm)."""

    @property
    def type_names(self) -> tuple[str, ...]:
        names = [f"hetumind.{self.name}"]
        if self.n8n:
            names.append(f"n8n-nodes-base.{self.name}")
        return (*names, *self.aliases)

    def supports_version(self, version: float) -> bool:
        """Whether a workflow may use this node at typeVersion `version`."""
        return self.any_version or float(version) in self.versions

    def input_count(self, parameters: Mapping[str, Any]) -> int:
        return self.inputs(parameters) if callable(self.inputs) else self.inputs

    def output_count(self, parameters: Mapping[str, Any]) -> int:
        return self.outputs(parameters) if callable(self.outputs) else self.outputs

    def can_run_with(self, parameters: Mapping[str, Any], present: Sequence[int]) -> bool:
        """Whether a multi-input node may run with only the inputs in `present`."""
        required = self.required_inputs
        if callable(required):
            required = required(parameters)
        if isinstance(required, int):
            return len(present) >= required
        return set(required) <= set(present)


class ExecutionFacts(Protocol):
    """What a node may know about the execution it runs in."""

    @property
    def execution_id(self) -> str: ...

    @property
    def workflow_id(self) -> str | None: ...

    @property
    def workflow_name(self) -> str: ...

    @property
    def mode(self) -> str: ...

    @property
    def settings(self) -> Mapping[str, Any]: ...

    @property
    def now(self) -> datetime:
        """When the execution started (`$now` for every item)."""
        ...

    @property
    def credentials(self) -> Mapping[str, Mapping[str, Any]]:
        """Credential data looked up before the run (use `NodeContext.credentials`)."""
        ...

    @property
    def park_waits(self) -> bool: ...


class NodeContext(Protocol):
    """What a running node may ask of the engine."""

    @property
    def execution(self) -> ExecutionFacts: ...

    @property
    def node_name(self) -> str: ...

    @property
    def type_version(self) -> float: ...

    @property
    def run_index(self) -> int: ...

    @property
    def state(self) -> dict[str, Any]:
        """Kept across runs of this node within one execution (Loop Over Items)."""
        ...

    @property
    def raw_parameters(self) -> Mapping[str, Any]: ...

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        """The parameter at dotted `path` with expressions evaluated for input item
        `item_index` of input 0 (nested dicts/lists evaluated recursively)."""
        ...

    def evaluate(self, value: Any, item_index: int, parameter: str) -> Any:
        """Evaluate a raw parameter value (expression or not) for one item."""
        ...

    def evaluate_column(
        self, value: Any, parameter: str, batch: ItemBatch | None = None
    ) -> list[Any] | Any:
        """Evaluate `value` for every item of `batch` (default: input 0).

        Returns an Arrow array when the expression vectorizes (or is a constant, broadcast),
        else a Python list with one value per item.
        """
        ...

    @property
    def continue_on_fail(self) -> bool:
        """onError is continueRegularOutput or continueErrorOutput."""
        ...

    def record(self, key: str, value: Any) -> None:
        """Attach a small JSON value to this run's data (RunMeta.extra): Code logs, AI
        steps, a webhook response. Kept even when the node then fails."""
        ...

    def output_needed(self, port: int) -> bool:
        """Whether anything reads output `port` (connected, or kept for run data); a node
        may leave an unneeded output empty instead of computing it."""
        ...

    def supplied(self, kind: str) -> Sequence[SubNode]:
        """The sub-nodes connected to this node on `kind` (e.g. its chat model, tools)."""
        ...

    def static_data(self, kind: str = "global") -> dict[str, Any]:
        """n8n's `$getWorkflowStaticData(kind)`: a dict ("global", or this node's own with
        "node") kept between executions of the workflow; change it in place. Saved when
        the execution ends (by the server; a stand-alone run reports it in its result)."""
        ...

    def credentials(self, credential_type: str) -> dict[str, Any]:
        """The decrypted data of this node's `credential_type` credential ({} when the node
        names none); see hetumind.credentials for where it comes from."""
        ...


@dataclass(frozen=True)
class SubNode:
    """A sub-node as its root node sees it: the node, and its own sub-nodes by kind."""

    node: Any
    """The `hetumind.workflow.Node` (type, parameters, credentials)."""
    supplied: Mapping[str, tuple[SubNode, ...]] = field(default_factory=dict)


class Node:
    """Base class for node implementations. Subclasses override `run`."""

    definition: ClassVar[NodeDefinition]

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        raise NotImplementedError


N = TypeVar("N", bound=type[Node])


def node(
    name: str,
    *,
    versions: Sequence[float],
    display_name: str,
    description: str = "",
    inputs: PortCount = 1,
    outputs: PortCount = 1,
    params: type[NodeParams] = NodeParams,
    trigger: bool = False,
    loop: bool = False,
    n8n: bool = True,
    aliases: Sequence[str] = (),
    api_version: int = ENGINE_API_VERSION,
    required_inputs: RequiredInputs | Callable[[Mapping[str, Any]], RequiredInputs] = 1,
    supplies: str | None = None,
    accepts: Sequence[str] = (),
    also_supplies: Sequence[str] = (),
    fusible: bool = True,
    sleeps: bool = False,
    any_version: bool = False,
    trigger_kind: TriggerKind | None = None,
    pure: bool = False,
    item_wise: bool = False,
    reads_named_fields: bool = False,
    batch_algorithm: BatchAlgorithm | None = None,
) -> Callable[[N], N]:
    """Declare a node type; the definition is checked here, once.

    Example:
        >>> @node("noOp", versions=[1], display_name="No Operation")
        ... class NoOp(Node):
        ...     def run(self, ctx, inputs):
        ...         return [inputs[0]]
    """

    def decorate(cls: N) -> N:
        problems = []
        if not name or not name.replace("_", "").isalnum():
            problems.append(f"name {name!r} must be alphanumeric")
        if not versions or any(not isinstance(v, int | float) for v in versions):
            problems.append("versions must be a non-empty list of numbers")
        if not issubclass(cls, Node) or cls.run is Node.run:
            problems.append("must subclass hetumind.nodes.Node and override run()")
        if not (isinstance(params, type) and issubclass(params, BaseModel)):
            problems.append("params must be a pydantic model")
        for label, count in (("inputs", inputs), ("outputs", outputs)):
            if not callable(count) and (not isinstance(count, int) or count < 0):
                problems.append(f"{label} must be a non-negative int or a callable")
        if trigger_kind is not None and trigger_kind not in get_args(TriggerKind):
            problems.append(f"trigger_kind must be one of {get_args(TriggerKind)}")
        if batch_algorithm is not None and batch_algorithm not in get_args(BatchAlgorithm):
            problems.append(f"batch_algorithm must be one of {get_args(BatchAlgorithm)}")
        if problems:
            raise TypeError(f"node {name!r} ({cls.__qualname__}): " + "; ".join(problems))
        cls.definition = NodeDefinition(
            name=name,
            versions=tuple(float(v) for v in versions),
            display_name=display_name,
            description=description or (cls.__doc__ or "").strip().split("\n")[0],
            inputs=inputs,
            outputs=outputs,
            params=params,
            trigger=trigger or trigger_kind is not None,
            loop=loop,
            n8n=n8n,
            aliases=tuple(aliases),
            api_version=api_version,
            required_inputs=required_inputs,
            supplies=supplies,
            accepts=tuple(accepts),
            also_supplies=tuple(also_supplies),
            fusible=fusible,
            sleeps=sleeps,
            any_version=any_version,
            trigger_kind=trigger_kind,
            pure=pure,
            item_wise=item_wise,
            reads_named_fields=reads_named_fields,
            batch_algorithm=batch_algorithm,
        )
        return cls

    return decorate
