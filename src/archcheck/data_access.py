"""Modules that hold an app's data access without a repository's name: keep's
``core/db.py`` of query functions, Spoolman's ``database/spool.py``, papermerge's
``features/users/db/api.py``, khoj's ``database/adapters``.

Detection asks it of modules of no layer that a router or a service imports and that a
data word names (``db``, ``data``, ``storage``...): most of their functions run the
database themselves. A module of engines and ``get_db`` runs none (opening and closing a
session is no query), and one of mixed helpers (``security.py``'s token functions beside
one user lookup) runs it in a few.
"""

from __future__ import annotations

import ast
import re

from archcheck.names import dotted, import_bindings

__all__ = ["DATA_WORDS", "data_access", "named_for_data"]

# A module or a package above it named for the data it keeps.
DATA_WORDS = frozenset(
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
_RECEIVER = re.compile(r"(?:\w+_)?(?:session|db|conn|connection|sess|tx)", re.IGNORECASE)
_STATEMENT_MODULES = ("sqlalchemy", "sqlmodel")
_STATEMENTS = frozenset({"select", "insert", "update", "delete"})


def named_for_data(module: str) -> bool:
    """Whether ``module`` or a package above it is named for the data it keeps."""
    return any(part in DATA_WORDS or part.endswith(_DATA_SUFFIXES) for part in module.split("."))


def data_access(data: bytes, module: str, is_package: bool) -> tuple[int, int] | None:
    """(functions that run the database, functions) of a module's code, counting its
    functions and its classes' methods; None when it does not parse or calls no database
    twice."""
    if len(_DB_CALL.findall(data)) < 2:
        return None
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    statements = _statement_names(tree, module, is_package)
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append(node)
        elif isinstance(node, ast.ClassDef):
            functions.extend(
                part
                for part in node.body
                if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef))
                and not (part.name.startswith("__") and part.name.endswith("__"))
            )
    running = sum(1 for function in functions if _runs_database(function, statements))
    return running, len(functions)


def _statement_names(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """The local names of SQLAlchemy's and SQLModel's statement constructors."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for name, target, _plain in import_bindings(node, module, is_package):
                head, _, last = target.rpartition(".")
                if last in _STATEMENTS and head.split(".")[0] in _STATEMENT_MODULES:
                    found.add(name)
    return found


def _runs_database(function: ast.FunctionDef | ast.AsyncFunctionDef, statements: set[str]) -> bool:
    nodes = list(ast.walk(function))
    if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in nodes):
        return False  # a provider (``get_db`` that commits what the request did): no query
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in statements:
            return True
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
