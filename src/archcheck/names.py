"""What the names of one module refer to: imports, classes and simple assignments.

Every rule that asks "is this ``HTTPException``?" or "is this an ORM model?" needs the
same thing: a local name turned into the dotted name it was imported or defined as, so
``from fastapi import HTTPException as HTTPError`` and ``import fastapi`` both lead to
``fastapi.HTTPException``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

__all__ = ["ClassInfo", "ModuleSymbols", "dotted", "resolve_relative", "symbols_of"]


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    """The absolute name of ``from <level dots><target> import ...`` written in ``module``."""
    if level == 0:
        return target
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


@dataclass(frozen=True)
class ClassInfo:
    name: str
    line: int
    bases: tuple[str, ...]  # qualified dotted names
    keywords: tuple[tuple[str, str], ...]  # (name, source) of class keywords, e.g. table=True
    decorators: tuple[str, ...]  # qualified dotted names of decorators (calls: the callee)
    abstract: bool = False

    @property
    def is_table(self) -> bool:
        return ("table", "True") in self.keywords


@dataclass
class ModuleSymbols:
    """Module-level bindings of one module, qualified to dotted names."""

    module: str
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    calls: dict[str, str] = field(default_factory=dict)  # name -> qualified callee of `name = f()`
    aliases: dict[str, str] = field(default_factory=dict)  # name -> qualified `name = other`

    def qualify(self, name: str) -> str:
        """The dotted name that ``name`` (``a`` or ``a.b.c``) refers to in this module."""
        head, dot, rest = name.partition(".")
        if head in self.imports:
            base = self.imports[head]
        elif head in self.classes or head in self.calls or head in self.aliases:
            base = f"{self.module}.{head}"
        else:
            return name
        return f"{base}{dot}{rest}"

    def qualify_node(self, node: ast.AST) -> str | None:
        name = dotted(node)
        return None if name is None else self.qualify(name)


def _bind_import(symbols: ModuleSymbols, node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                symbols.imports[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                symbols.imports[head] = head
        return
    base = resolve_relative(symbols.module, symbols.is_package, node.level, node.module)
    if base is None:
        return
    for alias in node.names:
        if alias.name != "*":
            symbols.imports[alias.asname or alias.name] = f"{base}.{alias.name}"


def _module_level(body: list[ast.stmt]):
    """Statements run at import time, including those under ``if``/``try`` blocks."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)) or type(node).__name__ == "TryStar":
            for block in (node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])):
                yield from _module_level(block)
            for handler in getattr(node, "handlers", []):
                yield from _module_level(handler.body)


def symbols_of(tree: ast.Module, module: str, is_package: bool = False) -> ModuleSymbols:
    symbols = ModuleSymbols(module=module, is_package=is_package)
    statements = list(_module_level(tree.body))
    # Imports first: a class may use a base imported further down under TYPE_CHECKING.
    for node in statements:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            _bind_import(symbols, node)
    for node in statements:
        if isinstance(node, ast.ClassDef):
            symbols.classes[node.name] = ClassInfo(
                name=node.name,
                line=node.lineno,
                bases=tuple(b for b in (symbols.qualify_node(base) for base in node.bases) if b),
                keywords=tuple(
                    (kw.arg, ast.unparse(kw.value)) for kw in node.keywords if kw.arg is not None
                ),
                decorators=tuple(
                    d
                    for d in (
                        symbols.qualify_node(dec.func if isinstance(dec, ast.Call) else dec)
                        for dec in node.decorator_list
                    )
                    if d
                ),
                abstract=any(_assigns_true(stmt, "__abstract__") for stmt in node.body),
            )
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                if isinstance(node.value, ast.Call):
                    callee = symbols.qualify_node(node.value.func)
                    if callee:
                        symbols.calls[target.id] = callee
                else:
                    other = symbols.qualify_node(node.value)
                    if other:
                        symbols.aliases[target.id] = other
    return symbols


def _assigns_true(stmt: ast.stmt, name: str) -> bool:
    return (
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
        and isinstance(stmt.value, ast.Constant)
        and stmt.value.value is True
    )
