"""Statements: what n8n users write between `;` inside `{{ }}` and in function bodies.

A `{{ }}` segment is first read as one expression (the common case, and what the
vectorizer understands); only when that fails is it read as a program, whose value is
the value of the last expression statement it ran.
"""

from __future__ import annotations

from hetumind.errors import ExpressionError
from hetumind.expressions import syntax as ast
from hetumind.expressions.lexer import Token
from hetumind.expressions.parser import ExpressionParser

__all__ = ["StatementParser", "parse_segment"]


class StatementParser(ExpressionParser):
    def parse_program(self) -> ast.Program:
        start = self.tok
        body: list[ast.Node] = []
        while self.tok.kind != "eof":
            body.append(self.statement())
        end = body[-1].end if body else start.pos
        return ast.Program(start.pos, end, tuple(body))

    def block_body(self) -> ast.Block:
        start = self.expect("{")
        self.enter()
        body: list[ast.Node] = []
        while not self.at("}"):
            if self.tok.kind == "eof":
                raise self.error("expected '}' before the end")
            body.append(self.statement())
        self.depth -= 1
        end = self.expect("}").end
        return ast.Block(start.pos, end, tuple(body))

    def end_statement(self) -> None:
        # Semicolons are optional (automatic semicolon insertion, leniently).
        self.accept(";")

    def statement(self) -> ast.Node:
        tok = self.tok
        if tok.kind == "punct":
            if tok.value == ";":
                self.i += 1
                return ast.Block(tok.pos, tok.end, ())
            if tok.value == "{":
                return self.block_body()
        if tok.kind == "ident":
            handler = _KEYWORD_STATEMENTS.get(str(tok.value))
            if handler is not None and not (tok.value == "let" and self.peek().kind == "punct"
                                             and self.peek().value not in ("[", "{")):  # fmt: skip
                return handler(self)
            if (
                self.peek().kind == "punct"
                and self.peek().value == ":"
                and tok.value not in ("true", "false", "null")
            ):
                raise self.error("labeled statements are not supported in expressions")
        expr = self.expression()
        self.end_statement()
        return ast.ExprStmt(expr.pos, expr.end, expr)

    def declaration(self, kind: str) -> ast.VarDecl:
        start = self.tok
        decls: list[tuple[ast.Node, ast.Node | None]] = []
        while True:
            target = self.pattern()
            init: ast.Node | None = None
            if isinstance(target, ast.DefaultPattern):  # `let x = 1`: the parser's default
                init = target.default
                target = target.target
            if init is None and kind == "const" and not (self.at("of") or self.at("in")):
                raise self.error("missing initializer in const declaration")
            if (
                init is None
                and not isinstance(target, ast.Ident)
                and not (self.at("of") or self.at("in"))
            ):
                raise self.error("missing initializer in destructuring declaration")
            decls.append((target, init))
            if not self.accept(","):
                break
        end = decls[-1][1].end if decls[-1][1] is not None else decls[-1][0].end
        return ast.VarDecl(start.pos, end, kind, tuple(decls))

    def var_statement(self) -> ast.Node:
        kind = str(self.ident_name().value)
        node = self.declaration(kind)
        self.end_statement()
        return node

    def function_statement(self) -> ast.Node:
        fn = self.function()
        if fn.name is None:
            raise self.error("a function declaration needs a name")
        target = ast.Ident(fn.pos, fn.pos, fn.name)
        return ast.VarDecl(fn.pos, fn.end, "function", ((target, fn),))

    def return_statement(self) -> ast.Node:
        tok = self.expect("return")
        expr = None
        if not (self.at(";") or self.at("}") or self.tok.kind == "eof"):
            expr = self.expression()
        self.end_statement()
        return ast.Return(tok.pos, expr.end if expr else tok.end, expr)

    def if_statement(self) -> ast.Node:
        tok = self.expect("if")
        self.expect("(")
        test = self.expression()
        self.expect(")")
        self.enter()
        consequent = self.statement()
        alternate = self.statement() if self.accept("else") else None
        self.depth -= 1
        end = (alternate or consequent).end
        return ast.If(tok.pos, end, test, consequent, alternate)

    def loop_body(self) -> ast.Node:
        self.enter()
        body = self.statement()
        self.depth -= 1
        return body

    def for_statement(self) -> ast.Node:
        tok = self.expect("for")
        if self.at("await"):
            raise self.error("for await is not supported in expressions")
        self.expect("(")
        init: ast.Node | None = None
        if not self.at(";"):
            self.no_in = True
            head = self.tok
            if head.kind == "ident" and head.value in ("var", "let", "const"):
                self.i += 1
                decl = self.declaration(str(head.value))
                if self.at("of") or self.at("in"):
                    self.no_in = False
                    if len(decl.decls) != 1 or decl.decls[0][1] is not None:
                        raise self.error("invalid for-in/of left-hand side")
                    return self.for_in_rest(tok, str(head.value), decl.decls[0][0])
                init = decl
            else:
                expr = self.expression()
                if self.at("of") or self.at("in"):
                    self.no_in = False
                    target = self.to_pattern(expr)
                    return self.for_in_rest(tok, None, target)
                init = ast.ExprStmt(expr.pos, expr.end, expr)
            self.no_in = False
        self.expect(";")
        test = None if self.at(";") else self.expression()
        self.expect(";")
        update = None if self.at(")") else self.expression()
        self.expect(")")
        body = self.loop_body()
        return ast.For(tok.pos, body.end, init, test, update, body)

    def for_in_rest(self, tok: Token, kind: str | None, target: ast.Node) -> ast.Node:
        of = self.ident_name().value == "of"
        iterable = self.assignment() if of else self.expression()
        self.expect(")")
        body = self.loop_body()
        return ast.ForIn(tok.pos, body.end, kind, target, iterable, body, of)

    def while_statement(self) -> ast.Node:
        tok = self.expect("while")
        self.expect("(")
        test = self.expression()
        self.expect(")")
        body = self.loop_body()
        return ast.While(tok.pos, body.end, test, body)

    def do_statement(self) -> ast.Node:
        tok = self.expect("do")
        body = self.loop_body()
        self.expect("while")
        self.expect("(")
        test = self.expression()
        end = self.expect(")").end
        self.end_statement()
        return ast.DoWhile(tok.pos, end, body, test)

    def jump_statement(self) -> ast.Node:
        tok = self.ident_name()
        if self.tok.kind == "ident" and self.tok.value not in ("case", "default"):
            raise self.error("labeled break/continue is not supported in expressions")
        self.end_statement()
        cls = ast.Break if tok.value == "break" else ast.Continue
        return cls(tok.pos, tok.end)

    def throw_statement(self) -> ast.Node:
        tok = self.expect("throw")
        expr = self.expression()
        self.end_statement()
        return ast.Throw(tok.pos, expr.end, expr)

    def try_statement(self) -> ast.Node:
        tok = self.expect("try")
        block = self.block_body()
        param: ast.Node | None = None
        handler = finalizer = None
        if self.accept("catch"):
            if self.accept("("):
                param = self.pattern()
                self.expect(")")
            handler = self.block_body()
        if self.accept("finally"):
            finalizer = self.block_body()
        if handler is None and finalizer is None:
            raise self.error("missing catch or finally after try")
        end = (finalizer or handler or block).end
        return ast.Try(tok.pos, end, block, param, handler, finalizer)

    def switch_statement(self) -> ast.Node:
        tok = self.expect("switch")
        self.expect("(")
        disc = self.expression()
        self.expect(")")
        self.expect("{")
        self.enter()
        cases: list[tuple[ast.Node | None, tuple[ast.Node, ...]]] = []
        while not self.at("}"):
            test: ast.Node | None
            if self.accept("case"):
                test = self.expression()
            else:
                self.expect("default")
                test = None
            self.expect(":")
            body: list[ast.Node] = []
            while not (self.at("case") or self.at("default") or self.at("}")):
                if self.tok.kind == "eof":
                    raise self.error("expected '}' before the end")
                body.append(self.statement())
            cases.append((test, tuple(body)))
        self.depth -= 1
        end = self.expect("}").end
        return ast.Switch(tok.pos, end, disc, tuple(cases))

    def unsupported(self) -> ast.Node:
        raise self.error(f"{self.tok.value} is not supported in expressions")


