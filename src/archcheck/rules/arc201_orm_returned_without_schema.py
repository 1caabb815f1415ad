from __future__ import annotations

import ast
from collections.abc import Sequence

from archcheck.layers import ROUTERS, WIRING
from archcheck.names import dotted, last_name
from archcheck.rules.annotations import orm_classes, outer_type
from archcheck.rules.base import Example, SyntaxRule
from archcheck.rules.orm_values import OrmValues
from archcheck.rules.routes import Route, route_of, routes_added

_Function = ast.FunctionDef | ast.AsyncFunctionDef
# Return annotations that let a dict through whatever it holds.
_MAPPINGS = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "Any"})


# Responses that encode a dict as JSON; any other ``response_class`` (``HTMLResponse``)
# renders it some other way.
_JSON_RESPONSES = frozenset({"JSONResponse", "ORJSONResponse", "UJSONResponse"})
_RENDERERS = ("template", "render")


def _renders(function: _Function, routes: Sequence[Route]) -> bool:
    """Whether the route renders what it returns into something other than JSON: a
    template decorator (``@template("home.pt")``, ``@render(...)``) or a non-JSON
    ``response_class``: a dict it returns is the template's context."""
    for decorator in function.decorator_list:
        written = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if written is not None and any(w in last_name(written).lower() for w in _RENDERERS):
            return True
    return any(
        keyword.arg == "response_class"
        and (name := dotted(keyword.value)) is not None
        and last_name(name) not in _JSON_RESPONSES
        for route in routes
        for keyword in route.call.keywords
    )


def _any_mapping(annotation: ast.expr) -> str | None:
    """The name of a return annotation that lets any dict through (``dict[str, Any]``,
    ``Any``), or None."""
    name = outer_type(annotation)
    return name if name in _MAPPINGS else None


