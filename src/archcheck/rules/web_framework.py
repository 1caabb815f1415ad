"""fastapi and starlette in a module: which imports name them, which exceptions are
theirs (``HTTPException`` and the like, or a project subclass), and the rule parts that
report either in a layer."""

from __future__ import annotations

import ast
from typing import ClassVar

from archcheck.index import ProjectIndex
from archcheck.names import dotted, last_name
from archcheck.rules.base import SyntaxRule
from archcheck.scopes import ASSIGNED, IMPORTED, Scopes

__all__ = [
    "WEB_FRAMEWORKS",
    "ImportsWebFramework",
    "RaisesFrameworkException",
    "framework_exception_built",
    "framework_exception_raised",
    "web_framework_of",
    "web_imports",
]

WEB_FRAMEWORKS = ("fastapi", "starlette")


def web_framework_of(module: str) -> str | None:
    """``fastapi`` for ``fastapi.responses``; None for what is not fastapi or starlette."""
    root = module.split(".")[0]
    return root if root in WEB_FRAMEWORKS else None


def web_imports(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The fastapi / starlette modules one import statement names, in order."""
    if isinstance(node, ast.ImportFrom):
        names = [node.module] if node.level == 0 and node.module else []
    else:
        names = [alias.name for alias in node.names]
    return [name for name in names if web_framework_of(name)]


def _framework_exception(name: str | None, index: ProjectIndex, depth: int = 0) -> bool:
    """Whether the class ``name`` is one of fastapi's or starlette's exceptions
    (``HTTPException``, ``RequestValidationError``, ``WebSocketDisconnect``: their names
    say so, where ``APIRouter``, ``HTTPBearer`` or ``JSONResponse`` built at module level
    are none) or a project class derived from one, across modules."""
    if name is None or depth > 10:
        return False
    resolved = index.resolve(name)
    if web_framework_of(resolved):
        return last_name(resolved).endswith(("Exception", "Error", "Disconnect"))
    info = index.class_info(resolved)
    return info is not None and any(
        _framework_exception(base, index, depth + 1) for base in info.bases
    )


def framework_exception_built(value: ast.expr, scopes: Scopes, index: ProjectIndex) -> str | None:
    """The framework exception class that ``value`` instantiates (``HTTPException(404)``),
    or None."""
    if not isinstance(value, ast.Call):
        return None
    name = scopes.qualify(value.func)
    return index.resolve(name) if name and _framework_exception(name, index) else None


def framework_exception_raised(node: ast.Raise, scopes: Scopes, index: ProjectIndex) -> str | None:
    """The framework exception class ``raise`` raises (``HTTPException(404)``,
    ``RequestValidationError``, a project subclass, or a name bound to one of those, here
    or at module level of any module), or None."""
    exc = node.exc
    for _ in range(10):  # ``err = HTTPException(404); e = err; raise e``
        if exc is None:
            return None
        if isinstance(exc, ast.Call):
            return framework_exception_built(exc, scopes, index)
        if not isinstance(exc, (ast.Name, ast.Attribute)):
            return None
        head = dotted(exc)
        binding = scopes.lookup(head) if head and "." not in head else None
        if binding is not None and binding.kind != IMPORTED:
            exc = binding.value if binding.kind == ASSIGNED else None
            continue
        name = scopes.qualify(exc)
        if name is None:
            return None
        if _framework_exception(name, index):
            return index.resolve(name)
        callee = index.call_of(name)  # module level: ``NOT_FOUND = HTTPException(404)``
        return callee if callee and _framework_exception(callee, index) else None
    return None


_ADVICE = "raise a domain exception and map it to an HTTP status in the router"


class RaisesFrameworkException(SyntaxRule):
    """Rule part: every ``raise`` of a framework exception, and every module-level
    instance of one (``credentials_exception = HTTPException(401)``: built here, raised
    here or wherever it is imported), in the rule's layers. ``subject`` names the layer's
    module in the message (``Repository``)."""

    subject: ClassVar[str] = ""

    def visit_Raise(self, node: ast.Raise) -> None:
        raised = framework_exception_raised(node, self.scopes, self.index)
        if raised is not None:
            self.report(
                node,
                f"{self.subject} raises HTTP exception {raised}; {_ADVICE}",
            )

    def visit_Assign(self, node: ast.Assign) -> None:
        self._check_instance(node, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_instance(node, node.value)

    def _check_instance(self, node: ast.Assign | ast.AnnAssign, value: ast.expr | None) -> None:
        if self.scopes.qualname is not None or value is None:
            return  # a local instance counts where it is raised
        built = framework_exception_built(value, self.scopes, self.index)
        if built is not None:
            self.report(
                node,
                f"{self.subject} builds HTTP exception {built} at module level; {_ADVICE}",
            )


class ImportsWebFramework(SyntaxRule):
    """Rule part: every import statement of fastapi or starlette (or their submodules), at
    any depth, in the rule's layers. ``advice`` ends the message."""

    subject: ClassVar[str] = ""
    advice: ClassVar[str] = ""

    def visit_Import(self, node: ast.Import) -> None:
        self._check_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._check_import(node)

    def _check_import(self, node: ast.Import | ast.ImportFrom) -> None:
        modules = web_imports(node)
        if modules:
            self.report(node, f"{self.subject} imports {', '.join(modules)}; {self.advice}")
