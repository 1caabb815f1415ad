"""Modules that hold an app's data access without a repository's name: keep's
``core/db.py`` of query functions, Spoolman's ``database/spool.py``, papermerge's
``features/users/db/api.py``, khoj's ``database/adapters``.

Detection asks it of modules of no layer that a router or a service imports and that a
data word names (``db``, ``data``, ``storage``...): most of their public functions run the
database, themselves or through the module's own helpers. A provider (``get_db``) runs
none (opening and closing a session is no query), a module that makes the engine or the
session factory is the database's setup, whatever its health check runs, and one of
mixed helpers (``security.py``'s token functions beside one user lookup) runs it in a few.
"""

from __future__ import annotations

import ast
import re

from archcheck.names import dotted

__all__ = ["data_access", "named_for_data", "runs_database"]

# A module or a package above it named for the data it keeps.
_DATA_WORDS = frozenset(
    {"db", "database", "data", "dal", "storage", "store", "stores", "persistence", "queries"}
)
_DATA_SUFFIXES = ("_db", "_queries", "_store", "_storage")
# Bytes first: a module that calls none of these twice is read no further.
_DB_CALL = re.compile(
    rb"\.(?:query|execute|exec|scalars?|scalar_one(?:_or_none)?|add_all|commit|flush|refresh"
    rb"|merge|prisma)\s*\(|\b(?:select|insert|update|delete)\s*\(|\.objects\."
)
# What a session (or a connection) does that is database work; ``get``, ``add`` and
# ``delete`` too where the receiver is named for a session.
_METHODS = frozenset(
    {
        "query",
        "execute",
        "exec",
        "scalars",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "get",
        "add",
        "add_all",
        "delete",
        "merge",
        "commit",
        "flush",
        "refresh",
    }
)
# What makes the engine or the session factory: a module that does at its top level is
# the database's setup (its health check and ``create_all`` run statements too), no
# repository; a store class that makes its own engine still is one.
_SESSION_MAKERS = frozenset(
    {"create_engine", "create_async_engine", "sessionmaker", "async_sessionmaker", "scoped_session"}
)
_RECEIVER = re.compile(r"(?:\w+_)?(?:session|db|conn|connection|sess|tx)", re.IGNORECASE)


def named_for_data(module: str) -> bool:
    """Whether ``module`` or a package above it is named for the data it keeps."""
    return any(part in _DATA_WORDS or part.endswith(_DATA_SUFFIXES) for part in module.split("."))


def data_access(data: bytes) -> tuple[frozenset[str], int, int] | None:
    """What of a module's code runs the database: the names of its functions and classes
    that do, themselves or through another of the module's functions (a class by any
    of its methods), and how many of its public functions and methods do, of how many;
    None when it does not parse or calls no database twice. Private helpers (a search
    module's ``_split_terms``) are no part of what the module offers."""
    if len(_DB_CALL.findall(data)) < 2:
        return None
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if any(_makes_sessions(node) for node in tree.body):
        return None
    units: list[tuple[str, bool, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            units.append((node.name, _public(node.name), node))
        elif isinstance(node, ast.ClassDef):
            units.extend(
                (node.name, _public(node.name) and _public(part.name), part)
                for part in node.body
                if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef))
                and not (part.name.startswith("__") and part.name.endswith("__"))
            )
    # Through the module's own functions (``search`` calling ``_search_spools``), not
    # through a class whose other method runs one (a connection manager's health check)
    # nor into a provider, which only opens the request's session.
    functions = {name for name, _, f in units if name == f.name}
    reads = [{n.id for n in ast.walk(f) if isinstance(n, ast.Name)} & functions for *_, f in units]
    runs = [_runs_database(function) for _, _, function in units]
    providers = [_provides(function) for _, _, function in units]
    changed = True
    while changed:
        running = {owner for (owner, _, _), ran in zip(units, runs, strict=True) if ran}
        changed = False
        for i, read in enumerate(reads):
            if not runs[i] and not providers[i] and read & running:
                runs[i] = changed = True
    public = [ran for (_, shown, _), ran in zip(units, runs, strict=True) if shown] or runs
    if sum(runs) < 2:
        return None
    found = {owner for (owner, _, _), ran in zip(units, runs, strict=True) if ran}
    # ``users = UserQueries()``: what the module hands out of a class that runs queries.
    for node in tree.body:
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            value, targets = node.value, [node.target]
        else:
            continue
        made = value.func if isinstance(value, ast.Call) else value
        if isinstance(made, ast.Name) and made.id in found:
            found.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(found), sum(public), len(public)


def runs_database(data: bytes) -> bool:
    """Whether any function or method of the module runs a statement (``_runs_database``)."""
    if not _DB_CALL.search(data):
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(
        _runs_database(node)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    )


def _makes_sessions(node: ast.stmt) -> bool:
    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)) else None
    if not isinstance(value, ast.Call):
        return False
    name = dotted(value.func)
    return name is not None and name.rpartition(".")[2] in _SESSION_MAKERS


def _provides(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in ast.walk(function))


def _public(name: str) -> bool:
    return not name.startswith("_")


def _runs_database(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function runs a statement: a session's (or a connection's) call, a
    Prisma or a Django query. Building one (``select(User).where(...)``) is no query: a
    module of statement builders is a library, whoever runs them."""
    if _provides(function):
        return False  # a provider (``get_db`` that commits what the request did): no query
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "prisma":  # Prisma's client: ``User.prisma().find_many()``
                return True
            owner = func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "objects":
                return True  # Django's manager: ``Entry.objects.filter(...)``
            if func.attr in _METHODS:
                receiver = dotted(func.value)
                if receiver is not None and _RECEIVER.fullmatch(receiver.rpartition(".")[2]):
                    return True
    return False
