"""What a run checks: the config in force, the rules selected, and the layer of each module."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck.config import Config, find_config, load_config
from archcheck.errors import ConfigError, ProjectError, UsageError
from archcheck.index import ProjectIndex
from archcheck.layers import (
    LAYERS,
    REPOSITORIES,
    ROUTERS,
    SERVICES,
    WIRING,
    LayerMap,
    compile_glob,
    is_provider,
    is_wildcard,
)
from archcheck.project import Package, SourceFile
from archcheck.rules import RULES, Rule

if TYPE_CHECKING:
    from archcheck.detection import Detected

__all__ = ["Options", "Progress", "detections", "layer_map_for", "load", "matches", "select_rules"]

# ``progress(stage, done, total)``: stage "read" (files read so far, of all files) or
# "graph" (the import graph is being built; done = 0, total = modules).
Progress = Callable[[str, int, int], None]


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


def load(paths: Sequence[Path], options: Options) -> Config:
    """The config in force for ``paths``: the one given, else the nearest one above."""
    if options.config_path is not None:
        return load_config(options.config_path)
    start = paths[0] if paths else Path.cwd()
    found = find_config(start if start.exists() else Path.cwd())
    return Config() if found is None else load_config(found)


def matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def _validate_codes(codes: Iterable[str], config: Config | None, key: str) -> None:
    for code in codes:
        if not any(rule.code.startswith(code) for rule in RULES):
            message = f"unknown rule code {code!r}"
            if config is not None and config.source is not None:
                raise ConfigError(str(config.source), message, key=key)
            raise UsageError(f"{message} (in --{key.replace('_', '-')})")


def select_rules(config: Config, options: Options) -> tuple[type[Rule], ...]:
    """Rules in force: the defaults (plus ``strict`` ones under ``strict``), or ``select``,
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
            wanted = matches(rule.code, select)
        else:
            wanted = rule.default == "on" or (rule.default == "strict" and config.strict)
        wanted = wanted or matches(rule.code, options.extend_select)
        if wanted and not matches(rule.code, ignore):
            chosen.append(rule)
    return tuple(chosen)


def _by_prefix(packages: Sequence[Package]) -> dict[str, list[SourceFile]]:
    """The files of each root: a source root's packages share the prefix ""."""
    found: dict[str, list[SourceFile]] = {}
    for package in packages:
        found.setdefault(package.prefix, []).extend(package.files)
    return found


def detections(
    packages: Sequence[Package],
    config: Config,
    read: Callable[[str], bytes | None],
    index: ProjectIndex,
) -> list[Detected]:
    """What names and code say about each root (the packages of one source root together)."""
    # Imported here, as in _check_globs: a kept run (every editor's flake8 run) needs
    # neither, and they cost it ~5 ms.
    from archcheck.detection import detect_layers

    wanted = [layer for layer in LAYERS if layer not in config.layers]
    by_prefix = _by_prefix(packages)
    configured = LayerMap({ROUTERS: config.layers[ROUTERS]}) if ROUTERS in config.layers else None
    return [
        detect_layers(
            prefix,
            files,
            read,
            index,
            config.layout,
            wanted,
            None
            if configured is None
            else [f.module for f in files if configured.layer_of(f.module) == ROUTERS],
        )
        for prefix, files in sorted(by_prefix.items())
    ]


def _check_globs(packages: Sequence[Package], config: Config) -> None:
    """A configured glob that matches no module is a typo (``app.repository`` for
    ``app.repositories``, ``app.api`` for ``src.app.api``): an error, not a silent hole."""
    from difflib import get_close_matches

    modules = [f.module for package in packages for f in package.files]
    nodes: set[str] = set()
    for module in modules:
        parts = module.split(".")
        nodes.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    # A glob's last segment is most often a plain name: only the nodes of that name can
    # match it (each glob tried on every module and its parents cost polar's 216 globs
    # half a second).
    by_name: dict[str, list[str]] = {}
    for node in nodes:
        by_name.setdefault(node.rpartition(".")[2], []).append(node)
    for layer, globs in config.layers.items():
        for glob in globs:
            last = glob.rpartition(".")[2]
            candidates = nodes if is_wildcard(last) else by_name.get(last, ())
            regex = compile_glob(glob)
            if any(regex.fullmatch(node) for node in candidates):
                continue
            literal = glob.replace("**.", "").replace("*", "")
            guesses = sorted(n for n in nodes if n.endswith("." + literal))[:3]
            guesses = guesses or get_close_matches(glob, sorted(nodes), n=3, cutoff=0.75)
            hint = f"; did you mean {' or '.join(guesses)}?" if guesses else ""
            tops = sorted({".".join(n.split(".")[:2]) for n in nodes if n.count(".") >= 1})[:4]
            called = ", ".join(f"{t}.*" for t in tops) or ", ".join(sorted(nodes)[:4])
            raise ConfigError(
                str(config.source),
                f"{glob!r} matches no module{hint} (the modules are called {called})",
                key=f"layers.{layer}",
            )


