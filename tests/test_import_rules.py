"""The unit tier: import and chain rules over graphs built in memory (no subprocess, no
file system), through the same ``ImportChecks`` the CLI, flake8 and the contract feed."""
from __future__ import annotations

from collections.abc import Collection, Sequence

import pytest

from archcheck.engine.import_rules import ImportChecks, direct_imports
from archcheck.findings import Location
from archcheck.index import ORM, ProjectIndex
from archcheck.layers import LayerMap
from archcheck.rules import RULES
from archcheck.rules.base import ImportEdge

LAYERS = LayerMap(
    {
        "routers": ["app.routers"],
        "services": ["app.services"],
        "repositories": ["app.repositories"],
        "models": ["app.models"],
        "schemas": ["app.schemas"],
    }
)


class _OrmIndex(ProjectIndex):
    """A project index that knows only which names are ORM classes."""

    def __init__(self, orm: set[str]) -> None:
        super().__init__(())
        self.orm = orm

    def kind(self, qualname: str) -> str | None:
        return ORM if qualname in self.orm else None


class MemoryImports:
    """An import graph in memory: importer -> imported -> lines of the statements."""

    def __init__(
        self,
        imports: dict[str, dict[str, list[int]]],
        orm_classes: dict[tuple[str, int], list[str]] | None = None,
    ) -> None:
        self.imports = imports
        self.orm_classes = orm_classes or {}
        self.index = _OrmIndex({name for names in self.orm_classes.values() for name in names})

    def imports_of(self, module: str) -> Collection[str]:
        return self.imports.get(module, {}).keys()

    def lines(self, importer: str, imported: str) -> Sequence[int]:
        return self.imports[importer][imported]

    def knows_other_modules(self) -> bool:
        return True

    def uses_of(self, module: str) -> None:
        return None  # no code: ARC003 follows module edges

    def head_names(self, module: str, firsts: Collection[str]) -> None:
        return None

    def attribute_names(self, module: str) -> frozenset[str]:
        return frozenset()

    def provided(self, module: str) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(), frozenset()

    def runs(self, module: str, line: int) -> bool:
        return True

    def importers_in_layer(self, module: str, layer: str) -> list[str]:
        return sorted(
            m for m, out in self.imports.items() if module in out and LAYERS.layer_of(m) == layer
        )

    def names_imported(self, edge: ImportEdge) -> list[str]:
        return self.orm_classes.get((edge.importer, edge.line), [])

    def names_taken(self, edge: ImportEdge) -> list[str]:
        return []  # no statements: no names re-exported


def findings(graph: MemoryImports, *, ignore: Sequence[tuple[str, str]] = ()):
    checks = ImportChecks(LAYERS, RULES, lambda a, b: (a, b) in ignore)
    found = []
    locate = lambda m, line: Location(m, line)  # noqa: E731
    for module in sorted(graph.imports):
        found += checks.findings(graph, module, locate)
    direct = direct_imports(found)
    links = checks.links(graph, sorted(graph.imports), direct)[0]
    found += checks.chains.findings(links, locate)
    return sorted((f.path, f.line, f.code, f.message) for f in found)


def test_router_importing_a_repository_names_the_services_that_use_it():
    graph = MemoryImports(
        {
            "app.routers.users": {"app.repositories.users": [3, 9]},
            "app.services.users": {"app.repositories.users": [1]},
        }
    )
    assert findings(graph) == [
        ("app.routers.users", line, "ARC001",
         "Router imports repository app.repositories.users; call a service instead "
         "(app.services.users uses it)")
        for line in (3, 9)
    ]


def test_a_repository_used_by_many_services_names_three_and_counts_the_rest():
    services = {f"app.services.s{i:02}": {"app.repositories.users": [1]} for i in range(16)}
    graph = MemoryImports({"app.routers.users": {"app.repositories.users": [3]}, **services})
    (finding,) = findings(graph)
    assert finding[3] == (
        "Router imports repository app.repositories.users; call a service instead "
        "(app.services.s00, app.services.s01, app.services.s02 and 13 more use it)"
    )


