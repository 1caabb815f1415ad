"""Layers: the names, their order, and which module belongs to which.

A layer is a set of module-name globs. ``*`` matches one dotted segment (or part of one),
``**`` any number of segments, and a module belongs to a layer when it or one of its
ancestors matches; the longest match wins, so ``app.api.routers.admin`` is a router even
when some glob also catches ``app.api``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from fnmatch import translate

__all__ = [
    "BYPASS",
    "LAYERS",
    "LAYOUTS",
    "MODELS_ON_SCHEMAS",
    "SCHEMAS_ON_MODELS",
    "UPWARD",
    "WIRING",
    "LayerMap",
    "compile_glob",
    "is_provider",
    "plural",
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


def plural(layer: str) -> str:
    """``repositories`` -> ``repositories``, ``wiring`` -> ``wiring modules``: how messages
    name several modules of a layer."""
    return f"{_SINGULAR[layer]}s" if layer == WIRING else layer


_WILD = re.compile(r"[*?\[]")  # what makes a glob more than a module name


def is_wildcard(glob: str) -> bool:
    """Whether ``glob`` (or a segment of one) matches more than its own name."""
    return _WILD.search(glob) is not None


@functools.cache  # a feature-first project has more globs than ``re`` keeps compiled
def compile_glob(glob: str) -> re.Pattern[str]:
    """A regex that matches exactly the module names ``glob`` matches."""
    return re.compile(_glob_regex(glob))


def _glob_regex(glob: str) -> str:
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
    return regex


class LayerMap:
    """Which layer a module is in, from globs per layer; answers are memoised. The modules
    at or below the ``outside`` nodes (tests and migrations detection left out) are in
    none, whatever glob covers them."""

    def __init__(
        self,
        patterns: Mapping[str, Iterable[str]],
        outside: Iterable[str] = (),
        unchained: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.patterns = {layer: tuple(patterns.get(layer, ())) for layer in LAYERS}
        self.outside = tuple(sorted(set(outside)))
        # Modules in a layer by their code alone (a repository known by its queries), each
        # with the names of its code that make it so: ARC003 follows no chain to or from
        # them (``for_chains``), and an import of none of those names is none of the layer's.
        self.unchained = {m: frozenset(names) for m, names in sorted((unchained or {}).items())}
        self._chains: LayerMap | None = None
        # In the chain search's map: the modules no chain passes (``for_chains``).
        self.blocked: frozenset[str] = frozenset()
        self._outside = frozenset(self.outside)
        # Per layer, the plain names in a set and the wildcards in one alternation: a
        # feature-first project is detected as a glob per feature module (1,500 for 1,000
        # modules), and a regex each, compiled and tried in turn, cost seconds.
        self._plain = {
            layer: {g for g in self.patterns[layer] if not is_wildcard(g)} for layer in LAYERS
        }
        self._regexes = {
            layer: re.compile("|".join(f"(?:{_glob_regex(g)})" for g in wild))
            for layer in LAYERS
            if (wild := [g for g in self.patterns[layer] if is_wildcard(g)])
        }
        self._own: dict[str, str | None] = {}
        self._cache: dict[str, str | None] = {}

    def for_chains(self) -> LayerMap:
        """The layers as ARC003's chain search reads them: the ``unchained`` modules in
        none, and no chain passing them. A module that only its queries put among the
        repositories may as well be the app's unnamed business logic: a router reaching it
        through a helper is no leak anyone could name, while a router importing it is
        ARC001; and what it imports itself is a repository's business, not a helper's."""
        if not self.unchained:
            return self
        if self._chains is None:
            self._chains = LayerMap(self.patterns, (*self.outside, *self.unchained))
            self._chains.blocked = frozenset(self.unchained)
        return self._chains

    def _matches_itself(self, name: str) -> str | None:
        try:
            return self._own[name]
        except KeyError:
            pass
        plain = [layer for layer in LAYERS if name in self._plain[layer]]
        found = plain[0] if plain else None
        if found is None:
            wild = [
                layer
                for layer in LAYERS
                if layer in self._regexes and self._regexes[layer].fullmatch(name)
            ]
            # Globs of two layers that both match: the one that says most about the name
            # wins (``app.db.models`` over ``app.db.*``, ``app.**.v1.views`` over ``app.**``).
            found = max(wild, key=lambda layer: self._said(layer, name), default=None)
        self._own[name] = found
        return found

    def _said(self, layer: str, name: str) -> tuple[int, int]:
        """How much the most specific glob of ``layer`` that matches ``name`` spells out:
        its characters that are no wildcard, then fewer ``**``; ties go to the higher layer."""
        return max(
            (len(_WILD.sub("", glob)) - glob.count("**"), -rank(layer))
            for glob in self.patterns[layer]
            if is_wildcard(glob) and compile_glob(glob).fullmatch(name)
        )

    def layer_of(self, module: str) -> str | None:
        """The layer of ``module``: that of its longest self-or-ancestor name that matches."""
        try:
            return self._cache[module]
        except KeyError:
            pass
        if self._is_outside(module):
            found = None
        else:
            found = self._matches_itself(module)
            if found is None and "." in module:
                found = self.layer_of(module.rpartition(".")[0])
        self._cache[module] = found
        return found

    def _is_outside(self, module: str) -> bool:
        """Whether ``module`` is an ``outside`` node or below one."""
        name = module
        while name and self._outside:
            if name in self._outside:
                return True
            name = name.rpartition(".")[0]
        return False


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
