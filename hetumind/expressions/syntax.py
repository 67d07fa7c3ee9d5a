"""The abstract syntax tree. `pos`/`end` are offsets into the whole parameter text.

Expressions and statements of the JavaScript subset n8n users write inside `{{ }}`.
Binding targets (declarations, parameters, destructuring assignment) are patterns:
`Ident`, `ArrayPattern`, `ObjectPattern`, `DefaultPattern` and `RestPattern`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ArrayLit",
    "ArrayPattern",
    "Arrow",
    "Assign",
    "Binary",
    "Block",
    "Break",
    "Call",
    "Conditional",
    "Continue",
    "DefaultPattern",
    "DoWhile",
    "ExprStmt",
    "For",
    "ForIn",
    "Ident",
    "If",
    "Literal",
    "Logical",
    "Member",
    "New",
    "Node",
    "ObjectLit",
    "ObjectPattern",
    "OptionalChain",
    "Program",
    "Regex",
    "RestPattern",
    "Return",
    "Sequence",
    "Spread",
    "Switch",
    "Template",
    "Throw",
    "Try",
    "Unary",
    "Update",
    "VarDecl",
    "While",
]


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    pos: int
    end: int


# -- expressions ---------------------------------------------------------------------------
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
    elements: tuple[Node | None, ...]  # None is a hole: `[1, , 3]`


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
class New(Node):
    callee: Node
    args: tuple[Node, ...]


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
class Assign(Node):
    op: str  # = += -= ... &&= ||= ??=
    target: Node  # Ident, Member, or a pattern for `=`
    value: Node


@dataclass(frozen=True, slots=True, eq=False)
class Update(Node):
    op: str  # ++ --
    prefix: bool
    target: Node


@dataclass(frozen=True, slots=True, eq=False)
class Sequence(Node):
    exprs: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Arrow(Node):
    """An arrow function or a function expression/declaration (`is_arrow` False)."""

    params: tuple[Node, ...]  # patterns
    body: Node  # an expression, or a Block
    name: str | None = None
    is_arrow: bool = True


# -- patterns ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class ArrayPattern(Node):
    elements: tuple[Node | None, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ObjectPattern(Node):
    # (key, target): key a str or a computed Node; a RestPattern has key None.
    props: tuple[tuple[str | Node | None, Node], ...]


@dataclass(frozen=True, slots=True, eq=False)
class DefaultPattern(Node):
    target: Node
    default: Node


@dataclass(frozen=True, slots=True, eq=False)
class RestPattern(Node):
    target: Node


# -- statements ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Program(Node):
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Block(Node):
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ExprStmt(Node):
    expr: Node


@dataclass(frozen=True, slots=True, eq=False)
class VarDecl(Node):
    kind: str  # var | let | const | function
    decls: tuple[tuple[Node, Node | None], ...]  # (pattern, initializer)


@dataclass(frozen=True, slots=True, eq=False)
class Return(Node):
    expr: Node | None


@dataclass(frozen=True, slots=True, eq=False)
class If(Node):
    test: Node
    consequent: Node
    alternate: Node | None


@dataclass(frozen=True, slots=True, eq=False)
class For(Node):
    init: Node | None  # a VarDecl or an ExprStmt
    test: Node | None
    update: Node | None
    body: Node


@dataclass(frozen=True, slots=True, eq=False)
class ForIn(Node):
    """`for (x of xs)` (`of` True) and `for (k in obj)`."""

    kind: str | None  # var | let | const, or None for an existing binding
    target: Node
    iterable: Node
    body: Node
    of: bool


@dataclass(frozen=True, slots=True, eq=False)
class While(Node):
    test: Node
    body: Node


@dataclass(frozen=True, slots=True, eq=False)
class DoWhile(Node):
    body: Node
    test: Node


@dataclass(frozen=True, slots=True, eq=False)
class Break(Node):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class Continue(Node):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class Throw(Node):
    expr: Node


@dataclass(frozen=True, slots=True, eq=False)
class Try(Node):
    block: Block
    param: Node | None
    handler: Block | None
    finalizer: Block | None


@dataclass(frozen=True, slots=True, eq=False)
class Switch(Node):
    discriminant: Node
    cases: tuple[tuple[Node | None, tuple[Node, ...]], ...]  # (test or None for default)
