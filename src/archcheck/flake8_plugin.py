"""The flake8 plugin: archcheck's ``ARC`` codes in flake8, editors and CI.

flake8 finds ``Plugin`` through the ``flake8.extension`` entry point ``ARC``, hands it each
file's syntax tree and lines, and does the rest itself: ``--select``, ``--ignore``,
``--per-file-ignores``, ``# noqa: ARC001``. The plugin only translates: the engine's
``FileChecker`` holds every rule, and this is the one module that knows flake8 exists (it
needs nothing from it).

What a check of one file reports, and what it leaves to ``archcheck``:

* ARC001, ARC002, ARC004 and the syntax rules come from the file's own tree, with the
  lines, columns and messages of ``archcheck``. The project around the file (its modules,
  layers and ``[tool.archcheck]`` config) is discovered once per process.
* ARC003 (chains through modules of no layer) and the services that ARC001 names ("...
  (app.services.user_service uses it)") need other modules' imports. They come from the
  snapshot that every ``archcheck`` run (and the pre-commit hook) leaves in its cache
  folder, checked file by file against modification times, so they are never stale. With
  no snapshot yet, ARC003 is left to ``archcheck`` and ARC001's message names no service.
* ARC900 is never reported: flake8 reports a file that does not parse as E999.
* A broken config stops flake8 with one error that names the file and the key.
* ``baseline = "..."`` in ``[tool.archcheck]`` holds back the findings it records, as it
  does for ``archcheck`` and the pre-commit hook, so that the editor, CI and pre-commit
  agree on what is new.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from archcheck import __version__
from archcheck.errors import ArchcheckError

if TYPE_CHECKING:
    from archcheck.engine import FileChecker

__all__ = ["ArchcheckFailed", "Plugin"]

_PREFIX = "ARC"


class ArchcheckFailed(Exception):
    """archcheck could not check the file (a broken config): flake8 prints this once and
    stops. Its repr is the message, which is what flake8 shows."""

    def __repr__(self) -> str:
        return f"archcheck: error: {self}"


def _may_select(options: Any) -> bool:
    """Whether flake8's options could select any ``ARC`` code at all: an entry of
    ``--select``, ``--extend-select`` or the plugins' default selection that starts with
    ``ARC`` or is a prefix of it. ``flake8 --select E9`` says no, without the rules loaded."""
    if not hasattr(options, "extended_default_select"):
        return True  # not flake8's options: do the work
    select = getattr(options, "select", None)
    chosen = options.extended_default_select if select is None else select
    codes = [*(chosen or ()), *(getattr(options, "extend_select", None) or ())]
    return any(
        c.startswith(_PREFIX) or _PREFIX.startswith(c) for c in (c.strip().upper() for c in codes)
    )


def _selected(options: Any, codes: Sequence[str]) -> bool:
    """Whether flake8 reports any of ``codes``, by flake8's own decision between
    ``--select``/``--extend-select`` and ``--ignore``/``--extend-ignore`` (the longest
    matching prefix wins). Options flake8 did not make are taken as selecting them."""
    try:
        from flake8.style_guide import Decision, DecisionEngine

        engine = DecisionEngine(options)
        return any(engine.decision_for(code) is Decision.Selected for code in codes)
    except (ImportError, AttributeError, TypeError):  # not flake8's options or API: do the work
        return True


def _named_rules(codes: Sequence[str] | None) -> tuple[str, ...]:
    """Codes in flake8's ``--select`` / ``--extend-select`` that name archcheck rules more
    precisely than the whole family: ``ARC103`` turns on a rule that is off by default
    (as ``archcheck --extend-select ARC103`` does); plain ``ARC`` changes nothing."""
    from archcheck.rules import RULES

    found = []
    for code in codes or ():
        code = code.strip().upper()
        if (
            code.startswith(_PREFIX)
            and code != _PREFIX
            and any(r.code.startswith(code) for r in RULES)
        ):
            found.append(code)
    return tuple(found)


class Plugin:
    name = "archcheck"
    version = __version__

    # One per process: it discovers each project once for all the files flake8 checks.
    # None when flake8 reports no ARC code: flake8 still runs every installed plugin, and
    # ``flake8 --select E9`` must not pay for archcheck (nor import its engine).
    _checker: FileChecker | None = None
    _parsed = False
    # The baseline the config of each folder names: (its folder, its entries), or None.
    _baselines: ClassVar[dict[Path, tuple[Path, dict] | None]] = {}

    def __init__(self, tree: ast.Module, filename: str, lines: Sequence[str]) -> None:
        # The check runs here, not in run(): flake8 turns an exception raised while it
        # creates a plugin into one "failed during execution" line, while one raised from
        # the run() generator would end flake8 with a traceback.
        self.findings: list = []
        if not self._parsed:  # created without flake8's options: every default rule
            type(self).parse_options(None)
        if self._checker is None:
            return
        try:
            findings = self._checker.check(Path(filename), tree, lines)
            self.findings = self._not_in_baseline(Path(filename), lines, findings)
        except ArchcheckError as error:
            raise ArchcheckFailed(str(error)) from None

    def _not_in_baseline(self, path: Path, lines: Sequence[str], findings: list) -> list:
        if not findings:
            return findings
        baseline = self._baseline_for(path.resolve().parent)
        if baseline is None:
            return findings
        from archcheck.baseline import SourceLines, compare

        root, entries = baseline
        sources = SourceLines()
        text = "".join(lines)  # what flake8 checks: an editor's buffer may be unsaved
        for finding in findings:
            sources.add(finding.path, text)
        return list(compare(findings, entries, root=root, lines=sources).new)

    @classmethod
    def _baseline_for(cls, directory: Path) -> tuple[Path, dict] | None:
        if directory not in cls._baselines:
            from archcheck.baseline import load_baseline

            assert cls._checker is not None
            # The checker found this folder's config while checking the file.
            config = cls._checker.config_for(directory)
            found = None
            if config.baseline is not None:
                found = (config.baseline.parent, load_baseline(config.baseline))
            cls._baselines[directory] = found
        return cls._baselines[directory]

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls._checker = None
        cls._parsed = True
        if not _may_select(options):
            return
        from archcheck.rules import RULES

        if not _selected(options, [rule.code for rule in RULES]):
            return
        from archcheck.engine import FileChecker, Options

        named = _named_rules(getattr(options, "select", None)) + _named_rules(
            getattr(options, "extend_select", None)
        )
        cls._checker = FileChecker(Options(extend_select=tuple(dict.fromkeys(named))))

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for finding in self.findings:
            # flake8 counts columns from 0 and prints them from 1, as archcheck does.
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
