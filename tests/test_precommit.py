"""The pre-commit hook as users meet it: ``pre-commit try-repo <this checkout> archcheck``
in a throwaway git repository holding a fixture. pre-commit clones this checkout (its
committed state, plus uncommitted changes to tracked files) and installs archcheck into a
virtualenv of its own, with pip (its dependencies from the package index, as any install);
pre-commit itself comes with the test extra. Slow: a virtualenv and an install per test."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, GIT, ROOT, Ran, git, run, tool

pytestmark = [
    pytest.mark.functional,
    pytest.mark.slow,
    pytest.mark.skipif(GIT is None, reason="needs git (the clone of this repository had it)"),
]


def try_repo(fixture: str, tmp_path: Path, *files: str) -> Ran:
    """The hook on the fixture's files (every one, unless ``files`` names some)."""
    repository = tmp_path / "project"
    shutil.copytree(FIXTURES / fixture, repository, ignore=shutil.ignore_patterns("__pycache__"))
    if files:
        (repository / "pyproject.toml").write_text("[tool.archcheck]\nstrict = false\n")
    git(repository, "init", "-q")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "fixture")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("ARCHCHECK_CACHE_DIR", None)  # the hook's own default: .archcheck_cache, git-ignored
    which = ["--files", *files] if files else ["--all-files"]
    return run([tool("pre-commit"), "try-repo", ROOT, "archcheck", *which], cwd=repository, env=env, timeout=900)


def test_hook_fails_on_a_leaky_project(tmp_path):
    result = try_repo("layered_leaky", tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "archcheck" in result.stdout and "Failed" in result.stdout
    expected = (FIXTURES / "layered_leaky" / "expected.txt").read_text().splitlines()
    for line in expected[:-1]:  # every finding; the count line closes the report
        assert line in result.stdout


def test_hook_passes_on_a_clean_project(tmp_path):
    result = try_repo("layered_clean", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
    # The cache the hook leaves keeps git status clean.
    assert git(tmp_path / "project", "status", "--porcelain", "--untracked-files=all").stdout == ""


def test_hook_runs_when_only_the_config_changes(tmp_path):
    # The layers live in pyproject.toml: a commit that edits only them can break the build.
    result = try_repo("layered_leaky", tmp_path, "pyproject.toml")
    assert result.returncode == 1 and "Skipped" not in result.stdout, result.stdout + result.stderr
    assert "ARC001" in result.stdout
