"""What makes a function a FastAPI route (``@router.get(...)``,
``router.add_api_route(...)``) and what its response model is."""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from archcheck.index import ProjectIndex
from archcheck.names import dotted, last_name
from archcheck.rules.annotations import type_walk
from archcheck.rules.web_framework import WEB_FRAMEWORKS
from archcheck.scopes import ASSIGNED, PARAMETER, Scopes

__all__ = ["ROUTE_DECORATORS", "Route", "route_of", "routes_added"]

_ROUTERS = frozenset(
    {
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
    }
)
ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route"}
)
# A receiver we cannot type (``router = make_router()``, an import from another package) is
# taken for a router by its name alone.
_ROUTER_NAME = re.compile(r"(?:.*_)?(?:router|app|api)(?:_.*)?", re.IGNORECASE)


class Route(NamedTuple):
    """How a function is registered as a route: the registering call and its
    ``response_model`` keyword (``has_response_model`` tells ``None`` from absent)."""

    call: ast.Call
    has_response_model: bool
    response_model: ast.expr | None


def _route(call: ast.Call) -> Route:
    for keyword in call.keywords:
        if keyword.arg == "response_model":
            value = keyword.value
            if isinstance(value, ast.Constant) and value.value is None:
                return Route(call, True, None)
            return Route(call, True, value)
    return Route(call, False, None)


def _is_router(expr: ast.expr, scopes: Scopes, index: ProjectIndex) -> bool:
    """Whether ``expr`` is an ``APIRouter`` or ``FastAPI`` instance (or looks like one)."""
    head = dotted(expr)
    if head is None:
        return False
    binding = scopes.lookup(head) if "." not in head else None
    owner = scopes.lookup(head.partition(".")[0]) if "." in head else None
    if owner is not None and owner.kind == PARAMETER:
        # A router kept on an object a method is handed: ``@self.router.get(...)`` in a
        # class-based router that registers its handlers in a method.
        return bool(_ROUTER_NAME.fullmatch(head.rpartition(".")[2]))
    if binding is not None:
        if binding.kind == PARAMETER and binding.annotation is not None:
            return any(
                name in _ROUTERS or index.inherits(name, _ROUTERS)
                for name, _, _ in type_walk(binding.annotation, scopes.qualify, index)
            )
        if binding.kind == ASSIGNED and isinstance(binding.value, ast.Call):
            callee = scopes.qualify(binding.value.func)
            if callee is not None:
                resolved = index.resolve(callee)
                return resolved in _ROUTERS or index.inherits(resolved, _ROUTERS)
        return bool(_ROUTER_NAME.fullmatch(head))
    name = scopes.qualify(expr)
    if name is None:
        return False
    callee = index.call_of(name)
    if callee is not None:
        if callee in _ROUTERS or index.inherits(callee, _ROUTERS):
            return True
        if index.is_project_name(callee) or callee.split(".")[0] in WEB_FRAMEWORKS:
            return False
    elif index.is_project_name(index.resolve(name)):
        return False  # a class, function or module of the project, not a router instance
    return bool(_ROUTER_NAME.fullmatch(last_name(name)))


def route_of(
    function: ast.FunctionDef | ast.AsyncFunctionDef, scopes: Scopes, index: ProjectIndex
) -> Route | None:
    """How ``function`` is a route by decorator (``@router.get(...)``, ``@app.post(...)``,
    ``@router.api_route(...)``), or None. ``scopes`` must be the enclosing scope."""
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in ROUTE_DECORATORS
            and _is_router(decorator.func.value, scopes, index)
        ):
            return _route(decorator)
    return None


def routes_added(tree: ast.Module, scopes: Scopes, index: ProjectIndex) -> dict[str, list[Route]]:
    """Functions registered by a module-level ``router.add_api_route(path, endpoint, ...)``,
    by the endpoint's name (a function may be registered more than once)."""
    found: dict[str, list[Route]] = {}
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "add_api_route"
            and _is_router(call.func.value, scopes, index)
        ):
            continue
        endpoint = (
            call.args[1]
            if len(call.args) > 1
            else next((k.value for k in call.keywords if k.arg == "endpoint"), None)
        )
        if isinstance(endpoint, ast.Name):
            found.setdefault(endpoint.id, []).append(_route(call))
    return found
