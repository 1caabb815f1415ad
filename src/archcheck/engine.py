"""The engine: from paths to sorted findings. The CLI, the flake8 plugin and the
import-linter contract all call it; none of them holds a rule.
"""
from __future__ import annotations

import ast
import gc
import os
import pickle
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck import __version__
from archcheck.cache import FileCache, digest
from archcheck.config import Config, find_config, load_config
from archcheck.errors import ArchcheckError, ConfigError, ProjectError, UsageError
from archcheck.findings import Finding, Location
from archcheck.imports import import_statements, imported_modules, used_names
from archcheck.index import ORM, ProjectIndex
from archcheck.layers import (
    LAYERS, SERVICES, LayerMap, compile_glob, default_patterns, detect_layout, violation,
)
from archcheck.names import ModuleSymbols, symbols_of
from archcheck.project import Package, Project, SourceFile, discover, package_root_of
from archcheck.rules import RULES, ChainRule, ImportRule, Rule, SyntaxRule
from archcheck.rules.base import ImportContext, ImportEdge, SyntaxContext, SyntaxHit
from archcheck.snapshot import Snapshot, read_snapshot, snapshot_path, stamp_of, write_snapshot
from archcheck.rules.syntax_pass import run_syntax_rules
from archcheck.syntax import ParsedFile, SourceError, parse_source, decode_source

if TYPE_CHECKING:
    from archcheck.graph import ProjectGraph

__all__ = [
    "LayerImports",
    "Options",
    "Progress",
    "Report",
    "check",
    "check_file",
    "check_graph",
    "layer_imports",
    "layer_map_for",
    "load",
    "select_rules",
]

UNPARSABLE = "ARC900"
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


# ``progress(stage, done, total)``: stage "read" (files read so far, of all files) or
# "graph" (the import graph is being built; done = 0, total = modules).
Progress = Callable[[str, int, int], None]
_PROGRESS_EVERY = 50  # files between two progress calls


@dataclass(frozen=True)
class Options:
    """What a caller may set on top of the config file."""

    config_path: Path | None = None
    select: tuple[str, ...] = ()  # replaces the config's select when given
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()  # adds to the config's ignore
    use_cache: bool = True
    cache_dir: Path | None = None
    # Told how far a run has got; see ``Progress``. Never called per finding or per rule.
    progress: Progress | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    files_checked: int
    rules: tuple[type[Rule], ...] = field(default=())

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0


def load(paths: Sequence[Path], options: Options) -> Config:
    if options.config_path is not None:
        return load_config(options.config_path)
    start = paths[0] if paths else Path.cwd()
    found = find_config(start if start.exists() else Path.cwd())
    return Config() if found is None else load_config(found)


def _matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def _validate_codes(codes: Iterable[str], config: Config | None, key: str) -> None:
    for code in codes:
        if not any(rule.code.startswith(code) for rule in RULES):
            message = f"unknown rule code {code!r}"
            if config is not None and config.source is not None:
                raise ConfigError(str(config.source), message, key=key)
            raise UsageError(f"{message} (in --{key.replace('_', '-')})")


def select_rules(config: Config, options: Options) -> tuple[type[Rule], ...]:
    """Rules in force: the defaults (plus strict ones under ``strict``), or ``select``,
    plus ``extend_select``, less ``ignore``; codes match as prefixes."""
    _validate_codes(config.select, config, "select")
    _validate_codes(config.ignore, config, "ignore")
    for key in ("select", "extend_select", "ignore"):
        _validate_codes(getattr(options, key), None, key)
    select = options.select or config.select
    ignore = config.ignore + options.ignore
    chosen = []
    for rule in RULES:
        if select:
            wanted = _matches(rule.code, select)
        else:
            wanted = rule.enabled_by_default and (not rule.strict_only or config.strict)
        wanted = wanted or _matches(rule.code, options.extend_select)
        if wanted and not _matches(rule.code, ignore):
            chosen.append(rule)
    return tuple(chosen)


def layer_map_for(packages: Sequence[Package], config: Config) -> LayerMap:
    """Globs per layer for every root package: the detected (or configured) layout's
    defaults, with the layers the config sets replacing them."""
    patterns: dict[str, list[str]] = {layer: [] for layer in LAYERS}
    by_prefix: dict[str, list[str]] = {}
    for package in packages:
        by_prefix.setdefault(package.prefix, []).extend(f.module for f in package.files)
    for prefix, modules in sorted(by_prefix.items()):
        layout = config.layout
        if layout == "auto":
            layout = detect_layout(prefix, modules)
        if layout is not None:
            for layer, globs in default_patterns(layout, prefix).items():
                if layer not in config.layers:
                    patterns[layer].extend(globs)
    for layer, globs in config.layers.items():
        patterns[layer].extend(globs)
    layer_map = LayerMap(patterns)
    if not any(layer_map.layer_of(f.module) for package in packages for f in package.files):
        names = ", ".join(p.name for p in packages)
        raise ProjectError(
            f"no layers found in {names}: expected a layer-first layout (api/routers, services, "
            f"repositories) or a feature-first one (<feature>/router.py, service.py, "
            f"repository.py); set [tool.archcheck] layers"
        )
    return layer_map


