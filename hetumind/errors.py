"""One error hierarchy for everything Hetumind raises on purpose.

HTTP status codes and exit codes are chosen at the edges (CLI, API) from these types;
the library itself only says *what* went wrong and *where*.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ExpressionError",
    "Forbidden",
    "HetumindError",
    "NodeExecutionError",
    "NotFound",
    "Problem",
    "WorkflowInvalid",
]


class HetumindError(Exception):
    """Base of every error Hetumind raises deliberately."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def to_dict(self) -> dict[str, object]:
        return {"message": self.message, "type": type(self).__name__}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workflow: where (node, field) and what."""

    message: str
    node: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = " ".join(
            part
            for part in (
                f"node {self.node!r}" if self.node else "",
                f"field {self.field!r}" if self.field else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class WorkflowInvalid(HetumindError):
    """The workflow document cannot run; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}workflow is invalid ({len(self.problems)} problem(s)):\n{lines}")

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "type": "WorkflowInvalid",
            "problems": [
                {"message": p.message, "node": p.node, "field": p.field} for p in self.problems
            ],
        }


class ExpressionError(HetumindError):
    """An `{{ }}` expression failed to parse or evaluate.

    `position` is the 0-based character offset in the parameter text where the problem is.
    The node, parameter and item index are filled in by whoever evaluates the parameter.
    """

    def __init__(
        self,
        message: str,
        *,
        position: int | None = None,
        node: str | None = None,
        parameter: str | None = None,
        item_index: int | None = None,
        expression: str | None = None,
    ) -> None:
        self.reason = message
        self.position = position
        self.node = node
        self.parameter = parameter
        self.item_index = item_index
        self.expression = expression
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.node is not None:
            where.append(f"node {self.node!r}")
        if self.parameter is not None:
            where.append(f"parameter {self.parameter!r}")
        if self.item_index is not None:
            where.append(f"item {self.item_index}")
        if self.position is not None:
            where.append(f"position {self.position}")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.reason}"

    def located(
        self,
        *,
        node: str | None = None,
        parameter: str | None = None,
        item_index: int | None = None,
    ) -> ExpressionError:
        """Return a copy that also says where the expression lives."""
        return ExpressionError(
            self.reason,
            position=self.position,
            node=node if node is not None else self.node,
            parameter=parameter if parameter is not None else self.parameter,
            item_index=item_index if item_index is not None else self.item_index,
            expression=self.expression,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "type": "ExpressionError",
            "node": self.node,
            "parameter": self.parameter,
            "itemIndex": self.item_index,
            "position": self.position,
        }


class NodeExecutionError(HetumindError):
    """A node failed while running; names the node and, when known, the item."""

    def __init__(
        self, message: str, *, node: str | None = None, item_index: int | None = None
    ) -> None:
        self.reason = message
        self.node = node
        self.item_index = item_index
        where = []
        if node is not None:
            where.append(f"node {node!r}")
        if item_index is not None:
            where.append(f"item {item_index}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)

    def with_node(self, node: str) -> NodeExecutionError:
        """The same failure attributed to `node`, keeping the message as it is."""
        copy = NodeExecutionError(self.reason, item_index=self.item_index)
        copy.node = node
        return copy

    def to_dict(self) -> dict[str, object]:
        # Node and item have fields of their own here; the message is n8n's bare text.
        return {
            "message": self.reason,
            "type": "NodeExecutionError",
            "node": self.node,
            "itemIndex": self.item_index,
        }


class NotFound(HetumindError):
    """Something asked for by name or id does not exist."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} {key!r} not found")


class Forbidden(HetumindError):
    """The caller may not do this."""
