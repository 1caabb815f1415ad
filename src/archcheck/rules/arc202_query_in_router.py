from __future__ import annotations

import ast

from archcheck.index import ACTIVE_RECORD_BASES, ORM
from archcheck.layers import ROUTERS
from archcheck.names import dotted, last_name
from archcheck.rules.base import Example, SyntaxRule
from archcheck.rules.routes import route_of, routes_added
from archcheck.rules.sessions import SESSION_METHODS, STATEMENTS, Session

_Function = ast.FunctionDef | ast.AsyncFunctionDef
# Where compound statements keep the statements they hold.
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_TRANSACTION = {"commit": "commits", "rollback": "rolls back"}
# Prisma Client Python's queries, on a model's client (``prisma.user``) or the client.
_PRISMA_QUERIES = frozenset(
    {
        "find_many", "find_unique", "find_unique_or_raise", "find_first",
        "find_first_or_raise", "create", "create_many", "update", "update_many", "delete",
        "delete_many", "upsert", "group_by", "count", "query_raw", "query_first",
        "execute_raw",
    }
)  # fmt: skip
_PRISMA_CLIENTS = frozenset({"prisma.Prisma", "prisma.client.Prisma"})
_PRISMA_TYPES = frozenset({"Prisma", "PrismaClient"})
# A session's methods that an HTTP client's session has too.
_HTTP_VERBS = frozenset({"get", "delete"})
_GENERIC_VERBS = frozenset({"create", "update", "delete", "count"})
# Models whose ``objects`` manager runs whatever it is asked (a peewee model's ``objects``
# is a column of that name).
_MANAGED = frozenset({"ormar.Model", "django.db.models.Model", "django.db.models.base.Model"})
# What an active-record ORM's model class runs against the database by itself.
_ACTIVE_RECORD_QUERIES = frozenset(
    {
        "select", "get", "get_or_none", "get_by_id", "get_or_create", "create", "insert",
        "insert_many", "insert_from", "update", "delete", "delete_by_id", "replace",
        "replace_many", "raw", "filter", "all", "exclude", "exists", "count", "first", "objects",
        "bulk_create", "bulk_update", "update_or_create", "annotate", "in_bulk",
        "set_by_id", "values", "values_list",
    }
)  # fmt: skip


