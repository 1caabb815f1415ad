"""What the names of one module refer to: imports, classes and simple assignments.

Every rule that asks "is this ``HTTPException``?" or "is this an ORM model?" needs the
same thing: a local name turned into the dotted name it was imported or defined as, so
``from fastapi import HTTPException as HTTPError`` and ``import fastapi`` both lead to
``fastapi.HTTPException``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from archcheck.cache import flag, integer, mapping, text, texts

__all__ = [
    "BLOCKS",
    "ClassInfo",
    "FunctionInfo",
    "ModuleSymbols",
    "dotted",
    "is_type_checking",
    "module_level",
    "never_run",
    "resolve_relative",
    "symbols_from_data",
    "symbols_of",
    "symbols_to_data",
]


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    """The absolute name of ``from <level dots><target> import ...`` written in ``module``."""
    if level == 0:
        return target
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def last_name(name: str) -> str:
    """``user`` of ``app.models.user``."""
    return name.rpartition(".")[2]


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class ClassInfo(NamedTuple):
    name: str
    line: int
    bases: tuple[str, ...]  # qualified dotted names
    keywords: tuple[tuple[str, str], ...]  # (name, source) of class keywords, e.g. table=True
    decorators: tuple[str, ...]  # qualified dotted names of decorators (calls: the callee)
    abstract: bool = False
    # No base and a body of upper-case names bound to literals (``class Keys: UID = "uid"``):
    # a namespace of constants, shared like an enum.
    constants: bool = False
    # ``__tablename__ = "users"`` in its body: SQLAlchemy's declarative table, whatever
    # base it names (one from another distribution: DB-GPT's ``dbgpt`` core ``Model``).
    tablename: bool = False
    # No annotated field in its body (``class Schema(BaseModel): model_config = ...``): a
    # data class's base for others to derive from, not a contract of its own.
    fieldless: bool = False

    @property
    def is_table(self) -> bool:
        return ("table", "True") in self.keywords


class FunctionInfo(NamedTuple):
    name: str
    line: int
    returns: ast.expr | None  # the return annotation, read with the module's own names


@dataclass
class ModuleSymbols:
    """Module-level bindings of one module, qualified to dotted names."""

    module: str
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    calls: dict[str, str] = field(default_factory=dict)  # name -> qualified callee of `name = f()`
    aliases: dict[str, str] = field(default_factory=dict)  # name -> qualified `name = other`
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    # ``SessionDep = Annotated[Session, Depends(get_session)]``, ``X: TypeAlias = ...``,
    # ``type X = ...``: the aliased expression, read with this module's names.
    type_aliases: dict[str, ast.expr] = field(default_factory=dict)
    # ``Class.method`` -> its FunctionInfo: what a method is annotated to return.
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    star_imports: tuple[str, ...] = ()  # modules of ``from m import *``

    def defines(self, name: str) -> bool:
        """Whether ``name`` is bound at module level other than by an import."""
        return (
            name in self.classes
            or name in self.calls
            or name in self.aliases
            or name in self.functions
            or name in self.type_aliases
        )

    def qualify(self, name: str) -> str:
        """The dotted name that ``name`` (``a`` or ``a.b.c``) refers to in this module."""
        head, dot, rest = name.partition(".")
        if head in self.imports:
            base = self.imports[head]
        elif self.defines(head):
            base = f"{self.module}.{head}"
        else:
            return name
        return f"{base}{dot}{rest}"

    def qualify_node(self, node: ast.AST) -> str | None:
        name = dotted(node)
        return None if name is None else self.qualify(name)


def symbols_to_data(symbols: ModuleSymbols) -> list:
    """``symbols`` as JSON data (the cache's form); syntax nodes as their source text."""
    exprs: list[str] = []

    def expr(node: ast.expr | None) -> int:
        if node is None:
            return -1
        exprs.append(ast.unparse(node))
        return len(exprs) - 1

    return [
        symbols.module,
        symbols.is_package,
        symbols.imports,
        [
            [
                c.name,
                c.line,
                list(c.bases),
                [list(k) for k in c.keywords],
                list(c.decorators),
                c.abstract,
                c.constants,
                c.tablename,
                c.fieldless,
            ]
            for c in symbols.classes.values()
        ],
        symbols.calls,
        symbols.aliases,
        [[f.name, f.line, expr(f.returns)] for f in symbols.functions.values()],
        [[name, expr(value)] for name, value in symbols.type_aliases.items()],
        [[key, f.name, f.line, expr(f.returns)] for key, f in symbols.methods.items()],
        list(symbols.star_imports),
        exprs,
    ]


def symbols_from_data(data: object) -> ModuleSymbols:
    """The symbols ``symbols_to_data`` wrote; ValueError (or TypeError) when ``data`` has
    another shape."""

    def table(value: object) -> dict[str, str]:
        return {text(k): text(v) for k, v in mapping(value).items()}

    if type(data) is not list or len(data) != 11:
        raise ValueError("not a symbols record")
    (
        module,
        is_package,
        imports,
        classes,
        calls,
        aliases,
        functions,
        type_aliases,
        methods,
        stars,
        sources,
    ) = data
    sources = texts(sources)
    # One parse for every expression of the module: each on its own line, in parentheses.
    body = ast.parse("\n".join(f"({source})" for source in sources)).body if sources else []
    if len(body) != len(sources) or not all(isinstance(s, ast.Expr) for s in body):
        raise ValueError("expressions do not parse one by one")
    exprs = [s.value for s in body if isinstance(s, ast.Expr)]

    def expr(index: object) -> ast.expr | None:
        position = integer(index)
        return None if position == -1 else exprs[position]

    symbols = ModuleSymbols(text(module), flag(is_package), table(imports))
    for (
        name,
        line,
        bases,
        keywords,
        decorators,
        abstract,
        constants,
        tablename,
        fieldless,
    ) in classes:
        symbols.classes[text(name)] = ClassInfo(
            text(name),
            integer(line),
            texts(bases),
            tuple((text(k), text(v)) for k, v in keywords),
            texts(decorators),
            flag(abstract),
            flag(constants),
            flag(tablename),
            flag(fieldless),
        )
    symbols.calls = table(calls)
    symbols.aliases = table(aliases)
    for name, line, returns in functions:
        symbols.functions[text(name)] = FunctionInfo(text(name), integer(line), expr(returns))
    for name, value in type_aliases:
        aliased = expr(value)
        if aliased is None:
            raise ValueError("a type alias of nothing")
        symbols.type_aliases[text(name)] = aliased
    for key, name, line, returns in methods:
        symbols.methods[text(key)] = FunctionInfo(text(name), integer(line), expr(returns))
    symbols.star_imports = texts(stars)
    return symbols


def import_bindings(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool
) -> list[tuple[str, str, bool]]:
    """(local name, absolute target, whether the name is the target's head) for each name
    an import statement binds."""
    if isinstance(node, ast.Import):
        return [
            (alias.asname, alias.name, False)
            if alias.asname
            else (alias.name.split(".")[0], alias.name, True)
            for alias in node.names
        ]
    base = resolve_relative(module, is_package, node.level, node.module)
    if base is None:
        return []
    return [
        ("*", base, False)
        if alias.name == "*"
        else (alias.asname or alias.name, f"{base}.{alias.name}", False)
        for alias in node.names
    ]


def _bind_import(symbols: ModuleSymbols, node: ast.Import | ast.ImportFrom) -> None:
    for name, target, plain in import_bindings(node, symbols.module, symbols.is_package):
        if name == "*":
            symbols.star_imports += (target,)
        else:
            symbols.imports[name] = name if plain else target


# The statements whose blocks run at import time when they stand at module level
# (``try``/``except*`` is ast.TryStar from Python 3.11 on), ``with`` too (Temporal's
# ``with workflow.unsafe.imports_passed_through():`` around imports).
BLOCKS = (ast.If, ast.Try, getattr(ast, "TryStar", ast.Try), ast.With)


def module_level(body: list[ast.stmt], run: bool = False) -> Iterator[ast.stmt]:
    """Statements run at import time, including those under ``if``/``try``/``with``;
    with ``run``, not those that an import never runs (``never_run``)."""
    for node in body:
        yield node
        if isinstance(node, BLOCKS):
            skipped = run and isinstance(node, ast.If) and never_run(node.test)
            for block in (
                [] if skipped else node.body,
                getattr(node, "orelse", []),
                getattr(node, "finalbody", []),
            ):
                yield from module_level(block, run)
            for handler in getattr(node, "handlers", []):
                yield from module_level(handler.body, run)


def never_run(test: ast.expr) -> bool:
    """Whether an ``if`` with this test never runs its body when the module is imported:
    ``if TYPE_CHECKING:`` (type checkers only) and ``if __name__ == "__main__":`` (a
    script's)."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        sides = {dotted(test.left), dotted(test.comparators[0])}
        constants = {
            side.value
            for side in (test.left, test.comparators[0])
            if isinstance(side, ast.Constant)
        }
        return "__name__" in sides and constants == {"__main__"}
    return is_type_checking(test)


def is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING``, ``typing.TYPE_CHECKING``..."""
    name = dotted(test)
    return name is not None and name.split(".")[-1] == "TYPE_CHECKING"


def symbols_of(tree: ast.Module, module: str, is_package: bool = False) -> ModuleSymbols:
    symbols = ModuleSymbols(module=module, is_package=is_package)
    statements = list(module_level(tree.body))
    # Imports first: a class may use a base imported further down under TYPE_CHECKING.
    for node in statements:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            _bind_import(symbols, node)
    for node in statements:
        if isinstance(node, ast.ClassDef):
            symbols.classes[node.name] = ClassInfo(
                name=node.name,
                line=node.lineno,
                # ``BaseRepository[User]``, ``Generic[T]``: the class subscripted.
                bases=tuple(
                    b
                    for b in (
                        symbols.qualify_node(
                            base.value if isinstance(base, ast.Subscript) else base
                        )
                        for base in node.bases
                    )
                    if b
                ),
                keywords=tuple(
                    (kw.arg, ast.unparse(kw.value)) for kw in node.keywords if kw.arg is not None
                ),
                decorators=tuple(
                    d
                    for d in (
                        symbols.qualify_node(dec.func if isinstance(dec, ast.Call) else dec)
                        for dec in node.decorator_list
                    )
                    if d
                ),
                abstract=any(_assigns_true(stmt, "__abstract__") for stmt in node.body),
                constants=_holds_constants(node),
                tablename=any(_names_table(stmt) for stmt in node.body),
                fieldless=not any(isinstance(stmt, ast.AnnAssign) for stmt in node.body),
            )
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    symbols.methods[f"{node.name}.{member.name}"] = FunctionInfo(
                        member.name, member.lineno, member.returns
                    )
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            symbols.functions[node.name] = FunctionInfo(node.name, node.lineno, node.returns)
        elif _TYPE_ALIAS is not None and isinstance(node, _TYPE_ALIAS):
            symbols.type_aliases[node.name.id] = node.value
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            explicit_alias = isinstance(node, ast.AnnAssign) and _is_type_alias_annotation(
                symbols, node.annotation
            )
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                _forget(symbols, target.id)
                if explicit_alias or _looks_like_type(node.value):
                    symbols.type_aliases[target.id] = node.value
                elif (wrapped := _new_type(symbols, node.value)) is not None:
                    # ``AsyncSession = NewType("AsyncSession", _AsyncSession)`` is, to a
                    # reader of annotations, the type it wraps.
                    symbols.type_aliases[target.id] = wrapped
                elif isinstance(node.value, ast.Call):
                    callee = symbols.qualify_node(node.value.func)
                    if callee:
                        symbols.calls[target.id] = callee
                else:
                    other = symbols.qualify_node(node.value)
                    if other:
                        symbols.aliases[target.id] = other
    return symbols


_TYPE_ALIAS = getattr(ast, "TypeAlias", None)  # ``type X = ...``, Python 3.12+


def _forget(symbols: ModuleSymbols, name: str) -> None:
    """A later assignment replaces what an earlier one bound."""
    for table in (symbols.calls, symbols.aliases, symbols.type_aliases):
        table.pop(name, None)


def _is_type_alias_annotation(symbols: ModuleSymbols, annotation: ast.expr) -> bool:
    name = symbols.qualify_node(annotation)
    return name is not None and name.rpartition(".")[2] == "TypeAlias"


def _looks_like_type(value: ast.expr) -> bool:
    """``Annotated[...]``, ``list[X]``, ``X | None``: a subscript or a union of names."""
    if isinstance(value, ast.Subscript):
        return dotted(value.value) is not None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
        return all(
            (isinstance(side, ast.Constant) and side.value is None)
            or _looks_like_type(side)
            or dotted(side) is not None
            for side in (value.left, value.right)
        )
    return False


def _new_type(symbols: ModuleSymbols, value: ast.expr) -> ast.expr | None:
    """``T`` of ``NewType("Name", T)``."""
    if not (isinstance(value, ast.Call) and len(value.args) == 2):
        return None
    callee = symbols.qualify_node(value.func)
    return value.args[1] if callee in ("typing.NewType", "typing_extensions.NewType") else None


def _names_table(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` binds ``__tablename__`` to a string."""
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets, value = [stmt.target], stmt.value
    else:
        return False
    return (
        any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets)
        and isinstance(value, ast.Constant)
        and isinstance(value.value, str)
    )


def _holds_constants(node: ast.ClassDef) -> bool:
    """No base, no decorator, and a body of upper-case names bound to literals (a
    docstring and ``pass`` aside)."""
    if node.bases or node.keywords or node.decorator_list:
        return False
    found = False
    for stmt in node.body:
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [stmt.target]
        value = getattr(stmt, "value", None)
        if (
            not targets
            or not all(isinstance(t, ast.Name) and t.id.isupper() for t in targets)
            or not _literal(value)
        ):
            return False
        found = True
    return found


def _literal(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_literal(item) for item in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    return False


def _assigns_true(stmt: ast.stmt, name: str) -> bool:
    return (
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
        and isinstance(stmt.value, ast.Constant)
        and stmt.value.value is True
    )


# Fields that never hold a node a walk could want: identifiers, flags, and ``ctx`` (the
# Load/Store singletons under every name, a fifth of a typical tree). Skipping them makes
# a walk several times cheaper than ``ast.walk``.
_LEAF_FIELDS = frozenset(
    {
        "ctx",
        "id",
        "attr",
        "arg",
        "module",
        "level",
        "type_comment",
        "kind",
        "asname",
        "is_async",
        "conversion",
        "simple",
    }
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    """The fields of ``node_type`` that may hold nodes, last first, so that a stack pops
    them in source order."""
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        skip = set(_LEAF_FIELDS)
        if node_type is ast.Constant:
            skip.add("value")
        if node_type.__name__ != "TypeAlias":  # ``type X = ...`` names X with a Name node
            skip.add("name")
        fields = _CHILD_FIELDS[node_type] = tuple(
            name for name in reversed(node_type._fields) if name not in skip
        )
    return fields
