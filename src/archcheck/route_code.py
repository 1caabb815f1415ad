"""Which code declares FastAPI routes: a module that builds an ``APIRouter`` (or a
subclass) or decorates a route, told by its bytes first and its syntax tree after."""

from __future__ import annotations

import ast
import re

from archcheck.names import dotted

__all__ = ["builds_app", "declares_routes"]

# Searched in lower-cased bytes (see ``declares_routes``).
_NEW_ROUTER = re.compile(rb"apirouter\w*\s*\(")  # APIRouter(, APIRouterPro(...
_ROUTE_DECORATOR = re.compile(rb"@[ \t]*\w*(?:router|api)")
_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket", "route"}
)
_ROUTER_OWNER = re.compile(r"router|api", re.IGNORECASE)
_ROUTE_CALL = re.compile(
    rb"[ \t]*\w*(?:router|api)\w*\.(?:%s)\s*\(" % "|".join(sorted(_ROUTE_METHODS)).encode()
)
# The same with an app as the owner (``@app.get``).
_APP_OWNER = re.compile(r"router|api|app", re.IGNORECASE)
_APP_DECORATOR = re.compile(rb"@[ \t]*\w*(?:router|api|app)")
_APP_CALL = re.compile(
    rb"[ \t]*\w*(?:router|api|app)\w*\.(?:%s)\s*\(" % "|".join(sorted(_ROUTE_METHODS)).encode()
)


def declares_routes(data: bytes, *, on_app: bool = False) -> bool:
    """Whether the code builds an ``APIRouter`` or decorates a route (``@router.get(``;
    with ``on_app``, ``@app.get(`` too), in any case: the bytes say where it may, the
    syntax tree whether it does (a docstring that shows how to declare a route declares
    none). ``@app.get`` alone does not find routers: an app factory's health route would
    make its wiring a router's; it keeps a module that serves them a router."""
    owners = _APP_OWNER if on_app else _ROUTER_OWNER
    if not _mentions_routes(data, on_app=on_app):
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # newer syntax than this Python reads: the bytes' word stands
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
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
                    and owners.search(owner.rpartition(".")[2])
                ):
                    return True
    return False


def _mentions_routes(data: bytes, *, on_app: bool = False) -> bool:
    # A regular expression tried at every line of every file was most of detection's
    # time: the bytes are lower-cased once, and only decorators that name a router or an
    # API are looked at.
    lowered = data.lower()
    if b"apirouter" in lowered and _NEW_ROUTER.search(lowered):
        return True
    decorators, calls = (_APP_DECORATOR, _APP_CALL) if on_app else (_ROUTE_DECORATOR, _ROUTE_CALL)
    for match in decorators.finditer(lowered):
        at = match.start()
        line = lowered.rfind(b"\n", 0, at) + 1
        if not lowered[line:at].strip(b" \t") and calls.match(lowered, at + 1):
            return True
    return False


def builds_app(data: bytes) -> bool:
    """Whether the code builds the FastAPI application (``app = FastAPI()``): where the app
    is put together, whatever the module is called."""
    if b"FastAPI" not in data:
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(
        isinstance(node, ast.Call) and (dotted(node.func) or "").rpartition(".")[2] == "FastAPI"
        for node in ast.walk(tree)
    )
