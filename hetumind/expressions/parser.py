"""A Pratt parser for the JavaScript n8n users write in `{{ }}`: expressions here,
statements in `statements_parser`.

Nesting is bounded (MAX_DEPTH) so hostile input ends in a clear ExpressionError, never a
RecursionError; chains of binary operators and member accesses are parsed in loops.
"""

from __future__ import annotations

from hetumind.errors import ExpressionError
from hetumind.expressions import syntax as ast
from hetumind.expressions.lexer import Template, Token, tokenize

__all__ = ["MAX_DEPTH", "ExpressionParser", "parse_expression", "parse_tokens"]

MAX_DEPTH = 120
MAX_CHAIN = 300  # `.a`, `[k]` and `(...)` links after one primary

_BINARY_PRECEDENCE: dict[str, int] = {
    "??": 1, "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "===": 7, "!==": 7,
    "<": 8, ">": 8, "<=": 8, ">=": 8, "in": 8, "instanceof": 8,
    "<<": 9, ">>": 9, ">>>": 9,
    "+": 10, "-": 10, "*": 11, "/": 11, "%": 11, "**": 12,
}  # fmt: skip
_LOGICAL = frozenset({"&&", "||", "??"})
_UNARY = frozenset({"!", "-", "+", "~", "typeof", "void", "delete"})
ASSIGN_OPS = frozenset(
    {"=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=",
     "&&=", "||=", "??="}
)  # fmt: skip
_LITERALS: dict[str, object] = {"true": True, "false": False, "null": None}
RESERVED = frozenset(
    {"const", "let", "var", "return", "if", "else", "function", "new", "class", "delete",
     "this", "for", "while", "do", "switch", "case", "break", "continue", "throw", "try",
     "catch", "finally", "yield", "await", "import", "export", "with", "debugger", "super",
     "default", "typeof", "void", "in", "instanceof", "true", "false", "null", "async"}
)  # fmt: skip


