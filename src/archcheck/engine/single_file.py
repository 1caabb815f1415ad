"""One file at a time: the flake8 plugin's checks.

A ``FileChecker`` lives as long as the process that checks files (flake8 checks many per
worker process; an editor, one per run). It discovers each project once and keeps what it
read; other modules' imports come from the snapshot of the last whole-project run while
their files keep their stamps, and are read from the files otherwise.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck.config import Config
from archcheck.engine.import_rules import ImportChecks
from archcheck.engine.kept_run import kept_run
from archcheck.engine.run import Run, display_path, indent_column
from archcheck.engine.selection import Options, load, select_rules
from archcheck.engine.suppression import ignored_per_file
from archcheck.engine.syntax_checks import file_syntax_findings
from archcheck.errors import ArchcheckError
from archcheck.findings import Finding, Location
from archcheck.imports import import_statements, imported_modules
from archcheck.index import ProjectIndex
from archcheck.names import ModuleSymbols, symbols_of
from archcheck.project import SourceFile, package_root_of
from archcheck.rules import SyntaxRule
from archcheck.rules.base import ImportEdge, SyntaxContext
from archcheck.snapshot import Snapshot, Stamp, read_snapshot, stamp_of

if TYPE_CHECKING:
    from archcheck.uses import ModuleUses

__all__ = ["FileChecker"]


def _own_imports(
    tree: ast.Module, source: SourceFile, modules: Collection[str], skip_type_checking: bool
) -> dict[str, list[int]]:
    """The project modules a file's import statements import, grimp's way, with the lines
    of those statements."""
    found: dict[str, list[int]] = {}
    for statement in import_statements(tree, source.module, source.is_package):
        if statement.type_checking and skip_type_checking:
            continue
        for imported in imported_modules(statement, modules):
            found.setdefault(imported, []).append(statement.line)
    return found


class _Project:
    """One project as single-file checks see it: its run, the snapshot, modules read."""

    def __init__(self, run: Run) -> None:
        self.run = run
        index = ProjectIndex((), load=run.sources.symbols_for)
        self.checks = ImportChecks(
            run.layers, run.rules, run.is_ignored_import, shared=index.is_shared_value
        )
        self._imports: dict[str, frozenset[str]] = {}
        self._by_layer: dict[str | None, list[str]] = {}

    @functools.cached_property
    def snapshot(self) -> Snapshot | None:
        """The last whole run's snapshot, read when first needed: ARC003 and ARC001's hint
        need it, most files an editor checks need neither."""
        run = self.run
        if not (run.options.use_cache and run.cache_trusted()):
            return None
        snapshot = read_snapshot(run.snapshot_file())
        if snapshot is not None and (
            snapshot.exclude_type_checking_imports != run.config.exclude_type_checking_imports
        ):
            return None
        return snapshot

    def source_for(self, path: Path) -> SourceFile | None:
        """The project file at ``path``: its module name comes from the path, so no table
        of every file's path is built (hashing 20k paths costs more than checking a file)."""
        for package in self.run.project.packages:
            try:
                parts = path.relative_to(package.directory).with_suffix("").parts
            except ValueError:
                continue
            if parts and parts[-1] == "__init__":
                parts = parts[:-1]
            source = self.run.files.get(".".join((package.name, *parts)))
            if source is not None and source.path == path:
                return source
        return None

    def own_imports(self, tree: ast.Module, source: SourceFile) -> dict[str, list[int]]:
        skip = self.run.config.exclude_type_checking_imports
        return _own_imports(tree, source, self.run.files, skip)

    def imports_of(self, module: str) -> frozenset[str]:
        """Direct imports of ``module``, from the snapshot while the file is unchanged,
        else from the file."""
        if module not in self._imports:
            source = self.run.files.get(module)
            found: frozenset[str] = frozenset()
            if source is not None:
                recorded = None
                if self.snapshot is not None:
                    recorded = self.snapshot.imports_of(module, stamp_of(source.path))
                if recorded is not None:
                    found = frozenset(recorded)
                else:
                    parsed = self.run.sources.tree_of(module)
                    if parsed is not None:
                        found = frozenset(self.own_imports(parsed.tree, source))
            self._imports[module] = found
        return self._imports[module]

    def link_findings(
        self,
        tree: ast.Module,
        source: SourceFile,
        locate: Callable[[str, int], Location],
        own: dict[str, list[int]] | None = None,
        text: str = "",
    ) -> list[Finding]:
        """ARC003 in one file: the imports that carry what the layered heads need of it, as
        the last whole run recorded (while the files on the way keep their stamps); in a
        layered file (``own``: its import lines), only the fans its imports start. Without
        a snapshot, ARC003 is left to ``archcheck``."""
        if self.snapshot is None or not self.checks.chain_rules:
            return []

        def stamp(module: str) -> Stamp | None:
            found = self.run.files.get(module)
            return None if found is None else stamp_of(found.path)

        snapshot = self.snapshot
        recorded = snapshot.demands_of(source.module, stamp)
        if not recorded:
            return []
        # Imported here, not at the top: most files an editor checks have no demands, and
        # every import is paid again on every save.
        from archcheck.engine.chains import Demand, link_findings
        from archcheck.uses import uses_of

        demands = [Demand(*d) for d in recorded]
        chains = self.checks.chains
        assert chains is not None  # a chain rule is selected
        if own is not None:

            def lines(imported: str) -> list[int]:
                return sorted(set(own.get(imported, ())))

            from archcheck.uses import source_lines, under_never_run

            text_lines = source_lines(text)
            return link_findings(
                chains,
                source.module,
                None,
                (),
                demands,
                locate,
                lines,
                snapshot.direct_of,
                lambda line: under_never_run(text_lines, line) is not True,
            )
        imports = [
            m
            for m in self.own_imports(tree, source)
            if not self.run.is_ignored_import(source.module, m)
        ]
        uses = uses_of(tree, source.module, source.is_package)
        if uses.star_imports:
            # Which star import a name comes from, as a whole run's index tells it: this
            # module as the checked text says, the others from their files.
            index = ProjectIndex(
                [symbols_of(tree, source.module, source.is_package)],
                load=self.run.sources.symbols_for,
            )
            uses.star_source = functools.partial(index.star_source, source.module)
        return link_findings(
            chains, source.module, uses, imports, demands, locate, direct=snapshot.direct_of
        )

    def in_layer(self, layer: str | None) -> list[str]:
        if layer not in self._by_layer:
            self._by_layer[layer] = sorted(
                m for m in self.run.files if self.run.layers.layer_of(m) == layer
            )
        return self._by_layer[layer]


