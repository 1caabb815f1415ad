"""Whole-project checks: ``check`` (the CLI, the pre-commit hook), ``check_graph`` (the
import-linter contract) and ``layer_imports`` (``archcheck graph``)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck.cache import integer, items, optional_integer, optional_text, text, texts
from archcheck.config import Config
from archcheck.deep_stack import with_deep_stack
from archcheck.engine.import_rules import ImportChecks, direct_imports
from archcheck.engine.kept_run import kept_run
from archcheck.engine.run import Run, display_path
from archcheck.engine.selection import Options, load, select_rules
from archcheck.engine.suppression import ignored_per_file, silenced_by_noqa
from archcheck.engine.syntax_checks import SyntaxPass
from archcheck.findings import Finding, Location
from archcheck.imports import enclosing_module
from archcheck.index import ProjectIndex
from archcheck.layers import SERVICES
from archcheck.project import Project, discover
from archcheck.rules import ChainRule, ImportRule, Rule
from archcheck.rules.arc900_unparsable_file import UnparsableFile
from archcheck.snapshot import Snapshot, stamp_from, write_snapshot

if TYPE_CHECKING:
    from archcheck.engine.chains import Demand
    from archcheck.graph import ProjectGraph

__all__ = ["LayerImports", "Report", "check", "check_graph", "layer_imports"]


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    files_checked: int
    rules: tuple[type[Rule], ...] = field(default=())
    # What was not read and why, one line each (``app/my-tools/: ...``): a clean report
    # must not hide a blind spot.
    warnings: tuple[str, ...] = ()


def check(
    paths: Sequence[Path], options: Options = Options(), *, config: Config | None = None
) -> Report:
    """Analyse ``paths`` and return every finding in force, sorted; ``config``: the one in
    force, when the caller has loaded it already."""
    if config is None:
        config = load(paths, options)
    rules = select_rules(config, options)
    # Syntax trees hold no cycles: reference counting frees them, and the cyclic collector's
    # passes over a large project's live objects only cost time (most of it, measured).
    collecting = gc.isenabled()
    gc.disable()
    try:
        run, report = with_deep_stack(lambda: _run_and_check(paths, config, rules, options))
        return replace(report, warnings=(*unread_warnings(run.project), *report.warnings))
    finally:
        if collecting:
            gc.enable()


def unread_warnings(project: Project) -> tuple[str, ...]:
    """A line for each folder or file holding Python under the roots that is not read."""
    lines = []
    # Files named like no module, by folder: a folder of migration scripts
    # (``0001_initial.py``) is one line, not one per script.
    unnamed: dict[Path, list[Path]] = {}
    beside = {p.directory.parent for p in project.packages}
    names = {p.name for p in project.packages}
    for package in project.packages:
        for path in package.unread:
            if not os.path.lexists(path):
                continue  # gone since
            if os.path.isdir(path) and not os.access(path, os.R_OK | os.X_OK):
                lines.append(
                    f"{display_path(path)}/ not read: it cannot be listed (permission denied)"
                )
            elif os.path.isdir(path) and path.name in names:
                # A listable folder with a root's name is left unread only where discovery
                # found another root of that name nearer the top (``project.discover``).
                lines.append(
                    f"{display_path(path)}/ not read: a folder nearer the top is the root "
                    f"package {path.name!r} (`root` in the config chooses)"
                )
            elif os.path.isdir(path) and path.name.isidentifier():
                # A package discovery did not reach (``project._packages_missed``), or a
                # folder holding several.
                what = "a package" if os.path.lexists(path / "__init__.py") else "it holds packages"
                lines.append(
                    f"{display_path(path)}/ not read: {what} deeper than archcheck looks "
                    f"for root packages (pass its folder, or set `root` in the config)"
                )
            elif os.path.isdir(path):
                lines.append(
                    f"{display_path(path)}/ not read: {path.name!r} is not a Python package name"
                )
            elif path.name.endswith(".py") and path.parent in beside:
                lines.append(
                    f"{display_path(path)} not read: a top-level module of the app beside "
                    f"its packages (archcheck reads packages only)"
                )
            elif path.name.endswith(".py") and path.name[:-3].isidentifier():
                lines.append(f"{display_path(path)} not read: not a regular file")
            else:
                unnamed.setdefault(path.parent, []).append(path)
    for folder, paths in unnamed.items():
        if len(paths) == 1:
            lines.append(
                f"{display_path(paths[0])} not read: {paths[0].stem!r} is not a module name"
            )
        else:
            first = sorted(paths)[0].stem
            lines.append(
                f"{display_path(folder)}/: {len(paths)} files not read: their names are not "
                f"module names ({first!r}, ...)"
            )
    return tuple(sorted(lines))


def _run_and_check(
    paths: Sequence[Path], config: Config, rules: tuple[type[Rule], ...], options: Options
) -> tuple[Run, Report]:
    run = kept_run(paths or [Path.cwd()], config, rules, options)
    return run, _check(run)


def _check(run: Run) -> Report:
    cache = run.sources.cache
    # Nothing changed since a run with the same config, rules and targets: same report.
    whole = run.whole_key() if run.options.use_cache else None
    cached = None if whole is None else cache.get(whole, _report_from_data)
    if cached is not None:
        if not run.snapshot_file().exists():  # the flake8 plugin's, deleted since
            graph = run.graph()
            index = ProjectIndex((), load=run.sources.symbols_for)
            _write_snapshot(run, graph, *_import_findings(run, graph, index)[1:3])
        return Report(cached[0], cached[1], run.rules, cached[2])
    index = ProjectIndex((), load=run.sources.symbols_for)
    # The syntax pass's workers parse while this process builds the import graph.
    syntax = SyntaxPass(run, index)
    try:
        graph = run.graph()
        findings, demands, direct, warnings = _import_findings(run, graph, index)
    except BaseException:
        syntax.cancel()
        raise
    found, asked = syntax.finish()
    findings += found
    if any(rule is UnparsableFile for rule in run.rules):
        dependents = _dependents(run, asked)
        findings += [
            Finding(
                Location(display_path(error.path), error.line, error.column),
                UnparsableFile.code,
                UnparsableFile.message(
                    error.reason,
                    imports_read=run.imports_readable(error.path),
                    dependents=dependents.get(error.path, ()),
                ),
            )
            for error in run.sources.broken.values()
        ]
    if run.options.use_cache and run.cache_trusted():
        _write_snapshot(run, graph, demands, direct)
    report = replace(_report(run, findings), warnings=warnings)
    if whole is not None:
        cache.put(whole, _report_to_data(report))
    cache.flush()
    return report


def _dependents(run: Run, asked: dict[str, frozenset[str]]) -> dict[Path, list[str]]:
    """The display paths of the analysed files whose syntax checks asked about a name of
    each broken file: a name is of the longest project module it starts with."""
    broken = {m: s.path for m, s in run.files.items() if s.path in run.sources.broken}
    found: dict[Path, set[str]] = {}
    for module, names in asked.items() if broken else ():
        for name in names:
            owner = enclosing_module(name, run.files)
            if owner in broken:
                found.setdefault(broken[owner], set()).add(display_path(run.files[module].path))
    return {path: sorted(paths) for path, paths in found.items()}


def _report_to_data(report: Report) -> list:
    return [
        list(report.warnings),
        report.files_checked,
        [
            [
                f.path,
                f.line,
                f.column,
                f.location.end_line,
                f.location.end_column,
                f.code,
                f.message,
                f.module,
                f.imported,
                f.importer_layer,
                f.imported_layer,
                list(f.chain),
                f.scope,
                list(f.also_imported),
            ]
            for f in report.findings
        ],
    ]


def _report_from_data(data: object) -> tuple[tuple[Finding, ...], int, tuple[str, ...]]:
    """The findings, file count and warnings ``_report_to_data`` wrote; ValueError (or
    TypeError) for any other shape."""
    found = items(data)
    if len(found) != 3:
        raise ValueError("not a report")
    warnings, files_checked, findings = found
    return (
        tuple(
            Finding(
                Location(
                    text(path),
                    integer(line),
                    integer(column),
                    optional_integer(end_line),
                    optional_integer(end_column),
                ),
                text(code),
                text(message),
                optional_text(importer),
                optional_text(imported),
                optional_text(importer_layer),
                optional_text(imported_layer),
                texts(chain),
                optional_text(scope),
                texts(also_imported),
            )
            for (
                path,
                line,
                column,
                end_line,
                end_column,
                code,
                message,
                importer,
                imported,
                importer_layer,
                imported_layer,
                chain,
                scope,
                also_imported,
            ) in items(findings)
        ),
        integer(files_checked),
        texts(warnings),
    )


def _import_findings(
    run: Run, graph: ProjectGraph, index: ProjectIndex
) -> tuple[list[Finding], dict[str, list[Demand]], dict[str, list[str]], tuple[str, ...]]:
    """The import and chain findings, what layered heads need of the modules of no layer
    on ARC003's chains, the layered modules each layered module depends on through its
    own imports that have a finding (both for the snapshot), and a warning when ARC003's
    search ended before it searched every layered module."""
    budget = max(_CHAIN_STEPS, _CHAIN_STEPS_PER_MODULE * len(graph.modules))
    checks = ImportChecks(
        run.layers,
        run.rules,
        run.is_ignored_import,
        budget,
        index.is_shared_value,
        providers=not run.config.strict,
    )
    if not checks.import_rules and checks.chains is None:
        return [], {}, {}, ()
    # Imported here: the chain search and the name following it reads are not needed by a
    # run whose report is cached, and cost such a run a tenth of its time.
    from archcheck.engine.graph_imports import GraphImports

    source = GraphImports(graph, run.layers, run.sources, index)
    # A graph built by someone else (import-linter's) may hold modules archcheck excludes.
    modules = [module for module in sorted(graph.modules) if module in run.files]
    findings = []
    for module in modules:
        findings += checks.findings(source, module, run.locate)
    direct = direct_imports(findings)
    links, demands = checks.links(source, modules, direct)
    warnings: tuple[str, ...] = ()
    if checks.chains is not None:
        findings += checks.chains.findings(links, run.locate)
        left = checks.chains.unsearched
        if left:
            layers = checks.chains.layers
            searched = sum(1 for m in modules if layers.layer_of(m)) - len(left)
            warnings = (
                f"ARC003 searched the chains of {searched} layered modules and stopped once it "
                f"had followed more than {budget} uses, before {len(left)} more (first "
                f"{left[0]}): their chains are not reported",
            )
    return findings, demands, direct, warnings


# ARC003's search may follow this many uses, or this many per module of a larger project:
# zenml (1 400 modules, an SDK client every layer reaches) follows 2.9 million in 15 s;
# LiteLLM's proxy, whose 140 routers import a 10 000-line hub, took 10 minutes and 16 GB
# for all of them.
_CHAIN_STEPS = 4_000_000
_CHAIN_STEPS_PER_MODULE = 2_000


def _report(run: Run, findings: Iterable[Finding]) -> Report:
    """The findings in the targets that no ignore or ``noqa`` suppresses, sorted."""
    project = run.project
    by_path = {display_path(f.path): f for f in project.files}
    kept = []
    for finding in findings:
        source = by_path.get(finding.path)
        if source is not None and not project.is_target(source.path):
            continue
        if (
            finding.code != UnparsableFile.code
            and source is not None
            and (
                ignored_per_file(run.config, finding.code, source.path)
                or silenced_by_noqa(finding.code, run.sources.lines_of(source.module), finding.line)
            )
        ):
            continue
        kept.append(finding)
    checked = sum(1 for f in project.files if project.is_target(f.path))
    return Report(tuple(sorted(set(kept))), checked, run.rules)


def _write_snapshot(
    run: Run,
    graph: ProjectGraph,
    demands: dict[str, list[Demand]],
    direct: dict[str, list[str]],
) -> None:
    """Leave what checks of one file cannot see for themselves (see snapshot.py): the
    direct imports of the modules in no layer and of the services (ARC001's hint), each
    with its file's stamp, and what layered heads need of the modules of no layer that
    may hold ARC003's links, with the stamps of the files on the way."""
    entries = {}
    layers = run.layers.for_chains()  # the modules of no layer as ARC003 reads them
    for module in graph.modules:
        source = run.files.get(module)
        if source is None or layers.layer_of(module) not in (None, SERVICES):
            continue
        stamp = stamp_from(run.sources.status_of(module))
        if stamp is not None:
            entries[module] = (stamp, tuple(sorted(graph.imports_of(module))))
    recorded = {
        module: [
            [
                d.head,
                list(d.uses),
                None if d.names is None else list(d.names),
                list(d.chain),
                list(d.called),
                d.hub,
                list(d.tails),
                d.beyond,
                list(d.within),
            ]
            for d in found
        ]
        for module, found in demands.items()
    }
    stamps = {}
    for found in demands.values():
        for demand in found:
            for module in (*demand.chain, *demand.within):
                if module not in stamps:
                    stamps[module] = stamp_from(run.sources.status_of(module))
    path = run.snapshot_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        heads = {demand.head for found in demands.values() for demand in found}
        of_heads = {head: found for head, found in direct.items() if head in heads}
        write_snapshot(
            path,
            Snapshot(run.config.exclude_type_checking_imports, entries, recorded, stamps, of_heads),
        )
    except OSError:
        pass  # the flake8 plugin then leaves ARC003 to the CLI, as with no run yet


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
    run = Run(discover(paths, config), rules, options)
    index = ProjectIndex((), load=run.sources.symbols_for)
    return _report(run, _import_findings(run, graph, index)[0])


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
    run = Run(discover(paths or [Path.cwd()], config), (), options)
    graph = run.graph()
    layers = {m: layer for m in sorted(graph.modules) if (layer := run.layers.layer_of(m))}
    imports = tuple(
        (importer, imported, len(graph.details(importer, imported)))
        for importer in layers
        for imported in sorted(graph.imports_of(importer))
        if imported in layers and not run.is_ignored_import(importer, imported)
    )
    return LayerImports(layers, imports)