def test_ignore_imports_remove_the_edge_before_any_rule():
    graph = MemoryImports({"app.routers.users": {"app.repositories.users": [3]}})
    assert findings(graph, ignore=[("app.routers.users", "app.repositories.users")]) == []


@pytest.mark.parametrize(
    ("importer", "imported", "code"),
    [
        ("app.services.users", "app.routers.users", "ARC002"),
        ("app.repositories.users", "app.services.users", "ARC002"),
        ("app.models.user", "app.services.users", "ARC002"),
        ("app.routers.users", "app.services.users", None),
        ("app.services.users", "app.repositories.users", None),
        ("app.repositories.users", "app.models.user", None),
    ],
)
def test_direct_imports_point_down_the_stack(importer, imported, code):
    graph = MemoryImports({importer: {imported: [1]}})
    assert [f[2] for f in findings(graph)] == ([code] if code else [])


def test_a_schema_couples_to_the_orm_only_through_orm_classes():
    graph = MemoryImports(
        {
            "app.schemas.user": {"app.models.user": [2]},
            "app.schemas.item": {"app.models.item": [4]},
        },
        orm_classes={("app.schemas.user", 2): ["app.models.user.User"]},
    )
    assert [(f[0], f[2]) for f in findings(graph)] == [("app.schemas.user", "ARC004")]


def test_two_fans_in_one_statement_are_one_finding_naming_both_hubs():
    graph = MemoryImports(
        {
            # ``from app.core import hub, other``
            "app.routers.r0": {"app.core.hub": [5], "app.core.other": [5]},
            "app.core.hub": {f"app.core.e{n}": [n + 1] for n in range(4)},
            "app.core.other": {f"app.core.f{n}": [n + 1] for n in range(4)},
            **{f"app.core.e{n}": {f"app.repositories.r{n}": [3]} for n in range(4)},
            **{f"app.core.f{n}": {f"app.repositories.s{n}": [3]} for n in range(4)},
        }
    )
    checks = ImportChecks(LAYERS, RULES, lambda a, b: False)
    links = checks.links(graph, sorted(graph.imports))[0]
    found = checks.chains.findings(links, lambda m, line: Location(m, line))
    assert [(f.path, f.line, f.imported, f.also_imported) for f in found] == [
        ("app.routers.r0", 5, "app.core.hub", ("app.core.other",))
    ]
    assert "through this import of app.core.hub, app.core.other, by 8 imports past it" in found[0].message


def test_a_chain_through_modules_of_no_layer_is_reported_at_its_link():
    graph = MemoryImports(
        {
            "app.routers.orders": {"app.core.lookup": [5]},
            "app.core.lookup": {"app.core.deep": [1]},
            "app.core.deep": {"app.repositories.orders": [2]},
        }
    )
    # At the import that brings the repository in, not where the router starts the chain.
    assert [(f[0], f[1], f[2]) for f in findings(graph)] == [("app.core.deep", 2, "ARC003")]