_KEYWORD_STATEMENTS = {
    "var": StatementParser.var_statement,
    "let": StatementParser.var_statement,
    "const": StatementParser.var_statement,
    "function": StatementParser.function_statement,
    "return": StatementParser.return_statement,
    "if": StatementParser.if_statement,
    "for": StatementParser.for_statement,
    "while": StatementParser.while_statement,
    "do": StatementParser.do_statement,
    "break": StatementParser.jump_statement,
    "continue": StatementParser.jump_statement,
    "throw": StatementParser.throw_statement,
    "try": StatementParser.try_statement,
    "switch": StatementParser.switch_statement,
    "class": StatementParser.unsupported,
    "import": StatementParser.unsupported,
    "export": StatementParser.unsupported,
    "with": StatementParser.unsupported,
}


def parse_segment(text: str, tokens: list[Token] | tuple[Token, ...]) -> ast.Node:
    """One `{{ }}` segment: a single expression if it is one, else a Program."""
    try:
        return StatementParser(text, tokens).parse_all()
    except ExpressionError as as_expression:
        try:
            program = StatementParser(text, tokens).parse_program()
        except ExpressionError as as_program:
            # Report whichever reading got further: that is where the real mistake is.
            first = as_expression.position or 0
            raise (as_program if (as_program.position or 0) >= first else as_expression) from None
    assert isinstance(program, ast.Program)
    only = program.body[0] if len(program.body) == 1 else None
    if isinstance(only, ast.ExprStmt):
        return only.expr
    return program
