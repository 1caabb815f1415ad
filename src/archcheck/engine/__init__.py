"""The engine: from paths to sorted findings. The CLI, the flake8 plugin and the
import-linter contract all call it; none of them holds a rule.

``selection`` decides what a run checks, ``run`` and ``sources`` hold one run's state,
``import_rules`` and ``chains`` check imports from any ``ImportSource`` (``graph_imports``
for whole projects, ``single_file`` for flake8), ``syntax_checks`` runs the syntax rules
(in ``workers`` when cold and large), ``suppression`` applies ``noqa`` and
``per-file-ignores``, and ``check`` puts a whole-project run together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each name is imported from its room when first asked for: an editor's flake8 run needs
# ``single_file`` and what it imports, not the whole-project run of ``check`` (every
# import a process makes is paid again on every save).
_ROOMS = {
    "FileChecker": "single_file",
    "LayerImports": "check",
    "Options": "selection",
    "Progress": "selection",
    "Report": "check",
    "check": "check",
    "check_graph": "check",
    "layer_imports": "check",
    "layer_map_for": "selection",
    "load": "selection",
    "select_rules": "selection",
}

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


def __getattr__(name: str) -> Any:
    room = _ROOMS.get(name)
    if room is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    module = import_module(f"{__name__}.{room}")
    # All the room's names at once: importing the room ``check`` has just bound this
    # package's name ``check`` to the module, and it must stay the function.
    for other, its_room in _ROOMS.items():
        if its_room == room:
            globals()[other] = getattr(module, other)
    return globals()[name]
