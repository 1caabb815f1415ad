"""What a rule is: a code, a name, docs, examples, and one check method per kind.

Import and chain rules answer one question per edge or chain. Syntax rules are Fixit-style
visitors: ``visit_<Node>`` / ``leave_<Node>`` methods that the engine's single walk over
each file (``archcheck.rules.syntax_pass``) calls for every node of that type.

A rule carries everything about itself. Its docstring is its documentation (a summary line,
then the sections "What it does", "Why is this bad?", "Example", "Use instead"), and its
``valid`` / ``invalid`` examples are small projects that the test suite runs through the
engine: each ``# ARC...`` comment in an invalid example marks a line that must be reported.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple, Protocol

from archcheck.index import ProjectIndex
from archcheck.layers import violation
from archcheck.names import ModuleSymbols
from archcheck.scopes import Scopes

__all__ = [
    "ChainRule",
    "Example",
    "ImportContext",
    "ImportEdge",
    "ImportHit",
    "ImportRule",
    "Link",
    "Reach",
    "Rule",
    "SyntaxContext",
    "SyntaxHit",
    "SyntaxRule",
    "source_text",
]

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class Example:
    """A small project: relative path -> source. Missing ``__init__.py`` files are implied.

    Sources are written as indented triple-quoted strings, and are dedented here (a first
    line break right after the opening quotes is dropped), so an example reads as the file
    it stands for. ``config`` is the body of a ``[tool.archcheck]`` table, for rules that
    need one.
    """

    __slots__ = ("_files", "config")

    def __init__(self, files: Mapping[str, str], config: str = "") -> None:
        self._files = files
        self.config = config

    @property
    def files(self) -> dict[str, str]:
        # Dedented when read (the tests, the docs), not when the rule's module is imported:
        # every flake8 run imports every rule and never reads an example.
        return {path: source_text(text) for path, text in self._files.items()}

    def __repr__(self) -> str:
        return f"Example({self.files!r}, config={self.config!r})"


def source_text(text: str) -> str:
    """An example's source as its file holds it: dedented, without the line break that
    follows the opening quotes."""
    return textwrap.dedent(text.removeprefix("\n"))


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    # "on", "off" (only when selected), or "strict" (on under ``strict = true``).
    default: ClassVar[str] = "on"
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


class ImportEdge(NamedTuple):
    """One import statement of ``imported`` in ``importer``, both modules in layers. A
    statement that takes names of ``imported`` from a package of no layer that re-exports
    them (``from app.persistence import UserRepository``) has ``via`` (that package) and
    ``names`` (the names, qualified where they are defined)."""

    importer: str
    imported: str
    importer_layer: str
    imported_layer: str
    line: int
    via: str | None = None
    names: tuple[str, ...] = ()

    @property
    def violation(self) -> str | None:
        """What is wrong with this import between layers (``layers.violation``), or None."""
        return violation(self.importer_layer, self.imported_layer)


class ImportContext(Protocol):
    """What the engine knows that an import rule may ask."""

    index: ProjectIndex

    def importers_in_layer(self, module: str, layer: str) -> list[str]:
        """Modules of ``layer`` that import ``module`` directly, sorted."""

    def names_imported(self, edge: ImportEdge) -> list[str]:
        """Qualified names of ``edge.imported`` that the statement brings in (empty when the
        importer cannot be read, or reads none of a module it binds)."""

    def names_taken(self, edge: ImportEdge) -> list[str]:
        """Qualified names a ``from <edge.imported> import a, b`` statement on ``edge.line``
        takes, read from the statement alone (``uses.names_from``); empty for any other."""

    def runs(self, module: str, line: int) -> bool:
        """Whether the import statement on ``line`` of ``module`` runs when the module is
        imported (not one under ``if TYPE_CHECKING:``)."""


class ImportHit(NamedTuple):
    """An import rule's finding before the engine turns it into a Finding: the message and
    the edges of the statement it is about (one or more, in the order given)."""

    message: str
    edges: tuple[ImportEdge, ...]


class ImportRule(Rule):
    """A rule about the direct imports between layered modules, one import statement at a
    time: one offending statement gives one finding, however many modules it imports."""

    def check_statement(
        self, edges: Sequence[ImportEdge], context: ImportContext
    ) -> ImportHit | None:
        """The finding for the statement whose edges (one per layered module it imports,
        sorted by module) are ``edges``, naming the edges it objects to; or None."""
        raise NotImplementedError


class Reach(NamedTuple):
    """A layered ``head`` that reaches the layered ``tail`` through a link, using ``uses``
    (names of the first module of no layer on its way, qualified when that is not the
    link's module)."""

    head: str
    head_layer: str
    uses: tuple[str, ...]
    tail: str
    tail_layer: str


class Link(NamedTuple):
    """One import statement, on ``line`` of ``module`` (a module of no layer), that brings
    a layered module into the reach of layered heads, by name.

    ``definitions`` are the module's own definitions, needed by the heads, that use the
    import; ``chain`` is the shortest such chain, head first, the imported module last.
    A fan's link imports ``through``, modules of no layer past which ``beyond`` import
    statements in more than three modules bring the layers in (the statement may then be
    a layered head's own).
    """

    module: str
    line: int
    reaches: tuple[Reach, ...]
    definitions: tuple[str, ...]
    chain: tuple[str, ...]
    through: tuple[str, ...] = ()
    beyond: int = 0


class ChainRule(Rule):
    """A rule about the links of import chains whose middle modules are in no layer."""

    def check_link(self, link: Link) -> str | None:
        """The finding's message, or None."""
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


class SyntaxHit(NamedTuple):
    """A syntax rule's finding before the engine turns it into a Finding."""

    line: int
    column: int
    message: str
    scope: str | None = None
    end_line: int | None = None
    end_column: int | None = None


class SyntaxRule(Rule):
    """A rule over the syntax trees of the files of ``layers``.

    One instance per file. Define ``visit_<Node>(self, node)`` and ``leave_<Node>(self,
    node)`` for the ``ast`` node types the rule cares about (``visit_Raise``,
    ``visit_FunctionDef``, ...); the walk calls them in source order, before and after the
    node's children, and never calls a rule for a node type it does not name. While a
    ``visit_``/``leave_`` method of a ``def``, ``lambda`` or ``class`` runs, ``self.scopes``
    is the enclosing scope; inside its body, the node's own. Call ``self.report(node,
    message)`` for a finding.
    """

    layers: ClassVar[tuple[str, ...]] = ()
    # Set on each class by node_handlers, in its own __dict__: a subclass has its own.
    _handlers: ClassVar[dict[str, tuple[type[ast.AST], str]]]

    def __init__(self, context: SyntaxContext, scopes: Scopes) -> None:
        self.context = context
        self.scopes = scopes
        self.hits: list[SyntaxHit] = []

    @property
    def index(self) -> ProjectIndex:
        return self.context.index

    def report(self, node: ast.expr | ast.stmt, message: str) -> None:
        """A finding at ``node``'s first line and column, in the current scope (a ``def`` or
        ``class`` reported from outside its body is its own scope)."""
        scope = self.scopes.qualname
        if isinstance(node, _DEFINITIONS) and node not in self.scopes.enclosing():
            scope = f"{scope}.{node.name}" if scope else node.name
        self.hits.append(
            SyntaxHit(
                node.lineno,
                node.col_offset + 1,
                message,
                scope,
                node.end_lineno,
                None if node.end_col_offset is None else node.end_col_offset + 1,
            )
        )

    @classmethod
    def node_handlers(cls) -> dict[str, tuple[type[ast.AST], str]]:
        """``visit_Raise`` -> (ast.Raise, "visit"): the handlers this rule defines."""
        handlers = cls.__dict__.get("_handlers")
        if handlers is None:
            handlers = {}
            for attribute in dir(cls):
                kind, _, node_name = attribute.partition("_")
                if kind in ("visit", "leave") and node_name:
                    node_type = getattr(ast, node_name, None)
                    if not (isinstance(node_type, type) and issubclass(node_type, ast.AST)):
                        raise TypeError(f"{cls.__name__}.{attribute}: ast has no node {node_name}")
                    handlers[attribute] = (node_type, kind)
            cls._handlers = handlers
        return handlers
