"""archcheck's layering as an import-linter contract type, for teams on ``lint-imports``.

Register it in the import-linter config and use it like any contract::

    [importlinter]
    root_package = app
    contract_types =
        archcheck: archcheck.contract.ArchcheckContract

    [importlinter:contract:archcheck]
    name = Routers -> services -> repositories, closed services
    type = archcheck

It checks what ``archcheck`` checks with its import rules (ARC001-ARC004) on the graph that
import-linter built and hands every contract: the same layers (from ``[tool.archcheck]`` or
the detected layout, or set on the contract), services closed between routers and
repositories, models and schemas kept apart, and chains through modules of no layer
spelled out. The syntax rules (ARC1xx, ARC2xx) are ``archcheck``'s and flake8's to run.

Options, all optional:

``wiring``, ``routers``, ``services``, ``repositories``, ``models``, ``schemas``
    Module globs of that layer (``wiring``: the composition roots, ``app.main``,
    ``app.api.deps``; the others: ``app.api.routers``, ``app.*.service``, ``**`` for any depth),
    replacing the config's or the detected ones for that layer.
``layout``
    ``auto`` (default), ``layered`` or ``feature``.
``config``
    The ``pyproject.toml`` or ``archcheck.toml`` to read; default: the nearest one above
    the root package.
``select``, ``ignore``
    Rule codes or prefixes, as in ``[tool.archcheck]``.
``ignore_imports``, ``unmatched_ignore_imports_alerting``
    As in import-linter's own contracts: imports left out of the graph before the check.
``broken_contract_guidance``
    Text shown after the findings of a broken contract.

This is the one module that imports import-linter; the engine does the checking.
"""

from __future__ import annotations

import importlib.util
import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain.contract import InvalidContractOptions

from archcheck.config import Config
from archcheck.engine import Options, check_graph, load
from archcheck.errors import ArchcheckError
from archcheck.graph import ProjectGraph
from archcheck.layers import LAYERS, LAYOUTS
from archcheck.rules import RULES

__all__ = ["ArchcheckContract"]

_INDENT = " " * 4


def _globs() -> fields.ListField:
    return fields.ListField(subfield=fields.StringField(), required=False)


def _unknown_codes(codes: tuple[str, ...]) -> list[str]:
    return [code for code in codes if not any(rule.code.startswith(code.upper()) for rule in RULES)]


def _package_directories(names: list[str]) -> list[Path]:
    """Where the root packages live, found as import-linter's graph builder finds them."""
    directories: list[Path] = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise ArchcheckError(f"root package {name!r} cannot be found")
        directories.extend(Path(location) for location in spec.submodule_search_locations)
    return directories


# import-linter prints through a rich console since 2.10, where "[tool.archcheck]" would be
# taken for markup; before, through click.
_CONSOLE = getattr(output, "console", None)


def _text(text: str) -> str:
    if _CONSOLE is None:
        return text
    from rich.markup import escape  # import-linter's own dependency when it has a console

    return escape(text)


def _print(text: str, *, error: bool = False) -> None:
    if _CONSOLE is not None:
        # Never wrapped: a finding line stays one line, clickable and greppable.
        _CONSOLE.print(_text(text), style="red" if error else None, soft_wrap=True)
    elif error:
        output.print_error(text, bold=False)
    else:
        output.print(text)


def _remove_ignored_imports(graph: Any, expressions: Any, alerting: Any) -> tuple[list[str], int]:
    """import-linter's own handling of ``ignore_imports``: (warnings, imports ignored)."""
    remove_and_report = getattr(contract_utils, "remove_ignored_imports_and_report", None)
    if remove_and_report is None:  # import-linter < 2.16
        warnings = contract_utils.remove_ignored_imports(
            graph=graph, ignore_imports=expressions, unmatched_alerting=alerting
        )
        return list(warnings), 0
    removal = remove_and_report(
        graph=graph, ignore_imports=expressions, unmatched_alerting=alerting
    )
    return list(removal.warnings), removal.ignored_import_count


class ArchcheckContract(Contract):
    """archcheck's import rules (ARC001-ARC004) as an import-linter contract."""

    type_name = "archcheck"

    wiring = _globs()
    routers = _globs()
    services = _globs()
    repositories = _globs()
    models = _globs()
    schemas = _globs()
    layout = fields.StringField(required=False)
    config = fields.StringField(required=False)
    select = fields.ListField(subfield=fields.StringField(), required=False)
    ignore = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)
    broken_contract_guidance = getattr(fields, "TextField", fields.StringField)(required=False)

    # import-linter sets each option's parsed value on the instance, over the class's field
    # of the same name: these read it with the type the field parses to.
    def _option(self, name: str) -> str | None:
        value = getattr(self, name)
        return None if value is None else str(value)

    def _options(self, name: str) -> tuple[str, ...]:
        return tuple(str(item) for item in getattr(self, name) or ())

    def validate(self) -> None:
        errors = {}
        layout = self._option("layout")
        if layout is not None and layout not in LAYOUTS:
            errors["layout"] = f"Must be one of {', '.join(LAYOUTS)}."
        for key in ("select", "ignore"):
            unknown = _unknown_codes(self._options(key))
            if unknown:
                errors[key] = f"Unknown rule code {', '.join(map(repr, unknown))}."
        if not errors:
            try:
                self._directories = _package_directories(self._root_packages())
                self._config = self._load_config()
            except ArchcheckError as error:
                errors["config"] = str(error)
        if errors:
            # import-linter prints these as rich markup: "[tool.archcheck]" must stay text.
            raise InvalidContractOptions({key: _text(message) for key, message in errors.items()})

    def _root_packages(self) -> list[str]:
        options = self.session_options
        names = options.get("root_packages") or options.get("root_package") or []
        return [names] if isinstance(names, str) else list(names)

    def _load_config(self) -> Config:
        """The archcheck config of the project, with the contract's own settings on top."""
        path = self._option("config")
        if path:
            config = load([], Options(config_path=Path(path)))
        else:
            config = load(self._directories[:1], Options())
        layers = dict(config.layers)
        for layer in LAYERS:
            globs = self._options(layer)
            if globs:
                layers[layer] = globs
        return replace(config, layers=layers, layout=self._option("layout") or config.layout)

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        warnings, ignored = _remove_ignored_imports(
            graph, self.ignore_imports, self.unmatched_ignore_imports_alerting
        )
        output.verbose_print(verbose, "Checking archcheck's layers...")
        view = ProjectGraph(graph)
        options = Options(select=self._options("select"), ignore=self._options("ignore"))
        report = check_graph(view, self._directories, self._config, options)
        findings = [
            {
                "line": f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}",
                "chain": [
                    (importer, imported, [d.line for d in view.details(importer, imported)])
                    for importer, imported in itertools.pairwise(f.chain)
                ],
            }
            for f in report.findings
        ]
        check = ContractCheck(kept=not findings, warnings=warnings, metadata={"findings": findings})
        check.ignored_import_count = ignored  # shown in the summary by import-linter >= 2.16
        return check

    def render_broken_contract(self, check: ContractCheck) -> None:
        # One finding a line, as ``archcheck`` prints it; a chain's imports follow it,
        # import-linter style.
        for finding in check.metadata["findings"]:
            _print(finding["line"], error=True)
            for importer, imported, lines in finding["chain"]:
                numbers = ", ".join(f"l.{n}" for n in lines) or "l.?"
                _print(f"{_INDENT}{importer} -> {imported} ({numbers})")
        output.new_line()
        guidance = self._option("broken_contract_guidance")
        if guidance:
            _print(guidance)
            output.new_line()
