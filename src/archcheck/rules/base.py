"""What a rule is: a code, a name, docs, examples, and one check method per kind.

A rule carries everything about itself. Its docstring is its documentation (a summary line,
then the sections "What it does", "Why is this bad?", "Example", "Use instead"), and its
``valid`` / ``invalid`` examples are small projects that the test suite runs through the
engine: each ``# ARC...`` comment in an invalid example marks a line that must be reported.
"""
from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from archcheck.index import ProjectIndex
from archcheck.names import ModuleSymbols

__all__ = [
    "ChainRule",
    "Example",
    "ImportContext",
    "ImportEdge",
    "ImportRule",
    "Rule",
    "SyntaxContext",
    "SyntaxRule",
    "SyntaxHit",
]

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


@dataclass(frozen=True)
class Example:
    """A small project: relative path -> source. Missing ``__init__.py`` files are implied.

    ``config`` is the body of a ``[tool.archcheck]`` table, for rules that need one.
    """

    files: Mapping[str, str]
    config: str = ""


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    enabled_by_default: ClassVar[bool] = True
    strict_only: ClassVar[bool] = False  # on when ``strict = true``, else off by default
    valid: ClassVar[tuple[Example, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.docs().splitlines()[0] if cls.docs() else ""

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring's ``## `` sections, by title."""
        found: dict[str, list[str]] = {}
        current = None
        for line in cls.docs().splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
                found[current] = []
            elif current is not None:
                found[current].append(line)
        return {title: "\n".join(lines).strip() for title, lines in found.items()}


@dataclass(frozen=True)
class ImportEdge:
    """One import statement of ``imported`` in ``importer``, both modules in layers."""

    importer: str
    imported: str
    importer_layer: str
    imported_layer: str
    line: int


class ImportContext(Protocol):
    """What the engine knows that an import rule may ask."""

    index: ProjectIndex

    def importers_in_layer(self, module: str, layer: str) -> list[str]:
        """Modules of ``layer`` that import ``module`` directly, sorted."""

    def classes_imported(self, edge: ImportEdge) -> list[str]:
        """Qualified names of the classes of ``edge.imported`` that the statement brings in."""


class ImportRule(Rule):
    """A rule about one direct import between two layered modules."""

    def check_import(self, edge: ImportEdge, context: ImportContext) -> str | None:
        """The finding's message, or None."""
        raise NotImplementedError


class ChainRule(Rule):
    """A rule about an import chain whose middle modules are in no layer."""

    def check_chain(
        self, chain: tuple[str, ...], head_layer: str, tail_layer: str
    ) -> str | None:
        raise NotImplementedError


@dataclass(frozen=True)
class SyntaxContext:
    """One parsed file of a layer, with what the syntax rules need to know about it."""

    module: str
    layer: str
    tree: ast.Module
    symbols: ModuleSymbols
    index: ProjectIndex
    lines: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class SyntaxHit:
    """A syntax rule's finding before the engine turns it into a Finding."""

    line: int
    column: int
    message: str
    scope: str | None = None
    end_line: int | None = None
    end_column: int | None = None


class SyntaxRule(Rule):
    """A rule over one file's syntax tree; ``layers`` says which files it reads."""

    layers: ClassVar[tuple[str, ...]] = ()

    def check_file(self, context: SyntaxContext) -> Iterator[SyntaxHit]:
        raise NotImplementedError
