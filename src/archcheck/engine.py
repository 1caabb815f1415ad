"""The engine: from paths to sorted findings. The CLI, the flake8 plugin and the
import-linter contract all call it; none of them holds a rule.
"""
from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from archcheck.config import Config, find_config, load_config
from archcheck.errors import ConfigError, ProjectError, UsageError
from archcheck.findings import Finding, Location
from archcheck.graph import GraphBuildError, ProjectGraph, build_graph
from archcheck.imports import import_statements, used_names
from archcheck.index import ORM, ProjectIndex
from archcheck.layers import LAYERS, LayerMap, compile_glob, default_patterns, detect_layout, violation
from archcheck.names import ModuleSymbols, symbols_of
from archcheck.project import Package, Project, SourceFile, discover
from archcheck.rules import RULES, ChainRule, ImportRule, Rule, SyntaxRule
from archcheck.rules.base import ImportEdge, SyntaxContext
from archcheck.rules.syntax_pass import run_syntax_rules
from archcheck.syntax import ParsedFile, UnparsableFile, parse_source

__all__ = [
    "LayerImports",
    "Options",
    "Progress",
    "Report",
    "check",
    "layer_imports",
    "layer_map_for",
    "load",
    "select_rules",
]

UNPARSABLE = "ARC900"
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
# Unlayered files are parsed only when they may define what the index needs.
_INDEX_HINTS = (
    b"class ", b"declarative_base", b"registry",  # ORM models and schemas
    b"HTTPException", b"APIRouter", b"FastAPI",  # bound exceptions, routers defined elsewhere
    b"Annotated", b"TypeAlias", b"Session", b"session",  # session type aliases and factories
)


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
    cwd = Path.cwd()
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.relpath(path, cwd)).as_posix()
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
        self.parsed: dict[str, ParsedFile] = {}
        self.symbols: dict[str, ModuleSymbols] = {}
        self.broken: dict[Path, UnparsableFile] = {}
        self.ignored = [
            (compile_glob(importer), compile_glob(imported))
            for importer, imported in self.config.ignore_imports
        ]

    # -- reading ---------------------------------------------------------------------
    def _parse(self, source: SourceFile, data: bytes) -> None:
        try:
            parsed = parse_source(source.path, data)
        except UnparsableFile as error:
            self.broken[source.path] = error
            return
        self.parsed[source.module] = parsed
        self.symbols[source.module] = symbols_of(parsed.tree, source.module, source.is_package)

    def read_files(self, *, everything: bool = False) -> None:
        progress, total = self.options.progress, len(self.files)
        for done, source in enumerate(self.files.values()):
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress("read", done, total)
            if source.module in self.parsed or source.path in self.broken:
                continue
            try:
                data = source.path.read_bytes()
            except OSError as error:
                self.broken[source.path] = UnparsableFile(
                    source.path, 1, 1, f"cannot read file: {error.strerror}"
                )
                continue
            layered = self.layers.layer_of(source.module) is not None
            if everything or layered or any(hint in data for hint in _INDEX_HINTS):
                self._parse(source, data)

    def graph(self) -> ProjectGraph:
        cache = None
        if self.options.use_cache:
            base = self.options.cache_dir or default_cache_dir(self.config)
            cache = _prepare_cache(base) / "grimp"
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
                attempts -= 1
                known = len(self.broken)
                # grimp stops at the first bad file: find every bad file in one pass.
                self.read_files(everything=True)
                if len(self.broken) == known and error.path is not None and attempts > 0:
                    path = error.path.resolve()
                    if path not in self.broken:
                        self.broken[path] = UnparsableFile(path, error.line, 1, str(error))
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
        parsed = self.run.parsed.get(edge.importer)
        symbols = self.run.symbols.get(edge.importer)
        if parsed is None or symbols is None:
            return []
        source = self.run.files[edge.importer]
        found: set[str] = set()
        module_wide = False
        for statement in import_statements(parsed.tree, edge.importer, source.is_package):
            if statement.line != edge.line:
                continue
            if statement.is_from and statement.target == edge.imported:
                found.update(f"{edge.imported}.{name}" for name in statement.names)
            else:
                module_wide = True
        if module_wide:
            prefix = edge.imported + "."
            found.update(
                name for name in used_names(parsed.tree, symbols)
                if name.startswith(prefix) and "." not in name[len(prefix):]
            )
        return sorted(name for name in found if self.index.kind(name) == ORM)


def _location(run: _Run, module: str, line: int) -> Location:
    path = run.files[module].path
    column = 1
    parsed = run.parsed.get(module)
    if parsed is not None:
        lines = parsed.source.splitlines()
        if 0 < line <= len(lines):
            text = lines[line - 1]
            column = len(text) - len(text.lstrip()) + 1
    return Location(_display_path(path), line, column)


