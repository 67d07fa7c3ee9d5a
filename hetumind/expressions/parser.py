"""A Pratt parser for the JavaScript expression subset n8n users write in `{{ }}`."""

from __future__ import annotations

from hetumind.errors import ExpressionError
from hetumind.expressions import syntax as ast
from hetumind.expressions.lexer import Template, Token, tokenize

__all__ = ["parse_expression", "parse_tokens"]

MAX_DEPTH = 120

_BINARY_PRECEDENCE: dict[str, int] = {
    "??": 1, "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "===": 7, "!==": 7,
    "<": 8, ">": 8, "<=": 8, ">=": 8, "in": 8, "instanceof": 8,
    "<<": 9, ">>": 9, ">>>": 9,
    "+": 10, "-": 10, "*": 11, "/": 11, "%": 11, "**": 12,
}  # fmt: skip
_LOGICAL = frozenset({"&&", "||", "??"})
_UNARY = frozenset({"!", "-", "+", "~", "typeof", "void"})
_LITERALS: dict[str, object] = {"true": True, "false": False, "null": None}
_RESERVED = frozenset(
    {"const", "let", "var", "return", "if", "else", "function", "new", "class", "delete",
     "this", "for", "while", "do", "switch", "case", "break", "continue", "throw", "try",
     "catch", "finally", "yield", "await", "import", "export", "with", "debugger", "super"}
)  # fmt: skip