class OrmReturnedWithoutSchema(SyntaxRule):
    """A route's response is an ORM model instead of a Pydantic schema

    ## What it does
    Reads each route of the routers (and wiring) layer the way FastAPI does and flags it when its
    response model is an ORM model (a mapped SQLAlchemy class or a ``table=True`` SQLModel
    class):

    - an ORM class given as ``response_model``;
    - no ``response_model`` and an ORM return annotation (``response_model`` wins over the
      annotation, and ``response_model=None`` turns both off);
    - neither, and the handler visibly returns an ORM instance: ``return User(...)``, a
      name assigned from ``User(...)`` or annotated ``User``, ``session.get(User, ...)``,
      the rows of a query on an ORM entity (``session.scalars(select(User)).first()``,
      ``session.query(User).all()``, ``session.execute(...).scalar_one()``,
      ``session.exec(select(User)).one()``), a call of a function or method annotated to
      return an ORM class (``crud.get_user(db, id)``, ``UserService(db).get(id)``, ``await
      repo.get(id)`` with ``repo`` typed or given by a typed dependency, a model's own
      classmethod ``User.find(db, name)``), or a parameter
      typed ``User`` (``current_user: CurrentUser`` with ``CurrentUser = Annotated[User,
      Depends(get_current_user)]``), or a list of those copied (``[u for u in users]``);
      also inside a dict it returns (``return {"data": user}``, ``{"items": [user]}``),
      unannotated or annotated ``dict`` or ``Any``, which FastAPI encodes whole (or, under
      ``-> dict``, fails to serialise at request time), but for a template's context (a
      non-JSON ``response_class``, a ``@template`` or ``@render`` decorator). What passes
      through a schema
      (``UserOut.model_validate(user)``) is not ORM.

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
    layers = (WIRING, ROUTERS)  # a route is a route in the app's entry point too

    def visit_Module(self, node: ast.Module) -> None:
        self.added = routes_added(node, self.scopes, self.index)
        # The routes whose returns decide, and whether a dict they return is JSON (not a
        # template's context).
        self.unannotated: dict[_Function, bool] = {}
        self.values = OrmValues(self.scopes, self.index)
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
        first = route_of(node, self.scopes, self.index)
        routes = [] if first is None else [first]
        if self.scopes.qualname is None:
            routes += self.added.get(node.name, [])
        for route in routes:
            if route.has_response_model:  # response_model wins; None turns the check off
                orm = orm_classes(route.response_model, self.scopes.qualify, self.index)
                if orm:
                    self.report(node, _declared(node.name, orm[0]))
                    return  # one finding per function
        if not any(not route.has_response_model for route in routes):
            return
        orm = (
            []
            if node.returns is None
            else orm_classes(node.returns, self.scopes.qualify, self.index)
        )
        if orm:
            self.report(
                node,
                f"Route {node.name} returns ORM model {orm[0]} (its return annotation) "
                f"with no response_model; declare a Pydantic response_model",
            )
        elif node.returns is None or _any_mapping(node.returns):
            self.unannotated[node] = not _renders(node, routes)

    def visit_Return(self, node: ast.Return) -> None:
        function = self.scopes.function
        if function is None or function not in self.unannotated or node.value is None:
            return
        orm, where = self.values.instance(node.value), ""
        if orm is None and isinstance(node.value, ast.Dict) and self.unannotated[function]:
            # An envelope (``{"data": team}``): FastAPI encodes the row inside it whole.
            orm, where = self._in_dict(node.value), " in a dict"
        elif function.returns is not None and _any_mapping(function.returns) != "Any":
            return  # ``-> dict``: a row returned bare fails FastAPI's validation instead
        if orm is not None:
            del self.unannotated[function]  # one finding per route
            self.report(
                function,
                f"Route {function.name} returns an ORM {orm} instance{where} with no "
                f"response_model; declare a Pydantic response_model",
            )

    def _in_dict(self, value: ast.Dict) -> str | None:
        for item in value.values:
            items = item.elts if isinstance(item, (ast.List, ast.Tuple)) else [item]
            for element in items:
                orm = self.values.instance(element)
                if orm is not None:
                    return orm
        return None

    valid = (
        Example(
            {
                "app/models/user.py": """
                    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


                    class Base(DeclarativeBase):
                        pass


                    class User(Base):
                        __tablename__ = "users"
                        id: Mapped[int] = mapped_column(primary_key=True)
                """,
                "app/schemas/user.py": """
                    from pydantic import BaseModel


                    class UserOut(BaseModel):
                        id: int
                """,
                "app/services/user_service.py": """
                    from app.models.user import User


                    class UserService:
                        def __init__(self, session):
                            self.session = session

                        def get(self, user_id) -> User:
                            return self.session.get(User, user_id)

                        def count(self) -> int:
                            return 0
                """,
                "app/api/routers/users.py": """
                    from fastapi import APIRouter, Depends, Request
                    from fastapi.responses import HTMLResponse, JSONResponse
                    from sqlalchemy import func, select
                    from sqlalchemy.orm import Session

                    from app.db import get_session
                    from app.models.user import User
                    from app.schemas.user import UserOut
                    from app.services import user_service
                    from app.services.user_service import UserService

                    router = APIRouter()


                    @router.get("/users/{user_id}", response_model=UserOut)
                    def read_user(user_id: int) -> User:  # response_model wins
                        return user_service.get(user_id)


                    @router.get("/users")
                    def list_users() -> list[UserOut]:
                        return user_service.list()


                    @router.get("/raw", response_model=None)
                    def raw() -> JSONResponse:
                        return JSONResponse({})


                    def to_user(data) -> User:  # a helper, not a route
                        return User(**data)


                    @router.get("/users/{user_id}/envelope")
                    def envelope(user_id: int) -> dict:
                        user = UserService(None).get(user_id)
                        return {"data": UserOut.model_validate(user), "count": 1}


                    @router.get("/users/names")
                    def names(by_name: dict[str, User]):
                        return [name for name in by_name]  # the keys: strings


                    @router.get("/users/{user_id}/page", response_class=HTMLResponse)
                    def page(request: Request, user_id: int):
                        user = UserService(None).get(user_id)
                        return {"request": request, "user": user}  # a template's context


                    @router.post("/users", response_model=UserOut)
                    def create(data: dict):
                        return User(**data)  # response_model filters it


                    @router.get("/first")
                    def first(db: Session = Depends(get_session)):
                        user = db.scalars(select(User)).first()  # ARC202
                        return UserOut.model_validate(user)  # through a schema


                    @router.get("/legacy")
                    def legacy(db: Session = Depends(get_session)):
                        return UserOut.from_orm(db.query(User).first())  # ARC202


                    @router.get("/count")
                    def count(db: Session = Depends(get_session)):
                        UserService(db).get(1)
                        rows = db.execute(select(User)).all()  # rows, not users  # ARC202
                        total = db.scalar(select(func.count()).select_from(User))  # ARC202
                        return {"total": total, "service": UserService(db).count(), "rows": len(rows)}
                """,
                "app/db.py": """
                    def get_session():
                        yield None
                """,
            }
        ),
    )
    invalid = (
        Example(
            {
                # An active-record ORM (peewee): the model's class gives its rows.
                "app/models.py": """
                    from peewee import CharField, Model


                    class User(Model):
                        password_hash = CharField()
                """,
                "app/api/routers/users.py": """
                    from fastapi import APIRouter

                    from app.models import User

                    router = APIRouter()


                    @router.get("/users/{user_id}")
                    def read_user(user_id: int):  # ARC201
                        return User.get_by_id(user_id)  # noqa: ARC202 (the query's own rule)
                """,
                "app/services/user_service.py": "",
            }
        ),
        Example(
            {
                "app/db.py": """
                    from sqlalchemy.orm import declarative_base

                    Base = declarative_base()
                """,
                "app/models/__init__.py": "from app.models.user import User\n",
                "app/models/user.py": """
                    from sqlalchemy import Column, Integer
                    from app.db import Base


                    class User(Base):
                        __tablename__ = "users"
                        id = Column(Integer, primary_key=True)
                """,
                "app/api/routers/users.py": """
                    from typing import Annotated, List, Optional, Sequence

                    from fastapi import APIRouter, FastAPI

                    from app import models
                    from app.models import User
                    from app.models.user import User as UserRow
                    from app.services import user_service

                    router = APIRouter(prefix="/users")
                    app = FastAPI()


                    @router.get("/{user_id}")
                    def read_user(user_id: int) -> User:  # ARC201
                        return user_service.get(user_id)


                    @router.get("/", response_model=List[models.User])
                    async def list_users():  # ARC201
                        return await user_service.list()


                    @app.get("/me")
                    def me() -> "Optional[UserRow]":  # ARC201
                        return None


                    @router.api_route("/search", methods=["GET", "POST"])
                    def search() -> Annotated[Sequence[User], "found"] | None:  # ARC201
                        return []


                    @router.post("/")
                    def create(name: str):  # ARC201
                        user = UserRow(name=name)
                        user_service.save(user)
                        return user


                    @router.put("/{user_id}")
                    def replace(user_id: int):  # ARC201
                        return User(id=user_id)


                    @router.get("/me/raw")
                    def me_raw(me: Annotated[UserRow, "the current user"]):  # ARC201
                        return me


                    def legacy() -> list[User]:  # ARC201
                        return []


                    @router.get("/{user_id}/envelope")
                    def envelope(user_id: int) -> dict:  # ARC201
                        user = User(id=user_id)
                        return {"status": True, "data": user}


                    @router.get("/page")
                    def page():  # ARC201
                        return {"items": [UserRow(name="a")], "total": 1}


                    @router.get("/copies")
                    def copies():  # ARC201
                        users: list[User] = []
                        return [user for user in users]


                    @router.get("/by-name")
                    def by_name() -> dict[str, User]:  # ARC201
                        found = {}
                        found["ada"] = User(id=1)
                        return found


                    router.add_api_route("/legacy", legacy, methods=["GET"])
                """,
                # A class-based router that registers its handlers on the router it keeps.
                "app/api/routers/admin.py": """
                    from fastapi import APIRouter

                    from app.models import User


                    class AdminRouter:
                        def __init__(self):
                            self.router = APIRouter(prefix="/admin")
                            self.add_routes()

                        def add_routes(self):
                            @self.router.get("/users/{user_id}")
                            def read_user(user_id: int) -> User:  # ARC201
                                return User(id=user_id)
                """,
                "app/services/user_service.py": "",
            }
        ),
        Example(
            {
                "app/models.py": """
                    from sqlalchemy.orm import DeclarativeBase


                    class Base(DeclarativeBase):
                        pass


                    class Product(Base):
                        __tablename__ = "products"

                        @classmethod
                        def placeholder(cls) -> "Product":
                            return cls()
                """,
                "app/repositories/product_repo.py": """
                    from sqlalchemy import select
                    from sqlalchemy.ext.asyncio import AsyncSession

                    from app.models import Product


                    class ProductRepository:
                        def __init__(self, session: AsyncSession):
                            self.session = session

                        async def get(self, product_id: int) -> Product | None:
                            return await self.session.get(Product, product_id)

                """,
                "app/services/product_service.py": """
                    from sqlalchemy import select

                    from app.models import Product
                    from app.repositories.product_repo import ProductRepository


                    class BaseService:
                        def latest(self) -> list[Product]:
                            return []


                    class ProductService(BaseService):
                        def __init__(self, session):
                            self.repo = ProductRepository(session)

                        def get(self, product_id) -> Product:
                            return self.repo.get(product_id)


                    def get_repo() -> ProductRepository:
                        return ProductRepository(None)


                    def find(session, name) -> "Product":
                        return session.scalars(select(Product).where(Product.name == name)).one()
                """,
                "app/api/routers/products.py": """
                    from typing import Annotated

                    from fastapi import APIRouter, Depends
                    from sqlalchemy import select
                    from sqlalchemy.orm import Session

                    from app.db import get_session
                    from app.models import Product
                    from app.services import product_service
                    from app.services.product_service import ProductService, get_repo

                    router = APIRouter()


                    @router.get("/first")
                    def first(session: Session = Depends(get_session)):  # ARC201
                        product = session.scalars(select(Product)).first()  # ARC202
                        return product


                    @router.get("/query")
                    def query(session: Session = Depends(get_session)):  # ARC201
                        return session.query(Product).filter(Product.id > 0).first()  # ARC202


                    @router.get("/all")
                    def all_products(session: Session = Depends(get_session)):  # ARC201
                        statement = select(Product).order_by(Product.id)  # ARC202
                        result = session.execute(statement)  # ARC202
                        return result.scalars().all()


                    @router.get("/one")
                    def one(session: Session = Depends(get_session)):  # ARC201
                        return session.execute(select(Product)).scalar_one()  # ARC202


                    @router.get("/service/{i}")
                    def by_service(i: int, s: Session = Depends(get_session)):  # ARC201
                        return ProductService(s).get(i)


                    @router.get("/latest")
                    def latest(s: Session = Depends(get_session)):  # ARC201
                        service = ProductService(s)
                        return service.latest()


                    @router.get("/repo/{product_id}")
                    async def by_repo(product_id: int, repo: Annotated[object, Depends(get_repo)]):  # ARC201
                        return await repo.get(product_id)


                    @router.get("/find")
                    def find(name: str, s: Session = Depends(get_session)):  # ARC201
                        return product_service.find(s, name)


                    @router.get("/placeholder")
                    def placeholder():  # ARC201
                        return Product.placeholder()
                """,
                "app/db.py": """
                    def get_session():
                        yield None
                """,
            }
        ),
    )


def _declared(route: str, orm: str) -> str:
    return (
        f"Route {route} declares ORM model {orm} as its response_model; "
        f"declare a Pydantic schema instead"
    )
