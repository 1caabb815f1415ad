"""Every face of archcheck leaves a user's git status clean: without ARCHCHECK_CACHE_DIR,
the cache folder it creates in the project ignores itself, whichever face runs first."""
from __future__ import annotations

import os
import shutil

import pytest

from conftest import FIXTURES, GIT, ROOT, git, run, tool

pytestmark = [
    pytest.mark.functional,
    pytest.mark.skipif(GIT is None, reason="needs git (the clone of this repository had it)"),
]


@pytest.mark.parametrize("face", ["flake8", "lint-imports", "archcheck"])
def test_the_first_run_in_a_git_repository_leaves_it_clean(face, tmp_path, monkeypatch):
    monkeypatch.delenv("ARCHCHECK_CACHE_DIR")  # the default: .archcheck_cache in the project
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "layered_leaky", project, ignore=shutil.ignore_patterns("__pycache__"))
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "fixture")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if face == "flake8":
        result = run([tool("flake8"), "--isolated", "--select", "ARC", "."], cwd=project, env=env)
    elif face == "lint-imports":
        config = tmp_path / "importlinter.ini"  # outside the repository
        shutil.copy(ROOT / ".importlinter.example", config)
        env["PYTHONPATH"] = str(project)
        result = run([tool("lint-imports"), "--config", config, "--no-cache"], cwd=project, env=env)
    else:
        result = run([tool("archcheck"), "."], cwd=project, env=env)
    assert result.returncode == 1 and "ARC001" in result.stdout, result.stdout + result.stderr
    assert (project / ".archcheck_cache").is_dir(), "the run used the project's cache folder"
    assert git(project, "status", "--porcelain", "--untracked-files=all").stdout == ""