class _Parser:
    def __init__(self, text: str, tokens: list[Token] | tuple[Token, ...]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.depth = 0

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
        if self.at(","):
            raise self.error("the comma operator is not supported")
        return node

    def assignment(self) -> ast.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression is nested too deeply")
        try:
            if self._arrow_ahead():
                return self.arrow()
            node = self.conditional()
            if self.tok.kind == "punct" and self.tok.value in ("=", "+=", "-=", "*=", "/="):
                raise self.error("assignment is not supported in expressions")
            return node
        finally:
            self.depth -= 1

    def conditional(self) -> ast.Node:
        test = self.binary(0)
        if not self.accept("?"):
            return test
        consequent = self.assignment()
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
            if prec is None or prec <= min_prec:
                return left
            self.i += 1
            # `**` binds to the right: 2 ** 3 ** 2 is 2 ** 9.
            right = self.binary(prec - 1 if op == "**" else prec)
            cls = ast.Logical if op in _LOGICAL else ast.Binary
            left = cls(left.pos, right.end, op, left, right)

    def unary(self) -> ast.Node:
        tok = self.tok
        if tok.kind in ("punct", "ident") and tok.value in _UNARY:
            self.i += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error("expression is nested too deeply")
            operand = self.unary()
            self.depth -= 1
            return ast.Unary(tok.pos, operand.end, str(tok.value), operand)
        if tok.kind == "punct" and tok.value in ("++", "--"):
            raise self.error(f"{tok.value} is not supported in expressions")
        if tok.kind == "ident" and tok.value == "delete":
            raise self.error("delete is not supported in expressions")
        return self.postfix()

    def postfix(self) -> ast.Node:
        node = self.primary()
        optional_seen = False
        while True:
            tok = self.tok
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
                prop = self.expression()
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
        args: list[ast.Node] = []
        while not self.at(")"):
            args.append(self.element())
            if not self.accept(","):
                break
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
            exprs = tuple(parse_tokens(self.text, part) for part in tok.value.parts)
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
                raise self.error("function expressions are not supported; use arrow functions")
            if name in _RESERVED:
                raise self.unexpected()
            self.i += 1
            return ast.Ident(tok.pos, tok.end, name)
        if kind == "punct":
            if tok.value == "(":
                self.i += 1
                node = self.expression()
                self.expect(")")
                return node
            if tok.value == "[":
                return self.array_literal()
            if tok.value == "{":
                return self.object_literal()
        raise self.unexpected()

    def new_expression(self) -> ast.Node:
        start = self.expect("new")
        name = self.ident_name()
        callee = ast.Ident(name.pos, name.end, "new " + str(name.value))
        if self.at("("):
            args, end = self.arguments()
        else:
            args, end = (), name.end
        return ast.Call(start.pos, end, callee, args, False)

    def array_literal(self) -> ast.Node:
        start = self.expect("[")
        elements: list[ast.Node] = []
        while not self.at("]"):
            if self.at(","):
                raise self.error("array holes are not supported")
            elements.append(self.element())
            if not self.accept(","):
                break
        end = self.expect("]").end
        return ast.ArrayLit(start.pos, end, tuple(elements))

    def object_literal(self) -> ast.Node:
        start = self.expect("{")
        props: list[tuple[str | ast.Node | None, ast.Node]] = []
        while not self.at("}"):
            tok = self.tok
            if self.accept("..."):
                expr = self.assignment()
                props.append((None, ast.Spread(tok.pos, expr.end, expr)))
            elif self.accept("["):
                key = self.assignment()
                self.expect("]")
                self.expect(":")
                props.append((key, self.assignment()))
            else:
                if tok.kind == "ident" or tok.kind == "str":
                    key_s = str(tok.value)
                elif tok.kind == "num":
                    from hetumind.expressions.values import number_to_string

                    key_s = number_to_string(tok.value)  # type: ignore[arg-type]
                else:
                    raise self.unexpected()
                self.i += 1
                if self.accept(":"):
                    props.append((key_s, self.assignment()))
                elif tok.kind == "ident" and (self.at(",") or self.at("}")):
                    props.append((key_s, ast.Ident(tok.pos, tok.end, key_s)))
                else:
                    raise self.unexpected()
            if not self.accept(","):
                break
        end = self.expect("}").end
        return ast.ObjectLit(start.pos, end, tuple(props))

    # -- arrow functions -----------------------------------------------------------------
    def _arrow_ahead(self) -> bool:
        tok = self.tok
        if tok.kind == "ident" and tok.value not in _RESERVED:
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

    def arrow(self) -> ast.Node:
        start = self.tok
        params: list[ast.Param] = []
        if self.tok.kind == "ident":
            params.append(ast.Param(str(self.ident_name().value)))
        else:
            self.expect("(")
            while not self.at(")"):
                params.append(self.param())
                if params[-1].rest or not self.accept(","):
                    break
            self.expect(")")
        names = [p.name for p in params if p.name] + [n for p in params for n in p.pattern or ()]
        if len(names) != len(set(names)):
            raise self.error("duplicate parameter name", start)
        self.expect("=>")
        body = self.block() if self.at("{") else self.assignment()
        return ast.Arrow(start.pos, body.end, tuple(params), body)

    def param(self) -> ast.Param:
        if self.accept("..."):
            return ast.Param(str(self.ident_name().value), rest=True)
        if self.accept("{"):
            names: list[str] = []
            while not self.at("}"):
                names.append(str(self.ident_name().value))
                if not self.accept(","):
                    break
            self.expect("}")
            return ast.Param(None, pattern=tuple(names))
        name = str(self.ident_name().value)
        if name in _RESERVED:
            raise self.unexpected()
        default = self.assignment() if self.accept("=") else None
        return ast.Param(name, default)

    # -- statements (arrow bodies) -------------------------------------------------------
    def block(self) -> ast.Block:
        start = self.expect("{")
        body: list[ast.Node] = []
        while not self.at("}"):
            if self.tok.kind == "eof":
                raise self.error("expected '}' before the end")
            body.append(self.statement())
        end = self.expect("}").end
        return ast.Block(start.pos, end, tuple(body))

    def statement(self) -> ast.Node:
        tok = self.tok
        if self.accept(";"):
            return ast.Block(tok.pos, tok.end, ())
        if self.at("{"):
            return self.block()
        if self.accept("return"):
            expr = None
            if not (self.at(";") or self.at("}")):
                expr = self.expression()
            self.accept(";")
            return ast.Return(tok.pos, expr.end if expr else tok.end, expr)
        if tok.kind == "ident" and tok.value in ("const", "let", "var"):
            self.i += 1
            decls: list[ast.Node] = []
            while True:
                name = self.ident_name()
                if name.value in _RESERVED:
                    raise self.unexpected()
                init = self.assignment() if self.accept("=") else None
                decls.append(ast.Declare(name.pos, init.end if init else name.end,
                                         str(name.value), init))  # fmt: skip
                if not self.accept(","):
                    break
            self.accept(";")
            if len(decls) == 1:
                return decls[0]
            return ast.Block(tok.pos, decls[-1].end, tuple(decls))
        if self.accept("if"):
            self.expect("(")
            test = self.expression()
            self.expect(")")
            consequent = self.statement()
            alternate = self.statement() if self.accept("else") else None
            end = (alternate or consequent).end
            return ast.If(tok.pos, end, test, consequent, alternate)
        expr = self.expression()
        self.accept(";")
        return ast.ExprStmt(expr.pos, expr.end, expr)


def parse_tokens(text: str, tokens: list[Token] | tuple[Token, ...]) -> ast.Node:
    return _Parser(text, tokens).parse_all()


def parse_expression(text: str, start: int = 0, stop: str = "") -> tuple[ast.Node, int]:
    """Parse one expression of `text` beginning at `start`; returns it and where it ended."""
    tokens, end = tokenize(text, start, stop)
    return parse_tokens(text, tokens), end