def _import_findings(run: _Run, graph: ProjectGraph, context: _ImportContext) -> list[Finding]:
    rules = [rule() for rule in run.rules if issubclass(rule, ImportRule)]
    if not rules:
        return []
    findings = []
    for importer in sorted(graph.modules):
        importer_layer = run.layers.layer_of(importer)
        if importer_layer is None:
            continue
        for imported in run.imports(graph, importer):
            imported_layer = run.layers.layer_of(imported)
            if imported_layer is None or violation(importer_layer, imported_layer) is None:
                continue
            for detail in graph.details(importer, imported):
                edge = ImportEdge(importer, imported, importer_layer, imported_layer, detail.line)
                for rule in rules:
                    message = rule.check_import(edge, context)
                    if message:
                        findings.append(
                            Finding(
                                _location(run, importer, detail.line), rule.code, message,
                                importer=importer, imported=imported,
                                importer_layer=importer_layer, imported_layer=imported_layer,
                            )
                        )
    return findings


def _reach(run: _Run, graph: ProjectGraph, start: str, memo: dict[str, dict[str, tuple[str, ...]]]):
    """Layered modules reachable from unlayered ``start`` through unlayered modules only,
    each with the shortest such path (``start`` first, the layered module last)."""
    if start in memo:
        return memo[start]
    paths: dict[str, tuple[str, ...]] = {}
    seen = {start}
    queue = deque([(start,)])
    while queue:
        path = queue.popleft()
        for nxt in run.imports(graph, path[-1]):
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
    memo: dict[str, dict[str, tuple[str, ...]]] = {}
    for head in sorted(graph.modules):
        head_layer = run.layers.layer_of(head)
        if head_layer is None:
            continue
        direct = set(run.imports(graph, head))
        chains: dict[str, tuple[str, ...]] = {}
        for first in sorted(direct):
            if run.layers.layer_of(first) is not None:
                continue
            for tail, path in _reach(run, graph, first, memo).items():
                chain = (head, *path)
                if tail == head or tail in direct:
                    continue
                if tail not in chains or len(chain) < len(chains[tail]):
                    chains[tail] = chain
        for tail, chain in sorted(chains.items()):
            tail_layer = run.layers.layer_of(tail)
            line = graph.details(head, chain[1])[0].line
            for rule in rules:
                message = rule.check_chain(chain, head_layer, tail_layer)
                if message:
                    findings.append(
                        Finding(
                            _location(run, head, line), rule.code, message,
                            importer=head, imported=tail, importer_layer=head_layer,
                            imported_layer=tail_layer, chain=chain,
                        )
                    )
    return findings


def _syntax_findings(run: _Run, index: ProjectIndex) -> list[Finding]:
    """Every syntax rule over every layered file, one walk per file (rules/syntax_pass.py)."""
    rules = tuple(rule for rule in run.rules if issubclass(rule, SyntaxRule))
    if not rules:
        return []
    read = frozenset(layer for rule in rules for layer in rule.layers)
    findings = []
    for module, parsed in sorted(run.parsed.items()):
        layer = run.layers.layer_of(module)
        if layer not in read:
            continue
        context = SyntaxContext(
            module, layer, parsed.tree, run.symbols[module], index, tuple(parsed.source.splitlines())
        )
        path = _display_path(parsed.path)
        for rule, hit in run_syntax_rules(rules, context):
            findings.append(
                Finding(
                    Location(path, hit.line, hit.column, hit.end_line, hit.end_column),
                    rule.code, hit.message, importer=module, importer_layer=layer,
                    scope=hit.scope,
                )
            )
    return findings


def _unparsable_findings(run: _Run) -> list[Finding]:
    return [
        Finding(
            Location(_display_path(error.path), error.line, error.column),
            UNPARSABLE,
            f"File could not be parsed ({error.reason}); it was left out of the checks",
        )
        for error in run.broken.values()
    ]


def _suppressed(run: _Run, finding: Finding, absolute: Path | None, module: str | None) -> bool:
    if finding.code == UNPARSABLE:
        return False
    config = run.config
    if config.per_file_ignores and absolute is not None:
        base = config.directory or Path.cwd()
        try:
            relative = absolute.relative_to(base).as_posix()
        except ValueError:
            relative = absolute.as_posix()
        for glob, codes in config.per_file_ignores.items():
            if fnmatchcase(relative, glob) and _matches(finding.code, codes):
                return True
    parsed = run.parsed.get(module) if module else None
    if parsed is not None:
        lines = parsed.source.splitlines()
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
    run = _Run(project, rules, options)
    run.read_files()
    graph = run.graph()
    index = ProjectIndex(run.symbols.values())
    context = _ImportContext(run, graph, index)
    findings = (
        _import_findings(run, graph, context)
        + _chain_findings(run, graph)
        + _syntax_findings(run, index)
    )
    if any(rule.code == UNPARSABLE for rule in rules):
        findings += _unparsable_findings(run)
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
    return Report(tuple(sorted(set(kept))), checked, rules)


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
