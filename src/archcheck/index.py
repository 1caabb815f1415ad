"""The project index: which classes are ORM models, which are Pydantic schemas.

Built from every module's symbols, so a model is recognised by what it inherits even when
its declarative base lives three modules away, and a name re-exported by a package's
``__init__`` leads back to the class it names.
"""
from __future__ import annotations

from collections.abc import Iterable

from archcheck.names import ClassInfo, ModuleSymbols

__all__ = ["ORM", "ORM_BASE", "SCHEMA", "ENUM", "CLASS", "ProjectIndex"]

ORM = "orm-model"  # a mapped class: a table
ORM_BASE = "orm-base"  # a declarative base or abstract mapped class: not a table itself
SCHEMA = "schema"  # a Pydantic model (non-table SQLModel classes included)
ENUM = "enum"
CLASS = "class"  # any other class of the project

_DECLARATIVE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "flask_sqlalchemy.SQLAlchemy",
    }
)
_DECLARATIVE_CLASSES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.MappedAsDataclass",
    }
)
_REGISTRIES = frozenset({"sqlalchemy.orm.registry", "sqlalchemy.orm.decl_api.registry"})
_MAPPING_DECORATORS = frozenset(
    {"sqlalchemy.orm.mapped_as_dataclass", "sqlalchemy.orm.decl_api.mapped_as_dataclass"}
)
_PYDANTIC = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel"})
_SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
_ENUMS = frozenset(
    {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"}
)


class ProjectIndex:
    """Kinds of the project's classes, resolved across modules and re-exports."""

    def __init__(self, symbols: Iterable[ModuleSymbols]) -> None:
        self._modules = {s.module: s for s in symbols}
        self._kinds: dict[str, str | None] = {}

    def _split(self, qualname: str) -> tuple[ModuleSymbols, str] | None:
        module, _, name = qualname.rpartition(".")
        symbols = self._modules.get(module)
        return None if symbols is None or not name else (symbols, name)

    def resolve(self, qualname: str) -> str:
        """Follow imports and ``X = Y`` aliases to where a name is defined."""
        seen = set()
        while qualname not in seen:
            seen.add(qualname)
            found = self._split(qualname)
            if found is None:
                # ``pkg.sub.Name`` where ``pkg.sub`` is re-exported by ``pkg``: try prefixes.
                return qualname
            symbols, name = found
            if name in symbols.classes or name in symbols.calls:
                return qualname
            target = symbols.imports.get(name) or symbols.aliases.get(name)
            if target is None:
                return qualname
            qualname = target
        return qualname

    def class_info(self, qualname: str) -> ClassInfo | None:
        found = self._split(self.resolve(qualname))
        return None if found is None else found[0].classes.get(found[1])

    def kind(self, qualname: str) -> str | None:
        """ORM, ORM_BASE, SCHEMA, ENUM, CLASS, or None for what is not a class of the project
        (or is an external class such as ``pydantic.BaseModel`` itself)."""
        qualname = self.resolve(qualname)
        if qualname in self._kinds:
            return self._kinds[qualname]
        self._kinds[qualname] = None  # guards against inheritance cycles
        kind = self._compute(qualname)
        self._kinds[qualname] = kind
        return kind

    def _is_declarative_object(self, qualname: str) -> bool:
        """``Base = declarative_base()`` or ``Base = reg.generate_base()``."""
        found = self._split(qualname)
        if found is None:
            return False
        symbols, name = found
        callee = symbols.calls.get(name)
        if callee is None:
            return False
        callee = self.resolve(callee)
        if callee in _DECLARATIVE_FACTORIES:
            return True
        owner, _, method = callee.rpartition(".")
        return method == "generate_base" and self._is_registry(owner)

    def _is_registry(self, qualname: str) -> bool:
        qualname = self.resolve(qualname)
        found = self._split(qualname)
        if found is None:
            return False
        symbols, name = found
        callee = symbols.calls.get(name)
        return callee is not None and self.resolve(callee) in _REGISTRIES

    def _compute(self, qualname: str) -> str | None:
        found = self._split(qualname)
        if found is None or found[1] not in found[0].classes:
            return None
        info = found[0].classes[found[1]]
        for decorator in info.decorators:
            owner, _, method = self.resolve(decorator).rpartition(".")
            if self.resolve(decorator) in _MAPPING_DECORATORS or (
                method in ("mapped", "mapped_as_dataclass") and self._is_registry(owner)
            ):
                return ORM
        kinds = []
        for base in info.bases:
            resolved = self.resolve(base)
            if resolved in _DECLARATIVE_CLASSES:
                kinds.append(ORM_BASE)
            elif self._is_declarative_object(resolved):
                kinds.append(ORM)
            elif resolved in _SQLMODEL:
                kinds.append(ORM if info.is_table else SCHEMA)
            elif resolved in _PYDANTIC:
                kinds.append(SCHEMA)
            elif resolved in _ENUMS:
                kinds.append(ENUM)
            else:
                base_kind = self.kind(resolved)
                if base_kind in (ORM_BASE, ORM):
                    kinds.append(ORM)
                elif base_kind == SCHEMA and info.is_table:
                    kinds.append(ORM)
                elif base_kind is not None:
                    kinds.append(base_kind)
        if ORM in kinds:
            return ORM_BASE if info.abstract else ORM
        if ORM_BASE in kinds:
            return ORM_BASE
        for kind in (SCHEMA, ENUM):
            if kind in kinds:
                return kind
        return CLASS
