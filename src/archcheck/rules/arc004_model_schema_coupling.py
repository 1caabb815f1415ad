from __future__ import annotations

from collections.abc import Sequence

from archcheck.index import ORM
from archcheck.layers import MODELS_ON_SCHEMAS, SCHEMAS_ON_MODELS
from archcheck.rules.base import Example, ImportContext, ImportEdge, ImportHit, ImportRule


def _shares_only_values(context: ImportContext, edge: ImportEdge) -> bool:
    names = context.names_imported(edge)
    return bool(names) and all(context.index.is_shared_value(name) for name in names)


class ModelSchemaCoupling(ImportRule):
    """ORM models import schemas, or schemas import ORM model classes or the declarative base

    ## What it does
    Flags an import of a schemas module in the models layer, and an import in the schemas
    layer that brings in an ORM model class (a mapped SQLAlchemy class, or a SQLModel class
    with ``table=True``), the project's ORM declarative base (a ``DeclarativeBase``
    subclass, an abstract mapped class, what ``declarative_base()`` returned) or another
    class derived from SQLAlchemy's (a column type such as a ``TypeDecorator``, a query
    class), through re-exports and star imports alike (a package of no layer that
    re-exports the tables included); a statement that imports several such modules is one
    finding. A schema may still import from the models package what is not a table: a
    shared non-table base (SQLModel's ``HeroBase`` idiom), enums and constants; and a model
    may import enums and constants from a schemas module (a ``Status`` enum for an ``Enum``
    column), a type alias that names no schema class (``UUIDstr = Annotated[str, ...]``)
    and a Pydantic base class with no field of its own (a toolkit's ``Schema``, which a
    column's value type derives from). A class with no base whose body only binds upper-case names to literals
    (``class Keys: UID = "uid"``) is constants too. An import under ``if TYPE_CHECKING:``
    is an annotation's (a converter typed ``-> "UserOut"``), which runs nothing: not
    reported.

    ## Why is this bad?
    The database schema and the API contract change for different reasons. A model that
    knows its schemas, or a schema that subclasses a table, ties every migration to an API
    version and leaks columns (password hashes, internal flags) into responses. A schema
    that takes the ORM's column types builds SQL: that is a repository's work.

    ## Example
    ```python
    # app/schemas/user.py
    from app.models.user import User

    class UserOut(User):
        pass
    ```

    ## Use instead
    ```python
    # app/schemas/user.py
    from pydantic import BaseModel, ConfigDict
    from app.models.user import Role  # an enum: fine

    class UserOut(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int
        role: Role
    ```
    """

    code = "ARC004"
    name = "model-schema-coupling"

    def check_statement(
        self, edges: Sequence[ImportEdge], context: ImportContext
    ) -> ImportHit | None:
        # An import under ``if TYPE_CHECKING:`` types an annotation (a converter's
        # ``-> "UserOut"``): the code of neither side depends on the other.
        edges = [edge for edge in edges if context.runs(edge.importer, edge.line)]
        on_schemas = tuple(
            edge
            for edge in edges
            if edge.violation == MODELS_ON_SCHEMAS and not _shares_only_values(context, edge)
        )
        if on_schemas:
            noun = "schema" if len(on_schemas) == 1 else "schemas"
            return ImportHit(
                f"Model imports {noun} {', '.join(edge.imported for edge in on_schemas)}; "
                f"ORM models must not depend on API schemas",
                on_schemas,
            )
        models: list[str] = []
        bases: list[str] = []
        others: list[str] = []
        coupled = []
        index = context.index
        for edge in edges:
            if edge.violation != SCHEMAS_ON_MODELS:
                continue
            found = False
            for name in context.names_imported(edge):
                if index.is_declarative_base(name):
                    bases.append(name)
                elif index.kind(name) == ORM:
                    models.append(name)
                elif index.from_sqlalchemy(name):
                    others.append(name)
                else:
                    continue
                found = True
            if found:
                coupled.append(edge)
        if models:
            return ImportHit(
                f"Schema imports ORM model {', '.join(sorted(set(models)))}; declare the fields on "
                f"the schema (share a non-table base if needed)",
                tuple(coupled),
            )
        if bases:
            return ImportHit(
                f"Schema imports ORM declarative base {', '.join(sorted(set(bases)))}; schemas "
                f"derive from pydantic's BaseModel, not from the ORM",
                tuple(coupled),
            )
        if others:
            return ImportHit(
                f"Schema imports SQLAlchemy class {', '.join(sorted(set(others)))} from the models "
                f"layer; keep column types and query classes out of the API contract",
                tuple(coupled),
            )
        return None

    valid = (
        # An import for annotations only: nothing runs it.
        Example(
            {
                "app/models/user.py": """
                    from __future__ import annotations

                    from typing import TYPE_CHECKING

                    from sqlalchemy import Column, Integer
                    from sqlalchemy.orm import declarative_base

                    if TYPE_CHECKING:
                        from app.schemas.user import UserOut

                    Base = declarative_base()


                    class User(Base):
                        __tablename__ = "users"
                        id = Column(Integer, primary_key=True)

                        def to_schema(self, build) -> UserOut:
                            return build(self)
                """,
                "app/schemas/user.py": """
                    from pydantic import BaseModel


                    class UserOut(BaseModel):
                        id: int
                """,
            }
        ),
        # A class of constants only, shared like an enum.
        Example(
            {
                "app/models/item.py": """
                    from sqlalchemy import Column, String
                    from sqlalchemy.orm import declarative_base
                    from app.schemas.keys import Keys

                    Base = declarative_base()


                    class Item(Base):
                        __tablename__ = "items"
                        uid = Column(Keys.UID, String(8), primary_key=True)
                """,
                "app/schemas/keys.py": """
                    class Keys:
                        # Column and field names shared by the table and the API.
                        UID = "uid"
                        NAMES = ("uid", "name")
                """,
            }
        ),
        Example(
            {
                "app/models/product.py": """
                    from sqlalchemy import Column, Enum, Integer
                    from sqlalchemy.orm import declarative_base
                    from app.schemas.product import MAX_STOCK, Currency, ProductStatus

                    Base = declarative_base()


                    class Product(Base):
                        __tablename__ = "products"
                        id = Column(Integer, primary_key=True)
                        stock = Column(Integer, default=MAX_STOCK)
                        status = Column(Enum(ProductStatus))
                        currency = Column(Enum(Currency))
                """,
                "app/schemas/product.py": """
                    import enum
                    from pydantic import BaseModel

                    MAX_STOCK = 100
                    Currency = enum.Enum("Currency", ["EUR", "USD"])


                    class ProductStatus(str, enum.Enum):
                        ACTIVE = "active"


                    class ProductOut(BaseModel):
                        status: ProductStatus
                """,
                "app/services/product_service.py": "",
            }
        ),
        Example(
            {
                "app/models/hero.py": """
                    import enum
                    from sqlmodel import Field, SQLModel


                    class Power(str, enum.Enum):
                        FLY = "fly"


                    class HeroBase(SQLModel):
                        name: str


                    class Hero(HeroBase, table=True):
                        id: int | None = Field(default=None, primary_key=True)
                """,
                "app/schemas/hero.py": """
                    from app.models.hero import HeroBase, Power


                    class HeroRead(HeroBase):
                        id: int
                        power: Power
                """,
                "app/services/hero_service.py": "",
            }
        ),
        Example(
            {
                "app/models/__init__.py": """
                    from .a import *
                    from .b import *
                """,
                "app/models/a.py": """
                    from typing import TYPE_CHECKING

                    from pydantic import BaseModel

                    if TYPE_CHECKING:
                        from . import Thing


                    class Other(BaseModel):
                        pass
                """,
                "app/models/b.py": """
                    from pydantic import BaseModel


                    class Thing(BaseModel):  # not a table: importing it is fine
                        pass
                """,
                "app/schemas/thing.py": "from app.models import Thing\n",
                "app/services/thing_service.py": "",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/db.py": """
                    from sqlalchemy.orm import DeclarativeBase


                    class Base(DeclarativeBase):
                        pass
                """,
                "app/models/user.py": """
                    from app.db import Base
                    from app.schemas.user import UserOut  # ARC004


                    class User(Base):
                        __tablename__ = "users"
                """,
                "app/models/base.py": """
                    from sqlalchemy.orm import declarative_base

                    LegacyBase = declarative_base()
                """,
                "app/schemas/user.py": """
                    from pydantic import BaseModel
                    from app.models.user import User  # ARC004
                    import app.models.user as user_models  # ARC004


                    class UserOut(BaseModel):
                        id: int


                    class Legacy(user_models.User):
                        pass
                """,
                "app/schemas/query.py": """
                    from app.models.user import Base  # ARC004
                    from app.models.base import LegacyBase  # ARC004
                """,
                "app/models/order.py": "from app.schemas import query, user  # ARC004\n",
                "app/services/user_service.py": "",
            }
        ),
        Example(
            {
                "app/models/__init__.py": """
                    from .a import *
                    from .b import *
                """,
                "app/models/a.py": """
                    from typing import TYPE_CHECKING

                    if TYPE_CHECKING:
                        from . import Thing


                    def helper(thing: "Thing") -> None:
                        pass
                """,
                "app/models/b.py": """
                    from sqlalchemy.orm import DeclarativeBase


                    class Base(DeclarativeBase):
                        pass


                    class Thing(Base):
                        __tablename__ = "things"
                """,
                "app/schemas/thing.py": "from app.models import Thing  # ARC004\n",
                "app/services/thing_service.py": "",
            }
        ),
        Example(
            {
                "app/models/types.py": """
                    from sqlalchemy.types import CHAR, TypeDecorator


                    class GUID(TypeDecorator):
                        impl = CHAR


                    class ShortGUID(GUID):
                        pass
                """,
                "app/schemas/filters.py": """
                    from pydantic import BaseModel
                    from app.models.types import ShortGUID  # ARC004


                    class Filter(BaseModel):
                        def clause(self, column, value):
                            return column == ShortGUID().process_bind_param(value, None)
                """,
                "app/services/filter_service.py": "",
            }
        ),
        Example(
            {
                # A package of no layer that re-exports the tables.
                "app/db/__init__.py": "from app.models.user import User\n",
                "app/models/user.py": """
                    from sqlalchemy.orm import DeclarativeBase


                    class Base(DeclarativeBase):
                        pass


                    class User(Base):
                        __tablename__ = "users"
                """,
                "app/schemas/user.py": "from app.db import User  # ARC004\n",
                "app/services/user_service.py": "",
            }
        ),
    )
