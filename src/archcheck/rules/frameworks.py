"""What FastAPI, Starlette and SQLAlchemy code looks like, for the syntax rules.

Which names are ``HTTPException``, what makes a function a route and what its response
model is, which local names hold a database session. Everything is read statically: a
name is followed through imports, aliases, type aliases and subclasses across the project
(``ProjectIndex``) and through the bindings of the enclosing functions (``Scopes``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from archcheck.index import ORM, ProjectIndex
from archcheck.names import ASSIGNED, ENTERED, IMPORTED, PARAMETER, Scopes, dotted
from archcheck.rules.base import SyntaxRule

__all__ = [
    "SESSION_METHODS",
    "STATEMENTS",
    "WEB_FRAMEWORKS",
    "ImportsWebFramework",
    "RaisesFrameworkException",
    "Route",
    "Session",
    "class_of",
    "framework_exception_built",
    "framework_exception_raised",
    "orm_classes",
    "returns_of",
    "route_of",
    "routes_added",
    "web_framework_of",
    "web_imports",
]

WEB_FRAMEWORKS = ("fastapi", "starlette")
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
_DEPENDS = frozenset(
    {"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"}
)
_SESSIONS = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlalchemy.ext.asyncio.async_scoped_session",
        "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
# Calling one of these gives a factory; calling the factory gives a session.
_SESSION_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
    }
)
# A scoped session is a session (``db_session.query(...)``) and a factory of one.
_SCOPED_SESSIONS = frozenset(
    {
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session",
        "sqlalchemy.ext.asyncio.async_scoped_session",
        "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
    }
)
# ``get_db``, ``get_session``, ``get_async_session``, ``db_session``, ``SessionLocal``,
# ``session_scope``: how projects name what hands out sessions.
_SESSION_NAME = re.compile(
    r"(?:.*_)?(?:db|session)(?:_?(?:local|scope|maker|factory))?", re.IGNORECASE
)
# What a session does that is database work (``close`` is not: it ends what was opened).
SESSION_METHODS = frozenset(
    {
        "execute",
        "exec",
        "scalars",
        "scalar",
        "query",
        "get",
        "get_one",
        "add",
        "add_all",
        "delete",
        "merge",
        "commit",
        "flush",
        "refresh",
        "rollback",
        "stream",
        "stream_scalars",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "bulk_update_mappings",
    }
)
# SQLAlchemy's and SQLModel's statement constructors.
STATEMENTS = frozenset(
    f"{module}.{function}"
    for module in (
        "sqlalchemy",
        "sqlalchemy.sql",
        "sqlalchemy.sql.expression",
        "sqlalchemy.future",
        "sqlmodel",
        "sqlmodel.sql.expression",
    )
    for function in ("select", "insert", "update", "delete", "text")
) | frozenset(
    f"sqlalchemy.dialects.{dialect}.insert" for dialect in ("postgresql", "sqlite", "mysql")
)
_SURE, _GUESS = "sure", "guess"
_NOT_A_TYPE = frozenset({"Literal", "ClassVar", "Final", "InitVar"})


def _last(name: str) -> str:
    return name.rpartition(".")[2]


Qualify = Callable[[ast.AST], "str | None"]


# -- type expressions -------------------------------------------------------------------
def _type_walk(
    expr: ast.expr | None, qualify: Qualify, index: ProjectIndex, depth: int = 0
) -> Iterator[tuple[str, ast.expr | None, Qualify]]:
    """Yield ``(name, None, qualify)`` for each class a type expression names, and
    ``("", metadata, qualify)`` for each ``Annotated`` extra; through ``list[...]``,
    ``Optional[...]``, ``X | None``, string annotations and type aliases of any module."""
    if expr is None or depth > 20:
        return
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        try:
            parsed = ast.parse(expr.value.strip(), mode="eval").body
        except SyntaxError:
            return
        yield from _type_walk(parsed, qualify, index, depth + 1)
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        yield from _type_walk(expr.left, qualify, index, depth + 1)
        yield from _type_walk(expr.right, qualify, index, depth + 1)
    elif isinstance(expr, ast.Subscript):
        outer = qualify(expr.value)
        outer_name = _last(index.resolve(outer)) if outer else ""
        if outer_name in _NOT_A_TYPE:
            return
        arguments = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if outer_name == "Annotated" and arguments:
            yield from _type_walk(arguments[0], qualify, index, depth + 1)
            for extra in arguments[1:]:
                yield "", extra, qualify
        else:
            if outer:
                yield index.resolve(outer), None, qualify
            for argument in arguments:
                yield from _type_walk(argument, qualify, index, depth + 1)
    elif isinstance(expr, (ast.Tuple, ast.List)):
        for element in expr.elts:
            yield from _type_walk(element, qualify, index, depth + 1)
    elif isinstance(expr, (ast.Name, ast.Attribute)):
        name = qualify(expr)
        if name is None:
            return
        alias = index.type_alias(name)
        if alias is not None:
            symbols, value = alias
            yield from _type_walk(value, symbols.qualify_node, index, depth + 1)
        else:
            yield index.resolve(name), None, qualify


def orm_classes(expr: ast.expr | None, qualify: Qualify, index: ProjectIndex) -> list[str]:
    """ORM model classes a type expression names (``list[User]``, ``"User | None"``, ...)."""
    found = []
    for name, _, _ in _type_walk(expr, qualify, index):
        if name and name not in found and index.kind(name) == ORM:
            found.append(name)
    return found


# -- web framework imports and exceptions ------------------------------------------------
def web_framework_of(module: str) -> str | None:
    """``fastapi`` for ``fastapi.responses``; None for what is not fastapi or starlette."""
    root = module.split(".")[0]
    return root if root in WEB_FRAMEWORKS else None


def web_imports(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The fastapi / starlette modules one import statement names, in order."""
    if isinstance(node, ast.ImportFrom):
        names = [node.module] if node.level == 0 and node.module else []
    else:
        names = [alias.name for alias in node.names]
    return [name for name in names if web_framework_of(name)]


