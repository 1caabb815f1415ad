"""The commands around the check: ``rules``, ``explain``, and the progress display."""
from __future__ import annotations

import io
import subprocess
import sys

from archcheck.rules import RULES


def archcheck(cwd, *args):
    result = subprocess.run(
        [sys.executable, "-m", "archcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    return result.returncode, result.stdout, result.stderr


def test_rules_lists_the_registry(tmp_path):
    code, out, err = archcheck(tmp_path, "rules")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["code", "name", "default", "summary"]
    assert len(lines) == len(RULES) + 1
    for line, rule in zip(lines[1:], RULES):
        code_, name, state = line.split()[:3]
        assert (code_, name) == (rule.code, rule.name)
        assert state in ("on", "off", "strict")
        assert line.endswith(rule.summary())


def test_explain_prints_the_rule_docs(tmp_path):
    code, out, err = archcheck(tmp_path, "explain", "arc001")
    assert (code, err) == (0, "")
    assert out.startswith("# ARC001 router-imports-repository (on by default)\n\n")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in out


def test_explain_unknown_code_is_a_one_line_error(tmp_path):
    code, out, err = archcheck(tmp_path, "explain", "ARC999")
    assert code == 2 and out == ""
    assert err == "archcheck: error: unknown rule code 'ARC999'; `archcheck rules` lists them\n"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_draws_in_place_on_a_terminal_only(monkeypatch):
    from archcheck.cli import _Progress

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert _Progress.for_terminal(io.StringIO()) is None
    stream = _Terminal()
    progress = _Progress.for_terminal(stream)
    assert progress is not None
    progress("read", 0, 10)  # small and fast: nothing yet
    assert stream.getvalue() == ""
    progress("read", 1200, 5000)
    assert stream.getvalue() == "\rarchcheck: parsed 1200/5000 files\033[K"
    progress("read", 1250, 5000)  # within the redraw interval: skipped
    progress("graph", 0, 5000)
    assert stream.getvalue().endswith("\rarchcheck: building the import graph (5000 files)\033[K")
    progress.clear()
    assert stream.getvalue().endswith("\r\033[K")
    monkeypatch.setenv("CI", "true")
    assert _Progress.for_terminal(_Terminal()) is None


def test_progress_reaches_the_engine(tmp_path, monkeypatch):
    from archcheck.engine import Options, check
    from conftest import write_example

    write_example(tmp_path, {"app/api/routers/a.py": "", "app/services/s.py": ""})
    monkeypatch.chdir(tmp_path)
    calls = []
    check([tmp_path / "app"], Options(use_cache=False, progress=lambda *call: calls.append(call)))
    files = len(list((tmp_path / "app").rglob("*.py")))
    # The graph first, then the files the syntax rules in force read: the routers package
    # and its module (the services' rule, ARC103, is strict only).
    assert calls == [("graph", 0, files), ("read", 0, 2)]
