"""What a type annotation names, and what class a value is as annotations say.

Everything is read statically: a name is followed through imports, aliases, type aliases
and subclasses across the project (``ProjectIndex``) and through the bindings of the
enclosing functions (``Scopes``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from archcheck.index import ORM, ProjectIndex
from archcheck.names import dotted, last_name
from archcheck.scopes import ASSIGNED, PARAMETER, Scopes

__all__ = ["Qualify", "class_of", "orm_classes", "returns_of", "type_walk"]

_NOT_A_TYPE = frozenset({"Literal", "ClassVar", "Final", "InitVar"})


Qualify = Callable[[ast.AST], "str | None"]


def type_walk(
    expr: ast.expr | None, qualify: Qualify, index: ProjectIndex, depth: int = 0
) -> Iterator[tuple[str, ast.expr | None, Qualify]]:
    """Yield ``(name, None, qualify)`` for each class a type expression names, and
    ``("", metadata, qualify)`` for each ``Annotated`` extra; through ``list[...]``,
    ``Optional[...]``, ``X | None``, string annotations and type aliases of any module."""
    if expr is None or depth > 20:
        return
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        try:
            parsed = ast.parse(expr.value.strip(), mode="eval").body
        except SyntaxError:
            return
        yield from type_walk(parsed, qualify, index, depth + 1)
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        yield from type_walk(expr.left, qualify, index, depth + 1)
        yield from type_walk(expr.right, qualify, index, depth + 1)
    elif isinstance(expr, ast.Subscript):
        outer = qualify(expr.value)
        outer_name = last_name(index.resolve(outer)) if outer else ""
        if outer_name in _NOT_A_TYPE:
            return
        arguments = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if outer_name == "Annotated" and arguments:
            yield from type_walk(arguments[0], qualify, index, depth + 1)
            for extra in arguments[1:]:
                yield "", extra, qualify
        else:
            if outer:
                yield index.resolve(outer), None, qualify
            for argument in arguments:
                yield from type_walk(argument, qualify, index, depth + 1)
    elif isinstance(expr, (ast.Tuple, ast.List)):
        for element in expr.elts:
            yield from type_walk(element, qualify, index, depth + 1)
    elif isinstance(expr, (ast.Name, ast.Attribute)):
        name = qualify(expr)
        if name is None:
            return
        alias = index.type_alias(name)
        if alias is not None:
            symbols, value = alias
            yield from type_walk(value, symbols.qualify_node, index, depth + 1)
        else:
            yield index.resolve(name), None, qualify


def outer_type(annotation: ast.expr | None) -> str | None:
    """The last name of an annotation's outermost type: ``dict`` of ``dict[str, User]``,
    ``Mapping`` of ``typing.Mapping[...]``; None for what is no dotted name."""
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    written = None if annotation is None else dotted(annotation)
    return None if written is None else last_name(written)


def orm_classes(expr: ast.expr | None, qualify: Qualify, index: ProjectIndex) -> list[str]:
    """ORM model classes a type expression names (``list[User]``, ``"User | None"``, ...)."""
    found = []
    for name, _, _ in type_walk(expr, qualify, index):
        if name and name not in found and index.kind(name) == ORM:
            found.append(name)
    return found


def _project_class(expr: ast.expr | None, qualify: Qualify, index: ProjectIndex) -> str | None:
    """The first project class a type expression names (``UserRepo``, ``Annotated[UserRepo,
    Depends(...)]``, ``UserRepo | None``)."""
    for name, _, _ in type_walk(expr, qualify, index):
        if name and index.class_info(name) is not None:
            return name
    return None


def _dependency(expr: ast.expr | None, qualify: Qualify) -> str | None:
    """``get_repo`` of ``Depends(get_repo)``, qualified (whatever ``Depends`` resolves to)."""
    if not (
        isinstance(expr, ast.Call)
        and expr.args
        and last_name(dotted(expr.func) or "") in ("Depends", "Security")
    ):
        return None
    return qualify(expr.args[0])


def _class_itself(expr: ast.expr, scopes: Scopes, index: ProjectIndex) -> str | None:
    """The project class ``expr`` names (``Paragraph`` in ``Paragraph.find(...)``, a
    classmethod's call), when it names one."""
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return None
    name = scopes.qualify(expr)
    if name is None:
        return None
    resolved = index.resolve(name)
    return resolved if index.class_info(resolved) is not None else None


def class_of(expr: ast.expr, scopes: Scopes, index: ProjectIndex, depth: int = 0) -> str | None:
    """The project class whose instance ``expr`` holds, as far as constructors and
    annotations say: ``UserRepo(db)``, a parameter typed ``UserRepo`` (or given by a
    dependency annotated to return one), a variable assigned either, a module-level
    ``repo = UserRepo()``, a call of a function or method annotated to return one."""
    if depth > 5:
        return None
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Call):
        name = scopes.qualify(expr.func)
        if name is not None and index.class_info(name) is not None:
            return index.resolve(name)
        returned = returns_of(expr.func, scopes, index, depth + 1)
        return None if returned is None else _project_class(returned[0], returned[1], index)
    binding = scopes.lookup(expr.id) if isinstance(expr, ast.Name) else None
    if binding is None:  # a module-level instance, here or in another module
        name = scopes.qualify(expr)
        callee = index.call_of(name) if name else None
        return callee if callee is not None and index.class_info(callee) is not None else None
    if binding.kind not in (PARAMETER, ASSIGNED):
        return None
    found = _project_class(binding.annotation, scopes.qualify, index)
    if found is not None:
        return found
    if binding.kind == ASSIGNED:
        return None if binding.value is None else class_of(binding.value, scopes, index, depth + 1)
    dependencies = [(binding.value, scopes.qualify)] + [
        (extra, qualify)
        for _, extra, qualify in type_walk(binding.annotation, scopes.qualify, index)
        if extra is not None
    ]
    for dependency, qualify in dependencies:
        provider = _dependency(dependency, qualify)
        function = index.function(provider) if provider else None
        if function is not None:
            return _project_class(function[1].returns, function[0].qualify_node, index)
    return None


def returns_of(
    func: ast.expr, scopes: Scopes, index: ProjectIndex, depth: int = 0
) -> tuple[ast.expr, Qualify] | None:
    """The return annotation of the project function or method that calling ``func``
    runs (``crud.get_user``, ``UserService(db).get``, ``repo.get`` with ``repo`` typed),
    with the names it is read with; None when there is none or it cannot be told."""
    name = scopes.qualify(func)
    if name is not None:
        function = index.function(name)
        if function is not None:
            symbols, info = function
            return None if info.returns is None else (info.returns, symbols.qualify_node)
    if not isinstance(func, ast.Attribute):
        return None
    owner = _class_itself(func.value, scopes, index) or class_of(func.value, scopes, index, depth)
    method = index.method(owner, func.attr) if owner else None
    if method is None or method[1].returns is None:
        return None
    return method[1].returns, method[0].qualify_node
