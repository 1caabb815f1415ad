"""The import rules (ARC001, ARC002, ARC004) and the chain rule (ARC003) over any source
of imports.

Three callers feed them: the CLI with grimp's graph of the whole project, the
import-linter contract with import-linter's graph, and the flake8 plugin with one file's
own import statements (plus the snapshot of the last whole run for other modules). Each
hands an ``ImportSource``; the checks below are the same for all three. ARC003's links
need the whole project (``links``); a check of one file reports those in its own file
from what the last whole run recorded (``chains.link_findings``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from archcheck.findings import Finding, Location
from archcheck.layers import LayerMap, violation
from archcheck.rules import ChainRule, ImportRule, Rule
from archcheck.rules.base import ImportContext, ImportEdge, Link

if TYPE_CHECKING:
    from archcheck.engine.chains import Chains, Demand
    from archcheck.uses import ModuleUses

__all__ = ["ImportChecks", "ImportSource", "direct_imports"]


class ImportSource(ImportContext, Protocol):
    """A project's imports, as one caller knows them."""

    def imports_of(self, module: str) -> Collection[str]:
        """The project modules that ``module`` imports directly (empty when unknown)."""

    def lines(self, importer: str, imported: str) -> Sequence[int]:
        """The lines of ``importer``'s statements that import ``imported``, in order."""

    def uses_of(self, module: str) -> ModuleUses | None:
        """What ``module``'s definitions use (None when unknown: its imports then count)."""

    def head_names(
        self, module: str, firsts: Collection[str]
    ) -> tuple[dict[str, frozenset[str] | None], frozenset[str]] | None:
        """What ``module`` imports by name from each of ``firsts``, and the attribute names
        it may read, from its import statements alone (see ``uses.imported_names``); None
        when only ``uses_of`` answers."""

    def attribute_names(self, module: str) -> frozenset[str]:
        """The attribute names the module's text may read (``uses.attribute_names``)."""

    def provided(self, module: str) -> tuple[frozenset[str], frozenset[str]]:
        """The names the module's text only hands to ``Depends(...)``, and its dependency
        aliases."""

    def runs(self, module: str, line: int) -> bool:
        """Whether the import statement on ``line`` of ``module`` runs when the module is
        imported (not one under ``if TYPE_CHECKING:``: ``names.never_run``)."""


# How many packages of no layer a re-exported name may pass through.
_REEXPORT_DEPTH = 2


