"""The pre-commit hook as users meet it: ``pre-commit try-repo <this checkout> archcheck``
in a throwaway git repository holding a fixture. pre-commit clones this checkout (its
committed state, plus uncommitted changes to tracked files) and installs archcheck into a
virtualenv of its own, from the package index."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
GIT = shutil.which("git")

pytestmark = [
    pytest.mark.skipif(GIT is None, reason="needs git"),
    pytest.mark.skipif(not Path(PRE_COMMIT).is_file(), reason="needs pre-commit"),
]


def git(cwd, *args):
    subprocess.run(
        [GIT, "-c", "user.name=archcheck tests", "-c", "user.email=tests@archcheck.invalid",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True, timeout=120,
    )


def try_repo(fixture: str, tmp_path: Path) -> subprocess.CompletedProcess:
    repository = tmp_path / "project"
    shutil.copytree(FIXTURES / fixture, repository, ignore=shutil.ignore_patterns("__pycache__"))
    git(repository, "init", "-q")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "fixture")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("ARCHCHECK_CACHE_DIR", None)  # the hook's own default: .archcheck_cache, git-ignored
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(ROOT), "archcheck", "--all-files"],
        cwd=repository, env=env, capture_output=True, text=True, timeout=900,
    )


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
    status = subprocess.run(
        [GIT, "status", "--porcelain"], cwd=tmp_path / "project", capture_output=True, text=True
    )
    assert status.stdout == ""