def _fan(*, links: int = 4, heads: int = 1, first: str = "app.core.lookup") -> dict:
    """Routers that reach ``links`` modules of no layer importing a repository, past
    ``app.core.hub``, through ``first``."""
    graph: dict[str, dict[str, list[int]]] = {}
    for number in range(heads):
        graph[f"app.routers.r{number}"] = {first: [5]}
    if first != "app.core.hub":
        graph[first] = {"app.core.hub": [2]}
    graph["app.core.hub"] = {f"app.core.e{n}": [n + 1] for n in range(links)}
    for n in range(links):
        graph[f"app.core.e{n}"] = {f"app.repositories.r{n}": [3]}
    return graph


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        # Four modules past one hub: one finding, at the import of the hub.
        (_fan(), [("app.core.lookup", 2)]),
        # Three are links, each reported.
        (_fan(links=3), [("app.core.e0", 3), ("app.core.e1", 3), ("app.core.e2", 3)]),
        # No module between the head and the fan: the head's own import.
        (_fan(first="app.core.hub"), [("app.routers.r0", 5)]),
        # ... unless more heads import it than there are links: then the links.
        (
            _fan(first="app.core.hub", heads=5),
            [(f"app.core.e{n}", 3) for n in range(4)],
        ),
        # The hub imported in two places: neither import carries the fan alone.
        (
            {**_fan(), "app.core.lookup": {"app.core.hub": [2], "app.core.mid": [3]},
             "app.core.mid": {"app.core.hub": [1]}},
            [("app.routers.r0", 5)],
        ),
        # One of its links reported anyway (another router uses that module directly):
        # the fan's heads join the links.
        (
            {**_fan(), "app.routers.other": {"app.core.e0": [1]}},
            [(f"app.core.e{n}", 3) for n in range(4)],
        ),
        # A module past the hub imports it back: that import does not count as a way in.
        (
            {**_fan(), "app.core.e0": {"app.repositories.r0": [3], "app.core.hub": [1]}},
            [("app.core.lookup", 2)],
        ),
    ],
    ids=[
        "past-a-hub",
        "three-links",
        "at-the-head",
        "many-heads",
        "two-ways-in",
        "shared-links",
        "cycle-back",
    ],
)
def test_links_in_more_than_three_modules_are_one_finding_where_they_fan_out(graph, expected):
    found = findings(MemoryImports(graph))
    assert [(f[0], f[1]) for f in found] == expected
    assert {f[2] for f in found} == {"ARC003"}
    if len(expected) == 1:
        assert "by 4 imports past it" in found[0][3]


ONLY_ARC004 = [("app.models.order", 6, "ARC004")]
LINK = ("app.core.lookup", 1, "ARC003")


@pytest.mark.parametrize(
    ("head", "direct", "more", "expected"),
    [
        # The model imports that very schema module: the coupling is the pair's, reported
        # at its own import, and the chain through the helper would repeat it.
        ("app.models.order", "app.schemas.orders", {}, ONLY_ARC004),
        # ... or a module of the package the chain reaches: importing it runs the package.
        ("app.models.order", "app.schemas.orders.out", {}, ONLY_ARC004),
        # ... or a package whose __init__ imports it.
        ("app.models.order", "app.schemas", {"app.schemas": {"app.schemas.orders": [1]}}, ONLY_ARC004),
        # ... or a module of a package whose __init__ imports it (Python runs the package
        # first).
        (
            "app.models.order",
            "app.schemas.settings",
            {"app.schemas": {"app.schemas.orders": [1]}},
            ONLY_ARC004,
        ),
        # ... or another schema module, or a package that does not import it: the model is
        # coupled to the API contract at its own import, whichever schemas its helpers build.
        ("app.models.order", "app.schemas.users", {}, ONLY_ARC004),
        ("app.models.order", "app.schemas", {}, ONLY_ARC004),
        # A model that imports no schema: the chain is its coupling.
        ("app.models.order", "app.models.base", {}, [LINK]),
        # A router's helper that imports a repository is misplaced code, whatever the
        # router imports itself.
        (
            "app.routers.orders",
            "app.repositories.orders",
            {},
            [LINK, ("app.routers.orders", 6, "ARC001")],
        ),
    ],
    ids=[
        "same-module",
        "module-inside",
        "package-runs-it",
        "parent-package-runs-it",
        "other-module",
        "package-alone",
        "no-schema-import",
        "router",
    ],
)
def test_a_models_chain_to_schemas_repeats_its_own_arc004(head, direct, more, expected):
    tail = "app.schemas.orders" if head.startswith("app.models") else "app.repositories.orders"
    graph = MemoryImports(
        {
            head: {"app.core.lookup": [5], direct: [6]},
            "app.core.lookup": {tail: [1]},
            **more,
        }
    )
    assert [(f[0], f[1], f[2]) for f in findings(graph)] == expected


def test_chains_to_shared_layers_are_not_leaks():
    graph = MemoryImports(
        {
            "app.routers.orders": {"app.core.lookup": [5]},
            "app.core.lookup": {"app.models.order": [1], "app.schemas.order": [2]},
        }
    )
    assert findings(graph) == []


