"""The scopes at one point of a walk over a module: what each local name is bound to.

A rule asks ``Scopes`` what a name written in a function refers to: a parameter (with its
annotation and default), an assignment, a ``with ... as`` target, an import, or, past the
functions, the module-level names of ``ModuleSymbols``.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from archcheck.names import ModuleSymbols, dotted, import_bindings

__all__ = ["ASSIGNED", "ENTERED", "IMPORTED", "OTHER", "PARAMETER", "Binding", "Scopes"]


# How a function-local name was bound; see Binding.
PARAMETER, IMPORTED, ASSIGNED, ENTERED, OTHER = (
    "parameter",
    "imported",
    "assigned",
    "entered",
    "other",
)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class Binding(NamedTuple):
    """What a local name was last bound to, as far as the walk has read.

    ``PARAMETER``: ``annotation`` and ``value`` (the default); ``IMPORTED``: ``target``, the
    dotted name; ``ASSIGNED``: ``value`` (and ``annotation`` for ``x: T = v``); ``ENTERED``:
    ``value`` is the context manager of ``with value as name``; ``OTHER``: loop variables,
    exception names, unpacked tuples: shadowing only.
    """

    kind: str
    value: ast.expr | None = None
    annotation: ast.expr | None = None
    target: str | None = None


class _Frame:
    __slots__ = ("bindings", "is_function", "name", "node")

    def __init__(self, node: ast.AST, name: str, is_function: bool) -> None:
        self.node = node
        self.name = name
        self.is_function = is_function
        self.bindings: dict[str, Binding] = {}


class Scopes:
    """The chain of scopes at the current point of a walk over one module.

    Module-level names come from the module's ``ModuleSymbols``; the walk pushes a frame per
    function, lambda and class, and records local bindings as it reads them (in source
    order, so ``err = HTTPException(404); raise err`` sees the assignment). Lookups follow
    Python's rules: class bodies are not visible from the methods inside them.
    """

    def __init__(self, symbols: ModuleSymbols) -> None:
        self.symbols = symbols
        self._frames: list[_Frame] = []

    # -- the walk ----------------------------------------------------------------------
    def push(self, node: ast.AST) -> None:
        is_function = isinstance(node, _FUNCTIONS)
        name = getattr(node, "name", "<lambda>")
        if self._frames and not isinstance(node, ast.Lambda):
            self._frames[-1].bindings[name] = Binding(OTHER)
        frame = _Frame(node, name, is_function)
        if isinstance(node, _FUNCTIONS):
            arguments = node.args
            positional = arguments.posonlyargs + arguments.args
            defaults = [None] * (len(positional) - len(arguments.defaults)) + arguments.defaults
            pairs = list(zip(positional, defaults, strict=True)) + list(
                zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
            )
            pairs += [(arg, None) for arg in (arguments.vararg, arguments.kwarg) if arg]
            for arg, default in pairs:
                frame.bindings[arg.arg] = Binding(PARAMETER, default, arg.annotation)
        self._frames.append(frame)

    def pop(self) -> None:
        self._frames.pop()

    def bind(self, node: ast.AST) -> None:
        """Record the names a statement binds (only inside functions and classes: module
        level is the symbols' business)."""
        if not self._frames:
            return
        bindings = self._frames[-1].bindings
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _bind_target(bindings, target, Binding(ASSIGNED, node.value))
        elif isinstance(node, ast.AnnAssign):
            _bind_target(bindings, node.target, Binding(ASSIGNED, node.value, node.annotation))
        elif isinstance(node, ast.NamedExpr):
            _bind_target(bindings, node.target, Binding(ASSIGNED, node.value))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    _bind_target(bindings, item.optional_vars, Binding(ENTERED, item.context_expr))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            _bind_target(bindings, node.target, Binding(OTHER))
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                bindings[node.name] = Binding(OTHER)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            symbols = self.symbols
            for name, imported, plain in import_bindings(node, symbols.module, symbols.is_package):
                if name != "*":
                    bindings[name] = Binding(IMPORTED, target=name if plain else imported)

    # -- questions ---------------------------------------------------------------------
    @property
    def function(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The innermost enclosing ``def``, if any."""
        for frame in reversed(self._frames):
            if isinstance(frame.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return frame.node
        return None

    def enclosing(self) -> list[ast.AST]:
        """Enclosing functions, lambdas and classes, innermost first."""
        return [frame.node for frame in reversed(self._frames)]

    @property
    def qualname(self) -> str | None:
        """``UserRepository.get``: where in the module the walk is, None at module level."""
        return ".".join(frame.name for frame in self._frames) or None

    def lookup(self, name: str) -> Binding | None:
        """The local binding of ``name``, or None when it is a module-level (or builtin) name."""
        innermost = len(self._frames) - 1
        for position in range(innermost, -1, -1):
            frame = self._frames[position]
            if not frame.is_function and position != innermost:
                continue  # a class body's names are not visible in its methods
            binding = frame.bindings.get(name)
            if binding is not None:
                return binding
        return None

    def qualify(self, node: ast.AST | str) -> str | None:
        """The dotted name an expression (``HTTPError``, ``fastapi.HTTPException``) refers
        to here; None when it is not a dotted name or its head is a local variable."""
        name = dotted(node) if isinstance(node, ast.AST) else node
        if name is None:
            return None
        head, dot, rest = name.partition(".")
        binding = self.lookup(head)
        if binding is None:
            return self.symbols.qualify(name)
        if binding.kind == IMPORTED:
            return f"{binding.target}{dot}{rest}"
        return None


def _bind_target(bindings: dict[str, Binding], target: ast.expr, binding: Binding) -> None:
    if isinstance(target, ast.Name):
        bindings[target.id] = binding
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _bind_target(bindings, element, Binding(OTHER))
    elif isinstance(target, ast.Starred):
        _bind_target(bindings, target.value, Binding(OTHER))
