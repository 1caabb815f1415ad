from __future__ import annotations

import ast

from archcheck.layers import ROUTERS
from archcheck.names import dotted
from archcheck.rules.base import Example, SyntaxRule
from archcheck.rules.frameworks import Session, route_of, routes_added

_SESSION_METHODS = frozenset(
    {
        "execute", "exec", "scalars", "scalar", "query", "get", "get_one", "add", "add_all",
        "delete", "merge", "commit", "flush", "refresh", "rollback", "stream",
        "stream_scalars", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings",
    }
)
_STATEMENTS = frozenset(
    f"{module}.{function}"
    for module in (
        "sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlalchemy.future",
        "sqlmodel", "sqlmodel.sql.expression",
    )
    for function in ("select", "insert", "update", "delete", "text")
) | frozenset(
    f"sqlalchemy.dialects.{dialect}.insert" for dialect in ("postgresql", "sqlite", "mysql")
)


class QueryInRouter(SyntaxRule):
    """A route handler runs database queries itself

    ## What it does
    Flags, inside route handlers of the routers layer, each line with a call that does
    database work: a session's ``execute``, ``exec``, ``scalars``, ``scalar``, ``query``,
    ``get``, ``add``, ``add_all``, ``delete``, ``merge``, ``commit``, ``flush``,
    ``refresh``, ``rollback`` (and the streaming and bulk methods), and SQLAlchemy's or
    SQLModel's ``select`` / ``insert`` / ``update`` / ``delete`` / ``text``.

    A session is what the handler gets as a parameter typed ``Session`` / ``AsyncSession``
    (also in ``Annotated[...]`` or through a type alias such as ``SessionDep`` defined in
    any module), a parameter whose dependency returns one (``db = Depends(get_db)``), or
    what it opens itself (``with Session(engine) as s``, ``async with SessionLocal() as
    s``). Calls on other objects (``service.get(...)``, ``cache.delete(...)``,
    ``response.delete_cookie(...)``, a ``dict``'s ``get``) are not database work.

    Route handlers are the functions registered as routes (see ARC201), with the functions
    nested in them. Other functions of the routers layer are not checked: dependencies
    such as ``get_session`` or a unit-of-work dependency legitimately open, commit and
    close sessions, and ``get_current_user`` is better served by ARC001.

    ## Why is this bad?
    A query in a handler is business logic and data access fused into the HTTP layer: it
    cannot be reused by another endpoint or a job, it cannot be tested without a database
    and a test client, and transaction boundaries end up scattered across endpoints.

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
        self.handlers: set[ast.AST] = set()
        self.session = Session(self.scopes, self.index)
        self.lines: set[int] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check_function(node)

    def _check_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        at_module_level = self.scopes.qualname is None
        if route_of(node, self.scopes, self.index) or (at_module_level and node.name in self.added):
            self.handlers.add(node)

    def visit_Call(self, node: ast.Call) -> None:
        if not self.handlers or node.lineno in self.lines:
            return
        handler = next((n for n in self.scopes.enclosing() if n in self.handlers), None)
        if handler is None:
            return
        func = node.func
        what = None
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _SESSION_METHODS
            and self.session.holds(func.value)
        ):
            what = f"{dotted(func.value) or 'session'}.{func.attr}()"
        else:  # ``sa.delete(User)`` is no session's delete
            name = self.scopes.qualify(func)
            if name is not None:
                resolved = self.index.resolve(name)
                if resolved in _STATEMENTS:
                    what = f"{resolved.rpartition('.')[2]}()"
        if what is not None:
            self.lines.add(node.lineno)
            self.report(
                node,
                f"Route handler {handler.name} runs {what} itself; move the query into a "
                f"repository and call it through a service",
            )

    valid = (
        Example(
            {
                "app/api/routers/users.py": (
                    "from typing import Annotated\n"
                    "\n"
                    "from fastapi import APIRouter, Depends, Response\n"
                    "from sqlalchemy import select\n"
                    "from sqlalchemy.orm import Session\n"
                    "\n"
                    "from app.db import get_cache, get_session\n"
                    "from app.services.user_service import UserService\n"
                    "\n"
                    "router = APIRouter()\n"
                    "\n"
                    "\n"
                    "def get_service(db: Session = Depends(get_session)) -> UserService:\n"
                    "    db.commit()  # a dependency, not a handler\n"
                    "    return UserService(db)\n"
                    "\n"
                    "\n"
                    "ACTIVE = select  # module level: not a handler\n"
                    "\n"
                    "\n"
                    "@router.delete('/users/{user_id}', status_code=204)\n"
                    "def delete_user(\n"
                    "    user_id: int,\n"
                    "    response: Response,\n"
                    "    service: Annotated[UserService, Depends(get_service)],\n"
                    "    cache=Depends(get_cache),\n"
                    "):\n"
                    "    options = {'hard': False}\n"
                    "    service.get(user_id)\n"
                    "    service.delete(user_id, hard=options.get('hard'))\n"
                    "    cache.delete(f'user:{user_id}')\n"
                    "    response.delete_cookie('last_user')\n"
                ),
                "app/db.py": (
                    "def get_session():\n"
                    "    yield None\n"
                    "\n"
                    "\n"
                    "def get_cache():\n"
                    "    return {}\n"
                ),
                "app/services/user_service.py": "class UserService:\n    pass\n",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/db.py": (
                    "from typing import Annotated\n"
                    "\n"
                    "from fastapi import Depends\n"
                    "from sqlalchemy import create_engine\n"
                    "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                    "from sqlmodel import Session\n"
                    "\n"
                    "engine = create_engine('sqlite://')\n"
                    "AsyncSessionLocal = async_sessionmaker()\n"
                    "\n"
                    "\n"
                    "def get_session():\n"
                    "    with Session(engine) as session:\n"
                    "        yield session\n"
                    "\n"
                    "\n"
                    "SessionDep = Annotated[Session, Depends(get_session)]\n"
                ),
                "app/api/routers/users.py": (
                    "import sqlalchemy as sa\n"
                    "from fastapi import APIRouter, Depends\n"
                    "from sqlalchemy.ext.asyncio import AsyncSession\n"
                    "from sqlmodel import Session, select\n"
                    "\n"
                    "from app.db import AsyncSessionLocal, SessionDep, engine, get_session\n"
                    "\n"
                    "router = APIRouter()\n"
                    "\n"
                    "\n"
                    "@router.get('/users')\n"
                    "def list_users(session: SessionDep):\n"
                    "    statement = select(object)  # ARC202\n"
                    "    return session.exec(statement).all()  # ARC202\n"
                    "\n"
                    "\n"
                    "@router.post('/users')\n"
                    "def create_user(data: dict, db=Depends(get_session)):\n"
                    "    db.add(data)  # ARC202\n"
                    "    db.commit()  # ARC202\n"
                    "    return data\n"
                    "\n"
                    "\n"
                    "@router.get('/users/{user_id}')\n"
                    "async def read_user(user_id: int, db: AsyncSession = Depends(get_session)):\n"
                    "    return await db.get(object, user_id)  # ARC202\n"
                    "\n"
                    "\n"
                    "@router.get('/count')\n"
                    "def count():\n"
                    "    with Session(engine) as s:\n"
                    "        return s.scalar(  # ARC202\n"
                    "            sa.select(sa.func.count())  # ARC202\n"
                    "        )\n"
                    "\n"
                    "\n"
                    "@router.delete('/users')\n"
                    "async def purge():\n"
                    "    statement = sa.delete(object)  # ARC202\n"
                    "    async with AsyncSessionLocal() as s:\n"
                    "        await s.execute(statement)  # ARC202\n"
                    "        await s.commit()  # ARC202\n"
                ),
                "app/services/user_service.py": "",
            }
        ),
    )
