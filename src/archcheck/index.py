"""The project index: which classes are ORM models, which are Pydantic schemas.

Built from every module's symbols, so a model is recognised by what it inherits even when
its declarative base lives three modules away, and a name re-exported by a package's
``__init__`` leads back to the class it names.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable

from archcheck.names import ClassInfo, FunctionInfo, ModuleSymbols, dotted

__all__ = ["CLASS", "ENUM", "ORM", "ORM_BASE", "SCHEMA", "ProjectIndex"]

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
# The standard library's modules, and ``object``: no base a table derives from.
_STANDARD = frozenset(sys.stdlib_module_names) | {"object"}
_ENUMS = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"})
# The tables of the active-record ORMs: every subclass of their model is mapped.
ACTIVE_RECORD_BASES = frozenset(
    {
        "peewee.Model",
        "playhouse.signals.Model",
        "tortoise.models.Model",
        "tortoise.Model",
        "ormar.Model",
        "piccolo.table.Table",
        "django.db.models.Model",
        "django.db.models.base.Model",
    }
)


class ProjectIndex:
    """Kinds of the project's classes, resolved across modules and re-exports."""

    def __init__(
        self,
        symbols: Iterable[ModuleSymbols],
        load: Callable[[str], ModuleSymbols | None] | None = None,
    ) -> None:
        """``symbols``: the modules read so far; ``load(module)``: the symbols of a project
        module not among them (None for what is not a module of the project), asked the
        first time a lookup needs that module (a re-exporting ``__init__``, say)."""
        self._modules = {s.module: s for s in symbols}
        self._load = load
        self._missing: set[str] = set()
        self._kinds: dict[str, str | None] = {}
        self._resolved: dict[str, str] = {}
        self._inherits: dict[tuple[str, frozenset[str]], bool] = {}
        self._from_sqlalchemy: dict[str, bool] = {}
        self._star_sources: dict[tuple[str, str], str | None] = {}
        self._binding: dict[tuple[str, str], bool] = {}

    def module(self, name: str) -> ModuleSymbols | None:
        found = self._modules.get(name)
        if found is None and self._load is not None and name not in self._missing:
            found = self._load(name)
            if found is None:
                self._missing.add(name)
            else:
                self._modules[name] = found
        return found

    def _split(self, qualname: str) -> tuple[ModuleSymbols, str] | None:
        module, _, name = qualname.rpartition(".")
        symbols = self.module(module) if name else None
        return None if symbols is None else (symbols, name)

    def resolve(self, qualname: str) -> str:
        """Follow imports, ``X = Y`` aliases, star imports and re-exported submodules to
        where a name is defined; a name from outside the project comes back as it is."""
        try:
            return self._resolved[qualname]
        except KeyError:
            pass
        resolved = self._resolve(qualname)
        self._resolved[qualname] = resolved
        return resolved

    def _resolve(self, qualname: str) -> str:
        seen = set()
        while qualname not in seen:
            seen.add(qualname)
            found = self._split(qualname)
            if found is None:
                rerouted = self._through_prefix(qualname)
                if rerouted is None:
                    return qualname
                qualname = rerouted
                continue
            symbols, name = found
            if symbols.defines(name) and name not in symbols.aliases:
                return qualname
            target = symbols.imports.get(name) or symbols.aliases.get(name)
            if target is None:
                target = self._through_star(symbols, name, seen)
            if target is None:
                # ``from peewee import *``: the one star import outside the project binds it.
                outside = [m for m in symbols.star_imports if self.module(m) is None]
                if len(outside) != 1 or name.startswith("_"):
                    return qualname
                target = f"{outside[0]}.{name}"
            qualname = target
        return qualname

    def _through_prefix(self, qualname: str) -> str | None:
        """``pkg.sub.Name`` where ``pkg`` binds ``sub`` to something else (``from . import
        user_model as sub``): rewrite the longest module prefix's binding."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 2, 0, -1):
            symbols = self.module(".".join(parts[:cut]))
            if symbols is None:
                continue
            head = parts[cut]
            target = symbols.imports.get(head) or symbols.aliases.get(head)
            if target is None or target == ".".join(parts[: cut + 1]):
                return None
            return ".".join([target, *parts[cut + 1 :]])
        return None

    def _through_star(self, symbols: ModuleSymbols, name: str, seen: set[str]) -> str | None:
        """Where a name star-imported into ``symbols`` comes from. A module that defines it
        wins over one that only imports it (``from . import Thing`` under
        ``TYPE_CHECKING``, which imports nothing at run time), whatever the order of the
        star imports; an import leading back to a name already followed is no source."""
        others = [
            (module, other)
            for module in symbols.star_imports
            if f"{module}.{name}" not in seen and (other := self.module(module)) is not None
        ]
        for module, other in others:
            if other.defines(name):
                return f"{module}.{name}"
        for module, other in others:
            target = other.imports.get(name)
            if target is not None and target not in seen:
                return f"{module}.{name}"
        for module, other in others:
            if other.star_imports:
                deeper = self._through_star(other, name, seen | {f"{module}.{name}"})
                if deeper is not None:
                    return deeper
        return None

    def is_shared_value(self, qualname: str) -> bool:
        """An enum class, a class of constants only (``class Keys: UID = "uid"``), a
        constant (an upper-case name that is no class), or a type alias of no project class
        but enums (``UUIDstr = Annotated[str, AfterValidator(...)]``): what layers may
        share without coupling their code."""
        if self.kind(qualname) == ENUM:
            return True
        info = self.class_info(qualname)
        if info is not None:
            # A Pydantic base of no field, for others to derive from: what a value type
            # stored in a column (polar's ``Address(Schema)``) may share. Not a class that
            # inherits its fields from a project base (zenml's responses).
            return info.constants or (
                info.fieldless
                and self.kind(qualname) == SCHEMA
                and not any(self.class_info(base) for base in info.bases)
            )
        alias = self.type_alias(qualname)
        if alias is not None:
            return self._names_no_class(*alias, seen={qualname})
        return qualname.rpartition(".")[2].isupper()

    def _names_no_class(self, symbols: ModuleSymbols, expression: ast.expr, seen: set[str]) -> bool:
        """Whether a type alias's expression names no project class but enums, through
        the aliases it names and the forward references in its strings. An alias already
        in ``seen`` (``JSON = dict[str, "JSON"] | ...``) adds no name."""
        for node in ast.walk(expression):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                # ``list["UserOut"]``: a forward reference; other strings name nothing.
                name: str | None = node.value.strip()
                if not all(part.isidentifier() for part in (name or "").split(".")):
                    continue
            else:
                name = dotted(node)
            if name is None:
                continue
            qualified = symbols.qualify(name)
            if self.kind(qualified) not in (None, ENUM):
                return False
            if qualified in seen:
                continue
            inner = self.type_alias(qualified)
            if inner is not None:
                seen.add(qualified)
                if not self._names_no_class(*inner, seen=seen):
                    return False
        return True

    def star_source(self, module: str, name: str) -> str | None:
        """Of the modules that ``module`` star-imports, the one ``name`` comes from: the
        only one that may bind it (define it, import it, or star-import it from one that
        does; a module the index cannot read may bind anything). None when ``module``
        binds ``name`` itself, or when none or several may."""
        key = (module, name)
        if key not in self._star_sources:
            found = None
            symbols = self.module(module)
            if (
                symbols is not None
                and symbols.star_imports
                and not name.startswith("_")
                and not symbols.defines(name)
                and name not in symbols.imports
            ):
                binding = [star for star in symbols.star_imports if self._binds(star, name)]
                found = binding[0] if len(binding) == 1 else None
            self._star_sources[key] = found
        return self._star_sources[key]

    def _binds(self, module: str, name: str) -> bool:
        key = (module, name)
        if key not in self._binding:
            self._binding[key] = False  # a star import that leads back binds nothing more
            symbols = self.module(module)
            self._binding[key] = (
                symbols is None
                or symbols.defines(name)
                or name in symbols.imports
                or any(self._binds(star, name) for star in symbols.star_imports)
            )
        return self._binding[key]

    def is_project_name(self, qualname: str) -> bool:
        """Whether ``qualname`` (resolved) is a module of the project or defined in one."""
        return self.module(qualname) is not None or self._split(qualname) is not None

    def call_of(self, qualname: str) -> str | None:
        """The qualified callee of ``name = callee(...)`` at module level, if that is what
        ``qualname`` is, resolved to where it is defined."""
        found = self._split(self.resolve(qualname))
        callee = None if found is None else found[0].calls.get(found[1])
        return None if callee is None else self.resolve(callee)

    def type_alias(self, qualname: str) -> tuple[ModuleSymbols, ast.expr] | None:
        """The aliased expression of a type alias, with the module whose names it uses."""
        found = self._split(self.resolve(qualname))
        if found is None or found[1] not in found[0].type_aliases:
            return None
        return found[0], found[0].type_aliases[found[1]]

    def function(self, qualname: str) -> tuple[ModuleSymbols, FunctionInfo] | None:
        """A module-level function of the project, with the module that defines it."""
        found = self._split(self.resolve(qualname))
        if found is None or found[1] not in found[0].functions:
            return None
        return found[0], found[0].functions[found[1]]

    def method(self, qualname: str, name: str) -> tuple[ModuleSymbols, FunctionInfo] | None:
        """Method ``name`` of the project class ``qualname``, defined there or inherited
        from a project base class, with the module that defines it."""
        return self._method(self.resolve(qualname), name, set())

    def _method(
        self, qualname: str, name: str, seen: set[str]
    ) -> tuple[ModuleSymbols, FunctionInfo] | None:
        found = self._split(qualname)
        if found is None or found[1] not in found[0].classes or qualname in seen:
            return None
        seen.add(qualname)
        symbols, class_name = found
        info = symbols.methods.get(f"{class_name}.{name}")
        if info is not None:
            return symbols, info
        for base in symbols.classes[class_name].bases:
            inherited = self._method(self.resolve(base), name, seen)
            if inherited is not None:
                return inherited
        return None

    def is_declarative_base(self, qualname: str) -> bool:
        """Whether ``qualname`` is an ORM declarative base: a ``DeclarativeBase`` subclass,
        an abstract mapped class, or what ``declarative_base()`` returned."""
        qualname = self.resolve(qualname)
        return self.kind(qualname) == ORM_BASE or self._is_declarative_object(qualname)

    def inherits(self, qualname: str, bases: frozenset[str]) -> bool:
        """Whether the project class ``qualname`` derives, across modules, from one of
        ``bases`` (qualified names of classes outside or inside the project)."""
        qualname = self.resolve(qualname)
        key = (qualname, bases)
        if key in self._inherits:
            return self._inherits[key]
        self._inherits[key] = False  # guards against inheritance cycles
        answer = False
        found = self._split(qualname)
        if found is not None and (info := found[0].classes.get(found[1])) is not None:
            symbols = found[0]
            answer = any(
                self._base(symbols, base) in bases or self.inherits(base, bases)
                for base in info.bases
            )
        self._inherits[key] = answer
        return answer

    def from_sqlalchemy(self, qualname: str) -> bool:
        """Whether the project class ``qualname`` derives, across modules, from a class of
        SQLAlchemy's: a column type (``TypeDecorator``), a query or comparator class, a
        mapped class or base."""
        qualname = self.resolve(qualname)
        if qualname in self._from_sqlalchemy:
            return self._from_sqlalchemy[qualname]
        self._from_sqlalchemy[qualname] = False  # guards against inheritance cycles
        info = self.class_info(qualname)
        answer = info is not None and any(
            self.resolve(base).startswith("sqlalchemy.") or self.from_sqlalchemy(base)
            for base in info.bases
        )
        self._from_sqlalchemy[qualname] = answer
        return answer

    def _base(self, symbols: ModuleSymbols, base: str) -> str:
        """Where a base of a class of ``symbols`` is defined: a bare name no import binds
        is a star import's (``from peewee import *``, ``class Event(Model)``)."""
        resolved = self.resolve(base)
        if "." not in resolved and symbols.star_imports:
            return self.resolve(f"{symbols.module}.{base}")
        return resolved

    def class_info(self, qualname: str) -> ClassInfo | None:
        found = self._split(self.resolve(qualname))
        return None if found is None else found[0].classes.get(found[1])

    def kind(self, qualname: str) -> str | None:
        """ORM, ORM_BASE, SCHEMA, ENUM, CLASS, or None for what is not a class of the project
        (or is an external class such as ``pydantic.BaseModel`` itself). An enum made with
        ``Enum("Name", [...])`` is an ENUM."""
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
        if found is None:
            return None
        if found[1] not in found[0].classes:
            # ``Color = Enum("Color", ["RED", "BLUE"])``: the functional API makes an enum.
            callee = found[0].calls.get(found[1])
            return ENUM if callee is not None and self.resolve(callee) in _ENUMS else None
        info = found[0].classes[found[1]]
        for decorator in info.decorators:
            owner, _, method = self.resolve(decorator).rpartition(".")
            if self.resolve(decorator) in _MAPPING_DECORATORS or (
                method in ("mapped", "mapped_as_dataclass") and self._is_registry(owner)
            ):
                return ORM
        kinds = []
        unread = False  # a base that is no class archcheck knows: another distribution's
        for base in info.bases:
            resolved = self._base(found[0], base)
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
            elif resolved in ACTIVE_RECORD_BASES:
                kinds.append(ORM)
            else:
                base_kind = self.kind(resolved)
                if base_kind in (ORM_BASE, ORM) or (base_kind == SCHEMA and info.is_table):
                    kinds.append(ORM)
                elif base_kind is not None:
                    kinds.append(base_kind)
                elif resolved.partition(".")[0] not in _STANDARD:
                    unread = True
        if ORM in kinds:
            return ORM_BASE if info.abstract else ORM
        if ORM_BASE in kinds:
            return ORM_BASE
        for kind in (SCHEMA, ENUM):
            if kind in kinds:
                return kind
        if info.tablename and unread:
            # A table over a base archcheck cannot read (another distribution's ``Model``);
            # a class of no base, or of the project's plain ones, is no declarative table.
            return ORM
        return CLASS