class ImportChecks:
    """The selected import and chain rules for one project's layers; ``ignore_imports`` is
    applied here, whatever the source."""

    def __init__(
        self,
        layers: LayerMap,
        rules: Sequence[type[Rule]],
        is_ignored: Callable[[str, str], bool],
        budget: int | None = None,
        shared: Callable[[str], bool] = lambda name: False,
        providers: bool = True,
    ) -> None:
        self.layers = layers
        self.is_ignored = is_ignored
        self.providers = providers  # ``Chains.providers``
        self.budget = budget  # the chain search's (``Chains.budget``)
        self.shared = shared  # ``Chains.shared``
        self.import_rules = [rule() for rule in rules if issubclass(rule, ImportRule)]
        self.chain_rules = [rule() for rule in rules if issubclass(rule, ChainRule)]
        self._chains: Chains | None = None

    @property
    def chains(self) -> Chains | None:
        """ARC003's chain search, None when no chain rule is selected; built (and its
        module imported) when first asked for: a check of one file in a layer never asks."""
        if self._chains is None and self.chain_rules:
            from archcheck.engine.chains import Chains

            self._chains = Chains(
                self.layers.for_chains(),
                self.chain_rules,
                self.budget,
                self.shared,
                self.providers,
            )
        return self._chains

    def imports(self, source: ImportSource, module: str) -> list[str]:
        return sorted(m for m in source.imports_of(module) if not self.is_ignored(module, m))

    def findings(
        self, source: ImportSource, module: str, locate: Callable[[str, int], Location]
    ) -> list[Finding]:
        """Every direct import finding whose statement is in ``module``, placed by
        ``locate(module, line)``."""
        layer = self.layers.layer_of(module)
        if layer is None:
            return []
        return self._edge_findings(source, module, layer, self.imports(source, module), locate)

    def links(
        self,
        source: ImportSource,
        modules: Iterable[str],
        direct: Mapping[str, Collection[str]] | None = None,
    ) -> tuple[list[Link], dict[str, list[Demand]]]:
        """ARC003's links in a whole project of ``modules`` (see ``Chains.links``)."""
        if self.chains is None:
            return [], {}
        return self.chains.links(_Filtered(self, source), modules, direct)

    def _edge_findings(
        self,
        source: ImportSource,
        importer: str,
        importer_layer: str,
        direct: list[str],
        locate: Callable[[str, int], Location],
    ) -> list[Finding]:
        """One finding per rule and import statement, naming every module of the statement
        that the rule objects to."""
        statements: dict[int, list[ImportEdge]] = {}
        for imported in direct:  # sorted: so is each statement's list
            imported_layer = self.layers.layer_of(imported)
            if imported_layer is None:
                for edge in self._reexported(source, importer, importer_layer, imported):
                    running = self.layers.unchained.get(edge.imported)
                    if running is None or _uses_any(edge.names, running):
                        statements.setdefault(edge.line, []).append(edge)
                continue
            if violation(importer_layer, imported_layer) is None:
                continue
            running = self.layers.unchained.get(imported)
            for line in source.lines(importer, imported):
                edge = ImportEdge(importer, imported, importer_layer, imported_layer, line)
                if running is not None:
                    taken = source.names_taken(edge)
                    if taken and not _uses_any(taken, running):
                        continue
                statements.setdefault(line, []).append(edge)
        findings = []
        for line, edges in sorted(statements.items()):
            for rule in self.import_rules:
                hit = rule.check_statement(edges, source)
                if hit:
                    first, *others = hit.edges
                    findings.append(
                        Finding(
                            locate(importer, line),
                            rule.code,
                            hit.message,
                            module=importer,
                            imported=first.imported,
                            importer_layer=importer_layer,
                            imported_layer=first.imported_layer,
                            also_imported=tuple(edge.imported for edge in others),
                            chain=(importer, first.via, first.imported) if first.via else (),
                        )
                    )
        return findings

    def _reexported(
        self, source: ImportSource, importer: str, importer_layer: str, package: str
    ) -> list[ImportEdge]:
        """The edges of ``importer``'s statements that take names from ``package`` (of no
        layer) which it re-exports from a module its layer may not import: the statement
        imports that module as surely as a direct import would."""
        # The graph first: most packages import no module the importer may not.
        if not self._leads_to(source, importer, importer_layer, package, _REEXPORT_DEPTH):
            return []
        edges = []
        for line in source.lines(importer, package):
            by_module: dict[str, set[str]] = {}
            asked = ImportEdge(importer, package, importer_layer, "", line)
            # ``from package import a, b``: what a module-wide import reads of the package
            # would need the importer's whole syntax tree.
            for name in source.names_taken(asked):
                defined = source.index.resolve(name)
                # A module re-exported whole (``from app.repositories import user_repo``)
                # is itself what the statement imports.
                is_module = source.index.module(defined) is not None
                module = defined if is_module else defined.rpartition(".")[0]
                if (
                    defined != name
                    and module != package
                    and source.index.module(module)
                    and self._forbidden(importer, importer_layer, module)
                ):
                    by_module.setdefault(module, set()).add(defined)
            for module, names in sorted(by_module.items()):
                layer = self.layers.layer_of(module) or ""
                edges.append(
                    ImportEdge(
                        importer, module, importer_layer, layer, line, package, tuple(sorted(names))
                    )
                )
        return edges

    def _leads_to(
        self, source: ImportSource, importer: str, importer_layer: str, package: str, depth: int
    ) -> bool:
        """Whether ``package`` imports a module ``importer`` may not, itself or through
        modules of no layer (``depth`` steps: a package that re-exports another's names)."""
        for imported in source.imports_of(package):
            if self._forbidden(importer, importer_layer, imported):
                return True
            if (
                depth > 1
                and self.layers.layer_of(imported) is None
                and self._leads_to(source, importer, importer_layer, imported, depth - 1)
            ):
                return True
        return False

    def _forbidden(self, importer: str, importer_layer: str, module: str) -> bool:
        layer = self.layers.layer_of(module)
        return (
            layer is not None
            and violation(importer_layer, layer) is not None
            and not self.is_ignored(importer, module)
        )


def _uses_any(names: Iterable[str], running: frozenset[str]) -> bool:
    """Whether any of the qualified ``names`` taken of a repository known by its code is
    code of it that runs the database: ``from app.database import get_db`` (a provider),
    an enum or a DTO kept beside the queries are no use of the data layer."""
    return any(name.rpartition(".")[2] in running for name in names)


def direct_imports(findings: Iterable[Finding]) -> dict[str, list[str]]:
    """The layered modules each module imports itself with a finding. ARC003 leaves a
    model's chains to schemas out where these hold a schema module: see ``Chains.links``."""
    by_module: dict[str, set[str]] = {}
    for finding in findings:
        for imported in (finding.imported, *finding.also_imported):
            if finding.module and imported:
                by_module.setdefault(finding.module, set()).add(imported)
    return {module: sorted(found) for module, found in sorted(by_module.items())}


class _Filtered:
    """An ImportSource as the chain search reads it: ``ignore_imports`` applied, each
    module's imports and uses read once."""

    def __init__(self, checks: ImportChecks, source: ImportSource) -> None:
        self.checks = checks
        self.source = source
        self._imports: dict[str, list[str]] = {}
        self._uses: dict[str, ModuleUses | None] = {}

    def imports(self, module: str) -> list[str]:
        if module not in self._imports:
            self._imports[module] = self.checks.imports(self.source, module)
        return self._imports[module]

    def lines(self, importer: str, imported: str) -> Sequence[int]:
        return self.source.lines(importer, imported)

    def uses_of(self, module: str) -> ModuleUses | None:
        if module not in self._uses:
            self._uses[module] = self.source.uses_of(module)
        return self._uses[module]

    def head_names(
        self, module: str, firsts: Collection[str]
    ) -> tuple[dict[str, frozenset[str] | None], frozenset[str]] | None:
        return self.source.head_names(module, firsts)

    def attribute_names(self, module: str) -> frozenset[str]:
        return self.source.attribute_names(module)

    def provided(self, module: str) -> tuple[frozenset[str], frozenset[str]]:
        return self.source.provided(module)

    def runs(self, module: str, line: int) -> bool:
        return self.source.runs(module, line)
