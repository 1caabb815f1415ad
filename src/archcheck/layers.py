"""Layers: the names, their order, and which module belongs to which.

A layer is a set of module-name globs. ``*`` matches one dotted segment (or part of one),
``**`` any number of segments, and a module belongs to a layer when it or one of its
ancestors matches; the longest match wins, so ``app.api.routers.admin`` is a router even
when some glob also catches ``app.api``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fnmatch import translate

__all__ = [
    "BYPASS",
    "LAYERS",
    "LAYOUTS",
    "MODELS_ON_SCHEMAS",
    "SCHEMAS_ON_MODELS",
    "STACK",
    "UPWARD",
    "WIRING",
    "LayerMap",
    "compile_glob",
    "default_patterns",
    "detect_layout",
    "is_provider",
    "rank",
    "singular",
    "violation",
]

WIRING, ROUTERS, SERVICES, REPOSITORIES, MODELS, SCHEMAS = (
    "wiring",
    "routers",
    "services",
    "repositories",
    "models",
    "schemas",
)
LAYERS = (WIRING, ROUTERS, SERVICES, REPOSITORIES, MODELS, SCHEMAS)
# The closed stack: routers reach repositories only through services. Models and schemas
# are shared below it: every layer above may import them, they import nothing above.
STACK = (ROUTERS, SERVICES, REPOSITORIES)
# Wiring (composition roots: the app entry point, dependency providers, DI containers)
# sits above the routers: it assembles every layer, and the routers may use it.
_RANK = {WIRING: 0, ROUTERS: 1, SERVICES: 2, REPOSITORIES: 3, MODELS: 4, SCHEMAS: 4}
_SINGULAR = {
    WIRING: "wiring module",
    ROUTERS: "router",
    SERVICES: "service",
    REPOSITORIES: "repository",
    MODELS: "model",
    SCHEMAS: "schema",
}
LAYOUTS = ("auto", "layered", "feature")

# Globs that identify a layout; ``{pkg}`` is the root package.
_LAYERED = {
    ROUTERS: (
        "{pkg}.api.**.routers",
        "{pkg}.api.**.routes",
        "{pkg}.api.**.endpoints",
        "{pkg}.routers",
        "{pkg}.routes",
        "{pkg}.endpoints",
    ),
    SERVICES: ("{pkg}.services", "{pkg}.service"),
    REPOSITORIES: ("{pkg}.repositories", "{pkg}.repository", "{pkg}.repos", "{pkg}.crud"),
    MODELS: ("{pkg}.models", "{pkg}.db.models"),
    SCHEMAS: ("{pkg}.schemas", "{pkg}.api.schemas"),
}
_FEATURE = {
    ROUTERS: (
        "{pkg}.**.router",
        "{pkg}.**.routers",
        "{pkg}.**.routes",
        "{pkg}.**.views",
        "{pkg}.**.endpoints",
    ),
    SERVICES: ("{pkg}.**.service", "{pkg}.**.services"),
    REPOSITORIES: ("{pkg}.**.repository", "{pkg}.**.repositories", "{pkg}.**.crud"),
    MODELS: ("{pkg}.**.models",),
    SCHEMAS: ("{pkg}.**.schemas",),
}
# The HTTP tier around the routers belongs to the routers layer, and the composition roots
# to the wiring layer, but their names are too common to identify a layout by.
_HTTP_TIER = {
    "layered": ("{pkg}.middleware", "{pkg}.middlewares"),
    "feature": ("{pkg}.middleware", "{pkg}.middlewares"),
}
_WIRING = {
    "layered": (
        "{pkg}.main",
        "{pkg}.app",
        "{pkg}.dependencies",
        "{pkg}.deps",
        "{pkg}.api.**.deps",
        "{pkg}.api.**.dependencies",
        "{pkg}.**.container",
        "{pkg}.**.containers",
        "{pkg}.**.bootstrap",
    ),
    "feature": (
        "{pkg}.main",
        "{pkg}.app",
        "{pkg}.**.dependencies",
        "{pkg}.**.deps",
        "{pkg}.**.container",
        "{pkg}.**.containers",
        "{pkg}.**.bootstrap",
    ),
}


# Dependency providers among the composition roots: under ``strict`` they count as routers
# (they are the HTTP tier's own code, so a provider that builds a repository is ARC001);
# the entry point and the containers stay wiring, since assembling every layer at startup
# is what they are for.
_PROVIDERS = frozenset({"deps", "dependencies"})


def is_provider(glob: str) -> bool:
    """Whether a wiring glob names dependency providers (a ``deps`` or ``dependencies``
    segment)."""
    return any(segment in _PROVIDERS for segment in glob.split("."))


def rank(layer: str) -> int:
    """Position in the stack, 0 at the top; models and schemas share the bottom."""
    return _RANK[layer]


def singular(layer: str) -> str:
    """``repositories`` -> ``repository``: how messages name one module of a layer."""
    return _SINGULAR[layer]


def default_patterns(layout: str, package: str) -> dict[str, tuple[str, ...]]:
    """The globs of ``layout`` (``layered`` or ``feature``) for one root package."""
    table = _LAYERED if layout == "layered" else _FEATURE
    patterns = {layer: _prefixed(globs, package) for layer, globs in table.items()}
    patterns[ROUTERS] += _prefixed(_HTTP_TIER[layout], package)
    patterns[WIRING] = _prefixed(_WIRING[layout], package)
    return patterns


def _prefixed(globs: Iterable[str], package: str) -> tuple[str, ...]:
    """``{pkg}.services`` -> ``app.services``; with no package (a source root whose
    children are the root packages) -> ``services``."""
    return tuple(glob.format(pkg=package).lstrip(".") for glob in globs)


def detect_layout(package: str, modules: Iterable[str]) -> str | None:
    """``layered``, ``feature`` or None, from the module names of one root package.

    Layer-first wins when both match: its names are the more specific. Only the
    router/service/repository stack counts as evidence; a lone ``models`` module is
    everywhere.
    """
    modules = list(modules)
    for layout, table in (("layered", _LAYERED), ("feature", _FEATURE)):
        stack = LayerMap({layer: _prefixed(table[layer], package) for layer in STACK})
        if any(stack.layer_of(module) for module in modules):
            return layout
    return None


def compile_glob(glob: str) -> re.Pattern[str]:
    """A regex that matches exactly the module names ``glob`` matches."""
    parts: list[str | None] = []  # None: ``**``
    for segment in glob.split("."):
        if segment == "**":
            parts.append(None)
        else:
            # fnmatch's translation, made unable to cross a dot.
            parts.append(translate(segment)[4:-3].replace(".*", "[^.]*"))
    regex = ""
    last = len(parts) - 1
    for i, part in enumerate(parts):
        if part is None:
            regex += r"(?:\.[^.]+)*" if i == last else r"(?:[^.]+\.)*"
        else:
            trailing_glob_next = i + 1 == last and parts[last] is None
            regex += part + ("" if i == last or trailing_glob_next else r"\.")
    return re.compile(regex)


class LayerMap:
    """Which layer a module is in, from globs per layer; answers are memoised."""

    def __init__(self, patterns: Mapping[str, Iterable[str]]) -> None:
        self.patterns = {layer: tuple(patterns.get(layer, ())) for layer in LAYERS}
        self._regexes = [
            (layer, compile_glob(glob)) for layer in LAYERS for glob in self.patterns[layer]
        ]
        self._own: dict[str, str | None] = {}
        self._cache: dict[str, str | None] = {}

    def _matches_itself(self, name: str) -> str | None:
        try:
            return self._own[name]
        except KeyError:
            found = next((layer for layer, rx in self._regexes if rx.fullmatch(name)), None)
            self._own[name] = found
            return found

    def layer_of(self, module: str) -> str | None:
        """The layer of ``module``: that of its longest self-or-ancestor name that matches."""
        try:
            return self._cache[module]
        except KeyError:
            pass
        found = self._matches_itself(module)
        if found is None and "." in module:
            found = self.layer_of(module.rpartition(".")[0])
        self._cache[module] = found
        return found


BYPASS = "bypass"  # the HTTP tier reaches a repository around the closed services layer
UPWARD = "upward"  # a lower layer depends on a higher one
MODELS_ON_SCHEMAS = "models-on-schemas"
SCHEMAS_ON_MODELS = "schemas-on-models"


def violation(importer_layer: str, imported_layer: str) -> str | None:
    """What is wrong with a dependency between two layers, or None when it is allowed."""
    if importer_layer == WIRING or (importer_layer == ROUTERS and imported_layer == WIRING):
        return None
    if importer_layer == ROUTERS and imported_layer == REPOSITORIES:
        return BYPASS
    if _RANK[importer_layer] > _RANK[imported_layer]:
        return UPWARD
    if importer_layer == MODELS and imported_layer == SCHEMAS:
        return MODELS_ON_SCHEMAS
    if importer_layer == SCHEMAS and imported_layer == MODELS:
        return SCHEMAS_ON_MODELS
    return None
