"""The abstract syntax tree. `pos`/`end` are offsets into the whole parameter text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ArrayLit",
    "Arrow",
    "Binary",
    "Block",
    "Call",
    "Conditional",
    "Declare",
    "ExprStmt",
    "Ident",
    "If",
    "Literal",
    "Logical",
    "Member",
    "Node",
    "ObjectLit",
    "OptionalChain",
    "Param",
    "Regex",
    "Return",
    "Spread",
    "Template",
    "Unary",
]


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    pos: int
    end: int


@dataclass(frozen=True, slots=True, eq=False)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True, eq=False)
class Regex(Node):
    pattern: str
    flags: str


@dataclass(frozen=True, slots=True, eq=False)
class Template(Node):
    strings: tuple[str, ...]
    exprs: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Ident(Node):
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Spread(Node):
    expr: Node


@dataclass(frozen=True, slots=True, eq=False)
class ArrayLit(Node):
    elements: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ObjectLit(Node):
    # (key, value): key is a str or a computed Node; a Spread has key None.
    props: tuple[tuple[str | Node | None, Node], ...]


@dataclass(frozen=True, slots=True, eq=False)
class Member(Node):
    obj: Node
    prop: str | Node  # str for `.name`, Node for `[expr]`
    optional: bool


@dataclass(frozen=True, slots=True, eq=False)
class Call(Node):
    callee: Node
    args: tuple[Node, ...]
    optional: bool


@dataclass(frozen=True, slots=True, eq=False)
class OptionalChain(Node):
    """Where a `?.` short-circuit lands: the whole chain yields undefined."""

    expr: Node


@dataclass(frozen=True, slots=True, eq=False)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True, eq=False)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True, eq=False)
class Logical(Node):
    op: str  # && || ??
    left: Node
    right: Node


@dataclass(frozen=True, slots=True, eq=False)
class Conditional(Node):
    test: Node
    consequent: Node
    alternate: Node


@dataclass(frozen=True, slots=True, eq=False)
class Param:
    name: str | None
    default: Node | None = None
    rest: bool = False
    # `({a, b}) => ...`: the names picked out of an object argument.
    pattern: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Arrow(Node):
    params: tuple[Param, ...]
    body: Node  # an expression, or a Block


@dataclass(frozen=True, slots=True, eq=False)
class Block(Node):
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Return(Node):
    expr: Node | None


@dataclass(frozen=True, slots=True, eq=False)
class Declare(Node):
    name: str
    expr: Node | None


@dataclass(frozen=True, slots=True, eq=False)
class ExprStmt(Node):
    expr: Node


@dataclass(frozen=True, slots=True, eq=False)
class If(Node):
    test: Node
    consequent: Node
    alternate: Node | None
