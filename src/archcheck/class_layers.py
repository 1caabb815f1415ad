"""The layers of classes by their code: which ``models`` and ``schemas`` folders hold ORM
tables, Pydantic models or neither, against what their names say; which modules of no
layer hold services by their classes' bases."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Protocol

from archcheck.index import CLASS, ENUM, ORM, ORM_BASE, SCHEMA, ProjectIndex
from archcheck.layer_names import LAYER_OF_NAME, NAMES, layer_of_name
from archcheck.layers import MODELS, REPOSITORIES, SCHEMAS
from archcheck.names import import_bindings, last_name, module_level

__all__ = [
    "ORM_HINT",
    "Subtrees",
    "class_kinds",
    "classes_over_names",
    "imported_targets",
    "models_without_orm",
    "pydantic_only",
    "services_by_base",
    "services_by_name",
]

# What an ORM's tables name: SQLAlchemy's words, or an import of an active-record ORM
# (peewee, Tortoise, ormar, Piccolo, Django's), whose tables name only their base.
ORM_HINT = re.compile(
    rb"declarative_base|DeclarativeBase|__tablename__|\btable\s*=\s*True|mapped_column"
    rb"|(?<![\w.])registry\("
    rb"|(?m:^[ \t]*(?:from|import)[ \t]+(?:tortoise|peewee|playhouse|ormar|piccolo|django\.db)\b)"
)
# What an ORM's models name: SQLAlchemy's (and SQLModel's), and the other ORMs' packages
# (Tortoise, Peewee, Beanie, ODMantic, MongoEngine, ormar, Piccolo, Pony), whose models
# derive from their own bases and never name SQLAlchemy.
_OTHER_ORMS = (
    rb"\b(?:tortoise|peewee|beanie|odmantic|mongoengine|ormar|piccolo|pony)\b|\bdjango\.db\b"
)
# The column words as words: ``class DltColumn(`` and ``_is_type_relationship(`` are not.
_ORM_CALLS = rb"\b(?:Column\(|relationship\(|Mapped\[)"
# What the code of ORM models holds and a module that only runs queries does not (a
# ``models`` package of query functions imports sqlalchemy too).
_ORM_CODE = re.compile(ORM_HINT.pattern + rb"|sqlmodel|" + _ORM_CALLS + rb"|" + _OTHER_ORMS)
_CLASS = re.compile(rb"^class[ \t]", re.MULTILINE)
# A module-level function or assignment.
_DEFINES_DATA = re.compile(
    rb"^(?:(?:async[ \t]+)?def[ \t]|[A-Za-z_]\w*[ \t]*(?::[^=\n]*)?=[^=])", re.MULTILINE
)
# What the code of machine-learning models imports: an AI app's ``models/`` of networks.
_ML_CODE = re.compile(
    rb"^[ \t]*(?:import|from)[ \t]+(?:torch|tensorflow|keras|jax|flax|transformers|diffusers"
    rb"|sklearn|onnxruntime|timm|torchvision|lightning|pytorch_lightning)\b",
    re.MULTILINE,
)
# What the code of ORM tables holds and a Pydantic module that builds queries in its
# methods (or names a column type under ``TYPE_CHECKING``) does not: the tables' own
# words, or an import of the ORM at the module's top level.
_ORM_TABLES = re.compile(ORM_HINT.pattern + rb"|" + _ORM_CALLS + rb"|" + _OTHER_ORMS)
_ORM_IMPORT = re.compile(
    rb"^(?:import[ \t]+(?:sqlalchemy|sqlmodel)\b"
    rb"|from[ \t]+(?:sqlalchemy|sqlmodel)[\w.]*[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*))",
    re.MULTILINE,
)
# What a Pydantic filter imports at its top to build a query in a method (keep's
# ``from sqlmodel import col``): expressions, not tables' parts.
_QUERY_HELPERS = frozenset(
    {
        b"col",
        b"select",
        b"and_",
        b"or_",
        b"not_",
        b"func",
        b"desc",
        b"asc",
        b"text",
        b"case",
        b"cast",
        b"literal",
        b"null",
        b"true",
        b"false",
        b"exists",
        b"distinct",
        b"tuple_",
        b"any_",
        b"all_",
        b"nulls_first",
        b"nulls_last",
        b"nullsfirst",
        b"nullslast",
        b"ColumnElement",
        b"BinaryExpression",
        b"BooleanClauseList",
        b"Select",
    }
)


def _orm_tables(data: bytes) -> bool:
    """Whether the code holds the tables' own words, or imports the ORM at its top level
    for more than the expressions a query is built of."""
    if _ORM_TABLES.search(data):
        return True
    for match in _ORM_IMPORT.finditer(data):
        names = match.group(1)
        if names is None or not set(_NAME.findall(names)) <= _QUERY_HELPERS:
            return True
    return False


_FROM = re.compile(
    rb"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.MULTILINE
)
_PLAIN = re.compile(rb"^[ \t]*import[ \t]+([\w.]+)", re.MULTILINE)
_NAME = re.compile(rb"\b([A-Za-z_]\w*)\b(?:\s+as\s+\w+)?")
# A class named for the service it is (``class DisputeCaseService:``, ``KBService(ABC)``).
_SERVICE_CLASS = re.compile(rb"^class[ \t]+[A-Z]\w*Service\b", re.MULTILINE)
_SERVICE_NAME = re.compile(r"[A-Z]\w*Service")
_HTTP = re.compile(rb"\b(?:fastapi|starlette)\b")
_TEST_SUPPORT = frozenset({"conftest", "testing", "tests", "test", "fakes", "mocks"})
_TOP_BASES = re.compile(rb"^class[ \t]+\w+[ \t]*(?:\[[^\]]*\])?[ \t]*\(([^)]*)\)", re.MULTILINE)


class Subtrees(Protocol):
    """The module names of one root as a tree (``detection``'s)."""

    children: dict[str, set[str]]

    def below(self, node: str) -> list[str]: ...


def class_kinds(module: str, index: ProjectIndex) -> set[str]:
    """The kinds of the classes ``module`` defines (ORM, Pydantic, enum...)."""
    symbols = index.module(module)
    if symbols is None:
        return set()
    return {kind for name in symbols.classes if (kind := index.kind(f"{module}.{name}"))}


def reexported_kinds(module: str, index: ProjectIndex) -> set[str]:
    """For a module that defines nothing and imports the project's classes (a package's
    re-exports: ``api/models/__init__.py`` of the shared API's responses), their kinds."""
    symbols = index.module(module)
    if symbols is None or any(
        (symbols.classes, symbols.calls, symbols.aliases, symbols.functions, symbols.type_aliases)
    ):
        return set()
    # Evidence for the schemas only: a re-exported table (``models/__init__.py`` exporting
    # ``User`` beside Pydantic modules) makes the package no less Pydantic's.
    return {
        kind
        for target in symbols.imports.values()
        if index.is_project_name(target)
        and (kind := index.kind(index.resolve(target))) in (SCHEMA, ENUM, CLASS)
    }


def classes_over_names(
    tree: Subtrees,
    chosen: dict[str, tuple[str, str]],
    index: ProjectIndex,
    read: Callable[[str], bytes | None],
) -> None:
    """Where the classes contradict the name, in ``chosen``: a module under a ``schemas``
    name that defines ORM classes is a model (tables kept in ``db/schemas/``), and a
    module named ``user_schemas`` that defines no Pydantic class is in no layer."""
    for node, (layer, reason) in list(chosen.items()):
        if layer != SCHEMAS or reason.startswith("under "):
            continue
        modules = tree.below(node)
        tables = [
            module
            for module in modules
            if (data := read(module)) is not None
            and ORM_HINT.search(data)
            and class_kinds(module, index) & {ORM, ORM_BASE}
        ]
        if tables:
            pydantic = [m for m in modules if m not in tables and SCHEMA in class_kinds(m, index)]
            if len(tables) > len(pydantic):
                # Mostly tables, with their bases and helpers (``zen_stores/schemas/``).
                chosen[node] = (MODELS, f"named {last_name(node)}, defines ORM classes mostly")
                continue
            for module in tables:
                chosen[module] = (MODELS, f"under {last_name(node)}, defines ORM classes")
        if (
            chosen[node][0] == SCHEMAS
            and last_name(node) not in LAYER_OF_NAME
            and not any(SCHEMA in class_kinds(module, index) for module in modules)
        ):
            del chosen[node]


def models_without_orm(
    tree: Subtrees,
    chosen: dict[str, tuple[str, str]],
    orm_modules: Mapping[str, str],
    read: Callable[[str], bytes | None],
) -> None:
    """Drop, from ``chosen``, the ``models`` nodes whose code names no ORM while other code
    of the project defines the ORM classes: a ``models`` package of query functions, an
    LLM's ``utils/models.py``, a ``db/entities.py`` of functions. Where nothing else
    does, the folder is all the models there are (plain domain classes, an ORM archcheck
    does not know), but for one of machine-learning models (networks that import
    ``torch``): those are no tables anywhere."""
    hinted = {}
    tables_elsewhere = False  # a models node known by other evidence holds ORM code
    for node, (layer, _reason) in list(chosen.items()):
        if layer != MODELS:
            continue
        code = [data for module in tree.below(node) if (data := read(module)) is not None]
        classes = [d for d in code if _CLASS.search(d)]
        orm = any(_ORM_CODE.search(d) for d in code)
        if (
            not orm
            and all(_ML_CODE.search(d) for d in classes)
            and (classes or any(_DEFINES_DATA.search(d) for d in code))
        ):
            # No model in it: every class of it is a network's (a plain one stays models),
            # or it defines functions and data but no class (an LLM's registry of model
            # entries, a page listing them). An empty one is the layer still to be written.
            del chosen[node]
            continue
        # ``entities`` are a domain's plain classes too: without a class, query functions.
        if last_name(node) in NAMES[MODELS][:2] or not classes:
            hinted[node] = orm
        elif any(ORM_HINT.search(data) for data in code):
            # ORM tables kept under another name (``zen_stores/schemas/``).
            tables_elsewhere = True
    if orm_modules or tables_elsewhere or any(hinted.values()):
        for node, orm in hinted.items():
            if not orm:
                del chosen[node]


def pydantic_only(
    tree: Subtrees, node: str, index: ProjectIndex, read: Callable[[str], bytes | None]
) -> list[str]:
    """The largest subtrees of ``node`` (itself included) whose modules define Pydantic
    classes and no ORM class."""
    modules = tree.below(node)
    # Bytes first: an ORM models folder imports its ORM nearly everywhere, and is then
    # decided without parsing a file. An import inside a method is no table: Pydantic
    # filter models build queries with ``and_``, ``col`` and ``select`` (their class kinds
    # decide).
    tables = {m for m in modules if (data := read(m)) is not None and _orm_tables(data)}
    # Every node with a module that defines tables at or below it.
    tainted = set()
    for module in tables:
        name = module
        while name and name not in tainted:
            tainted.add(name)
            name = name.rpartition(".")[0]
    kinds: dict[str, set[str]] = {}

    def verdict(name: str) -> bool:
        if name in tainted:
            return False
        below = tree.below(name)
        for m in below:
            if m not in kinds:
                kinds[m] = class_kinds(m, index) or reexported_kinds(m, index)
        found = set().union(*(kinds[m] for m in below))
        # Plain classes beside them (a dataclass, a helper) are no ORM mixins or another
        # ORM's models here: those files would have named their ORM (``tainted``).
        return SCHEMA in found and found <= {SCHEMA, ENUM, CLASS}

    if verdict(node):
        return [node]
    found = []
    stack = sorted(tree.children.get(node, ()))
    while stack:
        child = stack.pop()
        if layer_of_name(last_name(child)):
            continue  # a named node decides for itself
        if verdict(child):
            found.append(child)
        else:
            stack.extend(tree.children.get(child, ()))
    return sorted(found)


def services_by_base(
    modules: Iterable[str],
    services: set[str],
    packages: Collection[str],
    index: ProjectIndex,
    read: Callable[[str], bytes | None],
) -> dict[str, str]:
    """Of ``modules`` (in no layer), those whose classes derive from a class of the
    ``services`` modules: service code named for its subject (``management.py`` holding
    ``WorkflowsService(BaseWorkspaceService)``). Only a module that defines a class with
    bases and imports from the services is parsed (``packages``: the modules that are
    packages, for its relative imports); the services are read only to resolve its bases."""
    found = {}
    for module in modules:
        # A package's ``__init__`` stands for the folder: its class would make the whole
        # subtree services.
        if module in packages:
            continue
        data = read(module)
        if data is None or not _TOP_BASES.search(data):
            continue
        if not imported_targets(data, module.rpartition(".")[0]) & services:
            continue
        symbols = index.module(module)
        if symbols is None:
            continue
        for name, info in sorted(symbols.classes.items()):
            owners = {index.resolve(base).rpartition(".")[0] for base in info.bases}
            if owners & services:
                found[module] = f"{name} derives from a service's class"
                break
    return found


def services_by_name(
    modules: Iterable[str],
    layer_of: Callable[[str], str | None],
    read: Callable[[str], bytes | None],
    parse: Callable[[str, bytes], ast.Module | None],
    lower: Iterable[str],
) -> dict[str, str]:
    """Of ``modules`` (in no layer, no package's ``__init__``), those that define a class
    named for a service (``DisputeCaseService``) and import the repositories when they
    run: the service layer under a name of its subject (``dispute/dispute_case.py``,
    ``knowledge_base/kb_service/base.py``). Not a ``*Service`` class that uses no
    repository (an ``S3Service``, an ``EmailService``: a client of something), nor one
    beside HTTP code (an auth module's ``AuthService`` with its FastAPI dependencies), nor
    test support, nor a module that the ``lower`` layers' modules import (a helper beside
    the class that models use: the module is shared code)."""
    found = {}
    for module in modules:
        if any(part in _TEST_SUPPORT or part.startswith("test_") for part in module.split(".")):
            continue
        data = read(module)
        if data is None or not _SERVICE_CLASS.search(data) or _HTTP.search(data):
            continue
        tree = parse(module, data)
        if tree is None:
            continue
        named = [
            node.name
            for node in tree.body
            if isinstance(node, ast.ClassDef) and _SERVICE_NAME.fullmatch(node.name)
        ]
        targets = {
            target
            for node in module_level(tree.body, run=True)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for _, target, _ in import_bindings(node, module, False)
        }
        if named and any(layer_of(t) == REPOSITORIES for t in targets):
            found[module] = f"defines {named[0]} and imports the repositories"
    if found:
        for other in lower:
            data = read(other)
            if data is None:
                continue
            for target in imported_targets(data, other.rpartition(".")[0]):
                found.pop(target, None)
    return found


def imported_targets(data: bytes, package: str | None) -> set[str]:
    """The modules the import statements name (``import X``; ``from X import ...``,
    relative ones made absolute against ``package``, left out where it is None), and
    ``X.y`` for each name ``y`` a ``from`` statement imports (a module, maybe)."""
    found = {name.decode() for name in _PLAIN.findall(data)}
    for dots, name, names in _FROM.findall(data):
        base = name.decode()
        if dots:
            if package is None:
                continue
            anchor = package
            for _ in range(len(dots) - 1):
                anchor = anchor.rpartition(".")[0]
            base = f"{anchor}.{base}" if base else anchor
        found.add(base)
        found.update(f"{base}.{imported.decode()}" for imported in _NAME.findall(names))
    return found
