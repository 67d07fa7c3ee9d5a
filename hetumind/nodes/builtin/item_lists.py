"""Item Lists (v1-3.1): n8n's older all-in-one list node, mapped onto the standalone nodes.

Each operation became a node of its own in later n8n versions (Split Out, Aggregate,
Remove Duplicates, Sort, Limit, Summarize) with the same parameters, give or take a
shape. This node rewrites its parameters into those shapes and runs that node, so every
behaviour (and fast path) lives in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import ExecutionFacts, Node, NodeContext, NodeParams, SubNode, node
from hetumind.nodes.builtin._fields import MISSING, get_path
from hetumind.nodes.builtin.aggregate import Aggregate
from hetumind.nodes.builtin.remove_duplicates import ALLOW_MIXED_TYPES, RemoveDuplicates
from hetumind.nodes.builtin.sort_limit import Limit, Sort
from hetumind.nodes.builtin.split_out import SplitOut
from hetumind.nodes.builtin.summarize import Summarize

# Versions 1-2.x took field lists as fixedCollections ({"fields": [{"fieldName": ...}]});
# version 3 and the standalone nodes take comma-separated strings (or lists of names).
_FIELD_LISTS = ("fieldsToInclude", "fieldsToExclude", "fieldsToCompare")


class ItemListsParams(NodeParams):
    resource: str = "itemList"
    operation: str = "splitOutItems"


def _field_names(value: Any) -> Any:
    if isinstance(value, Mapping):
        return [f.get("fieldName", "") for f in value.get("fields") or [] if isinstance(f, Mapping)]
    return value


def _with_options(params: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {**params, "options": {**(params.get("options") or {}), **options}}


def delegate_for(
    operation: str, version: float, raw: Mapping[str, Any]
) -> tuple[Node, float, dict[str, Any]]:
    """The standalone node, its type version and parameters that do `operation`."""
    params = {k: _field_names(v) if k in _FIELD_LISTS else v for k, v in raw.items()}
    if operation == "splitOutItems":
        return SplitOut(), 1, params
    if operation in ("concatenateItems", "aggregateItems"):
        return Aggregate(), 1, params
    if operation == "removeDuplicates":
        if version >= 3.1:
            return RemoveDuplicates(), 1.1, _with_options(params, **{ALLOW_MIXED_TYPES: True})
        return RemoveDuplicates(), 1, params
    if operation == "sort":
        return Sort(), 1, params
    if operation == "limit":
        return Limit(), 1, params
    if operation == "summarize":
        # version 2.1 stopped checking that the summarized fields exist
        return (
            Summarize(),
            1,
            _with_options(params, continueIfFieldNotFound=True) if version >= 2.1 else params,
        )
    raise NodeExecutionError(f'The operation "{operation}" is not supported!')


class _Delegated:
    """The engine's context as the standalone node should see it: other version, other
    parameters; everything else (expressions, items, state) is the Item Lists node's."""

    def __init__(self, ctx: NodeContext, version: float, parameters: dict[str, Any]) -> None:
        self._ctx = ctx
        self._version = version
        self._parameters = parameters

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)  # engine extras a node may look for

    @property
    def execution(self) -> ExecutionFacts:
        return self._ctx.execution

    @property
    def node_name(self) -> str:
        return self._ctx.node_name

    @property
    def type_version(self) -> float:
        return self._version

    @property
    def run_index(self) -> int:
        return self._ctx.run_index

    @property
    def state(self) -> dict[str, Any]:
        return self._ctx.state

    @property
    def raw_parameters(self) -> Mapping[str, Any]:
        return self._parameters

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        value: Any = self._parameters
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return self._ctx.evaluate(value, item_index, path)

    def evaluate(self, value: Any, item_index: int, parameter: str) -> Any:
        return self._ctx.evaluate(value, item_index, parameter)

    def evaluate_column(
        self, value: Any, parameter: str, batch: ItemBatch | None = None
    ) -> list[Any] | Any:
        return self._ctx.evaluate_column(value, parameter, batch)

    @property
    def continue_on_fail(self) -> bool:
        return self._ctx.continue_on_fail

    def record(self, key: str, value: Any) -> None:
        self._ctx.record(key, value)

    def output_needed(self, port: int) -> bool:
        return self._ctx.output_needed(port)

    def supplied(self, kind: str) -> Sequence[SubNode]:
        return self._ctx.supplied(kind)

    def credentials(self, credential_type: str) -> dict[str, Any]:
        return self._ctx.credentials(credential_type)