class ExpressionParser:
    def __init__(self, text: str, tokens: list[Token] | tuple[Token, ...]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.no_in = False  # inside a `for (... in` head, `in` is not an operator
        self.parenthesized: set[int] = set()  # ids of nodes written inside ( )

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def error(self, message: str, tok: Token | None = None) -> ExpressionError:
        tok = tok or self.tok
        return ExpressionError(message, position=tok.pos, expression=self.text)

    def unexpected(self) -> ExpressionError:
        tok = self.tok
        if tok.kind == "eof":
            return self.error("unexpected end of expression")
        return self.error(f"unexpected token {self.text[tok.pos : tok.end]!r}")

    def at(self, value: str) -> bool:
        tok = self.tok
        return tok.value == value and tok.kind in ("punct", "ident")

    def accept(self, value: str) -> Token | None:
        if self.at(value):
            tok = self.tok
            self.i += 1
            return tok
        return None

    def expect(self, value: str) -> Token:
        tok = self.accept(value)
        if tok is None:
            if self.tok.kind == "eof":
                raise self.error(f"expected {value!r} before the end")
            raise self.error(f"expected {value!r}, got {self.text[self.tok.pos : self.tok.end]!r}")
        return tok

    def ident_name(self) -> Token:
        tok = self.tok
        if tok.kind != "ident":
            raise self.unexpected()
        self.i += 1
        return tok

    def binding_name(self) -> ast.Ident:
        tok = self.ident_name()
        if tok.value in RESERVED:
            self.i -= 1
            raise self.unexpected()
        return ast.Ident(tok.pos, tok.end, str(tok.value))

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression is nested too deeply (more than {MAX_DEPTH} levels)")

    # -- expressions ---------------------------------------------------------------------
    def parse_all(self) -> ast.Node:
        if self.tok.kind == "eof":
            raise self.error("empty expression")
        node = self.expression()
        if self.tok.kind != "eof":
            raise self.unexpected()
        return node

    def expression(self) -> ast.Node:
        node = self.assignment()
        if not self.at(","):
            return node
        exprs = [node]
        while self.accept(","):
            exprs.append(self.assignment())
        return ast.Sequence(node.pos, exprs[-1].end, tuple(exprs))

    def assignment(self) -> ast.Node:
        self.enter()
        try:
            if self._arrow_ahead():
                return self.arrow()
            node = self.conditional()
            tok = self.tok
            if tok.kind == "punct" and tok.value in ASSIGN_OPS:
                op = str(tok.value)
                self.i += 1
                if op == "=" and isinstance(node, ast.ArrayLit | ast.ObjectLit):
                    target = self.to_pattern(node)
                elif isinstance(node, ast.Ident | ast.Member):
                    target = node
                else:
                    raise self.error("invalid assignment target", tok)
                value = self.assignment()
                return ast.Assign(node.pos, value.end, op, target, value)
            return node
        finally:
            self.depth -= 1

    def conditional(self) -> ast.Node:
        test = self.binary(0)
        if not self.accept("?"):
            return test
        saved, self.no_in = self.no_in, False
        consequent = self.assignment()
        self.no_in = saved
        self.expect(":")
        alternate = self.assignment()
        return ast.Conditional(test.pos, alternate.end, test, consequent, alternate)

    def binary(self, min_prec: int) -> ast.Node:
        left = self.unary()
        while True:
            tok = self.tok
            op = tok.value
            if tok.kind not in ("punct", "ident") or not isinstance(op, str):
                return left
            prec = _BINARY_PRECEDENCE.get(op)
            if prec is None or prec <= min_prec or (op == "in" and self.no_in):
                return left
            self.i += 1
            # `**` binds to the right: 2 ** 3 ** 2 is 2 ** 9.
            self.enter()
            right = self.binary(prec - 1 if op == "**" else prec)
            self.depth -= 1
            if op in _LOGICAL:
                self._check_nullish_mix(op, left, right, tok)
                left = ast.Logical(left.pos, right.end, op, left, right)
            else:
                left = ast.Binary(left.pos, right.end, op, left, right)

    def _check_nullish_mix(self, op: str, left: ast.Node, right: ast.Node, tok: Token) -> None:
        # JavaScript refuses `a ?? b || c` and `a || b ?? c` without parentheses.
        for side in (left, right):
            bare = isinstance(side, ast.Logical) and id(side) not in self.parenthesized
            if bare and (op == "??") != (side.op == "??"):  # type: ignore[attr-defined]
                raise self.error("cannot mix ?? with || or && without parentheses", tok)

    def unary(self) -> ast.Node:
        tok = self.tok
        if tok.kind in ("punct", "ident") and tok.value in _UNARY:
            self.i += 1
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if tok.value == "delete" and not isinstance(operand, ast.Member):
                raise self.error("delete needs a property: delete obj.key", tok)
            return ast.Unary(tok.pos, operand.end, str(tok.value), operand)
        if tok.kind == "punct" and tok.value in ("++", "--"):
            self.i += 1
            self.enter()
            target = self.unary()
            self.depth -= 1
            if not isinstance(target, ast.Ident | ast.Member):
                raise self.error(f"invalid {tok.value} target", tok)
            return ast.Update(tok.pos, target.end, str(tok.value), True, target)
        if tok.kind == "ident" and tok.value == "await":
            raise self.error("await is not supported in expressions")
        node = self.postfix()
        nxt = self.tok
        if (
            nxt.kind == "punct"
            and nxt.value in ("++", "--")
            and isinstance(node, ast.Ident | ast.Member)
        ):
            self.i += 1
            return ast.Update(node.pos, nxt.end, str(nxt.value), False, node)
        return node

    def postfix(self) -> ast.Node:
        node = self.primary()
        optional_seen = False
        links = 0
        while True:
            tok = self.tok
            links += 1
            if links > MAX_CHAIN:
                raise self.error(f"expression is nested too deeply (a chain of more than "
                                 f"{MAX_CHAIN} member accesses or calls)")  # fmt: skip
            if tok.kind == "template" and not optional_seen:
                raise self.error("tagged templates are not supported")
            if tok.kind != "punct":
                break
            if tok.value == ".":
                self.i += 1
                name = self.ident_name()
                node = ast.Member(node.pos, name.end, node, str(name.value), False)
            elif tok.value == "?.":
                self.i += 1
                optional_seen = True
                if self.accept("["):
                    prop = self.expression()
                    end = self.expect("]").end
                    node = ast.Member(node.pos, end, node, prop, True)
                elif self.at("("):
                    args, end = self.arguments()
                    node = ast.Call(node.pos, end, node, args, True)
                else:
                    name = self.ident_name()
                    node = ast.Member(node.pos, name.end, node, str(name.value), True)
            elif tok.value == "[":
                self.i += 1
                saved, self.no_in = self.no_in, False
                prop = self.expression()
                self.no_in = saved
                end = self.expect("]").end
                node = ast.Member(node.pos, end, node, prop, False)
            elif tok.value == "(":
                args, end = self.arguments()
                node = ast.Call(node.pos, end, node, args, False)
            else:
                break
        if optional_seen:
            node = ast.OptionalChain(node.pos, node.end, node)
        return node

    def arguments(self) -> tuple[tuple[ast.Node, ...], int]:
        self.expect("(")
        saved, self.no_in = self.no_in, False
        args: list[ast.Node] = []
        while not self.at(")"):
            args.append(self.element())
            if not self.accept(","):
                break
        self.no_in = saved
        return tuple(args), self.expect(")").end

    def element(self) -> ast.Node:
        start = self.accept("...")
        expr = self.assignment()
        if start is not None:
            return ast.Spread(start.pos, expr.end, expr)
        return expr

    def primary(self) -> ast.Node:
        tok = self.tok
        kind = tok.kind
        if kind in ("num", "str"):
            self.i += 1
            return ast.Literal(tok.pos, tok.end, tok.value)
        if kind == "template":
            self.i += 1
            assert isinstance(tok.value, Template)
            exprs = tuple(self.sub_expression(part) for part in tok.value.parts)
            return ast.Template(tok.pos, tok.end, tok.value.strings, exprs)
        if kind == "regex":
            self.i += 1
            assert isinstance(tok.value, tuple)
            return ast.Regex(tok.pos, tok.end, str(tok.value[0]), str(tok.value[1]))
        if kind == "ident":
            name = str(tok.value)
            if name in _LITERALS:
                self.i += 1
                return ast.Literal(tok.pos, tok.end, _LITERALS[name])
            if name == "new":
                return self.new_expression()
            if name == "function":
                return self.function()
            if name in RESERVED:
                raise self.unexpected()
            self.i += 1
            return ast.Ident(tok.pos, tok.end, name)
        if kind == "punct":
            if tok.value == "(":
                self.i += 1
                saved, self.no_in = self.no_in, False
                node = self.expression()
                self.no_in = saved
                self.expect(")")
                self.parenthesized.add(id(node))
                return node
            if tok.value == "[":
                return self.array_literal()
            if tok.value == "{":
                return self.object_literal()
        raise self.unexpected()

    def sub_expression(self, tokens: tuple[Token, ...]) -> ast.Node:
        """A template literal's `${...}`, parsed with the same nesting budget."""
        sub = type(self)(self.text, tokens)
        sub.depth = self.depth
        return sub.parse_all()

    def new_expression(self) -> ast.Node:
        start = self.expect("new")
        name = self.ident_name()
        callee: ast.Node = ast.Ident(name.pos, name.end, str(name.value))
        while self.accept("."):  # `new Intl.NumberFormat(...)`
            prop = self.ident_name()
            callee = ast.Member(callee.pos, prop.end, callee, str(prop.value), False)
        if self.at("("):
            args, end = self.arguments()
        else:
            args, end = (), callee.end
        return ast.New(start.pos, end, callee, args)

    def array_literal(self) -> ast.Node:
        start = self.expect("[")
        saved, self.no_in = self.no_in, False
        elements: list[ast.Node | None] = []
        while not self.at("]"):
            if self.accept(","):
                elements.append(None)
                continue
            elements.append(self.element())
            if not self.accept(","):
                break
        self.no_in = saved
        end = self.expect("]").end
        return ast.ArrayLit(start.pos, end, tuple(elements))

    def property_name(self) -> str | ast.Node:
        tok = self.tok
        if self.accept("["):
            key = self.assignment()
            self.expect("]")
            return key
        if tok.kind in ("ident", "str"):
            self.i += 1
            return str(tok.value)
        if tok.kind == "num":
            from hetumind.expressions.values import number_to_string

            self.i += 1
            return number_to_string(tok.value)  # type: ignore[arg-type]
        raise self.unexpected()

    def object_literal(self) -> ast.Node:
        start = self.expect("{")
        saved, self.no_in = self.no_in, False
        props: list[tuple[str | ast.Node | None, ast.Node]] = []
        while not self.at("}"):
            tok = self.tok
            if self.accept("..."):
                expr = self.assignment()
                props.append((None, ast.Spread(tok.pos, expr.end, expr)))
            else:
                key = self.property_name()
                if self.accept(":"):
                    props.append((key, self.assignment()))
                elif self.at("("):  # method shorthand: `{ f(x) { ... } }`
                    params = self.params()
                    body = self.block_body()
                    name = key if isinstance(key, str) else None
                    props.append((key, ast.Arrow(tok.pos, body.end, params, body, name, False)))
                elif isinstance(key, str) and tok.kind == "ident" and self.at("="):
                    # `{a = 1}` is only valid as a destructuring pattern
                    self.i += 1
                    default = self.assignment()
                    ident = ast.Ident(tok.pos, tok.end, key)
                    props.append((key, ast.DefaultPattern(tok.pos, default.end, ident, default)))
                elif (
                    isinstance(key, str) and tok.kind == "ident" and (self.at(",") or self.at("}"))
                ):
                    props.append((key, ast.Ident(tok.pos, tok.end, key)))
                else:
                    raise self.unexpected()
            if not self.accept(","):
                break
        self.no_in = saved
        end = self.expect("}").end
        return ast.ObjectLit(start.pos, end, tuple(props))

    # -- patterns ------------------------------------------------------------------------
    def to_pattern(self, node: ast.Node) -> ast.Node:
        """An array/object literal read before `=` turned into the pattern it spells."""
        if isinstance(node, ast.Ident | ast.Member):
            return node
        if isinstance(node, ast.DefaultPattern):
            return node
        if isinstance(node, ast.Assign) and node.op == "=":
            return ast.DefaultPattern(node.pos, node.end, self.to_pattern(node.target), node.value)
        if isinstance(node, ast.ArrayLit):
            elements: list[ast.Node | None] = []
            for e in node.elements:
                if isinstance(e, ast.Spread):
                    elements.append(ast.RestPattern(e.pos, e.end, self.to_pattern(e.expr)))
                else:
                    elements.append(None if e is None else self.to_pattern(e))
            return ast.ArrayPattern(node.pos, node.end, tuple(elements))
        if isinstance(node, ast.ObjectLit):
            props: list[tuple[str | ast.Node | None, ast.Node]] = []
            for key, value in node.props:
                if key is None:
                    assert isinstance(value, ast.Spread)
                    props.append((None, ast.RestPattern(value.pos, value.end,
                                                        self.to_pattern(value.expr))))  # fmt: skip
                else:
                    props.append((key, self.to_pattern(value)))
            return ast.ObjectPattern(node.pos, node.end, tuple(props))
        raise ExpressionError("invalid destructuring target", position=node.pos,
                              expression=self.text)  # fmt: skip

    def pattern(self) -> ast.Node:
        """A binding target: a name, `[a, b]`, `{a, b: c}`, each with optional `= default`."""
        self.enter()
        try:
            tok = self.tok
            target: ast.Node
            if self.accept("["):
                elements: list[ast.Node | None] = []
                while not self.at("]"):
                    if self.accept(","):
                        elements.append(None)
                        continue
                    rest = self.accept("...")
                    el = self.pattern()
                    elements.append(ast.RestPattern(rest.pos, el.end, el) if rest else el)
                    if rest or not self.accept(","):
                        break
                target = ast.ArrayPattern(tok.pos, self.expect("]").end, tuple(elements))
            elif self.accept("{"):
                props: list[tuple[str | ast.Node | None, ast.Node]] = []
                while not self.at("}"):
                    rest = self.accept("...")
                    if rest:
                        name = self.binding_name()
                        props.append((None, ast.RestPattern(rest.pos, name.end, name)))
                        break
                    key_tok = self.tok
                    key = self.property_name()
                    if self.accept(":"):
                        props.append((key, self.pattern()))
                    elif isinstance(key, str) and key_tok.kind == "ident" and key not in RESERVED:
                        ident: ast.Node = ast.Ident(key_tok.pos, key_tok.end, key)
                        if self.accept("="):
                            default = self.assignment()
                            ident = ast.DefaultPattern(key_tok.pos, default.end, ident, default)
                        props.append((key, ident))
                    else:
                        raise self.unexpected()
                    if not self.accept(","):
                        break
                target = ast.ObjectPattern(tok.pos, self.expect("}").end, tuple(props))
            else:
                target = self.binding_name()
            if self.accept("="):
                default = self.assignment()
                return ast.DefaultPattern(target.pos, default.end, target, default)
            return target
        finally:
            self.depth -= 1

    # -- functions -----------------------------------------------------------------------
    def _arrow_ahead(self) -> bool:
        tok = self.tok
        if tok.kind == "ident" and tok.value == "async":
            nxt = self.peek()
            if nxt.kind == "ident" or nxt.value == "(" or nxt.value == "function":
                raise self.error("async functions are not supported in expressions")
        if tok.kind == "ident" and tok.value not in RESERVED:
            nxt = self.peek()
            return nxt.kind == "punct" and nxt.value == "=>"
        if not (tok.kind == "punct" and tok.value == "("):
            return False
        depth = 0
        j = self.i
        while j < len(self.tokens):
            t = self.tokens[j]
            if t.kind == "eof":
                return False
            if t.kind == "punct":
                if t.value in ("(", "[", "{"):
                    depth += 1
                elif t.value in (")", "]", "}"):
                    depth -= 1
                    if depth == 0:
                        nxt = self.tokens[min(j + 1, len(self.tokens) - 1)]
                        return nxt.kind == "punct" and nxt.value == "=>"
            j += 1
        return False

    def params(self) -> tuple[ast.Node, ...]:
        start = self.expect("(")
        params: list[ast.Node] = []
        while not self.at(")"):
            rest = self.accept("...")
            p = self.pattern()
            params.append(ast.RestPattern(rest.pos, p.end, p) if rest else p)
            if rest or not self.accept(","):
                break
        self.expect(")")
        names = bound_names(params)
        if len(names) != len(set(names)):
            raise self.error("duplicate parameter name", start)
        return tuple(params)

    def arrow(self) -> ast.Node:
        start = self.tok
        if self.tok.kind == "ident":
            params: tuple[ast.Node, ...] = (self.binding_name(),)
        else:
            params = self.params()
        self.expect("=>")
        saved, self.no_in = self.no_in, False
        body = self.block_body() if self.at("{") else self.assignment()
        self.no_in = saved
        return ast.Arrow(start.pos, body.end, params, body)

    def function(self) -> ast.Arrow:
        start = self.expect("function")
        if self.at("*"):
            raise self.error("generator functions are not supported in expressions")
        name = self.binding_name().name if self.tok.kind == "ident" else None
        params = self.params()
        saved, self.no_in = self.no_in, False
        body = self.block_body()
        self.no_in = saved
        return ast.Arrow(start.pos, body.end, params, body, name, False)

    def block_body(self) -> ast.Block:
        """Statements are parsed by the subclass in statements_parser."""
        raise NotImplementedError


def bound_names(patterns: list[ast.Node] | tuple[ast.Node | None, ...]) -> list[str]:
    """Every name a list of patterns binds, in order (iterative: patterns may nest)."""
    names: list[str] = []
    stack: list[ast.Node | None] = list(reversed(patterns))
    while stack:
        p = stack.pop()
        if isinstance(p, ast.Ident):
            names.append(p.name)
        elif isinstance(p, ast.DefaultPattern | ast.RestPattern):
            stack.append(p.target)
        elif isinstance(p, ast.ArrayPattern):
            stack.extend(reversed(p.elements))
        elif isinstance(p, ast.ObjectPattern):
            stack.extend(reversed([v for _, v in p.props]))
    return names


def parse_tokens(text: str, tokens: list[Token] | tuple[Token, ...]) -> ast.Node:
    from hetumind.expressions.statements_parser import parse_segment

    return parse_segment(text, tokens)


def parse_expression(text: str, start: int = 0, stop: str = "") -> tuple[ast.Node, int]:
    """Parse one `{{ }}` segment of `text` beginning at `start`; returns it and where it ended."""
    tokens, end = tokenize(text, start, stop)
    return parse_tokens(text, tokens), end
