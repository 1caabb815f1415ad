"""A cached report is never staler than ``--no-cache``, across branch switches: two
branches differing in 60% of their files (edited, added, removed, some broken), switched
back and forth five times in quick succession, archcheck run after each switch."""
from __future__ import annotations

import sys

import pytest
from conftest import GIT, git, run, write_example

pytestmark = [pytest.mark.functional, pytest.mark.skipif(GIT is None, reason="git is not installed")]

FILES = 20


def _main_branch() -> dict[str, str]:
    files = {
        "app/repositories/user_repo.py": "def get():\n    return 1\n",
        "app/repositories/item_repo.py": "def get():\n    return 2\n",
        "app/services/user_service.py": "from app.repositories import user_repo\n",
        "app/services/item_service.py": "from app.repositories import item_repo\n",
    }
    for i in range(FILES - len(files)):
        target = "app.services.user_service" if i % 2 else "app.repositories.user_repo"
        files[f"app/api/routers/r{i}.py"] = f"import {target}\n"
    return files


def _other_branch(files: dict[str, str]) -> dict[str, str]:
    """60% of the files differ: some edited (a leak added or removed, a file broken),
    some removed, some added."""
    other = dict(files)
    routers = sorted(path for path in files if "/routers/" in path)
    for n, path in enumerate(routers[:8]):  # edited
        other[path] = (
            "from app.repositories import item_repo\n" if n % 3 == 0
            else "from app.services import item_service\n" if n % 3 == 1
            else "from app.repositories import user_repo\ndef broken(:\n"
        )
    for path in routers[8:10]:  # removed
        del other[path]
    for i in range(2):  # added
        other[f"app/api/routers/new{i}.py"] = "from app.repositories import item_repo\n"
    other["app/repositories/item_repo.py"] = "raise;\n"  # valid Python grimp refuses
    return other


def test_cached_reports_equal_uncached_across_branch_switches(tmp_path):
    repo = tmp_path / "repo"
    cache = tmp_path / "cache"
    main = _main_branch()
    other = _other_branch(main)
    changed = {p for p in main.keys() | other.keys() if main.get(p) != other.get(p)}
    assert len(changed) >= 0.6 * len(main)
    write_example(repo, main)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "main")
    git(repo, "checkout", "-q", "-b", "other")
    for path in main.keys() - other.keys():
        (repo / path).unlink()
    write_example(repo, {p: s for p, s in other.items() if main.get(p) != s})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "other")

    def archcheck(*args):
        return run([sys.executable, "-m", "archcheck", *args, "."], cwd=repo, timeout=120)

    reports = set()
    for _ in range(5):
        for branch in ("main", "other"):
            git(repo, "checkout", "-q", branch)
            cached = archcheck("--cache-dir", cache)
            assert cached == archcheck("--no-cache"), branch
            assert cached.returncode == 1, cached.stderr
            reports.add((branch, cached.stdout))
    assert len(reports) == 2  # each branch has its report, and the two differ