class QueryInRouter(SyntaxRule):
    """Router code runs database work itself

    ## What it does
    Flags, in every function of a router module (route handlers, the helpers beside them,
    methods, nested functions), each statement that does database work: a session's
    ``execute``, ``exec``, ``scalars``, ``scalar``, ``query``, ``get``, ``add``,
    ``add_all``, ``delete``, ``merge``, ``commit``, ``flush``, ``refresh``, ``rollback``
    (and the streaming and bulk methods), or SQLAlchemy's or SQLModel's ``select`` /
    ``insert`` / ``update`` / ``delete`` / ``text``. One finding per statement, however it
    is wrapped over lines, at its first database call; the message says whether the
    statement queries or commits.

    A session is what a function gets as a parameter typed ``Session`` / ``AsyncSession``
    (also in ``Annotated[...]``, through a type alias such as ``SessionDep`` or a
    ``NewType`` of any module), a parameter whose dependency is annotated to return one
    (``db = Depends(get_db)``), or what it opens itself (``with Session(engine) as s``,
    ``async with SessionLocal() as s``, ``async with db.session_context() as s`` where
    the method is annotated ``-> AsyncIterator[AsyncSession]``, or, unannotated, named
    for sessions: ``session_context``, ``get_db``, also on an object nothing types, such as
    an unannotated dependency's value; or takes the next value of such a provider called
    by hand: ``db = next(get_db())``, ``await anext(get_session())``; or keeps one on
    ``self``: ``self.db_session = AsyncSession(engine)`` in a method of its class), or
    calls a factory
    typed to give one
    (``sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]]``, an object whose
    ``__call__`` is annotated so), one kept on Starlette's state object under a database
    session's name (``request.state.db``, ``async with request.app.state.db() as session``;
    a bare ``state.session`` is as often an HTTP client's), or FastAPI-SQLAlchemy's
    request session (``from fastapi_sqlalchemy import db``, ``db.session``), or the session
    an object built from one keeps under a session's name (``async with UnitOfWork(db) as
    uow: uow.session.add(org)``), or the one a ``session()`` method of an object typed
    nowhere opens under a database's name (``async with ctx.session() as db``; ``as http``
    is an HTTP client's). A session
    handed to a method of an ORM model (an active record: ``Workspace.create(db,
    name=name)``) is database work too, and so is a query an active-record ORM's model
    class runs itself, with no session (peewee, Tortoise, ormar, Piccolo, Django's ORM:
    ``Event.select()``, ``User.get_by_id(1)``, ``Band.objects()``,
    ``Entry.objects.filter(...)``), and a
    Prisma Client Python query (``find_many``, ``upsert``, ``query_raw``... on a client
    named for Prisma or made by ``Prisma()``, or on what a call given one returns). Calls on other objects
    (``service.get(...)``, ``cache.delete(...)``, ``response.delete_cookie(...)``, a
    ``dict``'s ``get``) are not database work, and neither is opening or closing a
    session: a provider that only creates and closes one is clean.

    ## Why is this bad?
    A query in a router module is business logic and data access fused into the HTTP
    layer: it cannot be reused by another endpoint or a job, it cannot be tested without a
    database and a test client, and transaction boundaries end up scattered across
    endpoints. A helper beside the handlers is the same code one call away.

    ## Example
    ```python
    @router.get("/users", response_model=list[UserOut])
    def list_users(db: Session = Depends(get_db)):
        return db.scalars(select(User).where(User.active)).all()
    ```

    ## Use instead
    ```python
    @router.get("/users", response_model=list[UserOut])
    def list_users(service: Annotated[UserService, Depends(get_user_service)]):
        return service.list_active_users()
    ```
    """

    code = "ARC202"
    name = "query-in-router"
    layers = (ROUTERS,)

    def visit_Module(self, node: ast.Module) -> None:
        self.added = routes_added(node, self.scopes, self.index)
        self.handlers: set[ast.FunctionDef | ast.AsyncFunctionDef] = set()
        self.session = Session(self.scopes, self.index)
        self.statements: set[ast.AST] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check_function(node)

    def _check_function(self, node: _Function) -> None:
        at_module_level = self.scopes.qualname is None
        if route_of(node, self.scopes, self.index) or (at_module_level and node.name in self.added):
            self.handlers.add(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = self.scopes.function
        if function is None:
            return  # module level builds statements; it runs none
        func = node.func
        what = None
        if (
            isinstance(func, ast.Attribute)
            and func.attr in SESSION_METHODS
            and self.session.holds(func.value)
            and not (func.attr in _HTTP_VERBS and self.session.only_kept_by_object(func.value))
        ):
            what = f"{dotted(func.value) or 'session'}.{func.attr}()"
        elif not isinstance(func, ast.Attribute) or func.attr in (
            "select",
            "insert",
            "update",
            "delete",
            "text",
        ):
            name = self.scopes.qualify(func)  # ``sa.delete(User)`` is no session's delete
            if name is not None:
                resolved = self.index.resolve(name)
                if resolved in STATEMENTS:
                    what = f"{resolved.rpartition('.')[2]}()"
        if what is None and isinstance(func, ast.Attribute):
            what = (
                self._through_model(func, node) or self._active_record(func) or self._prisma(func)
            )
        if what is None:
            return
        statement = _statement_of(function, node) or node
        if statement in self.statements:
            return  # one finding per statement, at its first database call
        self.statements.add(statement)
        handler = next((n for n in self.scopes.enclosing() if n in self.handlers), None)
        who = (
            f"Route handler {handler.name}"
            if handler is not None
            else f"Function {function.name} of a router module"
        )
        if isinstance(func, ast.Attribute) and func.attr in _TRANSACTION:
            message = (
                f"{who} {_TRANSACTION[func.attr]} the session itself ({what}); let a service "
                f"own the transaction"
            )
        else:
            message = (
                f"{who} runs {what} itself; move the query into a repository and call it "
                f"through a service"
            )
        self.report(node, message)

    def _prisma(self, func: ast.Attribute) -> str | None:
        """``prisma.user.find_many(...)``, ``prisma_client.db.team.update(...)``,
        ``User.prisma().find_unique(...)``, ``await db.query_raw(...)`` with ``db`` a
        ``Prisma()`` client: Prisma Client Python's queries, as the call's text; else None.
        A generic verb (``create``, ``update``, ``delete``, ``count``) counts only on a
        model's client (``prisma.user.create``), not on the client or a helper itself."""
        if func.attr not in _PRISMA_QUERIES:
            return None
        text = f"{dotted(func) or func.attr}()"
        specific = func.attr not in _GENERIC_VERBS
        if not specific and not isinstance(func.value, (ast.Attribute, ast.Call)):
            return None
        root: ast.expr = func.value
        while isinstance(root, (ast.Attribute, ast.Call)):
            if isinstance(root, ast.Attribute) and _names_prisma(root.attr):
                return text if specific or root is not func.value else None
            if (
                specific
                and isinstance(root, ast.Call)
                and any(
                    isinstance(a, ast.Name) and _names_prisma(a.id) and self._may_be_prisma(a)
                    for a in root.args
                )
            ):
                return text  # ``_table(prisma_client).find_many``
            root = root.func if isinstance(root, ast.Call) else root.value
        if not isinstance(root, ast.Name) or not self._may_be_prisma(root):
            return None
        binding = self.scopes.lookup(root.id)
        if binding is not None and binding.annotation is not None:
            return text  # typed a Prisma client (``_may_be_prisma``)
        if binding is not None and isinstance(binding.value, ast.Call):
            made = self.scopes.qualify(binding.value.func)
            return text if made and self.index.resolve(made) in _PRISMA_CLIENTS else None
        if _names_prisma(root.id):
            return text
        name = self.scopes.qualify(root)
        if name is not None and self.index.call_of(name) in _PRISMA_CLIENTS:
            return text
        return None

    def _may_be_prisma(self, name: ast.Name) -> bool:
        """Whether ``name`` may hold a Prisma client: not a class's name, nor a module,
        class or function of the project, nor a local annotated as something else."""
        if name.id[:1].isupper():
            return False
        binding = self.scopes.lookup(name.id)
        if binding is not None:
            typed = None if binding.annotation is None else dotted(binding.annotation)
            return binding.annotation is None or (
                typed is not None and last_name(typed) in _PRISMA_TYPES
            )
        qualified = self.scopes.qualify(name)
        if qualified is None:
            return True
        resolved = self.index.resolve(qualified)
        found = self.index.module(resolved) is not None or self.index.function(resolved) is not None
        return not found and self.index.class_info(resolved) is None

    def _active_record(self, func: ast.Attribute) -> str | None:
        """``Event.select()``, ``User.get_by_id(1)``, ``Band.objects.filter(...)``: a query
        of an active-record ORM's model (peewee, Tortoise, ormar, Piccolo, Django), which
        runs without a session; as the call's text, else None."""
        model = func.value
        bases = ACTIVE_RECORD_BASES
        if isinstance(model, ast.Attribute) and model.attr == "objects":
            # ormar's and Django's ``Model.objects``: whatever it is asked runs a query.
            model, bases = model.value, _MANAGED
        elif func.attr not in _ACTIVE_RECORD_QUERIES:
            return None
        written = dotted(model)
        if written is None or not last_name(written)[:1].isupper():
            return None  # a class's name (see ``_through_model``)
        owner = self.scopes.qualify(model)
        if owner is None or not self.index.inherits(owner, bases):
            return None
        return f"{dotted(func) or func.attr}()"

    def _through_model(self, func: ast.Attribute, call: ast.Call) -> str | None:
        """``Workspace.create(db, ...)``: a session handed to a method of an ORM model (an
        active record's queries), as the call's text; else None."""
        arguments = [*call.args, *(k.value for k in call.keywords)]
        written = dotted(func.value)
        # A class's name, as models are named (``Workspace``, ``models.Workspace``), before
        # any question to the index: every question a handler asks ties its cached result to
        # the module asked about, and ``quote_service.get(...)`` is asked of in every router.
        if not arguments or written is None or not last_name(written)[:1].isupper():
            return None
        owner = self.scopes.qualify(func.value)
        if owner is None or self.index.kind(self.index.resolve(owner)) != ORM:
            return None
        session = next((a for a in arguments if self.session.holds(a)), None)
        if session is None:
            return None
        return f"{dotted(func) or func.attr}({dotted(session) or 'session'}, ...)"

    valid = (
        # An importer built with the database's session keeps an HTTP session of its own:
        # what it is asked by an HTTP verb is no query.
        Example(
            {
                "app/api/routers/imports.py": """
                    import aiohttp
                    from fastapi import APIRouter, Depends
                    from sqlalchemy.ext.asyncio import AsyncSession

                    from app.db import get_session

                    router = APIRouter()


                    class Importer:
                        def __init__(self, db: AsyncSession):
                            self.db = db
                            self.session = aiohttp.ClientSession()


                    @router.post("/imports")
                    async def start(url: str, db: AsyncSession = Depends(get_session)):
                        importer = Importer(db)
                        return await importer.session.get(url)
                """,
                "app/db.py": """
                    from sqlalchemy.ext.asyncio import AsyncSession


                    async def get_session() -> AsyncSession: ...
                """,
                "app/services/import_service.py": "",
            }
        ),
        # An HTTP client's session a helper opens, under an HTTP name: no database's.
        Example(
            {
                "app/api/routers/github.py": """
                    from fastapi import APIRouter, Request

                    router = APIRouter()


                    def _client(request):
                        return request.app.state.github


                    @router.get("/repos")
                    async def repos(request: Request):
                        gh = _client(request)
                        async with gh.session() as http:
                            return await http.get("https://api.github.com/repos")
                """,
                "app/services/repo_service.py": "",
            }
        ),
        Example(
            {
                "app/api/routers/users.py": """
                    from typing import Annotated

                    from fastapi import APIRouter, Depends, Response
                    from sqlalchemy import select
                    from sqlalchemy.orm import Session

                    from app.db import SessionLocal, get_cache, get_session
                    from app.models import User
                    from app.services.user_service import UserService

                    router = APIRouter()
                    ACTIVE = select(object)  # module level: builds a statement, runs none


                    def get_db():
                        db = SessionLocal()
                        try:
                            yield db
                        finally:
                            db.close()  # a provider that only opens and closes


                    def get_service(db: Session = Depends(get_session)) -> UserService:
                        return UserService(db)


                    @router.delete("/users/{user_id}", status_code=204)
                    def delete_user(
                        user_id: int,
                        response: Response,
                        service: Annotated[UserService, Depends(get_service)],
                        cache=Depends(get_cache),
                    ):
                        options = {"hard": False}
                        service.get(user_id)
                        User.from_row({"id": user_id})  # a model's method, given no session
                        service.delete(user_id, hard=options.get("hard"))
                        cache.delete(f"user:{user_id}")
                        response.delete_cookie("last_user")
                """,
                "app/db.py": """
                    from sqlalchemy.orm import sessionmaker

                    SessionLocal = sessionmaker()


                    def get_session():
                        yield None


                    def get_cache():
                        return {}
                """,
                "app/services/user_service.py": """
                    class UserService:
                        pass
                """,
                "app/models.py": """
                    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


                    class Base(DeclarativeBase):
                        pass


                    class User(Base):
                        __tablename__ = "users"

                        id: Mapped[int] = mapped_column(primary_key=True)

                        @classmethod
                        def from_row(cls, row: dict) -> "User":
                            return cls(**row)
                """,
            }
        ),
        Example(
            {
                "app/sessions.py": """
                    import json


                    class SessionStore:
                        \"\"\"Browser sessions kept in Redis: no database session.\"\"\"

                        def __init__(self, redis):
                            self.redis = redis

                        def get_session(self, session_id):
                            return json.loads(self.redis.get(session_id) or "{}")


                    store = SessionStore(None)
                """,
                "app/api/routers/me.py": """
                    from fastapi import APIRouter, Cookie

                    from app.sessions import store

                    router = APIRouter()


                    @router.get("/me")
                    def me(sid: str = Cookie()):
                        session = store.get_session(sid)
                        return {"user": session.get("user")}
                """,
                "app/services/user_service.py": "",
            }
        ),
        Example(
            {
                # Named for where it reads the user from, not for a session it gives.
                "app/core/users.py": """
                    def load_user_from_db(user_id):
                        return {"name": "ada"}
                """,
                "app/api/routers/me.py": """
                    from fastapi import APIRouter

                    from app.core.users import load_user_from_db

                    router = APIRouter()


                    @router.get("/me")
                    def me(user_id: int):
                        user = load_user_from_db(user_id)
                        return {"name": user.get("name")}
                """,
                "app/services/user_service.py": "",
            }
        ),
        Example(
            {
                # Named for Prisma, but no client's model query: a schema generator, a
                # service, a dict; and an HTTP client kept on self, made by a factory the
                # constructor is handed.
                "app/services/prisma.py": """
                    def create(name):
                        return name
                """,
                "app/api/routers/tools.py": """
                    from collections.abc import Callable

                    import aiohttp
                    from fastapi import APIRouter

                    from app.services import prisma

                    router = APIRouter()


                    class PrismaService:
                        def create(self, data):
                            return data


                    @router.post("/generate")
                    def generate(name: str, prisma_generator=None):
                        prisma_fields: dict = {}
                        prisma_fields.update({"name": name})
                        PrismaService().create(prisma_fields)
                        prisma.create(name)
                        return prisma_generator.create(name) if prisma_generator else None


                    class Fetcher:
                        def __init__(self, session_maker: Callable[[], aiohttp.ClientSession]):
                            self.session = session_maker()

                        async def fetch(self, url: str):
                            return await self.session.get(url)
                """,
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/db.py": """
                    from contextlib import asynccontextmanager
                    from typing import Annotated, AsyncIterator, NewType

                    from fastapi import Depends
                    from sqlalchemy import create_engine
                    from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession
                    from sqlalchemy.ext.asyncio import async_sessionmaker
                    from sqlmodel import Session

                    engine = create_engine("sqlite://")
                    AsyncSessionLocal = async_sessionmaker()
                    AsyncSession = NewType("AsyncSession", _AsyncSession)


                    def get_session():
                        with Session(engine) as session:
                            yield session


                    async def get_async_session() -> AsyncIterator[AsyncSession]:
                        async with AsyncSessionLocal() as session:
                            yield session


                    class Database:
                        @asynccontextmanager
                        async def session_context(self) -> AsyncIterator[_AsyncSession]:
                            async with AsyncSessionLocal() as session:
                                yield session


                    db = Database()
                    SessionDep = Annotated[Session, Depends(get_session)]
                """,
                "app/api/routers/users.py": """
                    import sqlalchemy as sa
                    from fastapi import APIRouter, Depends
                    from sqlalchemy.ext.asyncio import AsyncSession
                    from sqlmodel import Session, select

                    from app import db as database
                    from app.db import AsyncSessionLocal, SessionDep, engine, get_async_session, get_session

                    router = APIRouter()


                    @router.get("/users")
                    def list_users(session: SessionDep):
                        statement = select(object)  # ARC202
                        return session.exec(statement).all()  # ARC202


                    @router.post("/users")
                    def create_user(data: dict, db=Depends(get_session)):
                        db.add(data)  # ARC202
                        db.commit()  # ARC202
                        return data


                    @router.get("/users/{user_id}")
                    async def read_user(user_id: int, db: AsyncSession = Depends(get_session)):
                        return await db.get(object, user_id)  # ARC202


                    @router.get("/count")
                    def count():
                        with Session(engine) as s:
                            return s.scalar(  # ARC202
                                sa.select(sa.func.count())
                            )


                    @router.delete("/users")
                    async def purge():
                        statement = sa.delete(object)  # ARC202
                        async with AsyncSessionLocal() as s:
                            await s.execute(statement)  # ARC202
                            await s.commit()  # ARC202


                    @router.delete("/items")
                    async def purge_items(session=Depends(get_async_session)):
                        await session.execute(  # ARC202
                            sa.delete(object)
                        )
                        await session.commit()  # ARC202


                    async def archive_users():
                        async with database.db.session_context() as session:
                            await session.execute(sa.update(object))  # ARC202


                    class Callbacks:
                        def __init__(self):
                            self.db: AsyncSession = AsyncSessionLocal()
                            self.maker_session = AsyncSession(engine)

                        async def store(self, token: str):
                            self.db.add(token)  # ARC202
                            await self.maker_session.commit()  # ARC202


                    def nightly_cleanup():
                        # The provider called by hand, outside FastAPI's dependencies.
                        with next(get_session()) as s:
                            s.execute(sa.delete(object))  # ARC202
                        db = next(get_session())
                        db.commit()  # ARC202


                    async def nightly_archive():
                        session = await anext(get_async_session())
                        await session.execute(sa.update(object))  # ARC202
                """,
                # A unit of work built from the request's session keeps it as ``session``.
                "app/api/routers/orgs.py": """
                    from fastapi import APIRouter, Depends
                    from sqlalchemy.ext.asyncio import AsyncSession

                    from app.db import get_session
                    from app.unit_of_work import UnitOfWork

                    router = APIRouter()


                    @router.post("/orgs")
                    async def create_org(name: str, db: AsyncSession = Depends(get_session)):
                        async with UnitOfWork(db) as uow:
                            uow.session.add(name)  # ARC202
                            await uow.commit()
                """,
                # The session a context typed nowhere opens.
                "app/api/routers/webhooks.py": """
                    from fastapi import APIRouter, Request

                    router = APIRouter()


                    def _context(request):
                        return request.app.state.catalog


                    @router.delete("/webhooks/{webhook_id}")
                    async def delete_webhook(request: Request, webhook_id: int):
                        ctx = _context(request)
                        async with ctx.session() as db:
                            await db.execute(f"delete from webhooks where id = {webhook_id}")  # ARC202
                """,
                "app/unit_of_work.py": """
                    class UnitOfWork:
                        def __init__(self, session):
                            self.session = session

                        async def __aenter__(self):
                            return self

                        async def __aexit__(self, *exc):
                            return None

                        async def commit(self):
                            await self.session.commit()
                """,
                "app/services/user_service.py": "",
            }
        ),
        Example(
            {
                "app/models.py": """
                    from sqlalchemy import select
                    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


                    class Base(DeclarativeBase):
                        @classmethod
                        async def create(cls, db, **fields):
                            row = cls(**fields)
                            db.add(row)
                            return row


                    class Workspace(Base):
                        __tablename__ = "workspaces"

                        id: Mapped[int] = mapped_column(primary_key=True)
                        name: Mapped[str]
                """,
                "app/db.py": """
                    from contextlib import asynccontextmanager

                    from sqlalchemy.ext.asyncio import async_sessionmaker

                    maker = async_sessionmaker()


                    class Database:
                        @asynccontextmanager
                        async def session_context(self):
                            async with maker() as session:
                                yield session


                    def get_database() -> Database:
                        return Database()
                """,
                "app/api/routers/workspaces.py": """
                    from collections.abc import Callable
                    from contextlib import AbstractAsyncContextManager

                    from fastapi import APIRouter, Depends, Request
                    from sqlalchemy import update
                    from sqlalchemy.ext.asyncio import AsyncSession

                    from app.db import Database, get_database
                    from app.models import Workspace

                    router = APIRouter()


                    @router.post("/workspaces")
                    async def create(name: str, database: Database = Depends(get_database)):
                        async with database.session_context() as db:
                            workspace = await Workspace.create(db, name=name)  # ARC202
                            await db.commit()  # ARC202
                        return {"id": workspace.id}


                    async def rename(
                        sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
                        name: str,
                    ) -> None:
                        async with sessions() as db:
                            await db.execute(update(Workspace).values(name=name))  # ARC202


                    @router.delete("/workspaces/{workspace_id}")
                    async def delete(workspace_id: int, request: Request) -> None:
                        async with request.app.state.db() as session:
                            await session.delete(await session.get(Workspace, workspace_id))  # ARC202
                        request.state.cache.delete(workspace_id)  # the app's cache, no session
                        await request.app.state.session.get("https://audit.example.com")  # HTTP
                        await request.app.state.redis_db.delete(workspace_id)  # Redis, no session
                """,
                "app/services/workspace_service.py": "",
            }
        ),
        Example(
            {
                # An active-record ORM (peewee): the model's class runs the queries.
                "app/models.py": """
                    from peewee import CharField, Model


                    class BaseModel(Model):
                        pass


                    class Event(BaseModel):
                        label = CharField()
                """,
                "app/api/routers/events.py": """
                    from fastapi import APIRouter

                    from app import models
                    from app.models import Event

                    router = APIRouter()


                    @router.get("/events")
                    def list_events(label: str):
                        events = (
                            Event.select()  # ARC202
                            .where(Event.label == label)
                            .order_by(Event.id)
                        )
                        return [e.label for e in events]


                    @router.delete("/events/{event_id}")
                    def delete_event(event_id: int):
                        models.Event.delete_by_id(event_id)  # ARC202
                        return {"deleted": event_id}
                """,
                # ormar: whatever ``Model.objects`` is asked runs a query.
                "app/catalog.py": """
                    import ormar


                    class Category(ormar.Model):
                        name: str = ormar.String(max_length=40)
                """,
                "app/api/routers/categories.py": """
                    from fastapi import APIRouter

                    from app.catalog import Category

                    router = APIRouter()


                    @router.get("/categories")
                    async def list_categories():
                        found = await Category.objects.order_by("name").all()  # ARC202
                        return [c.name for c in found]
                """,
                # Piccolo: a table's ``objects()`` query.
                "app/bands/tables.py": """
                    from piccolo.columns import Varchar
                    from piccolo.table import Table


                    class Band(Table):
                        name = Varchar()
                """,
                "app/bands/router.py": """
                    from fastapi import APIRouter

                    from app.bands.tables import Band

                    router = APIRouter()


                    @router.get("/bands")
                    async def list_bands():
                        return await Band.objects().order_by(Band.name)  # ARC202
                """,
                # Django's ORM behind FastAPI: the manager's queries, async ones too.
                "app/notes/models.py": """
                    from django.db import models


                    class Note(models.Model):
                        text = models.TextField()
                """,
                "app/notes/router.py": """
                    from fastapi import APIRouter

                    from app.notes.models import Note

                    router = APIRouter()


                    @router.get("/notes")
                    async def list_notes(user_id: int):
                        return [n.text async for n in Note.objects.filter(user=user_id)]  # ARC202


                    @router.delete("/notes/{note_id}")
                    async def delete_note(note_id: int):
                        await Note.objects.filter(id=note_id).adelete()  # ARC202
                """,
                "app/services/event_service.py": "",
            }
        ),
        Example(
            {
                # Prisma Client Python: the client's model queries and raw SQL.
                "app/db.py": """
                    from prisma import Prisma

                    db = Prisma()
                """,
                "app/api/routers/teams.py": """
                    from fastapi import APIRouter

                    from app.db import db

                    router = APIRouter()


                    def _teams(prisma_client):
                        return prisma_client.litellm_teamtable


                    @router.get("/teams")
                    async def list_teams(prisma_client=db):
                        blocked = await _teams(prisma_client).find_many(  # ARC202
                            where={"blocked": True}
                        )
                        total = await db.query_raw("SELECT count(*) FROM teams")  # ARC202
                        return {"blocked": len(blocked), "total": total}


                    @router.get("/cache")
                    def cache_stats(cache: dict):
                        return cache.get("teams"), cache.update({})  # a dict: no query
                """,
                "app/services/team_service.py": "",
            }
        ),
        Example(
            {
                # FastAPI-SQLAlchemy: its middleware opens a session per request.
                "app/api/routers/agents.py": """
                    from fastapi import APIRouter
                    from fastapi_sqlalchemy import db

                    router = APIRouter()


                    @router.post("/agents")
                    def create_agent(agent: dict):
                        db.session.add(agent)  # ARC202
                        db.session.commit()  # ARC202
                        return agent


                    @router.get("/agents")
                    def list_agents():
                        session = db.session
                        return session.execute("SELECT * FROM agents").all()  # ARC202
                """,
                "app/services/agent_service.py": "",
            }
        ),
        Example(
            {
                # A store a dependency hands out untyped, whose ``get_db()`` opens a session;
                # its ``get_session()`` may be an HTTP client's.
                "app/api/routers/namespaces.py": """
                    from fastapi import APIRouter, Depends, Request

                    router = APIRouter()


                    def get_store(request: Request):
                        return request.state.store


                    @router.post("/namespaces")
                    def create(name: str, store=Depends(get_store)):
                        with store.get_db() as db:
                            db.add(name)  # ARC202
                            db.commit()  # ARC202
                        with store.get_session() as http:
                            http.get("https://example.com/hooks")
                        return name
                """,
                "app/services/namespace_service.py": "",
            }
        ),
    )


def _names_prisma(name: str) -> bool:
    """``prisma``, ``prisma_client``, ``db_prisma``: a name one of whose words is prisma."""
    return "prisma" in name.lower().split("_")


def _statement_of(function: _Function, node: ast.expr) -> ast.stmt | None:
    """The innermost statement of ``function`` that holds ``node`` (a compound statement
    when ``node`` is in its header: ``for row in session.execute(...)``)."""
    position = (node.lineno, node.col_offset)
    found = None
    statements = list(function.body)
    while statements:
        for statement in statements:
            start = (statement.lineno, statement.col_offset)
            end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
            if start <= position < end:
                found = statement
                statements = [
                    inner
                    for block in _BLOCKS
                    for item in getattr(statement, block, ())
                    for inner in (
                        [item] if isinstance(item, ast.stmt) else getattr(item, "body", ())
                    )
                ]
                break
        else:
            break
    return found
