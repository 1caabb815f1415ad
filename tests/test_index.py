"""The project index: ORM models and Pydantic schemas recognised by what they inherit,
across modules, re-exports, star imports and aliases; built in memory from source."""
from __future__ import annotations

import ast
import textwrap

import pytest

from archcheck.index import CLASS, ENUM, ORM, ORM_BASE, SCHEMA, ProjectIndex
from archcheck.names import symbols_from_data, symbols_of, symbols_to_data


def index_of(modules: dict[str, str]) -> ProjectIndex:
    """``{"app.models.user": source, "app.models": source (a package), ...}``: a package
    is any module that is the prefix of another."""
    names = set(modules)
    return ProjectIndex(
        symbols_of(
            ast.parse(textwrap.dedent(source)),
            module,
            is_package=any(other.startswith(module + ".") for other in names),
        )
        for module, source in modules.items()
    )


def test_declarative_base_function_in_another_module():
    index = index_of(
        {
            "app.db": """
                from sqlalchemy.orm import declarative_base
                Base = declarative_base()
            """,
            "app.models": "",
            "app.models.user": """
                from sqlalchemy import Column, Integer
                from app.db import Base
                class User(Base):
                    __tablename__ = "users"
                    id = Column(Integer, primary_key=True)
            """,
        }
    )
    assert index.kind("app.models.user.User") == ORM


def test_legacy_ext_declarative_base_via_module_alias():
    index = index_of(
        {
            "app.db": """
                import sqlalchemy.ext.declarative as decl
                Base = decl.declarative_base()
            """,
            "app.models": "from app.db import Base\nclass Item(Base):\n    pass\n",
        }
    )
    assert index.kind("app.models.Item") == ORM


@pytest.mark.parametrize("base", ["DeclarativeBase", "DeclarativeBaseNoMeta"])
def test_declarative_base_class_and_subclasses_across_modules(base):
    index = index_of(
        {
            "app.db": f"""
                from sqlalchemy import orm
                class Base(orm.{base}):
                    pass
            """,
            "app.models": "",
            "app.models.mixins": """
                from app.db import Base
                class Timestamped(Base):
                    __abstract__ = True
            """,
            "app.models.user": """
                from app.models.mixins import Timestamped
                class User(Timestamped):
                    __tablename__ = "users"
                class Admin(User):
                    pass
            """,
        }
    )
    assert index.kind("app.db.Base") == ORM_BASE
    assert index.kind("app.models.mixins.Timestamped") == ORM_BASE
    assert index.kind("app.models.user.User") == ORM
    assert index.kind("app.models.user.Admin") == ORM


def test_registry_generate_base():
    index = index_of(
        {
            "app.db": """
                from sqlalchemy.orm import registry
                mapper_registry = registry()
                Base = mapper_registry.generate_base()
            """,
            "app.models": "from app.db import Base\nclass Order(Base):\n    pass\n",
        }
    )
    assert index.kind("app.models.Order") == ORM


def test_mapped_as_dataclass_and_registry_mapped_decorators():
    index = index_of(
        {
            "app.db": "from sqlalchemy.orm import registry\nreg = registry()\n",
            "app.models": """
                from sqlalchemy.orm import mapped_as_dataclass
                from app.db import reg
                import app.db as db

                @mapped_as_dataclass(reg)
                class Tag:
                    __tablename__ = "tags"

                @reg.mapped
                class Label:
                    __tablename__ = "labels"

                @db.reg.mapped_as_dataclass
                class Note:
                    __tablename__ = "notes"

                class Plain:
                    pass
            """,
        }
    )
    assert index.kind("app.models.Tag") == ORM
    assert index.kind("app.models.Label") == ORM
    assert index.kind("app.models.Note") == ORM
    assert index.kind("app.models.Plain") == CLASS


