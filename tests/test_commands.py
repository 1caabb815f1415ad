"""The commands around the check: ``rules``, ``explain``, and the progress display."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from archcheck.engine import Options, check
from archcheck.rules import RULES
from conftest import cli, write_example


def test_rules_lists_the_registry(tmp_path):
    code, out, err = cli("rules", cwd=tmp_path)
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
    code, out, err = cli("explain", "arc001", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith("# ARC001 router-imports-repository (on by default)\n\n")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in out


def test_explain_unknown_code_is_a_one_line_error(tmp_path):
    code, out, err = cli("explain", "ARC999", cwd=tmp_path)
    assert code == 2 and out == ""
    assert err == "archcheck: error: unknown rule code 'ARC999'; `archcheck rules` lists them\n"


@pytest.mark.functional
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_progress_is_drawn_on_a_terminal_only_and_cleared(tmp_path):
    # 600 files: a large run, shown however fast it goes.
    files = {f"app/services/s{i}.py": "" for i in range(600)}
    write_example(tmp_path, {**files, "app/api/routers/users.py": "from app.services import s0\n"})
    env = {**os.environ, "TERM": "xterm"}
    env.pop("CI", None)

    def run(env):
        """stdout through a pipe, stderr on a terminal: what was drawn there."""
        parent, child = os.openpty()
        result = subprocess.run(
            [sys.executable, "-m", "archcheck", "app", "--no-cache"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=child, text=True, timeout=120,
        )
        os.close(child)
        drawn = b""
        while True:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            drawn += chunk
        os.close(parent)
        return result, drawn.decode()

    result, drawn = run(env)
    assert (result.returncode, result.stdout) == (0, "All checks passed (605 files).\n")
    assert "\rarchcheck: building the import graph (605 files)\033[K" in drawn
    assert drawn.endswith("\r\033[K"), "the progress line is cleared before the report"
    assert run({**env, "CI": "true"})[1] == ""
    piped = subprocess.run(
        [sys.executable, "-m", "archcheck", "app", "--no-cache"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert (piped.stdout, piped.stderr) == (result.stdout, "")


def test_progress_reaches_the_engine(tmp_path, monkeypatch):
    write_example(tmp_path, {"app/api/routers/a.py": "", "app/services/s.py": ""})
    monkeypatch.chdir(tmp_path)
    calls = []
    check([tmp_path / "app"], Options(use_cache=False, progress=lambda *call: calls.append(call)))
    files = len(list((tmp_path / "app").rglob("*.py")))
    # The files the syntax rules in force read first (their workers parse while the graph
    # is built): the routers package and its module (the services' rule, ARC103, is strict
    # only); then the graph.
    assert calls == [("read", 0, 2), ("graph", 0, files)]