# One import statement is one finding, whatever number of modules it brings in: the
# message names them all, sorted; a statement with one module keeps the singular message.
ONE_STATEMENT = [
    pytest.param(
        {
            "app.routers.items": {"app.repositories.a": [2], "app.repositories.b": [2]},
            "app.services.items": {"app.repositories.a": [1], "app.repositories.b": [1]},
        },
        [("app.routers.items", 2, "ARC001",
          "Router imports repositories app.repositories.a, app.repositories.b; call a service "
          "instead (app.services.items uses them)")],
        id="ARC001-services-use-them-all",
    ),
    pytest.param(
        {
            "app.routers.items": {"app.repositories.a": [2, 7], "app.repositories.b": [2]},
            "app.services.s1": {"app.repositories.a": [1]},
            "app.services.s2": {"app.repositories.a": [1], "app.repositories.b": [1]},
        },
        [("app.routers.items", 2, "ARC001",
          "Router imports repositories app.repositories.a, app.repositories.b; call a service "
          "instead (app.services.s1, app.services.s2 use some of them)"),
         ("app.routers.items", 7, "ARC001",
          "Router imports repository app.repositories.a; call a service instead "
          "(app.services.s1, app.services.s2 use it)")],
        id="ARC001-services-use-some-and-a-statement-of-one",
    ),
    pytest.param(
        {"app.routers.items": {"app.repositories.b": [3], "app.repositories.a": [3]}},
        [("app.routers.items", 3, "ARC001",
          "Router imports repositories app.repositories.a, app.repositories.b; call a service "
          "instead")],
        id="ARC001-no-service",
    ),
    pytest.param(
        {"app.models.item": {"app.routers.b": [1], "app.routers.a": [1]}},
        [("app.models.item", 1, "ARC002",
          "Model imports routers app.routers.a, app.routers.b, a higher layer; dependencies "
          "must point down the stack")],
        id="ARC002-one-layer",
    ),
    pytest.param(
        {"app.repositories.item": {"app.services.s": [1], "app.routers.r": [1]}},
        [("app.repositories.item", 1, "ARC002",
          "Repository imports router app.routers.r and service app.services.s, higher "
          "layers; dependencies must point down the stack")],
        id="ARC002-two-layers",
    ),
    pytest.param(
        {"app.models.item": {"app.schemas.a": [4], "app.schemas.b": [4], "app.services.s": [4]}},
        [("app.models.item", 4, "ARC002",
          "Model imports service app.services.s, a higher layer; dependencies must point down "
          "the stack"),
         ("app.models.item", 4, "ARC004",
          "Model imports schemas app.schemas.a, app.schemas.b; ORM models must not depend on "
          "API schemas")],
        id="ARC004-and-ARC002-at-one-statement",
    ),
    pytest.param(
        {
            "app.routers.items": {"app.core.lookup": [1]},
            "app.core.lookup": {"app.repositories.a": [2], "app.repositories.b": [2]},
        },
        [("app.core.lookup", 2, "ARC003")],
        id="ARC003-one-link",
    ),
]


@pytest.mark.parametrize(("imports", "expected"), ONE_STATEMENT)
def test_one_import_statement_is_one_finding_naming_its_modules(imports, expected):
    found = findings(MemoryImports(imports))
    assert len(found) == len(expected)
    assert [f[: len(e)] for f, e in zip(found, expected)] == expected  # ARC003: no message


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("app.db.models", "models"),  # its own name beats ``app.db.*``
        ("app.db.models.user", "models"),  # and so for what is below it
        ("app.db.persona", "repositories"),
        ("app.server.persona.models", "schemas"),  # ``**.models`` beats ``app.server.**``
        ("app.server.persona.api", "routers"),
    ],
)
def test_overlapping_globs_go_to_the_one_that_says_most(module, layer):
    layers = LayerMap(
        {
            "routers": ["app.server.**"],
            "repositories": ["app.db.*"],
            "models": ["app.db.models"],
            "schemas": ["app.server.**.models"],
        }
    )
    assert layers.layer_of(module) == layer