def test_sqlmodel_table_and_non_table_classes():
    index = index_of(
        {
            "app.models": "",
            "app.models.hero": """
                from sqlmodel import Field, SQLModel
                class HeroBase(SQLModel):
                    name: str
                class Hero(HeroBase, table=True):
                    id: int | None = Field(default=None, primary_key=True)
                class HeroPublic(HeroBase):
                    id: int
            """,
            "app.models.villain": """
                import sqlmodel
                class Villain(sqlmodel.SQLModel, table=True):
                    id: int
            """,
            "app.schemas": """
                from app.models.hero import HeroBase
                class HeroCreate(HeroBase):
                    pass
            """,
        }
    )
    assert index.kind("app.models.hero.HeroBase") == SCHEMA
    assert index.kind("app.models.hero.Hero") == ORM
    assert index.kind("app.models.hero.HeroPublic") == SCHEMA
    assert index.kind("app.models.villain.Villain") == ORM
    assert index.kind("app.schemas.HeroCreate") == SCHEMA


def test_pydantic_schemas_and_enums():
    index = index_of(
        {
            "app.schemas": """
                import enum
                import pydantic
                from pydantic import BaseModel as Model
                class Role(str, enum.Enum):
                    ADMIN = "admin"
                class UserOut(Model):
                    role: Role
                class UserDetail(UserOut):
                    pass
                class Settings(pydantic.BaseModel):
                    pass
            """,
        }
    )
    assert index.kind("app.schemas.Role") == ENUM
    assert index.kind("app.schemas.UserOut") == SCHEMA
    assert index.kind("app.schemas.UserDetail") == SCHEMA
    assert index.kind("app.schemas.Settings") == SCHEMA
    assert index.kind("pydantic.BaseModel") is None  # not a class of the project


def test_reexports_through_package_init_alias_and_star():
    index = index_of(
        {
            "app.db": "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n",
            "app.models": """
                from app.models.user import User
                from app.models.order import *
                from . import product as catalogue
                Customer = User
            """,
            "app.models.user": "from app.db import Base\nclass User(Base):\n    pass\n",
            "app.models.order": "from app.db import Base\nclass Order(Base):\n    pass\n",
            "app.models.product": "from app.db import Base\nclass Product(Base):\n    pass\n",
        }
    )
    assert index.resolve("app.models.User") == "app.models.user.User"
    assert index.kind("app.models.User") == ORM
    assert index.kind("app.models.Order") == ORM  # through ``from ... import *``
    assert index.resolve("app.models.catalogue.Product") == "app.models.product.Product"
    assert index.kind("app.models.catalogue.Product") == ORM
    assert index.kind("app.models.Customer") == ORM  # ``Customer = User``


def test_relative_imports_and_type_checking_bases():
    index = index_of(
        {
            "app.models": "",
            "app.models.base": "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n",
            "app.models.user": """
                from typing import TYPE_CHECKING
                from .base import Base
                if TYPE_CHECKING:
                    from ..schemas import UserOut
                class User(Base):
                    pass
            """,
            "app.schemas": "from pydantic import BaseModel\nclass UserOut(BaseModel):\n    pass\n",
        }
    )
    assert index.kind("app.models.user.User") == ORM
    assert index.resolve("app.models.user.UserOut") == "app.schemas.UserOut"


def test_inheritance_cycles_and_unknown_names_do_not_hang():
    index = index_of({"app.a": "from app.b import B\nclass A(B):\n    pass\n", "app.b": "from app.a import A\nclass B(A):\n    pass\n"})
    assert index.kind("app.a.A") == CLASS
    assert index.kind("app.nowhere.X") is None
    assert index.resolve("fastapi.HTTPException") == "fastapi.HTTPException"


def test_http_exception_subclasses_anywhere():
    index = index_of(
        {
            "app.core.errors": """
                from fastapi import HTTPException as Base
                class AppError(Base):
                    pass
                class NotFound(AppError):
                    pass
            """,
            "app.core": "from app.core.errors import NotFound as Missing\n",
        }
    )
    bases = frozenset({"fastapi.HTTPException"})
    assert index.inherits("app.core.Missing", bases)
    assert index.inherits("app.core.errors.AppError", bases)
    assert not index.inherits("fastapi.HTTPException", bases)  # itself is no subclass