class _FileImports:
    """An ``ImportSource`` for one checked file: its own statements as the checked text
    says, other modules' from the project."""

    def __init__(
        self,
        project: _Project,
        source: SourceFile,
        tree: ast.Module,
        symbols: ModuleSymbols,
        own: dict[str, list[int]],
        index: ProjectIndex,
        text: str,
    ) -> None:
        self.project = project
        self.source = source
        self.text = text
        self.tree = tree
        self.symbols = symbols
        self.own = own
        self.index = index

    def imports_of(self, module: str) -> Collection[str]:
        return self.own if module == self.source.module else self.project.imports_of(module)

    def lines(self, importer: str, imported: str) -> Sequence[int]:
        return sorted(set(self.own.get(imported, ()))) if importer == self.source.module else ()

    def uses_of(self, module: str) -> ModuleUses | None:
        return None  # ARC003's links come from the snapshot: see _Project.link_findings

    def head_names(
        self, module: str, firsts: Collection[str]
    ) -> tuple[dict[str, frozenset[str] | None], frozenset[str]] | None:
        return None

    def attribute_names(self, module: str) -> frozenset[str]:
        return frozenset()

    def provided(self, module: str) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(), frozenset()

    def runs(self, module: str, line: int) -> bool:
        # Asked of the checked file's statements (ARC004); ARC003's links come from the
        # snapshot: see _Project.link_findings.
        if module != self.source.module:
            return True
        from archcheck.uses import source_lines, under_never_run

        return under_never_run(source_lines(self.text), line) is not True

    def importers_in_layer(self, module: str, layer: str) -> list[str]:
        # Without the snapshot, reading every module of the layer would cost a full parse
        # of it per file: ARC001 then names no service (see the flake8 plugin's docs).
        if self.project.snapshot is None:
            return []
        return [m for m in self.project.in_layer(layer) if module in self.imports_of(m)]

    def names_imported(self, edge: ImportEdge) -> list[str]:
        # Imported here: only ARC004 asks, for imports between models and schemas.
        from archcheck.engine.graph_imports import names_imported

        return names_imported(self.tree, self.symbols, self.source.is_package, edge)

    def names_taken(self, edge: ImportEdge) -> list[str]:
        from archcheck.uses import names_from

        module, is_package = self.source.module, self.source.is_package
        return names_from(self.text, edge.line, module, is_package, edge.imported) or []


