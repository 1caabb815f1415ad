"""Layers of a project with no config: from the names of its modules and from their code.

Names first: the layer-first names (``api/routes``, ``services``, ``db/repositories``,
``models/schemas``...) or, when two or more packages each hold modules named for two
layers, the same names inside every feature. Then the code, which names cannot fool: a
module that builds an ``APIRouter`` or declares routes is a router wherever it lives; a
``models`` folder that defines Pydantic classes and no ORM class holds schemas; a module anywhere that
defines ORM classes is a model. Everything detected is written as anchored globs, with the
evidence for each, so ``archcheck init`` can show why and write exactly what a run uses.

Composition roots (``main``, ``app``, ``deps``...) and the HTTP tier around the routers
(``middleware``) are known by names too common to tell a layout by, so they are anchored:
``main`` and ``app`` only as modules, ``deps``, ``dependencies`` and ``middleware`` only
beside the routers; ``deps`` and ``dependencies`` elsewhere only when they provide and no
lower layer imports them.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from archcheck.class_layers import (
    ORM_HINT,
    class_kinds,
    classes_over_names,
    imported_targets,
    models_without_orm,
    pydantic_only,
    services_by_base,
    services_by_name,
)
from archcheck.data_access import data_access, named_for_data, runs_database
from archcheck.index import ORM, ORM_BASE, ProjectIndex
from archcheck.layer_names import LAYER_OF_NAME, layer_of_name
from archcheck.layers import (
    LAYERS,
    MODELS,
    REPOSITORIES,
    ROUTERS,
    SCHEMAS,
    SERVICES,
    WIRING,
    LayerMap,
)
from archcheck.names import dotted, import_bindings, last_name
from archcheck.project import SourceFile
from archcheck.route_code import ROUTE_CALLS, builds_app, declares_routes
from archcheck.syntax import SourceError, parse_source

__all__ = ["Detected", "Evidence", "detect_layers", "in_app", "left_out", "not_app"]

# Composition roots and the HTTP tier around the routers, by name, with their layer; how
# they are anchored (see the module docstring).
_ROOT_NAMES = {
    "middleware": ROUTERS,
    "middlewares": ROUTERS,
    "main": WIRING,
    "app": WIRING,
    "dependencies": WIRING,
    "deps": WIRING,
    "container": WIRING,
    "containers": WIRING,
    "bootstrap": WIRING,
}
_MODULE_ONLY = frozenset({"main", "app"})
# Composition roots by these names only where they compose (``_composes``): a data
# structure's ``structures/container.py``, a statistics ``bootstrap.py`` are not.
_COMPOSERS = frozenset({"container", "containers", "bootstrap"})
# Dependency-injection libraries: what imports one is a container, whatever it builds.
_DI = re.compile(
    rb"^[ \t]*(?:from|import)[ \t]+(?:dependency_injector|punq|lagom|injector|kink|svcs"
    rb"|wireup|that_depends|dishka|rodi)\b",
    re.MULTILINE,
)
_PROVIDERS = frozenset({"deps", "dependencies"})
_IMPORT_WORD = re.compile(rb"\bimport\b")
_WEB = re.compile(rb"\b(?:fastapi|starlette)\b")
# Handlers added to a router made elsewhere: ``router.add_api_route("/x", handler)``.
_ADDS_ROUTES = re.compile(rb"\.(?:" + "|".join(ROUTE_CALLS).encode() + rb")\s*\(")
_DEFINES = re.compile(rb"^[ \t]*(?:async[ \t]+def|def|class)[ \t]", re.MULTILINE)
_BESIDE_ROUTERS = frozenset({"deps", "dependencies", "middleware", "middlewares"})


@dataclass(frozen=True, order=True)
class Evidence:
    """Why one glob is in one layer."""

    layer: str
    glob: str
    reason: str


@dataclass(frozen=True)
class Detected:
    """What one root package (or source root, prefix "") holds."""

    prefix: str
    layout: str | None  # "layered", "feature", or None when no name says
    evidence: tuple[Evidence, ...]
    left_out: tuple[str, ...] = ()  # test, migration and script trees: in no layer
    # Repositories known by their code alone, no name, each with the names of its code
    # that run the database (``LayerMap.unchained``).
    by_code: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Infrastructure in a services folder (``_beside_services``): in no layer while the
    # services are detected.
    infrastructure: tuple[str, ...] = ()

    def patterns(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {layer: [] for layer in LAYERS}
        for item in self.evidence:
            if item.glob not in found[item.layer]:
                found[item.layer].append(item.glob)
        return {layer: tuple(globs) for layer, globs in found.items()}


def not_app(prefix: str, modules: Iterable[str]) -> set[str]:
    """The packages under ``prefix`` that are not app code, read but put in no layer: test
    trees at any depth, migration trees (an ``env.py`` or ``versions/`` at any depth), scripts
    near the top. A ``docs`` or ``migrations`` package without those is app code (a docs
    plugin, a service importing other apps' data)."""
    modules = set(modules)
    # What a migration tree holds at any depth (``migrations/core/env.py`` of one database
    # among several): an ``env`` module, or a ``versions`` package.
    migration_parts = {
        ".".join(parts[:i])
        for module in modules
        if (parts := module.split("."))
        for i, part in enumerate(parts)
        if (part == "versions" and i < len(parts) - 1) or (part == "env" and i == len(parts) - 1)
    }
    found = set()
    start = 1 if prefix else 0
    for module in modules:
        parts = module.split(".")
        for i in range(start, len(parts) - 1):  # packages only: a test.py is no tree
            name, node = parts[i], ".".join(parts[: i + 1])
            if (
                name in ("tests", "test", "e2e")
                or (
                    name in ("alembic", "migrations")
                    and any(
                        holder == node or holder.startswith(node + ".")
                        for holder in migration_parts
                    )
                )
                or (name == "scripts" and i - start <= 1)
            ):
                found.add(node)
    return found


# pytest's test modules, kept beside the code (``items_test.py``, ``test_items.py``).
_TEST_MODULE = re.compile(r"test_\w+|\w+_test|conftest")
# A test function at the top level, or pytest's or unittest's import (a service's
# ``test_smtp`` method that tries the settings is no test).
_TEST_CODE = re.compile(
    rb"^(?:async[ \t]+)?def[ \t]+test_|^[ \t]*(?:import|from)[ \t]+(?:pytest|unittest)\b",
    re.MULTILINE,
)


def _tests_beside(files: Sequence[SourceFile], read: Callable[[str], bytes | None]) -> set[str]:
    """The test modules among the app's (``routers/items_test.py``): pytest's names, and
    test code in them (pytest's or unittest's), no route of theirs (a ``test_runner.py``
    service that runs a CI's tests, a ``test_results.py`` router of a CI dashboard are the
    app's)."""
    found = set()
    for source in files:
        name = last_name(source.module)
        if not source.is_package and _TEST_MODULE.fullmatch(name):
            data = read(source.module)
            if name == "conftest" or (
                data is not None and _TEST_CODE.search(data) and not declares_routes(data)
            ):
                found.add(source.module)
    return found


def left_out(
    prefix: str, files: Sequence[SourceFile], read: Callable[[str], bytes | None]
) -> set[str]:
    """What of one root is in no layer whatever glob covers it: test, migration and script
    trees (``not_app``, ``_alembic_trees``), and test modules beside the code."""
    return (
        not_app(prefix, (f.module for f in files))
        | _tests_beside(files, read)
        | _alembic_trees(files, read)
    )


_ALEMBIC = re.compile(rb"^[ \t]*(?:from|import)[ \t]+alembic\b", re.MULTILINE)


def _alembic_trees(files: Sequence[SourceFile], read: Callable[[str], bytes | None]) -> set[str]:
    """Alembic's ``env`` modules whatever their folder (SkyPilot's ``schemas/db/env.py``),
    and the ``versions`` package beside one: what else that folder holds is the app's
    (an ``app/db/`` of repositories beside its migrations)."""
    found = set()
    modules = {f.module for f in files}
    for source in files:
        parent, _, name = source.module.rpartition(".")
        if name == "env" and parent and not source.is_package:
            data = read(source.module)
            if data is not None and _ALEMBIC.search(data):
                found.add(source.module)
                if f"{parent}.versions" in modules:
                    found.add(f"{parent}.versions")
    return found


# What a services folder also holds that is no business logic: the database connection,
# clients of infrastructure, logging, the environment, settings, constants and enums (jesse's
# ``services/db.py``, which every model imports for its connection; bisheng's
# ``services/config_service.py``, its settings, and ``metric_log.py``, a log line's format).
# Its name says it, in words of these and generic ones: ``config_service``, ``metric_log``.
_INFRASTRUCTURE = frozenset(
    {
        "db",
        "database",
        "redis",
        "cache",
        "logger",
        "logging",
        "log",
        "env",
        "config",
        "configs",
        "settings",
        "constants",
        "consts",
        "enums",
        "metrics",
        "telemetry",
    }
)


# Words that name no business of their own beside an infrastructure word
# (``config_service``, ``redis_client``).
_GENERIC = frozenset(
    {
        "service",
        "services",
        "client",
        "manager",
        "utils",
        "helpers",
        "metric",
        "connection",
        "conn",
        "session",
        "pool",
        "engine",
        "handler",
        "setup",
        "loader",
        "backend",
        "exporter",
    }
)


def _names_infrastructure(name: str) -> bool:
    """Whether every word of the name is infrastructure's or generic, one at least the
    former: ``config_service``, ``metric_log``; not ``user_settings``."""
    words = set(name.lower().split("_")) - {""}
    return bool(words & _INFRASTRUCTURE) and words <= _INFRASTRUCTURE | _GENERIC


def _beside_services(
    tree: _Tree, layers: LayerMap, read: Callable[[str], bytes | None]
) -> list[str]:
    """The modules named for infrastructure in a folder that detection put in the
    services (``app/services/db.py``, ``app/services/config_service.py``), which use no
    repository: models and repositories may import them. A package of that name may be a
    layer of its own (langflow's ``services/database/`` holds the models and their CRUD),
    and a cache over a repository is a service."""
    found = []
    for module in sorted(tree.modules):
        parent, _, name = module.rpartition(".")
        if (
            _names_infrastructure(name)
            and not tree.is_package(module)
            and any(layer_of_name(folder) == SERVICES for folder in parent.split(".")[1:])
            and layers.layer_of(module) == SERVICES
            and not _builds_layers(tree, module, layers, read, (REPOSITORIES,))
        ):
            found.append(module)
    return found


def in_app(module: str, excluded: Iterable[str]) -> bool:
    """Whether ``module`` is app code: in none of the ``excluded`` trees (``not_app``)."""
    return not any(module == node or module.startswith(node + ".") for node in excluded)


def _parent(name: str) -> str:
    return name.rpartition(".")[0]


class _Tree:
    """The module names of one root as a tree of nodes (modules and the packages above)."""

    def __init__(self, prefix: str, files: Sequence[SourceFile], outside: set[str]) -> None:
        self.prefix = prefix
        self.left_out = outside
        self.modules = {f.module: f for f in files if in_app(f.module, self.left_out)}
        self.nodes: set[str] = set()
        self.children: dict[str, set[str]] = {}
        for module in self.modules:
            node = module
            while node and node != prefix:
                self.nodes.add(node)
                self.children.setdefault(_parent(node), set()).add(node)
                node = _parent(node)

    def is_package(self, node: str) -> bool:
        source = self.modules.get(node)
        return node in self.children or (source is not None and source.is_package)

    def depth(self, node: str) -> int:
        relative = node[len(self.prefix) + 1 :] if self.prefix else node
        return relative.count(".") + 1

    def below(self, node: str) -> list[str]:
        """The modules at or below ``node``, by the tree (not a scan of every module)."""
        found = []
        stack = [node]
        while stack:
            name = stack.pop()
            if name in self.modules:
                found.append(name)
            stack.extend(self.children.get(name, ()))
        return sorted(found)


def _named(tree: _Tree, read: Callable[[str], bytes | None]) -> dict[str, str]:
    named = {node: layer for node in tree.nodes if (layer := layer_of_name(last_name(node)))}
    # A router by suffix (``chat_router.py``) only where it serves routes: an LLM's
    # ``model_router.py`` must not vouch for the services beside it.
    for node, layer in list(named.items()):
        if layer == ROUTERS and last_name(node) not in LAYER_OF_NAME:
            data = None if tree.is_package(node) else read(node)
            if data is None or not (declares_routes(data) or _ADDS_ROUTES.search(data)):
                del named[node]
    # A suffix counts in a feature's folder, beside a router, service or repository named
    # for another layer (``users/users_service.py`` by ``users/users_repository.py``):
    # alone, or beside ``models.py``, ``cache_service`` or ``email_service`` is more often
    # a client of something than a layer. Repositories are the exception: two or more
    # (``user_repository.py``, ``task_repository.py``) are the data layer of a flat package.
    # Decided to a fixed point: a sibling counts while it is kept itself.
    changed = True
    while changed:
        changed = False
        # The layers named in each folder, counted once a round: a folder of thousands of
        # ``*_repository`` modules is not scanned once per module.
        in_folder: dict[str, Counter[str]] = {}
        for node, layer in named.items():
            in_folder.setdefault(_parent(node), Counter())[layer] += 1
        for node, layer in sorted(named.items()):
            here = in_folder[_parent(node)]
            if (
                last_name(node) not in LAYER_OF_NAME
                and not any(
                    n and other not in (layer, MODELS, SCHEMAS) for other, n in here.items()
                )
                and not (layer == REPOSITORIES and here[REPOSITORIES] >= 2)
            ):
                del named[node]
                here[layer] -= 1
                changed = True
    # Inside a provider package (``api/deps/services.py``) a layer's name says what the
    # providers give, not what the module is: the package is wiring. Unless it holds
    # routers: then it is a feature that happens to be called ``dependencies``.
    providers = {
        node
        for node in tree.nodes
        if _ROOT_NAMES.get(last_name(node)) == WIRING
        and last_name(node) not in _MODULE_ONLY  # a package named ``app`` is the app
        and tree.is_package(node)
        and not any(named.get(child) == ROUTERS for child in tree.children.get(node, ()))
    }
    return {
        node: layer
        for node, layer in named.items()
        if not any(node.startswith(provider + ".") for provider in providers)
    }


def _is_feature(tree: _Tree, named: dict[str, str], node: str) -> bool:
    """Whether ``node`` is a feature's folder: its children named for layers cover two
    layers and make a third of them or more (``incident/views.py``, ``service.py``,
    ``models.py``). A layer's folder that holds a resource called ``services`` or ``repos``
    among its others (``routers/services.py`` beside ``routers/users.py``) is none."""
    children = tree.children.get(node, ())
    layers = [named[child] for child in children if child in named]
    return len(set(layers)) >= 2 and 3 * len(layers) >= len(children)


def _layout(tree: _Tree, named: dict[str, str]) -> str | None:
    """Feature-first when two or more packages each hold modules named for two layers
    (``incident/views.py`` and ``incident/service.py``): one such package is just the
    top of a layer-first app, or a feature that happens to be called ``service``."""
    features = sum(1 for node in tree.children if _is_feature(tree, named, node))
    if features >= 2:
        return "feature"
    return "layered" if named else None


def _name_evidence(tree: _Tree, named: dict[str, str], layout: str) -> dict[str, tuple[str, str]]:
    """node -> (layer, reason) from names. Layer-first: the shallowest node of each name
    (what sits inside a layer is that layer), except ``schemas`` inside ``models``.
    Feature-first: every node, at any depth, but one right inside a layer's folder, which
    is that layer (``routers/repos.py`` is a router of git repositories)."""
    features = {node for node in named if _is_feature(tree, named, node)}
    chosen = {}
    for node, layer in named.items():
        if node in features:
            continue  # a feature called ``service`` holds layers, it is none itself
        if layout == "layered":
            ancestors = [a for a in _ancestors(node) if a in named and a not in features]
        else:
            ancestors = [a for a in (_parent(node),) if a in named and a not in features]
        if ancestors and not (layer == SCHEMAS and all(named[a] == MODELS for a in ancestors)):
            continue
        kind = "folder" if tree.is_package(node) else "module"
        chosen[node] = (layer, f"a {kind} named {last_name(node)}")
    return chosen


def _ancestors(node: str) -> Iterator[str]:
    """``a`` and ``a.b`` for ``a.b.c``."""
    while "." in node:
        node = node.rpartition(".")[0]
        yield node


def _prefer_used(
    chosen: dict[str, tuple[str, str]],
    routers: Iterable[str],
    read: Callable[[str], bytes | None],
) -> None:
    """Of several services (or repositories) folders, keep those the routers import:
    a background worker's ``server/services`` is not the services layer when the routers
    call ``services``. Siblings of a used one are kept: ``chat_repository.py`` beside the
    ``user_chat_repository.py`` the routers import is the same layer, not an alternative."""
    imported: set[str] | None = None
    imported_nodes: set[str] = set()
    for layer in (SERVICES, REPOSITORIES):
        candidates = [node for node, (found, _) in chosen.items() if found == layer]
        if len(candidates) < 2:
            continue
        if imported is None:
            imported = set()
            for module in routers:
                data = read(module)
                if data is not None:
                    # Absolute imports only: which folder a router names.
                    imported |= imported_targets(data, None)
        if not imported_nodes:
            # Each name imported and every dotted prefix of it: a candidate is used when it
            # is one (a set lookup per candidate, not a scan of every name).
            imported_nodes = {n for name in imported for n in (name, *_ancestors(name))}
        used = [node for node in candidates if node in imported_nodes]
        if used:
            beside = {_parent(node) for node in used}
            for node in candidates:
                if node not in used and _parent(node) not in beside:
                    del chosen[node]


def _stands_for_routes(
    tree: _Tree,
    named: dict[str, str],
    chosen: Mapping[str, tuple[str, str]],
    node: str,
    read: Callable[[str], bytes | None],
) -> bool:
    """Whether ``node``, named for routers but with no route code and no web framework in
    it, is its feature's router all the same (a skeleton ``users/router.py``, or one that
    adds its handlers to a router made elsewhere): it is when it defines nothing yet or
    adds routes, its folder is a feature's and no other router there serves routes. One
    that defines functions or classes and adds no route is code of another kind (an
    ``endpoints.py`` of URL guards beside a provider feature's service)."""
    data = read(node) or b""
    if _DEFINES.search(data) and not _ADDS_ROUTES.search(data):
        return False
    parent = _parent(node)
    if not _is_feature(tree, named, parent):
        return False
    return not any(
        declares_routes(read(sibling) or b"")
        for sibling in tree.children.get(parent, ())
        if sibling != node and chosen.get(sibling, ("", ""))[0] == ROUTERS
    )


def _holds_no_web_code(tree: _Tree, node: str, read: Callable[[str], bytes | None]) -> bool:
    """Whether a package named for routers holds code (a function or a class) and none of
    it is web code: no route, no ``APIRouter``, no handler added, no word of FastAPI's or
    Starlette's. An empty skeleton stays the routers' place."""
    datas = [data for module in tree.below(node) if (data := read(module)) is not None]
    return any(_DEFINES.search(data) for data in datas) and not any(
        _WEB.search(data) or _ADDS_ROUTES.search(data) or declares_routes(data) for data in datas
    )


def _declares_no_route(data: bytes | None) -> bool:
    """Whether a module named for routers holds code and declares no route, builds no
    router and adds no handler (dstack's ``utils/routers.py`` of response helpers)."""
    return (
        data is not None
        and _DEFINES.search(data) is not None
        and not (_ADDS_ROUTES.search(data) or declares_routes(data, on_app=True))
    )


def _registered_elsewhere(tree: _Tree, node: str, read: Callable[[str], bytes | None]) -> bool:
    """Whether a module hands a name it imports from the package ``node`` (or below) to a
    route call (``app.add_api_route("/items", items.list_items)`` in ``main.py``): its
    functions are handlers, whatever their own code says."""
    for module in tree.modules:
        data = read(module)
        if data is None or not _ADDS_ROUTES.search(data):
            continue
        parsed = _parsed(tree, module, data)
        if parsed is None:
            continue
        source = tree.modules[module]
        # The names its imports bind to the package or below, then handed to a route call.
        bound = {
            name
            for statement in ast.walk(parsed)
            if isinstance(statement, (ast.Import, ast.ImportFrom))
            for name, target, _ in import_bindings(statement, module, source.is_package)
            if target == node or target.startswith(node + ".")
        }
        for call in ast.walk(parsed):
            if (
                bound
                and isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in ROUTE_CALLS
                and any(
                    isinstance(part, ast.Name) and part.id in bound
                    for argument in (*call.args, *(k.value for k in call.keywords))
                    for part in ast.walk(argument)
                )
            ):
                return True
    return False


def _provides(
    tree: _Tree, node: str, layers: LayerMap, read: Callable[[str], bytes | None]
) -> bool:
    """Whether the module or package ``node`` (``deps``, ``dependencies``) provides: it
    declares FastAPI dependencies (``Depends``) or builds services or repositories (imports
    one). One that holds only engines, clients and base classes is infrastructure that
    lower layers may import, no composition root."""
    return any(
        (data := read(module)) is not None and b"Depends" in data for module in tree.below(node)
    ) or _builds_layers(tree, node, layers, read)


def _parsed(tree: _Tree, module: str, data: bytes) -> ast.Module | None:
    try:
        return parse_source(tree.modules[module].path, data).tree
    except SourceError:
        return None


def _builds_layers(
    tree: _Tree,
    node: str,
    layers: LayerMap,
    read: Callable[[str], bytes | None],
    built: tuple[str, ...] = (SERVICES, REPOSITORIES),
) -> bool:
    """Whether code at or below ``node`` imports a module of the ``built`` layers (a
    service or a repository, to build it)."""
    for module in tree.below(node):
        data = read(module)
        if data is None or not _IMPORT_WORD.search(data):
            continue
        source = tree.modules[module]
        try:  # newer syntax too (``except A, B:`` in a 3.14 app's deps.py)
            parsed = parse_source(source.path, data).tree
        except SourceError:
            return True  # no grammar reads it: the name's word stands
        for statement in ast.walk(parsed):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                for _, target, _ in import_bindings(statement, module, source.is_package):
                    # Known here, or named so in another root (``oss.src.dbs.users.dao``).
                    if layers.layer_of(target) in built or any(
                        layer_of_name(part) in built for part in target.split(".")
                    ):
                        return True
    return False


def _composes(
    tree: _Tree, node: str, layers: LayerMap, read: Callable[[str], bytes | None]
) -> bool:
    """Whether a container or bootstrap module (or package) assembles the app: it uses a
    dependency-injection library, or builds services or repositories, itself or through
    a module it imports (a container over a ``factories`` module)."""
    if _builds_layers(tree, node, layers, read):
        return True
    own = tree.below(node)
    for module in own:
        data = read(module)
        if data is None:
            continue
        if _DI.search(data):
            return True
        package = module if tree.is_package(module) else _parent(module)
        for target in sorted(imported_targets(data, package) & tree.modules.keys()):
            if node.startswith(target + "."):
                continue  # a package above it (``from app import config``): not what it builds
            if target not in own and _builds_layers(tree, target, layers, read):
                return True
    return False


def _providers_away(
    tree: _Tree,
    composition: list[tuple[str, str, str]],
    layers: LayerMap,
    below: Collection[str],
    read: Callable[[str], bytes | None],
) -> list[tuple[str, str, str]]:
    """``deps``/``dependencies`` modules away from the routers (``authz/dependencies.py``
    beside a feature's policies) that provide: wiring, as those beside the routers are,
    unless a module of a lower layer imports them: then what they hold (a payload type
    that services take) is shared code, in no layer."""
    taken = [node for node, _, _ in composition]
    candidates = [
        node
        for node in sorted(tree.nodes)
        if last_name(node) in _PROVIDERS
        and not any(node == other or node.startswith(other + ".") for other in taken)
        and not any(node.startswith(other + ".") for other in below)
        and _provides(tree, node, layers, read)
    ]
    if not candidates:
        return []
    used = _used_below(tree, layers, read, candidates)
    return [
        (node, WIRING, f"{last_name(node)} that provides, imported by no lower layer")
        for node in candidates
        if node not in used
    ]


def _serves_without_app(data: bytes) -> bool:
    """Whether the code declares routes of its own and builds no FastAPI app."""
    return declares_routes(data, builds=False) and not builds_app(data)


def _imports_upper(
    tree: _Tree,
    module: str,
    layers: LayerMap,
    read: Callable[[str], bytes | None],
    index: ProjectIndex,
) -> bool:
    """Whether ``module`` (no package) imports code of the routers or services of
    ``layers`` at module level: a class or function, not an enum or a constant."""
    data = read(module)
    parsed = None if data is None or not _IMPORT_WORD.search(data) else _parsed(tree, module, data)
    if parsed is None:
        return False
    for node in parsed.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for _name, target, _plain in import_bindings(node, module, False):
            if layers.layer_of(target) in (ROUTERS, SERVICES) and (
                isinstance(node, ast.Import) or not index.is_shared_value(target)
            ):
                return True
    return False


def _used_below(
    tree: _Tree,
    layers: LayerMap,
    read: Callable[[str], bytes | None],
    nodes: Collection[str],
    also: Collection[str] = (),
) -> set[str]:
    """Of ``nodes``, those that a module of the layers below the routers (and of the
    layers ``also``) imports (itself, or a module inside it)."""
    # Bytes first: only a file that names one of the nodes' last parts is searched for its
    # imports (the lower layers are most of a large project).
    words = {last_name(node).encode() for node in nodes}
    imported: set[str] = set()
    for module, source in tree.modules.items():
        if layers.layer_of(module) in (SERVICES, REPOSITORIES, MODELS, SCHEMAS, *also):
            data = read(module) or b""
            if any(word in data for word in words):
                package = module if source.is_package else _parent(module)
                imported |= imported_targets(data, package)
    used = {n for name in imported for n in (name, *_ancestors(name))}
    return {node for node in nodes if any(n == node or n.startswith(node + ".") for n in used)}


def _runs_app_factories(
    tree: _Tree,
    composition: list[tuple[str, str, str]],
    layers: LayerMap,
    code_routers: Collection[str],
    read: Callable[[str], bytes | None],
) -> list[tuple[str, str, str]]:
    """Modules of no layer that build the app by calling a wiring module's factory (a
    function of it that makes ``FastAPI()``): skyvern's ``library/embedded_server_factory.py``
    runs the whole app in-process for its SDK, as a ``bootstrap.py`` would. Unless a
    lower layer imports one: then it is shared code that happens to start the app."""
    wiring = {node for node, layer, _ in composition if layer == WIRING}
    factories: dict[str, set[str]] = {}  # wiring module -> its functions that build the app
    # Bytes first: only a file that names a factory is parsed (most projects have none).
    words = {
        name.encode()
        for node in wiring
        for module in ([node, *tree.below(node)] if tree.is_package(node) else [node])
        for name in _app_factories(tree, module, read, factories)
    }
    if not words:
        return []
    found = {}
    for module in sorted(tree.modules):
        if (
            module in code_routers
            or layers.layer_of(module) is not None
            or not in_app(module, wiring)
            or tree.is_package(module)
        ):
            continue
        data = read(module)
        if data is None or not any(word in data for word in words):
            continue
        parsed = _parsed(tree, module, data)
        if parsed is None:
            continue
        imported: dict[str, str] = {}  # local name -> wiring module
        for node in ast.walk(parsed):
            if isinstance(node, ast.ImportFrom):
                for name, target, _ in import_bindings(node, module, False):
                    owner = _parent(target)
                    if owner in wiring and target.rpartition(".")[2] in _app_factories(
                        tree, owner, read, factories
                    ):
                        imported[name] = owner
        called = {
            node.func.id
            for node in ast.walk(parsed)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        if imported.keys() & called:
            owner = imported[min(imported.keys() & called)]
            found[module] = f"builds the app with {owner}'s factory"
    # A helper the routers or a lower layer import that also starts the app (a script's
    # ``dump_openapi()``) is shared code.
    used = _used_below(tree, layers, read, found, (ROUTERS,)) if found else set()
    for router in code_routers if found else ():
        package = router if tree.is_package(router) else _parent(router)
        used.update(imported_targets(read(router) or b"", package) & found.keys())
    return [(module, WIRING, reason) for module, reason in found.items() if module not in used]


def _app_factories(
    tree: _Tree,
    module: str,
    read: Callable[[str], bytes | None],
    known: dict[str, set[str]],
) -> set[str]:
    """The module-level functions of ``module`` that build the FastAPI app."""
    if module not in known:
        known[module] = set()
        data = read(module) if module in tree.modules else None
        parsed = None if data is None or b"FastAPI" not in data else _parsed(tree, module, data)
        for node in parsed.body if parsed is not None else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                isinstance(part, ast.Call)
                and (dotted(part.func) or "").rpartition(".")[2] == "FastAPI"
                for part in ast.walk(node)
            ):
                known[module].add(node.name)
    return known[module]


def _roots_of_composition(tree: _Tree, routers: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(node, layer, reason)`` for the composition roots and the HTTP tier around the
    routers (``_ROOT_NAMES``), anchored."""
    routers = list(routers)
    # Without a router there is no HTTP tier for a middleware to be part of (a library).
    names = _ROOT_NAMES if routers else {n: k for n, k in _ROOT_NAMES.items() if k != ROUTERS}
    home = {tree.prefix}
    for router in routers:
        node = _parent(router)
        while node:
            home.add(node)
            node = _parent(node)
    found = []
    for node in sorted(tree.nodes):
        name = last_name(node)
        if name not in names:
            continue
        if name in _MODULE_ONLY:
            if tree.is_package(node) or _parent(node) not in home or tree.depth(node) > 2:
                continue
            reason = "the app entry point (a module)"
        elif name in _BESIDE_ROUTERS:
            if _parent(node) not in home:
                continue
            reason = f"{name} beside the routers"
        else:
            reason = f"a composition root named {name}"
        found.append((node, names[name], reason))
    return found


def detect_layers(
    prefix: str,
    files: Sequence[SourceFile],
    read: Callable[[str], bytes | None],
    index: ProjectIndex,
    layout: str = "auto",
    wanted: Collection[str] = LAYERS,
    routers: Collection[str] | None = None,
) -> Detected:
    """The layers of one root from its module names and code. ``read(module)``: the
    file's bytes; ``index``: class kinds (ORM, Pydantic) of the project's modules.
    ``wanted``: the layers the caller will use; the class checks, which parse files, run
    only for models and schemas (a config that names both skips them). ``routers``: the
    router modules the config names, which then stand for the routers found by their code
    (a config that names every layer but wiring has detection read no file)."""
    # The router scan, the choice between services folders and the models checks read the
    # same files: each is read once.
    read = functools.cache(read)
    tree = _Tree(prefix, files, left_out(prefix, files, read))
    named = _named(tree, read)
    if layout == "auto":
        layout = _layout(tree, named)  # type: ignore[assignment]
    chosen = _name_evidence(tree, named, layout) if layout is not None else {}
    app_builders = {}
    named_layers = _layer_map(chosen)
    for node, (layer, _reason) in list(chosen.items()) if routers is None else ():
        if layer not in (ROUTERS, MODELS, SCHEMAS) or tree.is_package(node):
            continue
        data = read(node)
        if data is None:
            continue
        serves = declares_routes(data, on_app=True)
        if layer != ROUTERS and serves:
            del chosen[node]  # ``api/v1/models.py`` that serves ``GET /models`` is a router
        elif (
            layer == ROUTERS
            and builds_app(data)
            and (not serves or _builds_layers(tree, node, named_layers, read))
        ):
            # ``entrypoints/routers.py`` builds the app, its services and repositories, and
            # includes the routers (a health route of its own beside them); a ``routes.py``
            # that builds an app only to serve its handlers stays a router.
            del chosen[node]
            app_builders[node] = "builds the FastAPI app"
        elif (
            layer == ROUTERS
            and not serves
            and not _WEB.search(data)
            and not _stands_for_routes(tree, named, chosen, node, read)
        ):
            del chosen[node]  # ``db/views.py`` of SQL views, ``endpoints.py`` of URLs
    layers = _layer_map(chosen)

    # Code: route modules wherever they live, a ``models`` folder's too (the LLM models
    # endpoint of an AI app, ``api/models/views.py``).
    code_routers = {}
    factories: dict[str, bool] = {}  # app factories by code: do they build an APIRouter?
    for module in sorted(tree.modules) if routers is None else ():
        if module in chosen or layers.layer_of(module) not in (None, MODELS, SCHEMAS):
            continue
        data = read(module)
        if data is None:
            continue
        routes = declares_routes(data)
        if (
            layers.layer_of(module) is None
            and not tree.is_package(module)
            # ``main``, ``app`` near the top: wiring by name (a sub-app's ``admin/app.py``
            # deeper down is a factory like any other)
            and not (last_name(module) in _MODULE_ONLY and tree.depth(module) <= 2)
            and builds_app(data, in_classes=False)
            and (
                not declares_routes(data, on_app=True, builds=False)
                or _builds_layers(tree, module, named_layers, read)
            )
        ):
            # An app factory under another name (``app_setup.py``, ``api_app.py``): it
            # builds the app (and the ``APIRouter`` that includes the others) and declares
            # no route of its own.
            factories[module] = routes
        elif routes:
            code_routers[module] = "builds an APIRouter or declares routes"
    if factories:
        # Unless a lower layer imports it: a helper that happens to build an app
        # (``stream_mock.py``'s stray ``app = FastAPI()``) is shared code.
        used = _used_below(tree, layers, read, factories)
        for module, routes in factories.items():
            if module not in used:
                app_builders[module] = "builds the FastAPI app"
            elif routes:
                code_routers[module] = "builds an APIRouter or declares routes"
    # A ``models`` folder of nothing but routers is a feature of that name, not the layer.
    for node, (layer, _reason) in list(chosen.items()):
        if layer in (MODELS, SCHEMAS) and tree.is_package(node):
            modules = [m for m in tree.below(node) if not tree.is_package(m)]
            if modules and all(m in code_routers for m in modules):
                del chosen[node]
    if routers is None:
        # A package named for routers whose code is no web code, while routes are declared
        # elsewhere, holds another kind of route (jesse's ``routes/`` of trading routes); a
        # module of that name that declares none holds helpers (dstack's ``utils/routers``).
        named_routers = [n for n, (layer, _) in chosen.items() if layer == ROUTERS]
        for node in named_routers:
            if (
                _holds_no_web_code(tree, node, read)
                if tree.is_package(node)
                else _declares_no_route(read(node))
            ) and not _registered_elsewhere(tree, node, read):
                others = list(code_routers) + [
                    m
                    for other in named_routers
                    if other != node and not other.startswith(node + ".")
                    for m in tree.below(other)
                ]
                if any(declares_routes(read(m) or b"") for m in others):
                    del chosen[node]
                    layers = _layer_map(chosen)
        routers = [m for m in tree.modules if layers.layer_of(m) == ROUTERS] + list(code_routers)
    if layout == "layered" and (SERVICES in wanted or REPOSITORIES in wanted):
        _prefer_used(chosen, routers, read)
    composition = _roots_of_composition(tree, routers)
    layered = _layer_map(chosen)
    # A container's name inside a folder of a lower layer names that layer's code (a
    # ``services/container.py`` that runs Docker containers), not the app's assembly;
    # providers are known by what they provide, wherever they are.
    below = {node for node, (layer, _) in chosen.items() if layer not in (ROUTERS, WIRING)}
    composition = [
        (node, layer, reason)
        for node, layer, reason in composition
        if (
            _provides(tree, node, layered, read)
            if last_name(node) in _PROVIDERS
            else not any(node.startswith(other + ".") for other in below)
            and (last_name(node) not in _COMPOSERS or _composes(tree, node, layered, read))
        )
        # An ``app.py`` of routes on an ``APIRouter`` that builds no app is a router named
        # for the app it serves (frigate's ``api/app.py``), not its entry point; one that
        # only gathers the others (``api/main.py``'s ``include_router``) stays wiring.
        and not (node in code_routers and _serves_without_app(read(node) or b""))
    ]
    composition += [(node, WIRING, reason) for node, reason in app_builders.items()]
    composition += _providers_away(tree, composition, layered, below, read)
    composition += _runs_app_factories(tree, composition, layered, code_routers, read)
    taken = {node for node, _, _ in composition}
    for module in list(code_routers):
        if any(module == node or module.startswith(node + ".") for node in taken):
            del code_routers[module]
    # A package counts as a router only when everything below it is one.
    for module in sorted(code_routers, key=len):
        if tree.is_package(module) and not all(m in code_routers for m in tree.below(module)):
            del code_routers[module]
    for module in sorted(code_routers, key=len):
        if _parent(module) in code_routers or any(
            module.startswith(other + ".") for other in code_routers if other != module
        ):
            del code_routers[module]

    # Code: ``models`` folders that hold only Pydantic classes are schemas. A module whose
    # module-level imports bring in the services or the routers is not: Pydantic
    # classes that do the work (a workflow's blocks, an AI app's invocation nodes that run
    # with a service's context) are business code in no layer, not API contracts. (A
    # method's lazy import of a service is a schema's ARC002.)
    upper = _layer_map({**chosen, **{m: (ROUTERS, "") for m in code_routers}})
    for node, (layer, _reason) in list(chosen.items()):
        if layer != MODELS or (MODELS not in wanted and SCHEMAS not in wanted):
            continue
        for subtree in pydantic_only(tree, node, index, read):
            if not tree.is_package(subtree) and _imports_upper(tree, subtree, upper, read, index):
                if subtree == node:
                    del chosen[node]
                continue
            chosen[subtree] = (
                SCHEMAS,
                f"under {last_name(node)}, defines Pydantic models and no ORM class",
            )

    if MODELS in wanted or SCHEMAS in wanted:
        classes_over_names(tree, chosen, index, read)

    # Code: a module anywhere that defines ORM classes is a model.
    layers = _layer_map(chosen)
    orm_modules = {}
    for module in sorted(tree.modules) if MODELS in wanted else ():
        if module in code_routers or layers.layer_of(module) is not None:
            continue
        if any(module == node or module.startswith(node + ".") for node in taken):
            continue
        data = read(module)
        if data is None or not ORM_HINT.search(data):
            continue
        kinds = class_kinds(module, index)
        if kinds & {ORM, ORM_BASE}:
            orm_modules[module] = "defines ORM classes"

    if orm_modules or any(layer == MODELS for layer, _ in chosen.values()):
        models_without_orm(tree, chosen, orm_modules, read)
    if REPOSITORIES in wanted:
        _repositories_without_store(tree, chosen, read)
    layers = _layer_map(chosen)  # what names and the folders' code say, from here on

    # Code: a module of no layer whose classes derive from a service's is a service, and so
    # is one that defines a ``*Service`` class over the repositories.
    service_modules = {}
    if SERVICES in wanted:
        composed = {m for m in tree.modules if any(m == n or m.startswith(n + ".") for n in taken)}
        unlayered = [
            m
            for m in sorted(tree.modules)
            if layers.layer_of(m) is None
            and m not in code_routers
            and m not in orm_modules
            and m not in composed
        ]
        services = {m for m in tree.modules if layers.layer_of(m) == SERVICES and m not in composed}
        packages = {m for m in tree.modules if tree.is_package(m)}
        by_name = services_by_name(
            [m for m in unlayered if m not in packages],
            layers.layer_of,
            read,
            lambda module, data: _parsed(tree, module, data),
            [m for m in tree.modules if layers.layer_of(m) in (REPOSITORIES, MODELS)],
        )
        rest = [m for m in unlayered if m not in by_name]
        service_modules = services_by_base(rest, services | set(by_name), packages, index, read)
        service_modules.update(by_name)

    repository_modules = (
        _repositories_by_code(
            tree, prefix, layers, code_routers, orm_modules, service_modules, taken, index, read
        )
        if REPOSITORIES in wanted
        else {}
    )
    evidence = [Evidence(layer, glob, reason) for glob, (layer, reason) in chosen.items()]
    evidence += [Evidence(ROUTERS, m, reason) for m, reason in code_routers.items()]
    evidence += [Evidence(MODELS, m, reason) for m, reason in orm_modules.items()]
    evidence += [Evidence(SERVICES, m, reason) for m, reason in service_modules.items()]
    evidence += [Evidence(REPOSITORIES, m, why) for m, (why, _) in repository_modules.items()]
    evidence += [Evidence(layer, node, reason) for node, layer, reason in composition]
    if layout == "feature":
        evidence = _feature_globs(tree, evidence)
    return Detected(
        prefix,
        layout,
        tuple(sorted(evidence)),
        tuple(sorted(tree.left_out)),
        tuple((m, tuple(sorted(names))) for m, (_, names) in sorted(repository_modules.items())),
        tuple(_beside_services(tree, layers, read)),
    )


# Libraries of stores that importing says a module keeps data in one (SQLAlchemy's and
# SQLModel's below: their session type alone is handed on by code of any layer).
_STORE_LIBRARIES = frozenset(
    {
        "aiobotocore",
        "aioboto3",
        "aiomysql",
        "aioredis",
        "aiosqlite",
        "asyncpg",
        "beanie",
        "boto3",
        "cassandra",
        "chromadb",
        "clickhouse_connect",
        "databases",
        "duckdb",
        "elasticsearch",
        "motor",
        "mongoengine",
        "neo4j",
        "odmantic",
        "opensearchpy",
        "ormar",
        "peewee",
        "piccolo",
        "pinecone",
        "prisma",
        "psycopg",
        "psycopg2",
        "pymongo",
        "pymysql",
        "qdrant_client",
        "redis",
        "sqlite3",
        "supabase",
        "tortoise",
        "weaviate",
    }
)
_SQL_LIBRARIES = frozenset({"sqlalchemy", "sqlmodel"})
_SQL_PATH = frozenset({*_SQL_LIBRARIES, "ext", "asyncio", "orm", "Session", "AsyncSession"})
_IMPORTS_SQL = re.compile(rb"^[ \t]*import[ \t]+(?:sqlalchemy|sqlmodel)\b", re.MULTILINE)


def _repositories_without_store(
    tree: _Tree, chosen: dict[str, tuple[str, str]], read: Callable[[str], bytes | None]
) -> None:
    """Leave out the packages of repositories that only a compound name says
    (``code_repositories/``, ``image_repository/``: a repository of what?), whose code
    keeps no data: none of their modules imports the models, a store's library (more of
    SQLAlchemy than its session type) or another repository, nor runs a statement.
    zenml's ``code_repositories`` are clients of GitHub. A ``repositories`` folder and a
    feature's ``items_repository.py`` are the layer whatever they keep their data in (a
    dict, a document store's handle), stubs and all."""
    layers = _layer_map(chosen)
    for node, (layer, _reason) in sorted(chosen.items()):
        if layer != REPOSITORIES or last_name(node) in LAYER_OF_NAME or not tree.is_package(node):
            continue
        if not any(_keeps_data(tree, m, node, layers, read) for m in [node, *tree.below(node)]):
            del chosen[node]


def _keeps_data(
    tree: _Tree,
    module: str,
    node: str,
    layers: LayerMap,
    read: Callable[[str], bytes | None],
) -> bool:
    data = read(module)
    if data is None:
        return True  # unread: its name is all there is to go by
    package = module if tree.is_package(module) else _parent(module)
    for target in imported_targets(data, package):
        top, _, _ = target.partition(".")
        if top in _STORE_LIBRARIES:
            return True
        if top in _SQL_LIBRARIES and target.rpartition(".")[2] not in _SQL_PATH:
            return True
        if in_app(target, (node,)) and layers.layer_of(target) in (MODELS, REPOSITORIES):
            return True
    return (
        bool(_IMPORTS_SQL.search(data)) or ORM_HINT.search(data) is not None or runs_database(data)
    )


def _repositories_by_code(
    tree: _Tree,
    prefix: str,
    layers: LayerMap,
    code_routers: Collection[str],
    orm_modules: Collection[str],
    service_modules: Collection[str],
    taken: Collection[str],
    index: ProjectIndex,
    read: Callable[[str], bytes | None],
) -> dict[str, tuple[str, frozenset[str]]]:
    """Modules of no layer, named for the data they keep (``database/spool.py``,
    ``features/users/db/api.py``), that the routers or the services import and whose
    functions mostly run the database: repositories, with the reason and the names of
    their functions and classes that run it. ``layers``: those of names and of the
    folders' code."""
    known = {*code_routers, *orm_modules, *service_modules}
    candidates = [
        m
        for m in sorted(tree.modules)
        if layers.layer_of(m) is None
        and m not in known
        # A package only as a leaf (khoj's ``database/adapters/__init__.py`` of queries):
        # its glob would take the modules below it.
        and not (tree.is_package(m) and tree.children.get(m))
        and not any(m == node or m.startswith(node + ".") for node in taken)
        and named_for_data(m[len(prefix) :])
    ]
    if not candidates:
        return {}
    upper = {*code_routers, *service_modules}
    upper |= {m for m in tree.modules if layers.layer_of(m) in (ROUTERS, SERVICES)}
    imported: set[str] = set()
    for module in upper:
        package = module if tree.is_package(module) else _parent(module)
        imported |= imported_targets(read(module) or b"", package)
    found = {}
    for module in candidates:
        data = read(module)
        if module not in imported or data is None or _defines_orm(module, index):
            continue  # an ORM's class methods (an active record's) are the models'
        counted = data_access(data)
        if counted is None:
            continue
        names, running, total = counted
        if 2 * running >= total:
            found[module] = (f"runs the database in {running} of its {total} functions", names)
    return found


def _defines_orm(module: str, index: ProjectIndex) -> bool:
    """Whether ``module`` defines an ORM class or base (``Base = declarative_base()``)."""
    symbols = index.module(module)
    if symbols is None:
        return False
    return bool(class_kinds(module, index) & {ORM, ORM_BASE}) or any(
        index.is_declarative_base(f"{module}.{name}") for name in symbols.calls
    )


def _layer_map(chosen: Mapping[str, tuple[str, str]]) -> LayerMap:
    """The layers of the nodes chosen so far (node -> (layer, reason)), as globs."""
    return LayerMap(
        {layer: [n for n, (found, _) in chosen.items() if found == layer] for layer in LAYERS}
    )


def _feature_globs(tree: _Tree, evidence: list[Evidence]) -> list[Evidence]:
    """Feature-first: ``app.incident.views``, ``app.task.views``... as ``app.**.views``
    when every node of that name is in the same layer for the same reason."""
    by_name: dict[str, list[Evidence]] = {}
    for item in evidence:
        if (
            item.reason.startswith("a ")
            and "named" in item.reason
            and last_name(item.glob) in LAYER_OF_NAME
        ):
            by_name.setdefault(last_name(item.glob), []).append(item)
    named = {e for items in by_name.values() for e in items}
    kept = [item for item in evidence if item not in named]
    nodes_named: dict[str, set[str]] = {}
    for node in tree.nodes:
        nodes_named.setdefault(last_name(node), set()).add(node)
    for name, items in sorted(by_name.items()):
        layers = {item.layer for item in items}
        all_nodes = nodes_named.get(name, set())
        own = set(items)
        overridden = [e for e in evidence if e.glob in all_nodes and e not in own]
        if len(layers) == 1 and not overridden and len(items) == len(all_nodes):
            glob = f"{tree.prefix}.**.{name}" if tree.prefix else f"**.{name}"
            count = len(items)
            kept.append(
                Evidence(
                    items[0].layer,
                    glob,
                    f"{count} module{'s' if count > 1 else ''} or folders named {name}",
                )
            )
        else:
            kept.extend(items)
    return kept
