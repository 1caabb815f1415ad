from __future__ import annotations

import ast

from archcheck.index import ORM
from archcheck.layers import ROUTERS
from archcheck.names import ASSIGNED, PARAMETER
from archcheck.rules.base import Example, SyntaxRule
from archcheck.rules.frameworks import Session, orm_classes, route_of, routes_added

_Function = ast.FunctionDef | ast.AsyncFunctionDef


class OrmReturnedWithoutSchema(SyntaxRule):
    """A route's response is an ORM model instead of a Pydantic schema

    ## What it does
    Reads each route of the routers layer the way FastAPI does and flags it when its
    response model is an ORM model (a mapped SQLAlchemy class or a ``table=True`` SQLModel
    class):

    - an ORM class given as ``response_model``;
    - no ``response_model`` and an ORM return annotation (``response_model`` wins over the
      annotation, and ``response_model=None`` turns both off);
    - neither, and the handler visibly returns an ORM instance: ``return User(...)``, a
      name assigned from ``User(...)`` or annotated ``User``, ``session.get(User, ...)``,
      or a parameter typed ``User`` (``current_user: CurrentUser`` with ``CurrentUser =
      Annotated[User, Depends(get_current_user)]``).

    Models are found through ``list[...]``, ``List[...]``, ``Sequence[...]``,
    ``Optional[...]``, ``X | None``, ``Annotated[...]``, string annotations and type
    aliases. Routes are functions decorated with ``get``, ``post``, ``put``, ``patch``,
    ``delete``, ``head``, ``options``, ``trace`` or ``api_route`` of an ``APIRouter`` or
    ``FastAPI`` instance (a receiver whose type cannot be read counts when it is named like
    one: ``router``, ``users_router``, ``app``, ``api``), and module-level functions passed
    to a module-level ``router.add_api_route(path, endpoint, ...)``. The finding is at the
    ``def`` line.

    ## Why is this bad?
    Whatever the ORM object holds goes out: password hashes, internal flags, soft-delete
    markers, every column added later. FastAPI accepts a SQLModel table class as response
    model (it is a Pydantic model) and serialises every column; an ORM object returned with
    no response model goes through ``jsonable_encoder``, every attribute. (A plain
    SQLAlchemy class as ``response_model`` or return annotation makes FastAPI fail at
    startup instead; this rule reports it before you run the app.) Lazy relationships are
    loaded during serialisation, after the session may be gone, or one query per row. And
    the API contract now changes with every migration.

    ## Example
    ```python
    @router.get("/users/{user_id}")
    def read_user(user_id: int, service: UserServiceDep) -> User:  # User is an ORM model
        return service.get_user(user_id)
    ```

    ## Use instead
    ```python
    @router.get("/users/{user_id}", response_model=UserOut)  # UserOut is a Pydantic model
    def read_user(user_id: int, service: UserServiceDep) -> User:
        return service.get_user(user_id)
    ```
    """

    code = "ARC201"
    name = "orm-returned-without-schema"
    layers = (ROUTERS,)

    def visit_Module(self, node: ast.Module) -> None:
        self.added = routes_added(node, self.scopes, self.index)
        self.unannotated: dict[_Function, str] = {}  # routes whose returns decide
        self.session = Session(self.scopes, self.index)
        for name, routes in self.added.items():
            if name in self.context.symbols.functions:
                continue
            for route in routes:  # the endpoint is defined elsewhere: check what the call shows
                orm = orm_classes(route.response_model, self.scopes.qualify, self.index)
                if orm:
                    self.report(route.call, _declared(name, orm[0]))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._check(node)

    def _check(self, node: _Function) -> None:
        routes = [route_of(node, self.scopes, self.index)]
        if self.scopes.qualname is None:
            routes += self.added.get(node.name, [])
        routes = [route for route in routes if route is not None]
        for route in routes:
            if route.has_response_model:  # response_model wins; None turns the check off
                orm = orm_classes(route.response_model, self.scopes.qualify, self.index)
                if orm:
                    self.report(node, _declared(node.name, orm[0]))
                    return  # one finding per function
        if not any(not route.has_response_model for route in routes):
            return
        if node.returns is None:
            self.unannotated[node] = node.name  # its return statements decide
            return
        orm = orm_classes(node.returns, self.scopes.qualify, self.index)
        if orm:
            self.report(
                node,
                f"Route {node.name} returns ORM model {orm[0]} (its return annotation) "
                f"with no response_model; declare a Pydantic response_model",
            )

    def visit_Return(self, node: ast.Return) -> None:
        function = self.scopes.function
        if function is None or function not in self.unannotated or node.value is None:
            return
        orm = self._orm_instance(node.value)
        if orm is not None:
            del self.unannotated[function]  # one finding per route
            self.report(
                function,
                f"Route {function.name} returns an ORM {orm} instance with no response_model; "
                f"declare a Pydantic response_model",
            )

    def _orm_instance(self, value: ast.expr, depth: int = 0) -> str | None:
        """The ORM class of what ``value`` visibly is, or None."""
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            func = value.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("get", "get_one")
                and value.args
                and self.session.holds(func.value)
            ):
                return self._orm_class(value.args[0])
            return self._orm_class(func)
        if isinstance(value, ast.Name) and depth < 5:
            binding = self.scopes.lookup(value.id)
            if binding is not None and binding.kind in (ASSIGNED, PARAMETER):
                # ``user: User = ...``, or a parameter ``current_user: CurrentUser`` where
                # ``CurrentUser = Annotated[User, Depends(get_current_user)]``.
                orm = orm_classes(binding.annotation, self.scopes.qualify, self.index)
                if orm:
                    return orm[0]
                if binding.kind == ASSIGNED and binding.value is not None:
                    return self._orm_instance(binding.value, depth + 1)
        return None

    def _orm_class(self, expr: ast.expr) -> str | None:
        name = self.scopes.qualify(expr)
        if name is None:
            return None
        resolved = self.index.resolve(name)
        return resolved if self.index.kind(resolved) == ORM else None

    valid = (
        Example(
            {
                "app/models/user.py": (
                    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
                    "\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                    "\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                ),
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n"
                    "\n"
                    "class UserOut(BaseModel):\n"
                    "    id: int\n"
                ),
                "app/api/routers/users.py": (
                    "from fastapi import APIRouter\n"
                    "from fastapi.responses import JSONResponse\n"
                    "\n"
                    "from app.models.user import User\n"
                    "from app.schemas.user import UserOut\n"
                    "from app.services import user_service\n"
                    "\n"
                    "router = APIRouter()\n"
                    "\n"
                    "\n"
                    "@router.get('/users/{user_id}', response_model=UserOut)\n"
                    "def read_user(user_id: int) -> User:  # response_model wins\n"
                    "    return user_service.get(user_id)\n"
                    "\n"
                    "\n"
                    "@router.get('/users')\n"
                    "def list_users() -> list[UserOut]:\n"
                    "    return user_service.list()\n"
                    "\n"
                    "\n"
                    "@router.get('/raw', response_model=None)\n"
                    "def raw() -> JSONResponse:\n"
                    "    return JSONResponse({})\n"
                    "\n"
                    "\n"
                    "def to_user(data) -> User:  # a helper, not a route\n"
                    "    return User(**data)\n"
                    "\n"
                    "\n"
                    "@router.post('/users', response_model=UserOut)\n"
                    "def create(data: dict):\n"
                    "    return User(**data)  # response_model filters it\n"
                ),
                "app/services/user_service.py": "",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/db.py": (
                    "from sqlalchemy.orm import declarative_base\n"
                    "\n"
                    "Base = declarative_base()\n"
                ),
                "app/models/__init__.py": "from app.models.user import User\n",
                "app/models/user.py": (
                    "from sqlalchemy import Column, Integer\n"
                    "from app.db import Base\n"
                    "\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                    "    id = Column(Integer, primary_key=True)\n"
                ),
                "app/api/routers/users.py": (
                    "from typing import Annotated, List, Optional, Sequence\n"
                    "\n"
                    "from fastapi import APIRouter, FastAPI\n"
                    "\n"
                    "from app import models\n"
                    "from app.models import User\n"
                    "from app.models.user import User as UserRow\n"
                    "from app.services import user_service\n"
                    "\n"
                    "router = APIRouter(prefix='/users')\n"
                    "app = FastAPI()\n"
                    "\n"
                    "\n"
                    "@router.get('/{user_id}')\n"
                    "def read_user(user_id: int) -> User:  # ARC201\n"
                    "    return user_service.get(user_id)\n"
                    "\n"
                    "\n"
                    "@router.get('/', response_model=List[models.User])\n"
                    "async def list_users():  # ARC201\n"
                    "    return await user_service.list()\n"
                    "\n"
                    "\n"
                    "@app.get('/me')\n"
                    "def me() -> 'Optional[UserRow]':  # ARC201\n"
                    "    return None\n"
                    "\n"
                    "\n"
                    "@router.api_route('/search', methods=['GET', 'POST'])\n"
                    "def search() -> Annotated[Sequence[User], 'found'] | None:  # ARC201\n"
                    "    return []\n"
                    "\n"
                    "\n"
                    "@router.post('/')\n"
                    "def create(name: str):  # ARC201\n"
                    "    user = UserRow(name=name)\n"
                    "    user_service.save(user)\n"
                    "    return user\n"
                    "\n"
                    "\n"
                    "@router.put('/{user_id}')\n"
                    "def replace(user_id: int):  # ARC201\n"
                    "    return User(id=user_id)\n"
                    "\n"
                    "\n"
                    "@router.get('/me/raw')\n"
                    "def me_raw(me: Annotated[UserRow, 'the current user']):  # ARC201\n"
                    "    return me\n"
                    "\n"
                    "\n"
                    "def legacy() -> list[User]:  # ARC201\n"
                    "    return []\n"
                    "\n"
                    "\n"
                    "router.add_api_route('/legacy', legacy, methods=['GET'])\n"
                ),
                "app/services/user_service.py": "",
            }
        ),
    )


def _declared(route: str, orm: str) -> str:
    return (
        f"Route {route} declares ORM model {orm} as its response_model; "
        f"declare a Pydantic schema instead"
    )
