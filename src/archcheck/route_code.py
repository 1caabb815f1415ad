"""Which code declares FastAPI routes: a module that builds an ``APIRouter`` (or a
subclass) or decorates a route, told by its bytes first and its syntax tree after."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import NamedTuple

from archcheck.names import dotted

__all__ = ["ROUTE_CALLS", "builds_app", "declares_routes"]

# Searched in lower-cased bytes (see ``declares_routes``).
_NEW_ROUTER = re.compile(rb"apirouter\w*\s*\(")  # APIRouter(, APIRouterPro(...
_NEW_APP = re.compile(rb"\bFastAPI\s*\(")  # a call; ``app: FastAPI`` is an annotation
_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket", "route"}
)


class _Owners(NamedTuple):
    """What may own a route decorator (``router``, ``api``; ``app`` too where asked): the
    owner's name, and the decorator and the call after it in lower-cased bytes."""

    name: re.Pattern[str]
    decorator: re.Pattern[bytes]
    call: re.Pattern[bytes]


def _owners(words: str) -> _Owners:
    methods = "|".join(sorted(_ROUTE_METHODS))
    return _Owners(
        re.compile(words, re.IGNORECASE),
        # ``@router.get(``, and the router kept on an object: ``@self.router.get(``
        re.compile(rb"@[ \t]*(?:\w+\.)*\w*(?:%s)" % words.encode()),
        re.compile(
            rb"[ \t]*(?:\w+\.)*\w*(?:%s)\w*\.(?:%s)\s*\(" % (words.encode(), methods.encode())
        ),
    )


_ROUTERS = _owners("router|api")
_APPS = _owners("router|api|app")  # ``@app.get``


def declares_routes(data: bytes, *, on_app: bool = False, builds: bool = True) -> bool:
    """Whether the code builds an ``APIRouter`` or decorates a route (``@router.get(``;
    with ``on_app``, ``@app.get(`` too), in any case: the bytes say where it may, the
    syntax tree whether it does (a docstring that shows how to declare a route declares
    none). ``@app.get`` alone does not find routers: an app factory's health route would
    make its wiring a router's; it keeps a module that serves them a router. Without
    ``builds``, only decorated routes count (an app factory builds the ``APIRouter`` that
    includes the others)."""
    owners = _APPS if on_app else _ROUTERS
    lowered = data.lower()
    if not _mentions_routes(lowered, owners, builds):
        return False
    if _top_level_route(lowered, owners):
        return True
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # newer syntax than this Python reads: the bytes' word stands
    # A module-level function that builds a router and declares no route on it (DB-GPT's
    # ``replace_router`` that swaps the app's router for a subclass) is plumbing.
    in_functions = {
        id(part)
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _adds_routes(node)
        for part in ast.walk(node)
    }
    for node in _outside_methods(tree):
        if isinstance(node, ast.Call) and builds and id(node) not in in_functions:
            name = dotted(node.func)
            if name is not None and "apirouter" in name.rpartition(".")[2].lower():
                return True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr.lower() in _ROUTE_METHODS
                    and (owner := dotted(decorator.func.value)) is not None
                    and owners.name.search(owner.rpartition(".")[2])
                ):
                    return True
    return False


# What adds handlers to a router by call: ``router.add_api_route("/x", handler)``.
ROUTE_CALLS = (
    "add_api_route",
    "add_route",
    "add_api_websocket_route",
    "add_websocket_route",
    "include_router",
)


def _adds_routes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function adds routes by call (``router.add_api_route(...)``) or
    returns the router it builds (a factory: ``build_capabilities_router()``)."""
    built: set[str] = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ROUTE_CALLS
        ):
            return True
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and "apirouter" in (dotted(node.value.func) or "").rpartition(".")[2].lower()
        ):
            built.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return any(
        isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in built
        for node in ast.walk(function)
    )


def _outside_methods(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``tree`` but the bodies of the classes' methods that return a router
    they build (fastapi-users' ``get_logout_router``): the library's factory, not the
    module's routes. A controller that builds its router in ``__init__`` is the module's,
    and a method's decorators are the class's (``@router.get`` on a class-based view)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.ClassDef):
            for part in node.body:
                if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef)) and _returns_router(
                    part
                ):
                    yield part
                    stack.extend(part.decorator_list)
                else:
                    stack.append(part)
            stack.extend(node.bases)
            stack.extend(node.decorator_list)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _returns_router(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``function`` returns a name it assigned an ``APIRouter(...)`` to."""
    built = {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and "apirouter" in (dotted(node.value.func) or "").rpartition(".")[2].lower()
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return any(
        isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in built
        for node in ast.walk(function)
    )


def _top_level_route(lowered: bytes, owners: _Owners) -> bool:
    """Whether a route decorator starts a line of module-level code (``@router.get(`` in
    the first column, after an even number of each triple quote): a function's route, read
    without parsing the file, which detection did for every router."""
    for match in owners.decorator.finditer(lowered):
        at = match.start()
        if (
            (at == 0 or lowered[at - 1 : at] == b"\n")
            and owners.call.match(lowered, at + 1)
            and lowered.count(b'"""', 0, at) % 2 == 0
            and lowered.count(b"'''", 0, at) % 2 == 0
        ):
            return True
    return False


def _mentions_routes(lowered: bytes, owners: _Owners, builds: bool) -> bool:
    # A regular expression tried at every line of every file was most of detection's
    # time: the bytes are lower-cased once, and only decorators that name a router or an
    # API are looked at.
    if builds and b"apirouter" in lowered and _NEW_ROUTER.search(lowered):
        return True
    for match in owners.decorator.finditer(lowered):
        at = match.start()
        line = lowered.rfind(b"\n", 0, at) + 1
        if not lowered[line:at].strip(b" \t") and owners.call.match(lowered, at + 1):
            return True
    return False


def builds_app(data: bytes, *, in_classes: bool = True) -> bool:
    """Whether the code builds the FastAPI application (``app = FastAPI()``): where the app
    is put together, whatever the module is called. Without ``in_classes``, only at module
    level or in a function (``create_app()``), not in a class's methods (a plugin that
    serves something of its own)."""
    if b"FastAPI" not in data or not _NEW_APP.search(data):
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and (dotted(node.func) or "").rpartition(".")[2] == "FastAPI":
            return True
        if in_classes or not isinstance(node, ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return False