def test_calls_type_aliases_and_functions_across_modules():
    index = index_of(
        {
            "app.db": """
                from typing import Annotated, TypeAlias
                from fastapi import Depends
                from sqlalchemy.orm import Session, sessionmaker
                SessionLocal = sessionmaker()
                def get_session() -> Session:
                    ...
                SessionDep = Annotated[Session, Depends(get_session)]
                MaybeSession: TypeAlias = "Session | None"
            """,
            "app.deps": "from app.db import *\n",
        }
    )
    assert index.call_of("app.deps.SessionLocal") == "sqlalchemy.orm.sessionmaker"
    symbols, alias = index.type_alias("app.deps.SessionDep")
    assert symbols.module == "app.db" and ast.unparse(alias).startswith("Annotated[Session")
    assert index.type_alias("app.db.MaybeSession") is not None
    symbols, function = index.function("app.deps.get_session")
    assert ast.unparse(function.returns) == "Session"


def test_modules_not_read_up_front_are_loaded_when_a_lookup_needs_them():
    sources = {
        "app.core": "from app.core.errors import NOT_FOUND\n",  # a re-export hub
        "app.core.errors": "from fastapi import HTTPException\nNOT_FOUND = HTTPException(404)\n",
    }
    asked = []

    def load(module):
        asked.append(module)
        source = sources.get(module)
        return None if source is None else symbols_of(ast.parse(source), module, module == "app.core")

    index = ProjectIndex([symbols_of(ast.parse("from app.core import NOT_FOUND\n"), "app.repo")], load=load)
    assert index.call_of("app.repo.NOT_FOUND") == "fastapi.HTTPException"
    assert index.kind("fastapi.HTTPException") is None
    index.kind("fastapi.HTTPException")
    assert asked.count("fastapi") == 1  # what is not a project module is asked once
    assert {"app.core", "app.core.errors"} <= set(asked)


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")], ids=["import-first", "definition-first"])
def test_star_reexports_resolve_to_the_definition_whatever_their_order(order):
    """``a`` only imports ``Thing`` under TYPE_CHECKING (nothing at run time); ``b`` defines it."""
    index = index_of(
        {
            "app.models": "".join(f"from .{name} import *\n" for name in order),
            "app.models.a": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from . import Thing
            """,
            "app.models.b": """
                from sqlalchemy.orm import DeclarativeBase
                class Base(DeclarativeBase):
                    pass
                class Thing(Base):
                    __tablename__ = "things"
            """,
        }
    )
    assert index.resolve("app.models.Thing") == "app.models.b.Thing"
    assert index.kind("app.models.Thing") == ORM


def test_methods_new_types_and_declarative_bases():
    index = index_of(
        {
            "app.db": """
                from typing import NewType
                from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession
                from sqlalchemy.orm import DeclarativeBase, declarative_base
                AsyncSession = NewType("AsyncSession", _AsyncSession)
                Legacy = declarative_base()
                class Base(DeclarativeBase):
                    pass
                class Repo:
                    def get(self) -> "Base":
                        pass
                class UserRepo(Repo):
                    async def find(self):
                        pass
            """,
        }
    )
    symbols, alias = index.type_alias("app.db.AsyncSession")
    assert symbols.qualify_node(alias) == "sqlalchemy.ext.asyncio.AsyncSession"
    assert index.method("app.db.UserRepo", "get")[1].name == "get"  # inherited
    assert index.method("app.db.UserRepo", "find")[1].returns is None
    assert index.method("app.db.UserRepo", "missing") is None
    assert index.is_declarative_base("app.db.Base") and index.is_declarative_base("app.db.Legacy")
    assert not index.is_declarative_base("app.db.Repo")


@pytest.mark.parametrize(
    ("body", "constants"),
    [
        ('class Keys:\n    """Names."""\n    UID = "uid"\n    LIMITS: tuple = (1, -2)\n', True),
        ("class Keys:\n    UID = 'uid'\n\n    def get(self):\n        return 1\n", False),
        ("class Keys(Base):\n    UID = 'uid'\n", False),
        ("class Keys:\n    uid = 'uid'\n", False),
        ("class Keys:\n    UID = make()\n", False),
        ("class Keys:\n    pass\n", False),
    ],
    ids=["constants", "a-method", "a-base", "lower-case", "a-call", "empty"],
)
def test_a_class_of_constants_only_is_known_as_one(body, constants):
    symbols = symbols_of(ast.parse(body), "app.schemas.keys", False)
    assert symbols.classes["Keys"].constants is constants
    assert symbols_from_data(symbols_to_data(symbols)).classes["Keys"].constants is constants


def test_a_table_over_a_base_of_another_distribution_and_functional_enums():
    # DB-GPT's entities derive from ``Model`` of its core distribution, which is not read:
    # ``__tablename__`` says table. ``Enum("Color", [...])`` makes an enum.
    index = index_of(
        {
            "app.entities": """
                import enum
                from abc import ABC
                from dataclasses import dataclass
                from dbgpt.storage.metadata import Model

                class ItemEntity(Model):
                    __tablename__ = "items"

                class ItemDao:
                    table = "items"

                @dataclass
                class UserRow:  # no base: a record named for its table, no declarative table
                    __tablename__ = "users"

                class Row(ABC):
                    __tablename__ = "rows"

                Color = enum.Enum("Color", ["RED", "BLUE"])
                Plain = dict(a=1)
            """,
        }
    )
    assert index.kind("app.entities.ItemEntity") == ORM
    assert index.kind("app.entities.ItemDao") == CLASS
    assert index.kind("app.entities.UserRow") == CLASS
    assert index.kind("app.entities.Row") == CLASS
    assert index.kind("app.entities.Color") == ENUM
    assert index.kind("app.entities.Plain") is None
    # The flag survives the cache's round trip.
    symbols = index.module("app.entities")
    assert symbols_from_data(symbols_to_data(symbols)).classes == symbols.classes


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("Agent", "app.core.agent"),  # only ``agent`` binds it
        ("audit", None),  # both ``agent`` and ``hooks`` define it: the last one wins at
        # run time, unless ``__all__`` says otherwise, so no narrowing
        ("deep", "app.core.hooks"),  # through ``hooks``' own star import
        ("missing", None),  # no star import binds it
        ("_private", None),  # a star import binds no private name
        ("Local", None),  # the package defines it itself
    ],
)
def test_the_star_import_a_name_comes_from(name, source):
    index = index_of(
        {
            "app.core": """
                from app.core.agent import *
                from app.core.hooks import *
                class Local:
                    pass
            """,
            "app.core.agent": "class Agent: pass\ndef audit(): pass\ndef _private(): pass\n",
            "app.core.hooks": "from app.core.deeper import *\ndef audit(): pass\n",
            "app.core.deeper": "def deep(): pass\n",
        }
    )
    assert index.star_source("app.core", name) == source


def test_the_models_of_active_record_orms_are_tables():
    index = index_of(
        {
            "app.models": """
                import peewee
                from tortoise.models import Model as TortoiseModel
                class BaseModel(peewee.Model):
                    pass
                class Event(BaseModel):
                    label = peewee.CharField()
                class Tournament(TortoiseModel):
                    pass
                class Plain:
                    pass
            """,
            # peewee's documented style
            "app.starred": """
                from peewee import *
                class Tag(Model):
                    name = CharField()
            """,
        }
    )
    assert [
        index.kind(name) for name in ("app.models.Event", "app.models.Tournament", "app.models.Plain", "app.starred.Tag")
    ] == [ORM, ORM, CLASS, ORM]
