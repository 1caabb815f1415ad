"""The engine: from paths to sorted findings. The CLI, the flake8 plugin and the
import-linter contract all call it; none of them holds a rule.

``selection`` decides what a run checks, ``run`` and ``sources`` hold one run's state,
``import_rules`` and ``chains`` check imports from any ``ImportSource`` (``graph_imports``
for whole projects, ``single_file`` for flake8), ``syntax_checks`` runs the syntax rules
(in ``workers`` when cold and large), ``suppression`` applies ``noqa`` and
``per-file-ignores``, and ``check`` puts a whole-project run together.
"""

from __future__ import annotations

from archcheck.engine.check import (
    LayerImports,
    Report,
    check,
    check_graph,
    layer_imports,
)
from archcheck.engine.selection import (
    Options,
    Progress,
    layer_map_for,
    load,
    select_rules,
)
from archcheck.engine.single_file import FileChecker

__all__ = [
    "FileChecker",
    "LayerImports",
    "Options",
    "Progress",
    "Report",
    "check",
    "check_graph",
    "layer_imports",
    "layer_map_for",
    "load",
    "select_rules",
]