def _framework_exception(name: str | None, index: ProjectIndex, depth: int = 0) -> bool:
    """Whether the class ``name`` is one of fastapi's or starlette's (``HTTPException``,
    ``RequestValidationError``, ``WebSocketException``, ...: nothing else of theirs can be
    raised) or a project class derived from one, across modules."""
    if name is None or depth > 10:
        return False
    resolved = index.resolve(name)
    if web_framework_of(resolved):
        return _last(resolved)[:1].isupper()
    info = index.class_info(resolved)
    return info is not None and any(
        _framework_exception(base, index, depth + 1) for base in info.bases
    )


def framework_exception_built(value: ast.expr, scopes: Scopes, index: ProjectIndex) -> str | None:
    """The framework exception class that ``value`` instantiates (``HTTPException(404)``),
    or None."""
    if not isinstance(value, ast.Call):
        return None
    name = scopes.qualify(value.func)
    return index.resolve(name) if name and _framework_exception(name, index) else None


def framework_exception_raised(node: ast.Raise, scopes: Scopes, index: ProjectIndex) -> str | None:
    """The framework exception class ``raise`` raises (``HTTPException(404)``,
    ``RequestValidationError``, a project subclass, or a name bound to one of those, here
    or at module level of any module), or None."""
    exc = node.exc
    for _ in range(10):  # ``err = HTTPException(404); e = err; raise e``
        if exc is None:
            return None
        if isinstance(exc, ast.Call):
            return framework_exception_built(exc, scopes, index)
        if not isinstance(exc, (ast.Name, ast.Attribute)):
            return None
        head = dotted(exc)
        binding = scopes.lookup(head) if head and "." not in head else None
        if binding is not None and binding.kind != IMPORTED:
            exc = binding.value if binding.kind == ASSIGNED else None
            continue
        name = scopes.qualify(exc)
        if name is None:
            return None
        if _framework_exception(name, index):
            return index.resolve(name)
        callee = index.call_of(name)  # module level: ``NOT_FOUND = HTTPException(404)``
        return index.resolve(callee) if callee and _framework_exception(callee, index) else None
    return None


