"""One engine run: the project, its config, rules and layers, the cache folder, the
project's files and its import graph."""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck import __version__
from archcheck.cache import FileCache, digest, distrust
from archcheck.config import Config
from archcheck.engine.selection import Options, layer_map_for
from archcheck.engine.sources import Sources
from archcheck.errors import ProjectError
from archcheck.findings import Location
from archcheck.imports import import_statements, imported_modules, scan_import_lines
from archcheck.index import ProjectIndex
from archcheck.layers import LayerMap, compile_glob
from archcheck.project import Project, SourceFile
from archcheck.rules import Rule
from archcheck.snapshot import snapshot_path, stamp_from
from archcheck.syntax import SourceError, decode_source, read_source

if TYPE_CHECKING:
    from archcheck.graph import ProjectGraph

__all__ = ["Run", "display_path", "indent_column"]

_SCAN_LIMIT = 64 * 1024 * 1024  # the largest file whose imports are read line by line


def display_path(path: Path) -> str:
    """``path`` relative to the working directory, posix-style, as reports print it."""
    cwd = os.getcwd()
    text = str(path)
    if text.startswith(cwd + os.sep):
        return text[len(cwd) + 1 :].replace(os.sep, "/")
    try:
        return Path(os.path.relpath(text, cwd)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def indent_column(lines: Sequence[str], line: int) -> int:
    """Where a statement on ``line`` starts, as reports give an import: its indentation + 1."""
    if 0 < line <= len(lines):
        text = lines[line - 1]
        return len(text) - len(text.lstrip()) + 1
    return 1


def _prepare_cache(directory: Path) -> Path:
    """The cache folder, created with a ``.gitignore`` before anything is written in it."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by archcheck.\n*\n")
    return directory


class Run:
    """State of one engine run: the project, its layers, files, and how imports are read."""

    def __init__(
        self,
        project: Project,
        rules: tuple[type[Rule], ...],
        options: Options,
        layers: LayerMap | None = None,
        files: Mapping[str, SourceFile] | None = None,
    ) -> None:
        self.project = project
        self.config: Config = project.config
        self.rules = rules
        self.options = options
        # ``files``: the project's files by module, as a previous process listed them.
        self.files = files if files is not None else {f.module: f for f in project.files}
        self._trusted: bool | None = None
        self._modules: frozenset[str] | None = None
        self.sources = Sources(self.files, FileCache(self.cache_folder("files")))
        # ``layers``: the map a previous process found for this project (single-file runs).
        self.layers = (
            layers
            if layers is not None
            else layer_map_for(
                project.packages,
                self.config,
                self.sources.data_of,
                ProjectIndex((), load=self.sources.symbols_for),
            )
        )
        self.ignored = [
            (compile_glob(importer), compile_glob(imported))
            for importer, imported in self.config.ignore_imports
        ]

    # -- the cache folder --------------------------------------------------------------
    def cache_dir(self) -> Path:
        if self.options.cache_dir is not None:
            return self.options.cache_dir
        env = os.environ.get("ARCHCHECK_CACHE_DIR")
        if env:
            return Path(env)
        folder = (self.config.directory or Path.cwd()).absolute()
        # Never inside an analysed package (a run from within one, with no config): beside
        # the outermost package that holds the folder instead.
        for package in sorted(self.project.packages, key=lambda p: len(p.directory.parts)):
            if folder == package.directory or package.directory in folder.parents:
                folder = package.directory.parent
                break
        return folder / ".archcheck_cache"

    def cache_folder(self, name: str) -> Path | None:
        """A folder of the cache, ready for writing; None when caching is off or the cache
        folder cannot or must not be used (that costs speed, never the run)."""
        if not self.options.use_cache or not self.cache_trusted():
            return None
        try:
            folder = _prepare_cache(self.cache_dir()) / name
            folder.mkdir(exist_ok=True)
        except OSError:
            return None
        return folder

    def cache_trusted(self) -> bool:
        """Whether the cache folder may be used; says once, on stderr, why not."""
        if self._trusted is None:
            directory = self.cache_dir()
            reason = distrust(directory)
            self._trusted = reason is None
            if reason is not None:
                print(
                    f"archcheck: warning: not using the cache: {reason}; its entries could be "
                    f"forged. Delete it (and untrack it) or pass --cache-dir / ARCHCHECK_CACHE_DIR.",
                    file=sys.stderr,
                )
        return self._trusted

    def snapshot_file(self) -> Path:
        roots = ((p.name, p.directory) for p in self.project.packages)
        return snapshot_path(self.cache_dir(), roots)

    def whole_key(self) -> str | None:
        """The key of a whole run's report: everything it depends on, every file's stamp
        included; None when a file changed too recently for its stamp to be trusted (the
        report is then neither read from the cache nor kept)."""
        stamps = []
        for module in sorted(self.files):
            stamp = stamp_from(self.sources.status_of(module))
            if stamp is None:
                return None
            stamps.append(f"{module}={stamp}")
        return digest(
            "report",
            __version__,
            repr(self.config),
            os.getcwd(),
            ",".join(rule.code for rule in self.rules),
            *(str(t) for t in self.project.targets),
            *stamps,
        )

    def graph_key(self) -> str:
        """A cache folder per analysis: grimp keeps file times per package name but import
        data per set of packages, so two runs over different sets (``archcheck .`` and
        ``archcheck app``) sharing one folder would read each other's stale imports."""
        return digest(
            "graph",
            __version__,
            str(self.config.exclude_type_checking_imports),
            *(f"{p.name}={p.directory}" for p in sorted(self.project.packages)),
        )

    # -- imports -----------------------------------------------------------------------
    def is_ignored_import(self, importer: str, imported: str) -> bool:
        return any(a.fullmatch(importer) and b.fullmatch(imported) for a, b in self.ignored)

    def locate(self, module: str, line: int) -> Location:
        path = self.files[module].path
        return Location(
            display_path(path), line, indent_column(self.sources.lines_of(module), line)
        )

    def graph(self) -> ProjectGraph:
        """The project's import graph from grimp. A file grimp must not or cannot read (one
        no Python grammar accepts, one too large, one grimp's own parser refuses) is not
        read by grimp: its imports come from ``ast``, or line by line where nothing parses
        it, so it keeps its edges and what imports it still resolves to it."""
        # Imported here, not at the top: grimp costs a flake8 run, which never builds a
        # graph, more than the rest of archcheck together.
        from archcheck.graph import GraphBuildError, build_graph

        grimp_cache = self.cache_folder("grimp")
        cache = None if grimp_cache is None else grimp_cache / self.graph_key()
        if self.options.progress is not None:
            self.options.progress("graph", 0, len(self.files))
        given: dict[str, list[tuple[str, int, str]]] = {}
        for module in self.sources.oversized():
            given[module] = self.imports_without_grimp(module)
        retried = False
        while True:
            try:
                return build_graph(
                    self.project.packages,
                    cache_dir=cache,
                    exclude_type_checking_imports=self.config.exclude_type_checking_imports,
                    given=given,
                    status_of=self.sources.status_of,
                )
            except GraphBuildError as error:
                if error.path is None and cache is not None:
                    cache = None  # grimp could not use its cache folder: build without it
                    continue
                known = len(given)
                # grimp stops at the first bad file: find every file Python refuses in one pass.
                self.sources.read_all(self.options.progress)
                modules = {f.path: m for m, f in self.files.items()}
                for path in self.sources.broken:
                    broken = modules.get(path)
                    if broken is not None and broken not in given:
                        given[broken] = self.imports_without_grimp(broken)
                refused = None if error.path is None else modules.get(error.path.resolve())
                if refused is not None and refused not in given:  # Python reads what grimp cannot
                    given[refused] = self.imports_without_grimp(refused)
                if error.path is None:
                    # grimp's Rust code panics on a relative import above the top package
                    # (``from ..... import A``), which Python compiles: named by no error.
                    for module in self.files:
                        if module not in given and self._imports_above_top(module):
                            given[module] = self.imports_without_grimp(module)
                if len(given) == known:
                    if not retried:  # a file that vanished or changed under grimp
                        retried = True
                        self.sources.forget_statuses()
                        continue
                    raise ProjectError(f"cannot build the import graph: {error}") from None

    def _imports_above_top(self, module: str) -> bool:
        """Whether ``module`` has a relative import with more dots than its package has
        names (``from ..... import A`` in ``app/api/routers/x.py``)."""
        parsed = self.sources.tree_of(module)
        if parsed is None:
            return False
        depth = module.count(".") + (1 if self.files[module].is_package else 0)
        return any(
            isinstance(node, ast.ImportFrom) and node.level > depth
            for node in ast.walk(parsed.tree)
        )

    def imports_without_grimp(self, module: str) -> list[tuple[str, int, str]]:
        """``(imported module, line, line's text)`` of each project import of ``module``,
        read with ``ast``, or statement by statement when no grammar accepts the file."""
        source = self.files[module]
        parsed = self.sources.tree_of(module)
        if parsed is not None:
            statements = import_statements(parsed.tree, module, source.is_package)
            text = parsed.source
        else:
            try:
                data = read_source(source.path, _SCAN_LIMIT)
            except SourceError:
                return []
            try:
                text = decode_source(data)
            except SourceError:
                text = data.decode("utf-8", "replace")
            statements = scan_import_lines(text, module, source.is_package)
        lines = text.split("\n")
        found: list[tuple[str, int, str]] = []
        for statement in statements:
            if statement.type_checking and self.config.exclude_type_checking_imports:
                continue
            contents = lines[statement.line - 1].strip() if statement.line <= len(lines) else ""
            found.extend(
                (imported, statement.line, contents)
                for imported in imported_modules(statement, self.modules)
                if imported != module
            )
        return found

    @staticmethod
    def imports_readable(path: Path) -> bool:
        """Whether ``imports_without_grimp`` reads the imports of a broken file: its bytes
        can be read, whether or not they parse."""
        try:
            return (
                os.path.isfile(path)
                and os.access(path, os.R_OK)
                and os.stat(path).st_size <= _SCAN_LIMIT
            )
        except OSError:
            return False

    @property
    def modules(self) -> frozenset[str]:
        """Every module of the project, namespace packages included, as grimp knows them."""
        if self._modules is None:
            self._modules = frozenset(self.files).union(
                *(p.namespace_packages for p in self.project.packages)
            )
        return self._modules
