"""ARC003 reads a layered module's needs from its import statements and text
(``uses.imported_names``); wherever those say, they say what its syntax tree says, or,
where a star import hides which names are used, every name."""
from __future__ import annotations

import ast
import textwrap

import pytest

from archcheck.engine.chains import names_used
from archcheck.uses import imported_names, uses_of

FIRST = "app.core.lookup"
MODULES = {FIRST, "app.core", "app.core.lookup.parts", "app.api.routers.reports"}

HEADS = {
    "names used": """
        from app.core.lookup import build_report, page_size

        def report():
            return build_report(page_size())
    """,
    "a name imported under another": """
        from app.core.lookup import build_report as build

        def report():
            return build()
    """,
    "a name imported and never used": """
        from app.core.lookup import build_report, page_size

        def report():
            return page_size()
    """,
    "a module bound to a name": """
        from app.core import lookup

        def report():
            return lookup.build_report(lookup.PAGE)
    """,
    "a module passed as a value": """
        from app.core import lookup

        def report(registry):
            registry.add(lookup)
    """,
    "a task enqueued": """
        from app.core.lookup import send_report

        def report():
            send_report.delay()
    """,
    "a task enqueued and called": """
        from app.core.lookup import send_report

        def report():
            send_report.delay()
            return send_report()
    """,
    "a star import": """
        from app.core.lookup import *

        def report():
            return build_report()
    """,
    "a lazy import": """
        def report():
            from app.core.lookup import build_report
            return build_report()
    """,
    "a module imported lazily, passed as a value": """
        def registry():
            from app.core import lookup
            return {"lookup": lookup}
    """,
    "a relative import over lines": """
        from ..core.lookup import (
            build_report,  # the one
            page_size,
        )

        def report():
            return build_report(page_size())
    """,
}


def statements(source: str) -> dict[str, list[int]]:
    lines = {FIRST: []}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(("lookup", "core")):
            lines[FIRST].append(node.lineno)
    return lines


@pytest.mark.parametrize("name", sorted(HEADS))
def test_import_statements_say_what_the_syntax_tree_says(name):
    source = textwrap.dedent(HEADS[name])
    module = "app.api.routers.reports"
    found = imported_names(source, statements(source), module, False, MODULES)
    assert found is not None
    used = names_used(uses_of(ast.parse(source), module, False).uses(None), [FIRST, "app.core"])
    expected = None if name == "a star import" else used.get(FIRST, "not needed")
    assert found[0].get(FIRST, "not needed") == expected


def test_an_import_of_a_package_head_is_left_to_the_syntax_tree():
    source = "import app.core.lookup\n\n\ndef report():\n    return app.core.lookup.build_report()\n"
    assert imported_names(source, {FIRST: [1]}, "app.api.routers.reports", False, MODULES) is None
