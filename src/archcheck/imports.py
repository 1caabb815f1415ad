"""Import statements of one file, read from its syntax tree.

The CLI takes imports from grimp's graph; this module serves where a single file's own
imports are what matter: the flake8 plugin, which sees one file at a time, and ARC004,
which must know which names an import brings in, not just which module.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Container, Iterator
from typing import NamedTuple

from archcheck.names import ModuleSymbols, dotted, is_type_checking, resolve_relative

__all__ = [
    "ImportStatement",
    "import_statements",
    "imported_modules",
    "scan_import_lines",
    "used_names",
]


class ImportStatement(NamedTuple):
    line: int
    column: int  # 1-based
    target: str  # absolute dotted name: ``a.b`` of ``import a.b`` or of ``from a.b import c``
    names: tuple[str, ...] = ()  # what ``from ... import`` brings in
    is_from: bool = False
    type_checking: bool = False


def _walk(body: list[ast.stmt], type_checking: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement in ``body`` and in the blocks nested in it, with whether it runs
    only under ``if TYPE_CHECKING:``. Imports are statements, and statements sit only in
    blocks, so expressions are never walked: this runs per file in every flake8 run."""
    for stmt in body:
        yield stmt, type_checking
        if isinstance(stmt, ast.If) and is_type_checking(stmt.test):
            yield from _walk(stmt.body, True)
            yield from _walk(stmt.orelse, type_checking)
            continue
        for block in _BLOCKS:
            inner = getattr(stmt, block, None)
            if inner:
                yield from _walk(inner, type_checking)
        for holder in getattr(stmt, "handlers", None) or getattr(stmt, "cases", None) or ():
            yield from _walk(holder.body, type_checking)


# The fields of compound statements that hold statements (try's handlers and match's
# cases hold them one level down).
_BLOCKS = ("body", "orelse", "finalbody")


def import_statements(tree: ast.Module, module: str, is_package: bool) -> list[ImportStatement]:
    """Every import in the file, lazy ones inside functions included, in line order."""
    found = []
    for node, type_checking in _walk(tree.body, False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(
                    ImportStatement(
                        node.lineno, node.col_offset + 1, alias.name, (), False, type_checking
                    )
                )
        elif isinstance(node, ast.ImportFrom):
            target = resolve_relative(module, is_package, node.level, node.module)
            if target is not None:
                names = tuple(alias.name for alias in node.names)
                found.append(
                    ImportStatement(
                        node.lineno, node.col_offset + 1, target, names, True, type_checking
                    )
                )
    return sorted(found)


# A line that starts an import statement, for files no parser accepts.
_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:import[ \t]+[A-Za-z_]|from[ \t]+[.A-Za-z_][\w. \t]*import\b)", re.MULTILINE
)
_CONTINUATION_LINES = 100  # how far a parenthesised import is followed


def scan_import_lines(source: str, module: str, is_package: bool) -> list[ImportStatement]:
    """The imports of a file that does not parse, read statement by statement: each line
    that starts an import (with the lines a parenthesis or backslash carries it over) is
    parsed alone, so a syntax error elsewhere costs none of them. Those inside ``if
    TYPE_CHECKING:`` cannot be told apart here."""
    lines = source.split("\n")
    nodes: list[ast.stmt] = []
    first = counted = 0  # line numbers counted from the previous match on, not the top
    for match in _IMPORT_LINE.finditer(source):
        first += source.count("\n", counted, match.start())
        counted = match.start()
        text = lines[first].strip()
        end = first
        while (
            end + 1 < len(lines)
            and end - first < _CONTINUATION_LINES
            and (text.count("(") > text.count(")") or text.endswith("\\"))
        ):
            end += 1
            text += "\n" + lines[end]
        for candidate in (text, text.partition(";")[0]):
            try:
                body = ast.parse(candidate).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            for node in body[:1]:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    ast.increment_lineno(node, first)
                    node.col_offset = len(lines[first]) - len(lines[first].lstrip())
                    nodes.append(node)
            break
    return import_statements(ast.Module(body=nodes, type_ignores=[]), module, is_package)


def enclosing_module(name: str, modules: Container[str]) -> str | None:
    """The longest of ``modules`` that ``name`` is or starts with (``a.b`` for ``a.b.X``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imported_modules(statement: ImportStatement, modules: Container[str]) -> list[str]:
    """The project modules a statement imports, resolved the way grimp resolves them:
    ``from a import b`` is ``a.b`` when that is a module, else ``a``."""
    if not statement.is_from:
        module = enclosing_module(statement.target, modules)
        return [module] if module else []
    found = []
    for name in statement.names:
        candidate = f"{statement.target}.{name}"
        if name != "*" and candidate in modules:
            found.append(candidate)
        elif statement.target in modules:
            found.append(statement.target)
    return sorted(set(found))


def used_names(tree: ast.Module, symbols: ModuleSymbols) -> set[str]:
    """Qualified dotted names the module reads (``m.User`` with ``import app.models as m``
    gives ``app.models.User``), for names reached through a module import."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            name = dotted(node)
            if name is not None:
                used.add(symbols.qualify(name))
    return used