@node(
    "itemLists",
    versions=[1, 2, 2.1, 2.2, 3, 3.1],
    display_name="Item Lists",
    params=ItemListsParams,
    pure=True,
)
class ItemLists(Node):
    """Helper for working with lists of items and transforming arrays."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        operation = str(ctx.param("operation", 0, "splitOutItems"))
        try:
            target, version, params = delegate_for(operation, ctx.type_version, ctx.raw_parameters)
        except NodeExecutionError as exc:
            raise NodeExecutionError(exc.reason, node=ctx.node_name) from None
        if operation == "splitOutItems" and ctx.type_version < 2.2 and inputs:
            _check_split_fields(ctx, inputs[0])
        aggregate = ctx.param("aggregate", 0, "aggregateIndividualFields")
        individual = operation == "aggregateItems" and aggregate == "aggregateIndividualFields"
        if individual and ctx.type_version < 2.1 and inputs and len(inputs[0]):
            _check_aggregate_fields(ctx, inputs[0])
        return target.run(_Delegated(ctx, version, params), inputs)


def _check_aggregate_fields(ctx: NodeContext, batch: ItemBatch) -> None:
    """Item Lists before 2.1: every field to aggregate must be named and be in some item
    (unless "Keep Missing And Null Values" is on); Aggregate never checks."""
    disable_dot = bool(ctx.param("options.disableDotNotation", 0, False))
    keep_missing = bool(ctx.param("options.keepMissing", 0, False))
    entries = ctx.param("fieldsToAggregate.fieldToAggregate", 0, []) or []
    rows = batch.to_json()
    for entry in entries if isinstance(entries, list) else []:
        field = str(entry.get("fieldToAggregate", "")) if isinstance(entry, Mapping) else ""
        if field == "":
            raise NodeExecutionError(
                "Field to aggregate is blank. Please add a field to aggregate",
                node=ctx.node_name,
            )
        found = any(get_path(row, field, disable_dot) is not MISSING for row in rows)
        if not found and (not keep_missing or (disable_dot and "." in field)):
            raise NodeExecutionError(
                f"Couldn't find the field '{field}' in the input data", node=ctx.node_name
            )


def _check_split_fields(ctx: NodeContext, batch: ItemBatch) -> None:
    """What Item Lists before 2.2 refused and Split Out accepts: a missing field (before
    2.1) and a value that is not a list (1) or not a list or an object (2, 2.1; null too)."""
    version = ctx.type_version
    disable_dot = bool(ctx.param("options.disableDotNotation", 0, False))
    rows = batch.to_json()
    for i, row in enumerate(rows):
        raw = str(ctx.param("fieldToSplitOut", i, "") or "")
        fields = [raw] if version < 2 else [f.strip() for f in raw.split(",")]
        for field in fields:
            value = get_path(row, field, disable_dot)
            if value is MISSING:
                if version >= 2.1:
                    continue
                hint = ""
                if "." in field and disable_dot:
                    hint = (
                        " (if you're trying to use a nested field, turn off 'disable dot "
                        "notation' in the node options)"
                    )
                raise NodeExecutionError(
                    f"Couldn't find the field '{field}' in the input data{hint}",
                    node=ctx.node_name,
                    item_index=i,
                )
            if version < 2 and not isinstance(value, list):
                raise NodeExecutionError(
                    f"The provided field '{field}' is not an array",
                    node=ctx.node_name,
                    item_index=i,
                )
            if not isinstance(value, list | dict):
                raise NodeExecutionError(
                    f"The provided field '{field}' is not an array or object",
                    node=ctx.node_name,
                    item_index=i,
                )
