"""What ORM class a value visibly is: a model instance built, fetched through a session
(``session.get(User, 1)``, ``session.query(User).first()``,
``session.scalars(select(User)).one()``), returned by a function annotated to return one,
or bound to a name annotated or assigned so. ARC201 asks it of a route's return values."""

from __future__ import annotations

import ast

from archcheck.index import ACTIVE_RECORD_BASES, ORM, ProjectIndex
from archcheck.names import dotted, last_name
from archcheck.rules.annotations import orm_classes, outer_type, returns_of
from archcheck.rules.sessions import STATEMENTS, Session
from archcheck.scopes import ASSIGNED, PARAMETER, Scopes

__all__ = ["OrmValues"]

_SELECTS = frozenset(name for name in STATEMENTS if name.endswith(".select"))
# How far a query has come: a Query (``session.query(User)``), scalars of one entity, or a
# Result whose rows are tuples (only its ``scalar*`` methods give the entity).
_QUERY, _SCALARS, _RESULT = "query", "scalars", "result"
_ROWS = frozenset(
    {"first", "one", "one_or_none", "all", "scalar_one", "scalar_one_or_none", "scalar"}
)
_SCALAR_ROWS = frozenset({"scalar_one", "scalar_one_or_none", "scalar"})
_MAPPINGS = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "defaultdict", "OrderedDict"})
# An active-record model's class methods that give one of its rows (peewee, Tortoise).
_ROW_OF = frozenset({"get", "get_or_none", "get_by_id", "create", "first"})
# Calls that keep what a statement, query or result is about.
_FILTERS = frozenset(
    {
        "where",
        "filter",
        "filter_by",
        "order_by",
        "limit",
        "offset",
        "options",
        "join",
        "outerjoin",
        "join_from",
        "select_from",
        "group_by",
        "having",
        "distinct",
        "execution_options",
        "with_for_update",
        "params",
        "unique",
        "populate_existing",
    }
)


class OrmValues:
    """Which ORM class the values of one module's functions are, as far as they show."""

    def __init__(self, scopes: Scopes, index: ProjectIndex) -> None:
        self.scopes = scopes
        self.index = index
        self.session = Session(scopes, index)

    def instance(self, value: ast.expr, depth: int = 0) -> str | None:
        """The ORM class of what ``value`` visibly is, or None."""
        if isinstance(value, ast.Await):
            value = value.value
        if (
            isinstance(value, ast.ListComp)
            and isinstance(value.elt, ast.Name)
            and len(value.generators) == 1
            and isinstance(value.generators[0].target, ast.Name)
            and value.generators[0].target.id == value.elt.id
            and depth < 5
            and not self._mapping(value.generators[0].iter)
        ):
            return self.instance(value.generators[0].iter, depth + 1)  # ``[u for u in users]``
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Attribute) and self.session.holds(func.value):
                if func.attr in ("get", "get_one") and value.args:
                    return self._orm_class(value.args[0])
                if func.attr == "scalar" and value.args:
                    return self._entity(value.args[0], depth)
                return None
            if isinstance(func, ast.Attribute) and func.attr in _ROWS:
                shape, entity = self._query(func.value, depth)
                if entity is not None and (
                    shape in (_QUERY, _SCALARS) or (func.attr in _SCALAR_ROWS and shape == _RESULT)
                ):
                    return entity
            if (
                isinstance(func, ast.Attribute)
                and func.attr in _ROW_OF
                and last_name(dotted(func.value) or "")[:1].isupper()  # a class's name
            ):
                owner = self.scopes.qualify(func.value)
                if owner is not None and self.index.inherits(owner, ACTIVE_RECORD_BASES):
                    return self.index.resolve(owner)  # ``User.get_by_id(1)``
            orm = self._orm_class(func)
            if orm is None:
                returned = returns_of(func, self.scopes, self.index)
                if returned is not None:
                    found = orm_classes(returned[0], returned[1], self.index)
                    orm = found[0] if found else None
            return orm
        if isinstance(value, ast.Name) and depth < 5:
            binding = self.scopes.lookup(value.id)
            if binding is not None and binding.kind in (ASSIGNED, PARAMETER):
                # ``user: User = ...``, or a parameter ``current_user: CurrentUser`` where
                # ``CurrentUser = Annotated[User, Depends(get_current_user)]``.
                annotated = orm_classes(binding.annotation, self.scopes.qualify, self.index)
                if annotated:
                    return annotated[0]
                if binding.kind == ASSIGNED and binding.value is not None:
                    return self.instance(binding.value, depth + 1)
        return None

    def _mapping(self, iterable: ast.expr) -> bool:
        """Whether ``iterable`` is a mapping (its keys are what a loop over it gives): a
        name annotated ``dict[...]`` or ``Mapping[...]``, or a ``.keys()`` call."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
            return iterable.func.attr == "keys"
        binding = self.scopes.lookup(iterable.id) if isinstance(iterable, ast.Name) else None
        return binding is not None and outer_type(binding.annotation) in _MAPPINGS

    def _query(self, expr: ast.expr, depth: int) -> tuple[str | None, str | None]:
        """What ``expr`` is on the way to rows: (_QUERY, entity) for ``session.query(User)``
        and its filters, (_SCALARS, entity) for ``session.scalars(select(User))`` or
        ``session.exec(select(User))``, (_RESULT, entity) for ``session.execute(...)``."""
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Name) and depth < 5:
            binding = self.scopes.lookup(expr.id)
            if binding is not None and binding.kind == ASSIGNED and binding.value is not None:
                return self._query(binding.value, depth + 1)
            return None, None
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
            return None, None
        func = expr.func
        if self.session.holds(func.value):
            if func.attr == "query" and len(expr.args) == 1:
                return _QUERY, self._orm_class(expr.args[0])
            shape = {"scalars": _SCALARS, "exec": _SCALARS, "execute": _RESULT}.get(func.attr)
            if shape is not None and expr.args:
                return shape, self._entity(expr.args[0], depth)
            return None, None
        if func.attr in _FILTERS:  # ``.filter(...)``, ``.unique()``: the same rows
            return self._query(func.value, depth)
        if func.attr == "scalars":  # ``session.execute(select(User)).scalars()``
            shape, entity = self._query(func.value, depth)
            return (_SCALARS, entity) if shape == _RESULT else (None, None)
        return None, None

    def _entity(self, statement: ast.expr, depth: int) -> str | None:
        """``User`` of ``select(User).where(...)`` (a statement of one ORM entity)."""
        for _ in range(20):
            if isinstance(statement, ast.Name) and depth < 5:
                binding = self.scopes.lookup(statement.id)
                if binding is None or binding.kind != ASSIGNED or binding.value is None:
                    return None
                statement, depth = binding.value, depth + 1
            elif (
                isinstance(statement, ast.Call)
                and isinstance(statement.func, ast.Attribute)
                and (statement.func.attr in _FILTERS)
            ):
                statement = statement.func.value
            elif isinstance(statement, ast.Call) and len(statement.args) == 1:
                name = self.scopes.qualify(statement.func)
                if name is None or self.index.resolve(name) not in _SELECTS:
                    return None
                return self._orm_class(statement.args[0])
            else:
                return None
        return None

    def _orm_class(self, expr: ast.expr) -> str | None:
        name = self.scopes.qualify(expr)
        if name is None:
            return None
        resolved = self.index.resolve(name)
        return resolved if self.index.kind(resolved) == ORM else None
