"""Syntax newer than the running Python, rewritten into syntax it reads.

A file the running ``ast`` rejects may be valid in a newer Python (``except A, B:``,
``type X = ...``, ``class C[T]:``, PEP 701 f-strings, t-strings). libcst's native parser
reads every version; this module parses such a file with it and writes the module back in
the older grammar, each statement on the line where it was, so that every rule runs on it
and reports the right lines. It is the only module that imports libcst, and it is imported
only when a file needs it: libcst costs more to import than the rest of archcheck.

What the rules see is what they need, not what the code does: an alias becomes an
assignment, type parameters go, and an f-string or t-string becomes a tuple of the
expressions in its fields, so the names it uses are still used where they were.
"""

from __future__ import annotations

import re

import libcst as cst

from archcheck.text_lowering import blank

__all__ = ["LoweringError", "lower"]

# Python's own limit (every version refuses a 201st open bracket); past it libcst's parser
# recurses until the process crashes. Past a few thousand operators in one expression the
# running ``ast`` gives up anyway, and libcst's time grows faster than the square of it.
_MAX_BRACKETS = 200
_MAX_CHAIN = 1000
_SCAN = re.compile(
    r"""[rRbBuUfFtT]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\""""
    r"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")"""  # strings: skipped
    r"|#[^\n]*"  # comments: skipped
    r"|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<reset>[,;])|(?P<newline>\n)"
    r"|(?P<op>[-+*/%@&|^~<>.:=!]|\b(?:and|or|not|if|else|lambda|await|in|is)\b)",
    re.DOTALL,
)
# Where an f-string or t-string may start (a false hit costs time, never correctness).
_FIELDS = re.compile(r"(?<![\w.])(?:[fFtT][rR]?|[rR][fFtT])['\"]")
_LIBCST_PREFIX = re.compile(r"^(?:parser|tokenizer) error: (?:error at \d+:\d+: )?")


class LoweringError(Exception):
    """libcst cannot read the source either: where it stopped, and why.

    ``exact`` is false where libcst's parser stopped at the start of a line: the token it
    names can be the one after the token Python refuses, at the end of the line before.
    """

    def __init__(self, line: int, column: int, reason: str, *, exact: bool = True) -> None:
        super().__init__(reason)
        self.line = line
        self.column = column
        self.reason = reason
        self.exact = exact


def lower(source: str) -> str:
    """``source`` in the grammar of the running Python, every line where it was.

    Raises LoweringError when libcst cannot read it, or when it is nested deeper than any
    Python reads (libcst's parser would crash or take minutes on it).
    """
    _check_depth(source)
    try:
        module = cst.parse_module(source)
        return module.visit(_Lowering(module, strings=bool(_FIELDS.search(source)))).code
    except cst.ParserSyntaxError as error:
        reason = _LIBCST_PREFIX.sub("", str(error.message)) or "invalid syntax"
        raise LoweringError(
            error.raw_line, error.raw_column + 1, reason, exact=error.raw_column > 0
        ) from None
    except (RecursionError, MemoryError):  # libcst walks its tree in Python, recursively
        raise LoweringError(1, 1, "too deeply nested to parse", exact=False) from None
    except Exception:
        raise LoweringError(1, 1, "invalid syntax", exact=False) from None


def _check_depth(source: str) -> None:
    """Refuse what libcst cannot parse safely, with the line where it gets too deep."""
    depth, line = 0, 1
    chains = [0]
    for match in _SCAN.finditer(source):
        kind = match.lastgroup
        if kind is None:  # a string or a comment
            line += match.group().count("\n")
        elif kind == "op":
            chains[-1] += 1
            if chains[-1] > _MAX_CHAIN:
                raise LoweringError(line, 1, "expression nested too deeply")
        elif kind == "open":
            depth += 1
            if depth > _MAX_BRACKETS:
                raise LoweringError(line, 1, "too many nested parentheses")
            chains.append(0)
        elif kind == "close":
            if depth:
                depth -= 1
                chains.pop()
        elif kind == "newline":
            line += 1
            if not depth:
                chains[-1] = 0
        else:
            chains[-1] = 0


class _Lowering(cst.CSTTransformer):
    def __init__(self, module: cst.Module, *, strings: bool) -> None:
        super().__init__()
        self.module = module
        self.strings = strings

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Rebuilding every node is most of the cost: without strings to lower, nothing
        # inside an expression changes, so expressions are kept whole.
        if not self.strings and isinstance(node, cst.BaseExpression):
            return False
        return super().on_visit(node)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def _without_type_parameters(self, node: cst.FunctionDef | cst.ClassDef) -> dict:
        removed = "".join(
            self.code(part)
            for part in (
                node.whitespace_after_name,
                node.type_parameters,
                node.whitespace_after_type_parameters,
            )
            if isinstance(part, cst.CSTNode)
        )
        return {
            "type_parameters": None,
            "whitespace_after_type_parameters": cst.SimpleWhitespace(""),
            "whitespace_after_name": cst.SimpleWhitespace(blank(removed)),
        }

    # PEP 695: ``def f[T](...)``, ``class C[T]:``, ``type X[T] = v``.
    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated.type_parameters is None:
            return updated
        return updated.with_changes(**self._without_type_parameters(updated))

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if updated.type_parameters is None:
            return updated
        return updated.with_changes(**self._without_type_parameters(updated))

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
        removed = "type" + "".join(
            self.code(part)
            for part in (
                updated.whitespace_after_type,
                updated.whitespace_after_name,
                updated.type_parameters,
                updated.whitespace_after_type_parameters,
            )
            if isinstance(part, cst.CSTNode)
        )
        return cst.Assign(
            targets=[
                cst.AssignTarget(
                    updated.name,
                    whitespace_before_equal=cst.SimpleWhitespace(blank(removed)),
                    whitespace_after_equal=updated.whitespace_after_equals,
                )
            ],
            value=updated.value,
            semicolon=updated.semicolon,
        )

    # PEP 758: ``except A, B:`` is ``except (A, B):``.
    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        if not isinstance(updated.type, cst.Tuple) or updated.type.lpar:
            return updated
        space = updated.whitespace_after_except
        if isinstance(space, cst.SimpleWhitespace) and space.value == " ":
            space = cst.SimpleWhitespace("")  # the parenthesis takes the space: columns kept
        return updated.with_changes(
            type=self._parenthesised(updated.type), whitespace_after_except=space
        )

    # ``except*`` (3.11) for a 3.10 interpreter: the rules read the handler's body alike.
    def leave_ExceptStarHandler(  # type: ignore[override]  # a handler of another kind
        self, original: cst.ExceptStarHandler, updated: cst.ExceptStarHandler
    ) -> cst.ExceptHandler:
        space = blank(self.code(updated.whitespace_after_except) + "*")
        return cst.ExceptHandler(
            body=updated.body,
            type=self._parenthesised(updated.type),
            name=updated.name,
            leading_lines=updated.leading_lines,
            whitespace_after_except=cst.SimpleWhitespace(
                space + updated.whitespace_after_star.value
            ),
            whitespace_before_colon=updated.whitespace_before_colon,
        )

    def leave_TryStar(self, original: cst.TryStar, updated: cst.TryStar) -> cst.Try:
        return cst.Try(
            body=updated.body,
            handlers=updated.handlers,  # type: ignore[arg-type]  # lowered just above
            orelse=updated.orelse,
            finalbody=updated.finalbody,
            leading_lines=updated.leading_lines,
            whitespace_before_colon=updated.whitespace_before_colon,
        )

    @staticmethod
    def _parenthesised(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
        if isinstance(node, cst.Tuple) and not node.lpar:
            return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return node

    # PEP 701 and PEP 750: a string with fields becomes the tuple ``((field),...)``. The fields
    # are lowered on their own (nested strings), so nothing inside needs the new grammar.
    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return False

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        return False

    def visit_TemplatedString(self, node: cst.TemplatedString) -> bool:
        return False

    def leave_ConcatenatedString(
        self, original: cst.ConcatenatedString, updated: cst.ConcatenatedString
    ) -> cst.BaseExpression:
        if not any(
            isinstance(s, (cst.FormattedString, cst.TemplatedString)) for s in _strings(updated)
        ):
            return updated
        return self._fields_call(updated)

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.BaseExpression:
        return self._fields_call(updated)

    def leave_TemplatedString(
        self, original: cst.TemplatedString, updated: cst.TemplatedString
    ) -> cst.BaseExpression:
        return self._fields_call(updated)

    def _fields_call(self, node: cst.BaseExpression) -> cst.BaseExpression:
        pieces: list[str] = []
        self._fields(node, pieces)
        # The string's own parentheses and the text between its fields carry only lines;
        # spaces before the last parenthesis keep the columns of what follows on its line.
        code = self.code(node)
        before = "".join(self.code(p) for p in node.lpar).count("\n")
        after = "".join(self.code(p) for p in node.rpar).count("\n")
        lowered = "(" + "\n" * before + "".join(pieces) + "\n" * after
        pad = len(code.rpartition("\n")[2]) - len(lowered.rpartition("\n")[2]) - 1
        return cst.parse_expression(lowered + " " * max(pad, 0) + ")")

    def _fields(self, node: cst.CSTNode, pieces: list[str]) -> None:
        """Append ``(expression),`` per field of a string node, and its line breaks."""
        if isinstance(node, cst.ConcatenatedString):
            self._fields(node.left, pieces)
            pieces.append("\n" * self.code(node.whitespace_between).count("\n"))
            self._fields(node.right, pieces)
        elif isinstance(node, (cst.FormattedString, cst.TemplatedString)):
            for part in node.parts:
                self._fields(part, pieces)
        elif isinstance(node, (cst.FormattedStringExpression, cst.TemplatedStringExpression)):
            start = len(pieces)
            pieces.append("\n" * self.code(node.whitespace_before_expression).count("\n"))
            expression = node.expression.visit(self)
            assert isinstance(expression, cst.BaseExpression)  # a transformer that removes nothing
            pieces.append("(" + self.code(expression) + "),")
            for part in node.format_spec or ():
                self._fields(part, pieces)
            written = "".join(pieces[start:]).count("\n")
            pieces.append("\n" * (self.code(node).count("\n") - written))
        else:  # the text between fields, or a plain string
            pieces.append("\n" * self.code(node).count("\n"))


def _strings(node: cst.BaseExpression):
    if isinstance(node, cst.ConcatenatedString):
        yield from _strings(node.left)
        yield from _strings(node.right)
    else:
        yield node
