"""A whole project's imports from an import graph: grimp's (the CLI) or import-linter's
(the contract)."""

from __future__ import annotations

import ast
import functools
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from archcheck import __version__
from archcheck.cache import digest
from archcheck.engine.sources import Sources
from archcheck.imports import import_statements, used_names
from archcheck.index import ProjectIndex
from archcheck.layers import LayerMap
from archcheck.names import ModuleSymbols
from archcheck.rules.base import ImportEdge
from archcheck.syntax import SourceError, decode_source
from archcheck.uses import (
    ModuleUses,
    attribute_names,
    imported_names,
    names_from,
    provided_names,
    source_lines,
    under_never_run,
    uses_of,
)

if TYPE_CHECKING:
    from archcheck.graph import ProjectGraph

__all__ = ["GraphImports", "names_imported"]


def names_imported(
    tree: ast.Module, symbols: ModuleSymbols, is_package: bool, edge: ImportEdge
) -> list[str]:
    """The names of ``edge.imported`` that the import statement of ``edge`` brings into the
    importer: those it names, or those the importer's code reads of a module it binds."""
    if edge.via is not None:
        return list(edge.names)
    found: set[str] = set()
    module_wide = False
    for statement in import_statements(tree, edge.importer, is_package):
        if statement.line != edge.line:
            continue
        if statement.is_from and statement.target == edge.imported:
            found.update(f"{edge.imported}.{name}" for name in statement.names)
        else:
            module_wide = True
    if module_wide:
        prefix = edge.imported + "."
        found.update(
            name
            for name in used_names(tree, symbols)
            if name.startswith(prefix) and "." not in name[len(prefix) :]
        )
    return sorted(found)


class GraphImports:
    """An ``ImportSource`` over a graph of the whole project."""

    def __init__(
        self, graph: ProjectGraph, layers: LayerMap, sources: Sources, index: ProjectIndex
    ) -> None:
        self.graph = graph
        self.layers = layers
        self.sources = sources
        self.index = index
        # ARC001 asks, for each router importing a repository, which services use it: one
        # answer per repository, not one per router (5,000 routers of one repository took
        # 25 s answering it again and again).
        self._importers: dict[tuple[str, str], list[str]] = {}

    def imports_of(self, module: str) -> Collection[str]:
        return self.graph.imports_of(module)

    def lines(self, importer: str, imported: str) -> Sequence[int]:
        return [detail.line for detail in self.graph.details(importer, imported)]

    def uses_of(self, module: str) -> ModuleUses | None:
        """What the module's definitions use: from the per-file cache while its bytes are
        the same, else from a parse (ARC003 reads every module on a chain)."""
        content = self.sources.digest_of(module)
        if content is None:
            return None
        is_package = self.sources.files[module].is_package
        key = digest("uses", __version__, module, str(is_package), content)
        found = self.sources.cache.get(key, lambda data: ModuleUses.from_data(module, data))
        if found is None:
            parsed = self.sources.tree_of(module)
            if parsed is None:
                return None
            found = uses_of(parsed.tree, module, is_package)
            if self.sources.cache.enabled:
                self.sources.cache.put(key, found.to_data())
        if found.star_imports:
            # Where a star-imported name comes from depends on the other modules: asked of
            # this run's index, never cached with the file.
            found.star_source = functools.partial(self.index.star_source, module)
        return found

    def head_names(
        self, module: str, firsts: Collection[str]
    ) -> tuple[dict[str, frozenset[str] | None], frozenset[str]] | None:
        data = self.sources.data_of(module)
        if data is None:
            return None
        try:
            text = decode_source(data)
        except SourceError:
            return None
        statements = {first: self.lines(module, first) for first in firsts}
        is_package = self.sources.files[module].is_package
        return imported_names(text, statements, module, is_package, self.graph.modules)

    def attribute_names(self, module: str) -> frozenset[str]:
        data = self.sources.data_of(module)
        if data is None:
            return frozenset()
        try:
            return attribute_names(decode_source(data))
        except SourceError:
            return frozenset()

    def provided(self, module: str) -> tuple[frozenset[str], frozenset[str]]:
        data = self.sources.data_of(module)
        if data is None:
            return frozenset(), frozenset()
        try:
            return provided_names(decode_source(data))
        except SourceError:
            return frozenset(), frozenset()

    def runs(self, module: str, line: int) -> bool:
        data = self.sources.data_of(module)
        if data is None:
            return True
        try:
            return under_never_run(source_lines(decode_source(data)), line) is not True
        except SourceError:
            return True

    def importers_in_layer(self, module: str, layer: str) -> list[str]:
        key = (module, layer)
        if key not in self._importers:
            self._importers[key] = sorted(
                m for m in self.graph.importers_of(module) if self.layers.layer_of(m) == layer
            )
        return list(self._importers[key])

    def names_taken(self, edge: ImportEdge) -> list[str]:
        data = self.sources.data_of(edge.importer)
        if data is None:
            return []
        try:
            text = decode_source(data)
        except SourceError:
            return []
        is_package = self.sources.files[edge.importer].is_package
        return names_from(text, edge.line, edge.importer, is_package, edge.imported) or []

    def names_imported(self, edge: ImportEdge) -> list[str]:
        if edge.via is not None:
            return list(edge.names)
        # ``from x import a, b``: its statement alone answers, no syntax tree of the file.
        found = self.names_taken(edge)
        if found:
            return found
        parsed = self.sources.tree_of(edge.importer)
        symbols = self.sources.symbols_for(edge.importer)
        if parsed is None or symbols is None:
            return []
        source = self.sources.files[edge.importer]
        return names_imported(parsed.tree, symbols, source.is_package, edge)
