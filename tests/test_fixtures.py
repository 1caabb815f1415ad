"""Every project in fixtures/ through the command line: its report must equal the inline
``# ARC...`` markers and the exact ``expected.txt`` snapshot next to it, cold and warm."""
from __future__ import annotations

import os
import re
import sys

import pytest

from conftest import FIXTURES, PROJECTS, archcheck, cli, markers, run

FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>ARC\d{3}) ")


def unreadable(root):
    """Files the marker scan cannot read as text: their ARC900 cannot be marked inline."""
    found = set()
    for path in root.rglob("*.py"):
        try:
            path.read_text()
        except UnicodeDecodeError:
            found.add(path.relative_to(root).as_posix())
    return found


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_fixture(project, tmp_path):
    result = cli(".", "--cache-dir", tmp_path, cwd=project)
    # Warnings (what was not read) are part of the snapshot: stderr.txt, else nothing.
    warnings = project / "stderr.txt"
    assert result.stderr == (warnings.read_text() if warnings.is_file() else "")
    found = []  # a list: a marker stands for one finding (one statement gives one finding)
    for line in result.stdout.splitlines():
        match = FINDING.match(line)
        if match:
            found.append((match["path"], int(match["line"]), match["code"]))
    skipped = unreadable(project)
    expected = markers(project) | {f for f in found if f[2] == "ARC900" and f[0] in skipped}
    assert sorted(found) == sorted(expected)
    assert result.returncode == (1 if found else 0)
    snapshot = project / "expected.txt"
    assert snapshot.is_file(), f"write {snapshot} with: cd {project} && archcheck . > expected.txt"
    assert result.stdout == snapshot.read_text()
    # Warm: the same report from the cache.
    assert cli(".", "--cache-dir", tmp_path, cwd=project) == result


@pytest.mark.functional
def test_fixture_through_the_real_command(tmp_path):
    project = FIXTURES / "layered_leaky"
    result = archcheck(".", "--cache-dir", tmp_path, cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (1, (project / "expected.txt").read_text(), "")


@pytest.mark.functional
@pytest.mark.slow
def test_the_clean_layered_fixture_is_a_working_app():
    """layered_clean is a real FastAPI + SQLAlchemy app: its own tests pass (SQLite)."""
    project = FIXTURES / "layered_clean"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
