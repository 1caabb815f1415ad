"""The batched syntax pass: one walk over a file's tree for every syntax rule in force.

Fixit's design over the standard library's ``ast``: each rule names the node types it
wants (``visit_Raise``, ``leave_FunctionDef``); the pass builds one dispatch table per
file, node type -> bound handlers of every rule, and walks the tree once, iteratively (a
long ``a + b + ...`` chain nests deeper than Python's recursion limit). Node types no rule
asked for cost one dictionary miss. Along the way the pass keeps the scope chain
(``Scopes``) that every rule reads: functions, classes and lambdas entered, and the names
bound in them so far.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from archcheck.names import child_fields
from archcheck.rules.base import SyntaxContext, SyntaxHit, SyntaxRule
from archcheck.scopes import Scopes

__all__ = ["run_syntax_rules"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_BINDINGS = (
    ast.Assign,
    ast.AnnAssign,
    ast.NamedExpr,
    ast.With,
    ast.AsyncWith,
    ast.For,
    ast.AsyncFor,
    ast.ExceptHandler,
    ast.Import,
    ast.ImportFrom,
)


class _Leave:
    """A stack entry: the walk is done with ``node``'s children."""

    __slots__ = ("node",)

    def __init__(self, node: ast.AST) -> None:
        self.node = node


def run_syntax_rules(
    rules: Sequence[type[SyntaxRule]], context: SyntaxContext
) -> list[tuple[type[SyntaxRule], SyntaxHit]]:
    """Every hit of the ``rules`` that read ``context.layer``, from one walk of the tree,
    in rule order, then in the order found."""
    scopes = Scopes(context.symbols)
    instances = [rule(context, scopes) for rule in rules if context.layer in rule.layers]
    if not instances:
        return []
    visit: dict[type, list] = {}
    leave: dict[type, list] = {}
    for instance in instances:
        for attribute, (node_type, kind) in instance.node_handlers().items():
            table = visit if kind == "visit" else leave
            table.setdefault(node_type, []).append(getattr(instance, attribute))
    _walk(context.tree, visit, leave, scopes)
    return [(type(instance), hit) for instance in instances for hit in instance.hits]


def _walk(tree: ast.AST, visit: dict, leave: dict, scopes: Scopes) -> None:
    stack: list = [tree]
    pop, push = stack.pop, stack.append
    AST = ast.AST
    while stack:
        node = pop()
        node_type = node.__class__
        if node_type is _Leave:
            node = node.node
            node_type = node.__class__
            if node_type in _SCOPE_TYPES:
                scopes.pop()
            for handler in leave.get(node_type, ()):
                handler(node)
            continue
        for handler in visit.get(node_type, ()):
            handler(node)
        if node_type in _SCOPE_TYPES:
            scopes.push(node)
            push(_Leave(node))
        else:
            if node_type in _BINDING_TYPES:
                scopes.bind(node)
            if node_type in leave:
                push(_Leave(node))
        # Children last-first, so they pop in source order.
        for name in child_fields(node_type):
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in reversed(value):
                    if isinstance(item, AST):
                        push(item)
            elif isinstance(value, AST):
                push(value)


_SCOPE_TYPES = frozenset(_SCOPES)
_BINDING_TYPES = frozenset(_BINDINGS)
