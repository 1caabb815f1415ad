"""Which expressions of a function hold a SQLAlchemy / SQLModel session, what a session
does that is database work, and SQLAlchemy's statement constructors."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from archcheck.index import ProjectIndex
from archcheck.names import dotted, last_name
from archcheck.rules.annotations import Qualify, class_of, returns_of, type_walk
from archcheck.scopes import ASSIGNED, ENTERED, PARAMETER, Scopes

__all__ = ["SESSION_METHODS", "STATEMENTS", "Session"]

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
# Sessions a library keeps for the request: FastAPI-SQLAlchemy's middleware opens one per
# request, and handlers reach it as ``db.session``.
_LIBRARY_SESSIONS = frozenset(
    {"fastapi_sqlalchemy.db.session", "fastapi_sqlalchemy.middleware.db.session"}
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
# What builds a session: a factory's call, or the factory of a scoped session.
_FACTORIES = _SESSION_FACTORIES | _SCOPED_SESSIONS
# ``get_db``, ``get_session``, ``get_async_session``, ``db_session``, ``SessionLocal``,
# ``session_scope``, ``session_context``: how projects name what hands out sessions.
_SESSION_NAME = re.compile(
    r"(?:.*_)?(?:db|session)(?:_?(?:local|scope|maker|factory|context))?", re.IGNORECASE
)
# Of an unannotated method, the names that say a database session: ``session_context``,
# ``db_session_scope``, ``async_session_maker``, ``get_db`` (``get_session`` may be an HTTP
# client's, ``get_database`` a document store's).
_SESSION_METHOD_NAME = re.compile(
    r"(?:.*_)?(?:db_)?session_(?:context|scope)|(?:.*_)?session_?maker"
    r"|(?:get|new|open)_db(?:_session)?",
    re.IGNORECASE,
)
# What the database's session is called where nothing types it (``as db``).
_DB_NAME = re.compile(r"(?:\w+_)?db(?:_session)?|database", re.IGNORECASE)
# What an untyped object's method that opens the database's session is called.
_OPENS_SESSION = frozenset({"session", "db_session", "async_session"})
# The attribute under which an object keeps the session it was built with.
_KEPT_SESSION = re.compile(r"_?(?:db_?|async_)?session|_?db|_?conn(?:ection)?", re.IGNORECASE)
# Of what an app keeps on its state, the names that say a database session or its factory:
# ``db``, ``db_session``, ``async_session_maker``; a bare ``session``, ``http_session`` or
# ``redis_db`` is another client's.
_STATE_SESSION = re.compile(
    r"(?:async_|sql_)?(?:db|database)(?:_?(?:session|sessions|maker|sessionmaker|factory))?"
    r"|(?:async_|db_)?session_?(?:local|maker|factory)|sessionlocal",
    re.IGNORECASE,
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


class Session:
    """Which expressions of a function hold a SQLAlchemy / SQLModel session.

    A session is a parameter typed ``Session`` / ``AsyncSession`` (directly, in
    ``Annotated[...]``, ``Optional[...]`` or through a type alias of any module), a
    parameter whose dependency (``Depends(get_db)``) returns one, a name bound by
    ``with Session(engine) as s`` / ``async with SessionLocal() as s`` / ``with
    SessionLocal.begin() as s``, ``s = SessionLocal()`` or ``s = next(get_db())``, or a
    module-level session (``db_session = scoped_session(...)``).
    """

    def __init__(self, scopes: Scopes, index: ProjectIndex) -> None:
        self.scopes = scopes
        self.index = index
        self._kept: dict[tuple[ast.ClassDef, str], bool] = {}
        # The calls ``_kept_by_object`` and the entered names ``holds`` are judging: a name
        # that leads back to itself is no session.
        self._asking: set[int] = set()

    def holds(self, expr: ast.expr) -> bool:
        scopes = self.scopes
        if isinstance(expr, (ast.Call, ast.Await)):
            return self._gives_session(expr)
        if isinstance(expr, ast.Attribute):
            return self._holds_as_attribute(expr) or self._kept_by_object(expr)
        if not isinstance(expr, ast.Name):
            return False
        binding = scopes.lookup(expr.id)
        if binding is None:
            name = scopes.qualify(expr)
            callee = self.index.call_of(name) if name else None
            if callee is None:
                return False
            return callee in _SESSIONS or self._is_factory(callee)
        if binding.kind == PARAMETER:
            return self._typed_session(binding.annotation, binding.value)
        if binding.kind == ASSIGNED:
            if binding.annotation is not None and self._typed_session(binding.annotation, None):
                return True
            if isinstance(binding.value, ast.Attribute):  # ``session = db.session``
                return self.holds(binding.value)
            return binding.value is not None and self._gives_session(binding.value)
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
                return self._gives_session(value) or self._opens_untyped(func, expr)
            # (``async with session as session``: the name leads back to itself.)
            return isinstance(value, ast.Name) and self._once(binding, lambda: self.holds(value))
        return False

    def _once(self, asked: object, judge: Callable[[], bool]) -> bool:
        """``judge()``, unless ``asked`` (a binding, a call) is being judged already, on
        the way to this question: then no session."""
        if id(asked) in self._asking:
            return False
        self._asking.add(id(asked))
        try:
            return judge()
        finally:
            self._asking.discard(id(asked))

    def _holds_as_attribute(self, expr: ast.Attribute) -> bool:
        """``request.state.db``, FastAPI-SQLAlchemy's ``db.session``, ``self.db_session`` of
        a class that keeps one: an attribute that holds a session by itself."""
        return (
            _on_app_state(expr)
            or self._resolves_to(expr, _LIBRARY_SESSIONS)
            or self._kept_on_self(expr)
        )

    def _opens_untyped(self, func: ast.expr, target: ast.expr | None) -> bool:
        """``async with ctx.session() as db``: a context a ``session()`` method of an object
        typed nowhere opens (a catalog context taken from the app's state by a helper that
        says nothing of its return), entered under a database's name: the database's
        session (``as http`` is an HTTP client's)."""
        return (
            isinstance(func, ast.Attribute)
            and func.attr in _OPENS_SESSION
            and isinstance(func.value, ast.Name)
            and func.value.id not in ("self", "cls")
            and isinstance(target, ast.Name)
            and bool(_DB_NAME.fullmatch(target.id))
            and self._untyped(func.value)
        )

    def _untyped(self, name: ast.Name) -> bool:
        """Whether ``name`` is typed nowhere: an unannotated parameter, or a variable made
        by a project function that declares no return type."""
        if self._unknown(name):
            return True
        binding = self.scopes.lookup(name.id)
        if binding is None or binding.kind != ASSIGNED or binding.annotation is not None:
            return False
        value = binding.value
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return False
        written = self.scopes.qualify(value.func)
        function = None if written is None else self.index.function(self.index.resolve(written))
        return function is not None and function[1].returns is None

    def only_kept_by_object(self, expr: ast.expr) -> bool:
        """Whether ``expr`` holds a session only as the one an object built from a session
        keeps (``_kept_by_object``): what it is asked by an HTTP verb (``get``, ``delete``)
        may be an HTTP client's that object made itself."""
        return (
            isinstance(expr, ast.Attribute)
            and self._kept_by_object(expr)
            and not self._holds_as_attribute(expr)
        )

    def _kept_by_object(self, expr: ast.Attribute) -> bool:
        """``uow.session`` of an object built here from a session (``async with
        UnitOfWork(db) as uow``, ``repo = Repo(session=db)``): the session it was given,
        under a session's name."""
        holder = expr.value
        if not (isinstance(holder, ast.Name) and _KEPT_SESSION.fullmatch(expr.attr)):
            return False
        binding = self.scopes.lookup(holder.id)
        if binding is None or binding.kind not in (ASSIGNED, ENTERED):
            return False
        value = binding.value
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return False
        given = [*value.args, *(k.value for k in value.keywords)]
        # (``s = w.session; w = Wrap(s)``: the call is asked again on the way.)
        return self._once(
            value,
            lambda: any(
                isinstance(arg, (ast.Name, ast.Attribute)) and self.holds(arg) for arg in given
            ),
        )

    def _kept_on_self(self, expr: ast.Attribute) -> bool:
        """``self.db_session`` where a method of the enclosing class assigns it a session
        made of module-level names (``self.db_session = AsyncSession(engine)``), annotates
        it as one, or assigns it a parameter typed as one (``self.session = session``)."""
        if not (isinstance(expr.value, ast.Name) and expr.value.id == "self"):
            return False
        owner = next((n for n in self.scopes.enclosing() if isinstance(n, ast.ClassDef)), None)
        if owner is None:
            return False
        key = (owner, expr.attr)
        if key not in self._kept:
            self._kept[key] = False  # an assignment of itself (``self.s = self.s``)
            self._kept[key] = any(
                self._makes_kept(method, annotation, value)
                for method, annotation, value in _assigned_on_self(owner, expr.attr)
            )
        return self._kept[key]

    def _makes_kept(
        self,
        method: ast.FunctionDef | ast.AsyncFunctionDef,
        annotation: ast.expr | None,
        value: ast.expr | None,
    ) -> bool:
        """Whether an assignment to ``self.<x>`` in ``method`` keeps a session, judged
        without the method's own names, which count by their annotations only: the answer
        must not depend on which method asks."""
        if annotation is not None:
            return self._typed_session(annotation, None)
        local = _local_names(method)
        if isinstance(value, ast.Name):
            typed = local.get(value.id)
            return typed is not None and self._typed_session(typed, None)
        func = self._maker(value) if value is not None else None
        if func is None or (head := dotted(func)) is None or head.split(".")[0] in local:
            return False  # a parameter's or a local's call: the method's own name
        return self._makes_session(func)

    def _gives_session(self, value: ast.expr) -> bool:
        """Whether ``value`` is a session made by a call: ``SessionLocal()``, or the next
        value of a provider called by hand, outside FastAPI's dependencies (``next(get_db())``,
        ``await anext(get_session())``)."""
        func = self._maker(value)
        return func is not None and self._makes_session(func)

    def _maker(self, value: ast.expr) -> ast.expr | None:
        """What ``value`` calls to make its result: ``SessionLocal`` of ``SessionLocal()``,
        the provider of ``next(get_db())`` or ``await anext(get_session())``; None where
        ``value`` is no call (or awaits anything but ``anext``)."""
        if isinstance(value, ast.Await):
            value = value.value
            if not (isinstance(value, ast.Call) and self._is_builtin(value.func, "anext")):
                return None
        if not isinstance(value, ast.Call):
            return None
        if (
            self._is_builtin(value.func, "next", "anext")
            and len(value.args) == 1
            and isinstance(value.args[0], ast.Call)
        ):
            return value.args[0].func
        return value.func

    def _is_builtin(self, func: ast.expr, *names: str) -> bool:
        return (
            isinstance(func, ast.Name)
            and func.id in names
            and self.scopes.lookup(func.id) is None
            and func.id not in self.scopes.symbols.imports
        )

    def _unknown(self, name: ast.Name) -> bool:
        """Whether ``name`` is a parameter that nothing types: an unannotated dependency's
        value (``conda_store=Depends(get_conda_store)``), not a variable made of a known
        call."""
        binding = self.scopes.lookup(name.id)
        return binding is not None and binding.kind == PARAMETER and binding.annotation is None

    # -- parameters ----------------------------------------------------------------------
    def _typed_session(self, annotation: ast.expr | None, default: ast.expr | None) -> bool:
        """A parameter's session-ness. FastAPI passes what the dependency gives, so a
        dependency annotated to give a session decides; a dependency merely *named* like
        one (``get_db``) counts only when the annotation says nothing else."""
        typed_as_other = guessed = False
        for name, extra, qualify in type_walk(annotation, self.scopes.qualify, self.index):
            if extra is not None:
                gives = self._dependency_gives_session(extra, qualify)
                if gives is _SURE:
                    return True
                guessed = guessed or gives is _GUESS
            elif self._is_session_class(name):
                return True
            elif last_name(name) not in ("Optional", "Union", "None"):
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
        return _GUESS if _session_named(last_name(name)) else None

    # -- what gives a session ------------------------------------------------------------
    def _is_session_class(self, name: str) -> bool:
        return name in _SESSIONS or self.index.inherits(name, _SESSIONS)

    def _is_factory(self, resolved: str) -> bool:
        """``SessionLocal`` of a module-level ``SessionLocal = sessionmaker(...)``."""
        return self.index.call_of(resolved) in _FACTORIES

    def _is_factory_expr(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name):
            binding = self.scopes.lookup(expr.id)
            if binding is not None:
                return (
                    binding.kind == ASSIGNED
                    and isinstance(binding.value, ast.Call)
                    and self._resolves_to(binding.value.func, _FACTORIES)
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
            for found, extra, _ in type_walk(annotation, qualify, self.index)
            if extra is None
        )

    def _typed_factory(self, func: ast.Name) -> bool:
        binding = self.scopes.lookup(func.id)
        if binding is None or binding.kind not in (PARAMETER, ASSIGNED):
            return False
        annotation = binding.annotation
        if (
            isinstance(annotation, ast.Subscript)
            and last_name(dotted(annotation.value) or "") == "Callable"
            and isinstance(annotation.slice, ast.Tuple)
            and len(annotation.slice.elts) == 2
        ):
            annotation = annotation.slice.elts[1]  # what a call returns, not what it takes
            return self._names_session(annotation, self.scopes.qualify)
        owner = class_of(func, self.scopes, self.index)
        method = None if owner is None else self.index.method(owner, "__call__")
        if method is None or method[1].returns is None:
            return False
        return self._names_session(method[1].returns, method[0].qualify_node)

    def _makes_session(self, func: ast.expr) -> bool:
        """Whether calling ``func`` gives a session: a session class, a session factory, or
        a function annotated (or, when unannotated, named) to give one; or a parameter or
        variable typed as one (``db: Callable[[], AbstractAsyncContextManager[AsyncSession]]``,
        an instance of a class whose ``__call__`` is annotated to give one)."""
        if isinstance(func, ast.Name) and self._typed_factory(func):
            return True
        if isinstance(func, ast.Attribute) and _on_app_state(func):
            return True  # ``async with request.app.state.db() as session``
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
            owner = class_of(func.value, self.scopes, self.index)
            if owner is not None and self.index.method(owner, func.attr) is not None:
                # A method of ours without a return annotation, named for what only a
                # database session is (a session store's ``get_session`` gives a dict).
                return bool(_SESSION_METHOD_NAME.fullmatch(func.attr))
            if owner is None and isinstance(func.value, ast.Name) and self._unknown(func.value):
                # ``with conda_store.get_db() as db``, of a dependency typed nowhere.
                return bool(_SESSION_METHOD_NAME.fullmatch(func.attr))
        if written is None or name is None:
            return False
        if self.index.function(resolved) is None:
            if self.index.is_project_name(resolved):
                return False  # a class or variable of ours that is not a session factory
            head = written.split(".")[0]
            if head in self.scopes.symbols.imports or self.scopes.lookup(head) is not None:
                return False  # another package's: ``requests.Session()`` is no database session
        return _session_named(last_name(resolved))


def _assigned_on_self(
    owner: ast.ClassDef, attribute: str
) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.expr | None, ast.expr | None]]:
    """(method, annotation, value) of each ``self.<attribute> = ...`` in the class's own
    methods (and the functions nested in them), not in a nested class's."""
    found = []
    for method in owner.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        stack: list[ast.AST] = [method]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.ClassDef):
                continue
            stack.extend(ast.iter_child_nodes(node))
            if isinstance(node, ast.Assign):
                targets, annotation = node.targets, None
            elif isinstance(node, ast.AnnAssign):
                targets, annotation = [node.target], node.annotation
            else:
                continue
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == attribute
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    found.append((method, annotation, node.value))
    return found


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr | None]:
    """The parameters (with their annotations) and the plain names assigned in ``function``."""
    arguments = function.args
    found: dict[str, ast.expr | None] = {
        arg.arg: arg.annotation
        for arg in (
            *arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
            *(a for a in (arguments.vararg, arguments.kwarg) if a),
        )
    }  # fmt: skip
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.setdefault(node.id, None)
    return found


def _session_named(name: str) -> bool:
    """Whether ``name`` is a session provider's (``get_db``, ``get_read_only_db``), not a
    reader's that names where it reads from (``load_user_from_db``)."""
    return bool(_SESSION_NAME.fullmatch(name)) and not _READS_FROM.search(name)


# ``load_user_from_db``, ``get_user_by_email_in_db``: what a function reads, and where.
_READS_FROM = re.compile(r"_(?:from|in|by|of|for|to)_", re.IGNORECASE)


def _on_app_state(expr: ast.Attribute) -> bool:
    """Whether ``expr`` is a session (or its factory) kept on Starlette's state object,
    named for one: ``request.state.db``, ``request.app.state.db``, ``app.state.db_session``
    (``_STATE_SESSION``)."""
    written = dotted(expr)
    if written is None:
        return False
    parts = written.split(".")
    return len(parts) >= 3 and parts[-2] == "state" and bool(_STATE_SESSION.fullmatch(parts[-1]))