class RaisesFrameworkException(SyntaxRule):
    """Rule part: every ``raise`` of a framework exception, and every module-level
    instance of one (``credentials_exception = HTTPException(401)``: built here, raised
    here or wherever it is imported), in the rule's layers. ``subject`` names the layer's
    module in the message (``Repository``)."""

    subject: ClassVar[str] = ""

    def visit_Raise(self, node: ast.Raise) -> None:
        raised = framework_exception_raised(node, self.scopes, self.index)
        if raised is not None:
            self.report(
                node,
                f"{self.subject} raises HTTP exception {raised}; raise a domain exception and "
                f"map it to an HTTP status in the router",
            )

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check_instance(node, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_instance(node, node.value)

    def _check_instance(self, node: ast.Assign | ast.AnnAssign, value: ast.expr | None) -> None:
        if self.scopes.qualname is not None or value is None:
            return  # a local instance counts where it is raised
        built = framework_exception_built(value, self.scopes, self.index)
        if built is not None:
            self.report(
                node,
                f"{self.subject} builds HTTP exception {built} at module level; raise a domain "
                f"exception and map it to an HTTP status in the router",
            )


class ImportsWebFramework(SyntaxRule):
    """Rule part: every import statement of fastapi or starlette (or their submodules), at
    any depth, in the rule's layers. ``advice`` ends the message."""

    subject: ClassVar[str] = ""
    advice: ClassVar[str] = ""

    def visit_Import(self, node: ast.Import) -> None:
        self._check_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._check_import(node)

    def _check_import(self, node: ast.Import | ast.ImportFrom) -> None:
        modules = web_imports(node)
        if modules:
            self.report(node, f"{self.subject} imports {', '.join(modules)}; {self.advice}")


# -- routes -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
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
    if binding is not None:
        if binding.kind == PARAMETER and binding.annotation is not None:
            return any(
                name in _ROUTERS or index.inherits(name, _ROUTERS)
                for name, _, _ in _type_walk(binding.annotation, scopes.qualify, index)
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
        resolved = index.resolve(callee)
        if resolved in _ROUTERS or index.inherits(resolved, _ROUTERS):
            return True
        if index.is_project_name(resolved) or resolved.split(".")[0] in WEB_FRAMEWORKS:
            return False
    elif index.is_project_name(index.resolve(name)):
        return False  # a class, function or module of the project, not a router instance
    return bool(_ROUTER_NAME.fullmatch(_last(name)))


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


# -- what a value is -------------------------------------------------------------------
def _project_class(expr: ast.expr | None, qualify: Qualify, index: ProjectIndex) -> str | None:
    """The first project class a type expression names (``UserRepo``, ``Annotated[UserRepo,
    Depends(...)]``, ``UserRepo | None``)."""
    for name, _, _ in _type_walk(expr, qualify, index):
        if name and index.class_info(name) is not None:
            return name
    return None


def _dependency(expr: ast.expr | None, qualify: Qualify) -> str | None:
    """``get_repo`` of ``Depends(get_repo)``, qualified (whatever ``Depends`` resolves to)."""
    if not (
        isinstance(expr, ast.Call)
        and expr.args
        and _last(dotted(expr.func) or "") in ("Depends", "Security")
    ):
        return None
    return qualify(expr.args[0])


def class_of(expr: ast.expr, scopes: Scopes, index: ProjectIndex, depth: int = 0) -> str | None:
    """The project class whose instance ``expr`` holds, as far as constructors and
    annotations say: ``UserRepo(db)``, a parameter typed ``UserRepo`` (or given by a
    dependency annotated to return one), a variable assigned either, a module-level
    ``repo = UserRepo()``, a call of a function or method annotated to return one."""
    if depth > 5:
        return None
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Call):
        name = scopes.qualify(expr.func)
        if name is not None and index.class_info(name) is not None:
            return index.resolve(name)
        returned = returns_of(expr.func, scopes, index, depth + 1)
        return None if returned is None else _project_class(returned[0], returned[1], index)
    binding = scopes.lookup(expr.id) if isinstance(expr, ast.Name) else None
    if binding is None:  # a module-level instance, here or in another module
        name = scopes.qualify(expr)
        callee = index.call_of(name) if name else None
        if callee is not None and index.class_info(callee) is not None:
            return index.resolve(callee)
        return None
    if binding.kind not in (PARAMETER, ASSIGNED):
        return None
    found = _project_class(binding.annotation, scopes.qualify, index)
    if found is not None:
        return found
    if binding.kind == ASSIGNED:
        return None if binding.value is None else class_of(binding.value, scopes, index, depth + 1)
    dependencies = [(binding.value, scopes.qualify)] + [
        (extra, qualify)
        for _, extra, qualify in _type_walk(binding.annotation, scopes.qualify, index)
        if extra is not None
    ]
    for dependency, qualify in dependencies:
        provider = _dependency(dependency, qualify)
        function = index.function(provider) if provider else None
        if function is not None:
            return _project_class(function[1].returns, function[0].qualify_node, index)
    return None


def returns_of(
    func: ast.expr, scopes: Scopes, index: ProjectIndex, depth: int = 0
) -> tuple[ast.expr, Qualify] | None:
    """The return annotation of the project function or method that calling ``func``
    runs (``crud.get_user``, ``UserService(db).get``, ``repo.get`` with ``repo`` typed),
    with the names it is read with; None when there is none or it cannot be told."""
    name = scopes.qualify(func)
    if name is not None:
        function = index.function(name)
        if function is not None:
            symbols, info = function
            return None if info.returns is None else (info.returns, symbols.qualify_node)
    if not isinstance(func, ast.Attribute):
        return None
    owner = class_of(func.value, scopes, index, depth)
    method = index.method(owner, func.attr) if owner else None
    if method is None or method[1].returns is None:
        return None
    return method[1].returns, method[0].qualify_node


# -- sessions ---------------------------------------------------------------------------
class Session:
    """Which expressions of a function hold a SQLAlchemy / SQLModel session.

    A session is a parameter typed ``Session`` / ``AsyncSession`` (directly, in
    ``Annotated[...]``, ``Optional[...]`` or through a type alias of any module), a
    parameter whose dependency (``Depends(get_db)``) returns one, a name bound by
    ``with Session(engine) as s`` / ``async with SessionLocal() as s`` / ``with
    SessionLocal.begin() as s`` or ``s = SessionLocal()``, or a module-level session
    (``db_session = scoped_session(...)``).
    """

    def __init__(self, scopes: Scopes, index: ProjectIndex) -> None:
        self.scopes = scopes
        self.index = index

    def holds(self, expr: ast.expr) -> bool:
        scopes = self.scopes
        if isinstance(expr, ast.Call):
            return self._makes_session(expr.func)
        if not isinstance(expr, ast.Name):
            return False
        binding = scopes.lookup(expr.id)
        if binding is None:
            name = scopes.qualify(expr)
            callee = self.index.call_of(name) if name else None
            if callee is None:
                return False
            resolved = self.index.resolve(callee)
            return resolved in _SESSIONS or self._is_factory(resolved)
        if binding.kind == PARAMETER:
            return self._typed_session(binding.annotation, binding.value)
        if binding.kind == ASSIGNED:
            if binding.annotation is not None and self._typed_session(binding.annotation, None):
                return True
            return isinstance(binding.value, ast.Call) and self._makes_session(binding.value.func)
        if binding.kind == ENTERED:
            value = binding.value
            if isinstance(value, ast.Call):
                func = value.func
                if isinstance(func, ast.Attribute) and func.attr == "begin":
                    # ``with SessionLocal.begin() as s`` / ``with Session(engine).begin() as s``
                    inner = func.value
                    if isinstance(inner, ast.Call):
                        return self._makes_session(inner.func)
                    return self._is_factory_expr(inner)
                return self._makes_session(func)
            return isinstance(value, ast.Name) and self.holds(value)
        return False

    # -- parameters ----------------------------------------------------------------------
    def _typed_session(self, annotation: ast.expr | None, default: ast.expr | None) -> bool:
        """A parameter's session-ness. FastAPI passes what the dependency gives, so a
        dependency annotated to give a session decides; a dependency merely *named* like
        one (``get_db``) counts only when the annotation says nothing else."""
        typed_as_other = guessed = False
        for name, extra, qualify in _type_walk(annotation, self.scopes.qualify, self.index):
            if extra is not None:
                gives = self._dependency_gives_session(extra, qualify)
                if gives is _SURE:
                    return True
                guessed = guessed or gives is _GUESS
            elif self._is_session_class(name):
                return True
            elif _last(name) not in ("Optional", "Union", "None"):
                typed_as_other = True
        if default is not None:
            gives = self._dependency_gives_session(default, self.scopes.qualify)
            if gives is _SURE:
                return True
            guessed = guessed or gives is _GUESS
        return guessed and not typed_as_other

    def _dependency_gives_session(self, expr: ast.expr, qualify: Qualify) -> str | None:
        """For ``Depends(dep)``: _SURE when ``dep`` is annotated to give a session,
        _GUESS when it is not annotated (or not ours) but named like a session provider."""
        if not isinstance(expr, ast.Call):
            return None
        callee = qualify(expr.func)
        if callee is None or self.index.resolve(callee) not in _DEPENDS:
            return None
        dependency = (
            expr.args[0]
            if expr.args
            else next((k.value for k in expr.keywords if k.arg == "dependency"), None)
        )
        name = qualify(dependency) if dependency is not None else None
        if name is None:
            return None
        returns = self._returns_session(name)
        if returns is not None:
            return _SURE if returns else None
        return _GUESS if _SESSION_NAME.fullmatch(_last(name)) else None

    # -- what gives a session ------------------------------------------------------------
    def _is_session_class(self, name: str) -> bool:
        return name in _SESSIONS or self.index.inherits(name, _SESSIONS)

    def _is_factory(self, resolved: str) -> bool:
        """``SessionLocal`` of a module-level ``SessionLocal = sessionmaker(...)``."""
        callee = self.index.call_of(resolved)
        return (
            callee is not None
            and self.index.resolve(callee) in _SESSION_FACTORIES | _SCOPED_SESSIONS
        )

    def _is_factory_expr(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name):
            binding = self.scopes.lookup(expr.id)
            if binding is not None:
                return (
                    binding.kind == ASSIGNED
                    and isinstance(binding.value, ast.Call)
                    and self._resolves_to(binding.value.func, _SESSION_FACTORIES | _SCOPED_SESSIONS)
                )
        name = self.scopes.qualify(expr)
        return name is not None and self._is_factory(self.index.resolve(name))

    def _resolves_to(self, expr: ast.expr, names: frozenset[str]) -> bool:
        name = self.scopes.qualify(expr)
        return name is not None and self.index.resolve(name) in names

    def _returns_session(self, name: str) -> bool | None:
        """For a project function with a return annotation: whether it names a session
        (``Iterator[Session]``, ``AsyncGenerator[AsyncSession, None]``); else None."""
        function = self.index.function(name)
        returns = None if function is None else function[1].returns
        if function is None or returns is None:
            return None
        return self._names_session(returns, function[0].qualify_node)

    def _names_session(self, annotation: ast.expr, qualify: Qualify) -> bool:
        return any(
            self._is_session_class(found)
            for found, extra, _ in _type_walk(annotation, qualify, self.index)
            if extra is None
        )

    def _makes_session(self, func: ast.expr) -> bool:
        """Whether calling ``func`` gives a session: a session class, a session factory, or
        a function annotated (or, when unannotated, named) to give one."""
        written = dotted(func)
        name = None if written is None else self.scopes.qualify(written)
        if name is not None:
            resolved = self.index.resolve(name)
            if self._is_session_class(resolved) or self._is_factory_expr(func):
                return True
            returns = self._returns_session(resolved)
            if returns is not None:
                return returns
        if isinstance(func, ast.Attribute):  # ``db.session_context()``: a typed method
            returned = returns_of(func, self.scopes, self.index)
            if returned is not None:
                return self._names_session(*returned)
        if written is None or name is None:
            return False
        if self.index.function(resolved) is None:
            if self.index.is_project_name(resolved):
                return False  # a class or variable of ours that is not a session factory
            head = written.split(".")[0]
            if head in self.scopes.symbols.imports or self.scopes.lookup(head) is not None:
                return False  # another package's: ``requests.Session()`` is no database session
        return bool(_SESSION_NAME.fullmatch(_last(resolved)))
