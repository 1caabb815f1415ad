from __future__ import annotations

from archcheck.layers import MODELS_ON_SCHEMAS, SCHEMAS_ON_MODELS, violation
from archcheck.rules.base import Example, ImportContext, ImportEdge, ImportRule


class ModelSchemaCoupling(ImportRule):
    """ORM models import schemas, or schemas import ORM model classes

    ## What it does
    Flags an import of a schemas module in the models layer, and an import in the schemas
    layer that brings in an ORM model class (a mapped SQLAlchemy class, or a SQLModel class
    with ``table=True``). A schema may still import from the models package what is not a
    table: a shared non-table base (SQLModel's ``HeroBase`` idiom), enums and constants.

    ## Why is this bad?
    The database schema and the API contract change for different reasons. A model that
    knows its schemas, or a schema that subclasses a table, ties every migration to an API
    version and leaks columns (password hashes, internal flags) into responses.

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

    def check_import(self, edge: ImportEdge, context: ImportContext) -> str | None:
        kind = violation(edge.importer_layer, edge.imported_layer)
        if kind == MODELS_ON_SCHEMAS:
            return (
                f"Model imports schema {edge.imported}; "
                f"ORM models must not depend on API schemas"
            )
        if kind == SCHEMAS_ON_MODELS:
            classes = context.classes_imported(edge)
            if classes:
                return (
                    f"Schema imports ORM model {', '.join(classes)}; declare the fields on the "
                    f"schema (share a non-table base if needed)"
                )
        return None

    valid = (
        Example(
            {
                "app/models/hero.py": (
                    "import enum\n"
                    "from sqlmodel import Field, SQLModel\n"
                    "\n"
                    "class Power(str, enum.Enum):\n"
                    "    FLY = 'fly'\n"
                    "\n"
                    "class HeroBase(SQLModel):\n"
                    "    name: str\n"
                    "\n"
                    "class Hero(HeroBase, table=True):\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                ),
                "app/schemas/hero.py": (
                    "from app.models.hero import HeroBase, Power\n"
                    "\n"
                    "class HeroRead(HeroBase):\n"
                    "    id: int\n"
                    "    power: Power\n"
                ),
                "app/services/hero_service.py": "",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/db.py": (
                    "from sqlalchemy.orm import DeclarativeBase\n"
                    "\n"
                    "class Base(DeclarativeBase):\n"
                    "    pass\n"
                ),
                "app/models/user.py": (
                    "from app.db import Base\n"
                    "from app.schemas.user import UserOut  # ARC004\n"
                    "\n"
                    "class User(Base):\n"
                    "    __tablename__ = 'users'\n"
                ),
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n"
                    "from app.models.user import User  # ARC004\n"
                    "import app.models.user as user_models  # ARC004\n"
                    "\n"
                    "class UserOut(BaseModel):\n"
                    "    id: int\n"
                    "\n"
                    "class Legacy(user_models.User):\n"
                    "    pass\n"
                ),
                "app/services/user_service.py": "",
            }
        ),
    )