def default_cache_dir(config: Config) -> Path:
    env = os.environ.get("ARCHCHECK_CACHE_DIR")
    if env:
        return Path(env)
    return (config.directory or Path.cwd()) / ".archcheck_cache"


def _prepare_cache(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by archcheck.\n*\n")
    return directory


def _display_path(path: Path) -> str:
    """``path`` relative to the working directory, posix-style, as reports print it."""
    cwd = os.getcwd()
    text = str(path)
    if text.startswith(cwd + os.sep):
        return text[len(cwd) + 1 :].replace(os.sep, "/")
    try:
        return Path(os.path.relpath(text, cwd)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


class _Run:
    """State of one engine run: the project, its layers, parsed files, graph and index."""

    def __init__(self, project: Project, rules: tuple[type[Rule], ...], options: Options) -> None:
        self.project = project
        self.config = project.config
        self.rules = rules
        self.options = options
        self.layers = layer_map_for(project.packages, self.config)
        self.files = {f.module: f for f in project.files}
        self.symbols: dict[str, ModuleSymbols] = {}
        self.broken: dict[Path, SourceError] = {}
        self._digests: dict[str, str | None] = {}
        self._lines: dict[str, list[str]] = {}
        self.cache = FileCache(self.cache_dir() / "files" if options.use_cache else None)
        self.ignored = [
            (compile_glob(importer), compile_glob(imported))
            for importer, imported in self.config.ignore_imports
        ]

    # -- reading ---------------------------------------------------------------------
    # Files are read when something needs them and no tree is kept: a tree is several
    # times the size of its source, and holding every tree of a large project made the
    # collector's passes dominate the run. What a file yields (its symbols, or why it does
    # not parse) is cached by content, so a warm run parses only what changed.
    def data_of(self, module: str) -> bytes | None:
        source = self.files[module]
        try:
            return source.path.read_bytes()
        except OSError as error:
            self.broken[source.path] = SourceError(
                source.path, 1, 1, f"cannot read file: {error.strerror}"
            )
            return None

    def digest_of(self, module: str) -> str | None:
        """The content key of a module's file (None when it cannot be read)."""
        if module not in self._digests:
            data = self.data_of(module)
            self._digests[module] = None if data is None else digest(data)
        return self._digests[module]

    def tree_of(self, module: str) -> ParsedFile | None:
        """A fresh parse of the module's file (None, recorded as broken, when it fails)."""
        source = self.files.get(module)
        if source is None or source.path in self.broken:
            return None
        data = self.data_of(module)
        if data is None:
            return None
        self._digests.setdefault(module, digest(data))
        try:
            parsed = parse_source(source.path, data)
        except SourceError as error:
            self.broken[source.path] = error
            self.cache.put(self.symbols_key(module), error)
            return None
        if module not in self.symbols:
            self.symbols[module] = symbols_of(parsed.tree, module, source.is_package)
            self.cache.put(self.symbols_key(module), self.symbols[module])
        return parsed

    def symbols_key(self, module: str) -> str:
        source = self.files[module]
        return digest("symbols", __version__, module, str(source.is_package), self.digest_of(module) or "")

    def symbols_for(self, module: str) -> ModuleSymbols | None:
        """The symbols of a project module, from the cache or a parse, the first time the
        project index (or a rule) asks."""
        if module in self.symbols:
            return self.symbols[module]
        source = self.files.get(module)
        if source is None or source.path in self.broken or self.digest_of(module) is None:
            return None
        cached = self.cache.get(self.symbols_key(module))
        if isinstance(cached, SourceError):
            # The same bytes may sit elsewhere (a moved checkout, a shared cache): report here.
            self.broken[source.path] = SourceError(
                source.path, cached.line, cached.column, cached.reason
            )
            return None
        if isinstance(cached, ModuleSymbols):
            self.symbols[module] = cached
            return cached
        self.tree_of(module)
        return self.symbols.get(module)

    def lines_of(self, module: str) -> list[str]:
        """The module's text as lines, for columns and ``noqa`` of reported lines only."""
        if module not in self._lines:
            data = self.data_of(module) if module in self.files else None
            try:
                self._lines[module] = [] if data is None else decode_source(data).splitlines()
            except SourceError:
                self._lines[module] = []
        return self._lines[module]

    def read_files(self) -> None:
        """Find every file that does not parse (grimp stops at the first one)."""
        progress, total = self.options.progress, len(self.files)
        for done, module in enumerate(self.files):
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress("read", done, total)
            self.symbols_for(module)

    def whole_key(self) -> str:
        """The key of a whole run's report: everything it depends on, every file's stamp
        (modification time and size, as grimp's own cache trusts) included."""
        return digest(
            "report", __version__, repr(self.config), os.getcwd(),
            ",".join(rule.code for rule in self.rules),
            *(str(t) for t in self.project.targets),
            *(f"{m}={stamp_of(self.files[m].path)}" for m in sorted(self.files)),
        )

    def cache_dir(self) -> Path:
        return self.options.cache_dir or default_cache_dir(self.config)

    def graph_key(self) -> str:
        """A cache folder per analysis: grimp keeps file times per package name but import
        data per set of packages, so two runs over different sets (``archcheck .`` and
        ``archcheck app``) sharing one folder would read each other's stale imports."""
        return digest(
            "graph", __version__, str(self.config.exclude_type_checking_imports),
            *(f"{p.name}={p.directory}" for p in sorted(self.project.packages)),
        )

    def graph(self) -> ProjectGraph:
        # Imported here, not at the top: grimp costs a flake8 run, which never builds a
        # graph, more than the rest of archcheck together.
        from archcheck.graph import GraphBuildError, build_graph

        cache = None
        if self.options.use_cache:
            try:
                cache = _prepare_cache(self.cache_dir()) / "grimp" / self.graph_key()
            except OSError:
                cache = None  # an unusable cache folder costs speed, never the run
        if self.options.progress is not None:
            self.options.progress("graph", 0, len(self.files))
        attempts = len(self.files) + 1
        while True:
            try:
                return build_graph(
                    self.project.packages,
                    cache_dir=cache,
                    exclude_type_checking_imports=self.config.exclude_type_checking_imports,
                    skip=tuple(self.broken),
                )
            except GraphBuildError as error:
                if error.path is None and cache is not None:
                    cache = None  # grimp could not use its cache folder: build without it
                    continue
                attempts -= 1
                known = len(self.broken)
                # grimp stops at the first bad file: find every bad file in one pass.
                self.read_files()
                if len(self.broken) == known and error.path is not None and attempts > 0:
                    path = error.path.resolve()
                    if path not in self.broken:
                        self.broken[path] = SourceError(path, error.line, 1, str(error))
                if len(self.broken) == known:
                    raise ProjectError(f"cannot build the import graph: {error}") from None

    # -- checking --------------------------------------------------------------------
    def is_ignored_import(self, importer: str, imported: str) -> bool:
        return any(a.fullmatch(importer) and b.fullmatch(imported) for a, b in self.ignored)

    def imports(self, graph: ProjectGraph, module: str) -> list[str]:
        return sorted(m for m in graph.imports_of(module) if not self.is_ignored_import(module, m))


class _ImportContext:
    def __init__(self, run: _Run, graph: ProjectGraph, index: ProjectIndex) -> None:
        self.run = run
        self.graph = graph
        self.index = index

    def importers_in_layer(self, module: str, layer: str) -> list[str]:
        return sorted(m for m in self.graph.importers_of(module) if self.run.layers.layer_of(m) == layer)

    def classes_imported(self, edge: ImportEdge) -> list[str]:
        parsed = self.run.tree_of(edge.importer)
        symbols = self.run.symbols_for(edge.importer)
        if parsed is None or symbols is None:
            return []
        source = self.run.files[edge.importer]
        return _classes_imported(parsed.tree, symbols, source.is_package, edge, self.index)


def _classes_imported(
    tree: ast.Module, symbols: ModuleSymbols, is_package: bool, edge: ImportEdge, index: ProjectIndex
) -> list[str]:
    """The ORM classes that the import statement of ``edge`` brings into the importer."""
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
            name for name in used_names(tree, symbols)
            if name.startswith(prefix) and "." not in name[len(prefix):]
        )
    return sorted(name for name in found if index.kind(name) == ORM)


def _indent_column(lines: Sequence[str], line: int) -> int:
    """Where a statement on ``line`` starts, as reports give an import: its indentation + 1."""
    if 0 < line <= len(lines):
        text = lines[line - 1]
        return len(text) - len(text.lstrip()) + 1
    return 1


def _location(run: _Run, module: str, line: int) -> Location:
    path = run.files[module].path
    return Location(_display_path(path), line, _indent_column(run.lines_of(module), line))


def _import_findings(run: _Run, graph: ProjectGraph, context: _ImportContext) -> list[Finding]:
    rules = [rule() for rule in run.rules if issubclass(rule, ImportRule)]
    if not rules:
        return []
    findings = []
    for importer in sorted(graph.modules):
        # A graph built by someone else (import-linter's) may hold modules archcheck excludes.
        if run.layers.layer_of(importer) is None or importer not in run.files:
            continue
        findings += _edge_findings(
            run, rules, context, importer, run.imports(graph, importer),
            lines_of=lambda imported, importer=importer: [
                detail.line for detail in graph.details(importer, imported)
            ],
            locate=lambda line, importer=importer: _location(run, importer, line),
        )
    return findings


def _edge_findings(
    run: _Run,
    rules: Sequence[ImportRule],
    context: ImportContext,
    importer: str,
    imports: Iterable[str],
    *,
    lines_of: Callable[[str], Iterable[int]],
    locate: Callable[[int], Location],
) -> list[Finding]:
    """The import rules over the direct imports of ``importer`` (``ignore_imports`` already
    applied): one finding per rule, import statement and imported module."""
    importer_layer = run.layers.layer_of(importer)
    if importer_layer is None:
        return []
    findings = []
    for imported in imports:
        imported_layer = run.layers.layer_of(imported)
        if imported_layer is None or violation(importer_layer, imported_layer) is None:
            continue
        for line in lines_of(imported):
            edge = ImportEdge(importer, imported, importer_layer, imported_layer, line)
            for rule in rules:
                message = rule.check_import(edge, context)
                if message:
                    findings.append(
                        Finding(
                            locate(line), rule.code, message,
                            importer=importer, imported=imported,
                            importer_layer=importer_layer, imported_layer=imported_layer,
                        )
                    )
    return findings


_Reach = dict[str, dict[str, tuple[str, ...]]]


def _reach(
    run: _Run, imports_of: Callable[[str], Iterable[str]], start: str, memo: _Reach
) -> dict[str, tuple[str, ...]]:
    """Layered modules reachable from unlayered ``start`` through unlayered modules only,
    each with the shortest such path (``start`` first, the layered module last)."""
    if start in memo:
        return memo[start]
    paths: dict[str, tuple[str, ...]] = {}
    seen = {start}
    queue = deque([(start,)])
    while queue:
        path = queue.popleft()
        for nxt in imports_of(path[-1]):
            if nxt in seen:
                continue
            seen.add(nxt)
            if run.layers.layer_of(nxt) is None:
                queue.append(path + (nxt,))
            else:
                paths.setdefault(nxt, path + (nxt,))
    memo[start] = paths
    return paths


def _chain_findings(run: _Run, graph: ProjectGraph) -> list[Finding]:
    rules = [rule() for rule in run.rules if issubclass(rule, ChainRule)]
    if not rules:
        return []
    findings = []
    memo: _Reach = {}
    for head in sorted(graph.modules):
        if run.layers.layer_of(head) is None or head not in run.files:
            continue
        findings += _head_chain_findings(
            run, rules, head, run.imports(graph, head),
            imports_of=lambda module: run.imports(graph, module),
            memo=memo,
            first_line=lambda imported, head=head: graph.details(head, imported)[0].line,
            locate=lambda line, head=head: _location(run, head, line),
        )
    return findings


def _head_chain_findings(
    run: _Run,
    rules: Sequence[ChainRule],
    head: str,
    direct: Iterable[str],
    *,
    imports_of: Callable[[str], Iterable[str]],
    memo: _Reach,
    first_line: Callable[[str], int],
    locate: Callable[[int], Location],
) -> list[Finding]:
    """The chain rules over the chains that start at layered ``head``: the shortest chain
    to each layered module it reaches through unlayered ones and does not import directly,
    reported at head's first import of the chain's second module."""
    head_layer = run.layers.layer_of(head)
    direct = set(direct)
    chains: dict[str, tuple[str, ...]] = {}
    for first in sorted(direct):
        if run.layers.layer_of(first) is not None:
            continue
        for tail, path in _reach(run, imports_of, first, memo).items():
            chain = (head, *path)
            if tail == head or tail in direct:
                continue
            if tail not in chains or len(chain) < len(chains[tail]):
                chains[tail] = chain
    findings = []
    for tail, chain in sorted(chains.items()):
        tail_layer = run.layers.layer_of(tail)
        line = first_line(chain[1])
        for rule in rules:
            message = rule.check_chain(chain, head_layer, tail_layer)
            if message:
                findings.append(
                    Finding(
                        locate(line), rule.code, message,
                        importer=head, imported=tail, importer_layer=head_layer,
                        imported_layer=tail_layer, chain=chain,
                    )
                )
    return findings


# Below this many files to parse, forking workers costs more than it saves (measured on
# 2 cores: the 1k-module synthetic tree parses ~400 files).
_PARALLEL_MIN = 200


def _syntax_findings(run: _Run, index: ProjectIndex) -> list[Finding]:
    """Every syntax rule over every file of the layers they read, one walk per file
    (rules/syntax_pass.py); a file whose bytes, layer, rules and index answers are those of
    a cached result is not parsed again."""
    rules = tuple(rule for rule in run.rules if issubclass(rule, SyntaxRule))
    if not rules:
        return []
    read = frozenset(layer for rule in rules for layer in rule.layers)
    codes = ",".join(rule.code for rule in rules)
    modules = [m for m in sorted(run.files) if run.layers.layer_of(m) in read]
    progress = run.options.progress
    asked = _Answers(index)
    results: dict[str, tuple[tuple[str, SyntaxHit], ...]] = {}
    todo: list[tuple[str, str]] = []
    for done, module in enumerate(modules):
        if progress is not None and done % _PROGRESS_EVERY == 0:
            progress("read", done, len(modules))
        content = run.digest_of(module)
        if content is None:
            continue
        key = digest("syntax", __version__, module, run.layers.layer_of(module), codes, content)
        cached = run.cache.get(key)
        if isinstance(cached, _SyntaxResult) and all(
            asked(question) == answer for question, answer in cached.calls
        ):
            results[module] = cached.hits
        else:
            todo.append((module, key))
    for module, key, result in _analyse_all(run, rules, todo):
        results[module] = result.hits
        run.cache.put(key, result)
    findings = []
    for module, hits in sorted(results.items()):
        layer = run.layers.layer_of(module)
        path = _display_path(run.files[module].path)
        findings += [
            Finding(
                Location(path, hit.line, hit.column, hit.end_line, hit.end_column),
                code, hit.message, importer=module, importer_layer=layer, scope=hit.scope,
            )
            for code, hit in hits
        ]
    return findings


def _analyse(run: _Run, rules: tuple[type[SyntaxRule], ...], index: ProjectIndex, module: str):
    """The syntax rules over one module's fresh tree, with the index questions they asked;
    None when the file does not parse."""
    parsed = run.tree_of(module)
    if parsed is None:
        return None
    recording = _RecordingIndex(index)
    context = SyntaxContext(
        module, run.layers.layer_of(module), parsed.tree, run.symbols[module], recording,
        tuple(parsed.source.splitlines()),
    )
    hits = tuple((rule.code, hit) for rule, hit in run_syntax_rules(rules, context))
    return _SyntaxResult(hits, tuple(recording.calls.items()))


def _analyse_all(run: _Run, rules: tuple[type[SyntaxRule], ...], todo: list[tuple[str, str]]):
    """``(module, key, result)`` for the modules to parse: in two forked workers when there
    are many and the platform forks, else here. Workers send back what they learnt (symbols,
    broken files) for this process to cache and report."""
    # Imported here: most runs (warm, small, flake8) never fork, and these cost 15 ms.
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    workers = min(os.cpu_count() or 1, 2)
    if len(todo) < _PARALLEL_MIN or workers < 2 or "fork" not in mp.get_all_start_methods():
        yield from _analyse_here(run, rules, todo)
        return
    global _WORKER
    _WORKER = (run, rules)
    chunks = [todo[i::workers] for i in range(workers)]
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            outcomes = list(pool.map(_work, chunks))
    except (OSError, BrokenProcessPool, pickle.PicklingError):
        outcomes = None  # no workers to be had here: do the work in this process
    finally:
        _WORKER = None
    if outcomes is None:
        yield from _analyse_here(run, rules, todo)
        return
    for found, symbols, broken in outcomes:
        for module, symbol_table in symbols.items():
            if module not in run.symbols:
                run.symbols[module] = symbol_table
                run.cache.put(run.symbols_key(module), symbol_table)
        for path, error in broken.items():
            run.broken.setdefault(path, error)
        yield from found


def _analyse_here(run: _Run, rules: tuple[type[SyntaxRule], ...], todo: list[tuple[str, str]]):
    index = ProjectIndex((), load=run.symbols_for)
    for module, key in todo:
        result = _analyse(run, rules, index, module)
        if result is not None:
            yield module, key, result


_WORKER: tuple[_Run, tuple[type[SyntaxRule], ...]] | None = None


def _work(chunk: list[tuple[str, str]]):
    run, rules = _WORKER
    run.cache = FileCache(None)  # the parent's connection is not this process's to use
    known = set(run.symbols)
    found = list(_analyse_here(run, rules, chunk))
    symbols = {m: s for m, s in run.symbols.items() if m not in known}
    return found, symbols, dict(run.broken)


def _answer(value: object) -> object:
    """A comparable stand-in for what the index answered (its symbols hold syntax nodes,
    which compare by identity)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return digest(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class _RecordingIndex:
    """The project index, noting each question and answer, so that a cached result can be
    trusted exactly as long as the index would still answer the same."""

    def __init__(self, index: ProjectIndex) -> None:
        self._index = index
        self.calls: dict[tuple[str, tuple], object] = {}

    def __getattr__(self, name: str):
        attribute = getattr(self._index, name)
        if not callable(attribute):
            return attribute

        def ask(*args):
            answer = attribute(*args)
            self.calls.setdefault((name, args), _answer(answer))
            return answer

        return ask


class _Answers:
    """What the index answers now, each distinct question asked once per run: files share
    most of their questions (``kind("app.models.user.User")``)."""

    def __init__(self, index: ProjectIndex) -> None:
        self._index = index
        self._known: dict[tuple[str, tuple], object] = {}

    def __call__(self, question: tuple[str, tuple]) -> object:
        try:
            return self._known[question]
        except KeyError:
            name, args = question
            answer = self._known[question] = _answer(getattr(self._index, name)(*args))
            return answer


@dataclass(frozen=True)
class _SyntaxResult:
    hits: tuple[tuple[str, SyntaxHit], ...]
    calls: tuple[tuple[tuple[str, tuple], object], ...]  # (question, answer) of the index


def _module_syntax_findings(
    rules: Sequence[type[SyntaxRule]], context: SyntaxContext, path: str
) -> list[Finding]:
    """The syntax rules over one file (shared with check_file)."""
    return [
        Finding(
            Location(path, hit.line, hit.column, hit.end_line, hit.end_column),
            rule.code, hit.message, importer=context.module, importer_layer=context.layer,
            scope=hit.scope,
        )
        for rule, hit in run_syntax_rules(rules, context)
    ]


def _unparsable_findings(run: _Run) -> list[Finding]:
    return [
        Finding(
            Location(_display_path(error.path), error.line, error.column),
            UNPARSABLE,
            f"File could not be parsed ({error.reason}); it was left out of the checks",
        )
        for error in run.broken.values()
    ]


def _ignored_per_file(config: Config, code: str, absolute: Path | None) -> bool:
    """Whether the config's ``per-file-ignores`` turn ``code`` off in the file ``absolute``."""
    if config.per_file_ignores and absolute is not None:
        base = config.directory or Path.cwd()
        try:
            relative = absolute.relative_to(base).as_posix()
        except ValueError:
            relative = absolute.as_posix()
        for glob, codes in config.per_file_ignores.items():
            if fnmatchcase(relative, glob) and _matches(code, codes):
                return True
    return False


def _suppressed(run: _Run, finding: Finding, absolute: Path | None, module: str | None) -> bool:
    if finding.code == UNPARSABLE:
        return False
    if _ignored_per_file(run.config, finding.code, absolute):
        return True
    if module is not None:
        lines = run.lines_of(module)
        if 0 < finding.line <= len(lines):
            match = _NOQA.search(lines[finding.line - 1])
            if match:
                codes = match["codes"]
                return codes is None or _matches(
                    finding.code, [c.upper() for c in re.split(r"[,\s]+", codes) if c]
                )
    return False


def check(paths: Sequence[Path], options: Options = Options()) -> Report:
    """Analyse ``paths`` and return every finding in force, sorted."""
    config = load(paths, options)
    rules = select_rules(config, options)
    project = discover(paths or [Path.cwd()], config)
    # Syntax trees hold no cycles: reference counting frees them, and the cyclic collector's
    # passes over a large project's live objects only cost time (most of it, measured).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(_Run(project, rules, options))
    finally:
        if collecting:
            gc.enable()


def _check(run: _Run) -> Report:
    # Nothing changed since a run with the same config, rules and targets: same report.
    whole = run.whole_key() if run.options.use_cache else None
    cached = None if whole is None else run.cache.get(whole)
    if isinstance(cached, Report):
        if not _snapshot_file(run).exists():  # the flake8 plugin's, deleted since
            _write_snapshot(run, run.graph())
        return cached
    graph = run.graph()
    index = ProjectIndex((), load=run.symbols_for)
    context = _ImportContext(run, graph, index)
    findings = (
        _import_findings(run, graph, context)
        + _chain_findings(run, graph)
        + _syntax_findings(run, index)
    )
    if any(rule.code == UNPARSABLE for rule in run.rules):
        findings += _unparsable_findings(run)
    if run.options.use_cache:
        _write_snapshot(run, graph)
    report = _report(run, findings)
    if whole is not None:
        run.cache.put(whole, report)
    run.cache.flush()
    return report


def _report(run: _Run, findings: Iterable[Finding]) -> Report:
    """The findings in the targets that no ignore or ``noqa`` suppresses, sorted."""
    project = run.project
    by_path = {_display_path(f.path): f for f in project.files}
    kept = []
    for finding in findings:
        source = by_path.get(finding.path)
        absolute = source.path if source else None
        if absolute is not None and not project.is_target(absolute):
            continue
        if _suppressed(run, finding, absolute, source.module if source else None):
            continue
        kept.append(finding)
    checked = sum(1 for f in project.files if project.is_target(f.path))
    return Report(tuple(sorted(set(kept))), checked, run.rules)


@dataclass(frozen=True)
class LayerImports:
    """The project's imports between modules in layers, for the layer-level picture.

    ``layers`` maps every module in a layer to its layer; ``imports`` holds
    ``(importer, imported, statements)`` for each pair of layered modules with at least one
    import statement between them (``ignore_imports`` applied), sorted.
    """

    layers: dict[str, str]
    imports: tuple[tuple[str, str, int], ...]


def layer_imports(paths: Sequence[Path], options: Options = Options()) -> LayerImports:
    """Which layered module imports which, and how often; no rule runs."""
    config = load(paths, options)
    project = discover(paths or [Path.cwd()], config)
    run = _Run(project, (), options)
    graph = run.graph()
    layers = {m: layer for m in sorted(graph.modules) if (layer := run.layers.layer_of(m))}
    imports = tuple(
        (importer, imported, len(graph.details(importer, imported)))
        for importer in layers
        for imported in run.imports(graph, importer)
        if imported in layers
    )
    return LayerImports(layers, imports)


# -- the import snapshot (see snapshot.py) --------------------------------------------
def _snapshot_file(run: _Run) -> Path:
    base = run.options.cache_dir or default_cache_dir(run.config)
    return snapshot_path(base, ((p.name, p.directory) for p in run.project.packages))


def _write_snapshot(run: _Run, graph: ProjectGraph) -> None:
    """Leave what checks of one file cannot see for themselves: the direct imports of the
    modules in no layer (the middle of ARC003's chains) and of the services (ARC001's
    hint), each with its file's stamp."""
    entries = {}
    for module in graph.modules:
        source = run.files.get(module)
        if source is None or run.layers.layer_of(module) not in (None, SERVICES):
            continue
        stamp = stamp_of(source.path)
        if stamp is not None:
            entries[module] = (stamp, tuple(sorted(graph.imports_of(module))))
    path = _snapshot_file(run)
    try:
        _prepare_cache(path.parent)
        write_snapshot(path, Snapshot(run.config.exclude_type_checking_imports, entries))
    except OSError:
        pass  # the flake8 plugin then leaves ARC003 to the CLI, as with no run yet


# -- a graph built elsewhere: the import-linter contract ------------------------------
def check_graph(
    graph: ProjectGraph, paths: Sequence[Path], config: Config, options: Options = Options()
) -> Report:
    """The import rules (ARC001-ARC004) over ``graph``, built by someone else (import-linter
    hands its contracts one), for the project at ``paths``: what ``archcheck`` reports for
    those rules. Files are read only for what the graph lacks: columns, ``noqa`` comments
    and the ORM classes of ARC004."""
    rules = tuple(
        rule for rule in select_rules(config, options) if issubclass(rule, (ImportRule, ChainRule))
    )
    run = _Run(discover(paths, config), rules, options)
    context = _ImportContext(run, graph, ProjectIndex((), load=run.symbols_for))
    return _report(run, _import_findings(run, graph, context) + _chain_findings(run, graph))


# -- one file at a time: the flake8 plugin --------------------------------------------
class _FileSession:
    """What checking single files of one project needs, kept for the life of the process
    (flake8 checks many files per worker process; an editor, one per run): the project's
    files and layers, modules read so far, and the snapshot of the last whole-project run,
    whose entries are used while their files keep their stamps and re-read otherwise."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.memo: _Reach = {}
        snapshot = read_snapshot(_snapshot_file(run)) if run.options.use_cache else None
        if snapshot is not None and (
            snapshot.exclude_type_checking_imports != run.config.exclude_type_checking_imports
        ):
            snapshot = None
        self.snapshot = snapshot
        self._imports: dict[str, frozenset[str]] = {}
        self._by_layer: dict[str | None, list[str]] = {}

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

    def _tree(self, module: str) -> ast.Module | None:
        parsed = self.run.tree_of(module)
        return None if parsed is None else parsed.tree

    def index_with(self, module: str, symbols: ModuleSymbols) -> ProjectIndex:
        """The project index as a whole-project run has it, but for ``module`` as the
        checked file says; other modules are read when a lookup first needs them."""
        return ProjectIndex([symbols], load=self.run.symbols_for)

    def own_imports(self, tree: ast.Module, source: SourceFile) -> dict[str, list[int]]:
        """The project modules a file's import statements import, grimp's way, with the
        lines of those statements."""
        skip_type_checking = self.run.config.exclude_type_checking_imports
        found: dict[str, list[int]] = {}
        for statement in import_statements(tree, source.module, source.is_package):
            if statement.type_checking and skip_type_checking:
                continue
            for imported in imported_modules(statement, self.run.files):
                found.setdefault(imported, []).append(statement.line)
        return found

    def imports_of(self, module: str) -> frozenset[str]:
        """Direct imports of ``module`` (no ``ignore_imports`` applied), from the snapshot
        while the file is unchanged, else from the file."""
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
                    tree = self._tree(module)
                    if tree is not None:
                        found = frozenset(self.own_imports(tree, source))
            self._imports[module] = found
        return self._imports[module]

    def in_layer(self, layer: str | None) -> list[str]:
        if layer not in self._by_layer:
            self._by_layer[layer] = sorted(
                m for m in self.run.files if self.run.layers.layer_of(m) == layer
            )
        return self._by_layer[layer]


class _FileImportContext:
    """What an import rule may ask, answered for one checked file."""

    def __init__(
        self, session: _FileSession, source: SourceFile, tree: ast.Module,
        symbols: ModuleSymbols, own: dict[str, list[int]], index: ProjectIndex,
    ) -> None:
        self.session = session
        self.source = source
        self.tree = tree
        self.symbols = symbols
        self.own = own
        self.index = index

    def importers_in_layer(self, module: str, layer: str) -> list[str]:
        # Without the snapshot, reading every module of the layer would cost a full parse
        # of it per file: ARC001 then names no service (see the flake8 plugin's docs).
        if self.session.snapshot is None:
            return []
        return [
            m for m in self.session.in_layer(layer)
            if module in (self.own if m == self.source.module else self.session.imports_of(m))
        ]

    def classes_imported(self, edge: ImportEdge) -> list[str]:
        return _classes_imported(self.tree, self.symbols, self.source.is_package, edge, self.index)


_CONFIGS: dict[tuple[Path | None, Path], Config | ArchcheckError] = {}
_SESSIONS: dict[tuple, _FileSession | ArchcheckError | None] = {}


def _config_for(directory: Path, options: Options) -> Config:
    """The config in force for files of ``directory``, found once per folder per process."""
    key = (options.config_path, directory)
    if key not in _CONFIGS:
        try:
            _CONFIGS[key] = load([directory], options)
        except ArchcheckError as error:
            _CONFIGS[key] = error
    found = _CONFIGS[key]
    if isinstance(found, ArchcheckError):
        raise found
    return found


def _session(target: Path, config: Config, options: Options) -> _FileSession | None:
    """The session of the project found at ``target`` (a folder, as ``archcheck TARGET``
    would see it); None when there is no layered project there and no config asks for one."""
    key = (target, config.source, options)
    if key not in _SESSIONS:
        try:
            project = discover([target], config)
            _SESSIONS[key] = _FileSession(_Run(project, select_rules(config, options), options))
        except ArchcheckError as error:
            # Without a config nothing asked for archcheck here: say nothing. With one, its
            # errors are the user's to see.
            _SESSIONS[key] = None if config.source is None else error
    found = _SESSIONS[key]
    if isinstance(found, ArchcheckError):
        raise found
    return found


def _file_session(path: Path, config: Config, options: Options) -> tuple[_FileSession, SourceFile] | None:
    """The project that ``path`` belongs to, discovered from where ``archcheck`` would
    start: the config's folder, else the working directory, else the file's own package."""
    if config.root and config.directory is not None:
        # The config names the root packages: where discovery starts makes no difference.
        targets = [config.directory]
    else:
        targets = [t for t in (config.directory, Path.cwd()) if t is not None and t in path.parents]
        root = package_root_of(path)
        if root is not None:
            targets.append(root)
    for target in dict.fromkeys(targets):
        session = _session(target, config, options)
        source = None if session is None else session.source_for(path)
        if source is not None:
            return session, source
    return None


def check_file(
    path: Path, tree: ast.Module, lines: Sequence[str], options: Options = Options()
) -> list[Finding]:
    """Findings in one file, from its own syntax tree (``tree`` and ``lines`` as the
    checked text says, which may differ from the disk), with the positions and messages of
    a whole-project run.

    The project around it (files, layers, config) is discovered once per process; the
    import rules read the file's own import statements. ARC003 and the hint of ARC001 need
    other modules' imports: they come from the snapshot of the last whole-project run
    (``archcheck``, the pre-commit hook), checked against each file's stamp; without one,
    ARC003 is left to ``archcheck`` and ARC001 names no service. ``noqa`` comments are the
    caller's to apply; ``per-file-ignores`` of the config are applied here. ARC900 is never
    reported: a file that does not parse has no tree.
    """
    path = path.resolve()
    config = _config_for(path.parent, options)
    found = _file_session(path, config, options)
    if found is None:
        return []
    session, source = found
    run = session.run
    module = source.module
    layer = run.layers.layer_of(module)
    if layer is None:
        return []
    text_lines = "".join(lines).splitlines()
    symbols = symbols_of(tree, module, source.is_package)
    index = session.index_with(module, symbols)
    own = session.own_imports(tree, source)
    imports = sorted(m for m in own if not run.is_ignored_import(module, m))
    display = _display_path(path)

    def locate(line: int) -> Location:
        return Location(display, line, _indent_column(text_lines, line))

    findings: list[Finding] = []
    import_rules = [rule() for rule in run.rules if issubclass(rule, ImportRule)]
    if import_rules:
        context = _FileImportContext(session, source, tree, symbols, own, index)
        findings += _edge_findings(
            run, import_rules, context, module, imports,
            lines_of=lambda imported: sorted(set(own[imported])), locate=locate,
        )
    chain_rules = [rule() for rule in run.rules if issubclass(rule, ChainRule)]
    if chain_rules and session.snapshot is not None:

        def imports_of(other: str) -> list[str]:
            if other == module:
                return imports
            return sorted(m for m in session.imports_of(other) if not run.is_ignored_import(other, m))

        findings += _head_chain_findings(
            run, chain_rules, module, imports, imports_of=imports_of, memo=session.memo,
            first_line=lambda imported: min(own[imported]), locate=locate,
        )
    syntax_rules = tuple(rule for rule in run.rules if issubclass(rule, SyntaxRule))
    if syntax_rules:
        context = SyntaxContext(module, layer, tree, symbols, index, tuple(text_lines))
        findings += _module_syntax_findings(syntax_rules, context, display)
    return sorted(f for f in set(findings) if not _ignored_per_file(run.config, f.code, path))