def layer_map_for(
    packages: Sequence[Package],
    config: Config,
    read: Callable[[str], bytes | None] = lambda module: None,
    index: ProjectIndex | None = None,
    found: Sequence[Detected] | None = None,
) -> LayerMap:
    """Globs per layer for every root package: what names and code say (``detections``,
    or ``found`` when the caller has them already), with the layers the config sets
    replacing them. ``read(module)``: a file's bytes, and ``index``, the class kinds, for
    detection from code (without them, names only)."""
    _check_globs(packages, config)
    patterns: dict[str, list[str]] = {layer: [] for layer in LAYERS}
    outside: list[str] = []  # tests and migrations inside the packages: in no layer
    unchained: dict[str, tuple[str, ...]] = {}  # in a layer by their code alone (``LayerMap``)
    if any(layer not in config.layers for layer in LAYERS):
        # Even when only the wiring layer is left to detect, code counts: the providers
        # are found beside the routers, which may be known by their code alone.
        if found is None:
            found = detections(packages, config, read, index or ProjectIndex(()))
        # A node a configured glob names is that layer's, not also a detected one's: the
        # detected glob would win on a tie or as the more literal one (``schemas =
        # ["app.*.models"]`` left a detected models layer claiming ``app.api.models``).
        # (A ``**`` glob names a whole subtree loosely: the more literal detected node, a
        # provider beside the routers, keeps its own layer, as the README's rule says.)
        given = [
            compile_glob(glob)
            for globs in config.layers.values()
            for glob in globs
            if "**" not in glob
        ]
        for detected in found:
            outside.extend(detected.left_out)
            for layer, globs in detected.patterns().items():
                if layer not in config.layers:
                    patterns[layer].extend(
                        g for g in globs if not any(regex.fullmatch(g) for regex in given)
                    )
            if REPOSITORIES not in config.layers:
                unchained.update(detected.by_code)
            if SERVICES not in config.layers:
                outside.extend(detected.infrastructure)
    if found is None:
        # Every layer configured, detection not run: what it leaves out is left out all the
        # same (a ``tests/`` package under the routers' glob is no router).
        from archcheck.detection import left_out

        for prefix, files in sorted(_by_prefix(packages).items()):
            outside.extend(left_out(prefix, files, read))
    # A module the config names itself (``routers = ["app.api.tests.router"]``: an exam
    # platform's tests feature) is the config's to place, test tree or not.
    named = [g for globs in config.layers.values() for g in globs if not is_wildcard(g)]
    outside = [
        node for node in outside if not any(g == node or g.startswith(node + ".") for g in named)
    ]
    for layer, globs in config.layers.items():
        patterns[layer].extend(globs)
    if config.strict:
        # Under ``strict`` the dependency providers are part of the HTTP tier: a provider
        # that builds a repository is then ARC001. The entry point and the containers stay
        # wiring: assembling every layer (seeding the database at startup) is their job.
        providers = [glob for glob in patterns[WIRING] if is_provider(glob)]
        patterns[ROUTERS] += providers
        patterns[WIRING] = [glob for glob in patterns[WIRING] if not is_provider(glob)]
    layer_map = LayerMap(patterns, outside, unchained)
    if not any(layer_map.layer_of(f.module) for package in packages for f in package.files):
        names = ", ".join(p.name for p in packages)
        raise ProjectError(
            f"no layers found in {names}: expected a layer-first layout (api/routers, services, "
            f"repositories) or a feature-first one (<feature>/router.py, service.py, "
            f"repository.py); set [tool.archcheck] layers"
        )
    return layer_map