class FileChecker:
    """Checks single files with the positions and messages of a whole-project run."""

    def __init__(self, options: Options = Options()) -> None:
        self.options = options
        self._configs: dict[Path, Config | ArchcheckError] = {}
        self._projects: dict[tuple[Path, Path | None], _Project | ArchcheckError | None] = {}

    def config_for(self, directory: Path) -> Config:
        """The config in force for files of ``directory``, found once per folder."""
        if directory not in self._configs:
            try:
                self._configs[directory] = load([directory], self.options)
            except ArchcheckError as error:
                self._configs[directory] = error
        found = self._configs[directory]
        if isinstance(found, ArchcheckError):
            raise found
        return found

    def _project(self, target: Path, config: Config) -> _Project | None:
        """The project found at ``target`` (a folder, as ``archcheck TARGET`` would see
        it); None when there is no layered project there and no config asks for one."""
        key = (target, config.source)
        if key not in self._projects:
            try:
                self._projects[key] = _Project(
                    kept_run([target], config, select_rules(config, self.options), self.options)
                )
            except ArchcheckError as error:
                # Without a config nothing asked for archcheck here: say nothing. With one,
                # its errors are the user's to see.
                self._projects[key] = None if config.source is None else error
        found = self._projects[key]
        if isinstance(found, ArchcheckError):
            raise found
        return found

    def _find(self, path: Path, config: Config) -> tuple[_Project, SourceFile] | None:
        """The project that ``path`` belongs to, discovered from where ``archcheck`` would
        start: the config's folder, else the working directory, else the file's package."""
        if config.root and config.directory is not None:
            # The config names the root packages: where discovery starts makes no difference.
            targets = [config.directory]
        else:
            targets = [
                t for t in (config.directory, Path.cwd()) if t is not None and t in path.parents
            ]
            root = package_root_of(path)
            if root is not None:
                targets.append(root)
        for target in dict.fromkeys(targets):
            project = self._project(target, config)
            source = None if project is None else project.source_for(path)
            if project is not None and source is not None:
                return project, source
        return None

    def check(self, path: Path, tree: ast.Module, lines: Sequence[str]) -> list[Finding]:
        """Findings in one file, from its own syntax tree (``tree`` and ``lines`` as the
        checked text says, which may differ from the disk).

        ARC003 and the hint of ARC001 need other modules' imports: they come from the
        snapshot of the last whole-project run, checked against each file's stamp; without
        one, ARC003 is left to ``archcheck`` and ARC001 names no service. ``noqa`` comments
        are the caller's to apply; ``per-file-ignores`` are applied here. ARC900 is never
        reported: a file that does not parse has no tree.
        """
        path = path.resolve()
        config = self.config_for(path.parent)
        found = self._find(path, config)
        if found is None:
            return []
        project, source = found
        run = project.run
        module = source.module
        layer = run.layers.layer_of(module)
        text_lines = "".join(lines).splitlines()
        display = display_path(path)

        def locate(importer: str, line: int) -> Location:
            return Location(display, line, indent_column(text_lines, line))

        if layer is None:
            found_links = project.link_findings(tree, source, locate)
            return sorted(
                f for f in set(found_links) if not ignored_per_file(run.config, f.code, path)
            )
        symbols = symbols_of(tree, module, source.is_package)
        # The index as a whole-project run has it, but for this module as the checked text
        # says; other modules are read when a lookup first needs them.
        index = ProjectIndex([symbols], load=run.sources.symbols_for)
        own = project.own_imports(tree, source)
        text = "".join(lines)  # the checked text: an editor's buffer may be unsaved
        imports = _FileImports(project, source, tree, symbols, own, index, text)
        findings = project.checks.findings(imports, module, locate)
        findings += project.link_findings(tree, source, locate, own, text)
        syntax_rules = tuple(rule for rule in run.rules if issubclass(rule, SyntaxRule))
        if syntax_rules:
            context = SyntaxContext(module, layer, tree, symbols, index, tuple(text_lines))
            findings += file_syntax_findings(syntax_rules, context, display)
        return sorted(f for f in set(findings) if not ignored_per_file(run.config, f.code, path))
