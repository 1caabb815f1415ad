"""The project that single-file checks (flake8 in an editor) keep between processes: used
while no folder it depends on has changed, rediscovered otherwise, a bad file a miss."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import settle, write_example

from archcheck.config import Config
from archcheck.engine import FileChecker, Options
from archcheck.engine.discovery import read_discovery, write_discovery
from archcheck.layers import LAYERS, LayerMap
from archcheck.project import discover

PROJECT = {
    "app/api/routers/users.py": "from app.services import user_service\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "",
}
LEAK = "from app.repositories import user_repo\n"


def codes(root: Path, cache: Path, relative: str) -> list[tuple[int, str]]:
    """A new process's check of one file, as flake8 runs it on save."""
    path = root / relative
    text = path.read_text()
    checker = FileChecker(Options(cache_dir=cache))
    return [(f.line, f.code) for f in checker.check(path, ast.parse(text), text.splitlines(True))]


def kept_project(tmp_path: Path, monkeypatch, files: dict[str, str], checked: str):
    """The project written, one file checked (its codes), and the project kept for it."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    write_example(root, files)
    monkeypatch.chdir(root)
    settle()
    found = codes(root, cache, checked)
    [kept] = (cache / "discovery").iterdir()
    return root, cache, found, kept


def test_kept_project_is_rediscovered_when_a_folder_changes(tmp_path, monkeypatch):
    root, cache, found, kept = kept_project(tmp_path, monkeypatch, PROJECT, "app/api/routers/users.py")
    assert found == []
    # A new router: its folder's time changes, so the kept project (without it) is not used.
    (root / "app/api/routers/items.py").write_text(LEAK)
    assert codes(root, cache, "app/api/routers/items.py") == [(1, "ARC001")]
    # A new layer folder under a package that had none: still seen.
    write_example(root, {"app/api/endpoints/orders.py": LEAK})
    assert codes(root, cache, "app/api/endpoints/orders.py") == [(1, "ARC001")]
    assert kept.exists()


def test_an_edit_to_code_keeps_the_project_an_edit_to_imports_does_not(tmp_path, monkeypatch):
    # Discovery samples the files of a package to tell a source root by their imports'
    # first names: those alone count, not the rest of the file.
    root, cache, found, kept = kept_project(tmp_path, monkeypatch, PROJECT, "app/api/routers/users.py")
    assert found == []
    before = kept.read_text()
    service = root / "app/services/user_service.py"
    service.write_text(service.read_text() + "\n\ndef get(session):\n    return session\n")
    settle()  # old enough to be kept again, had the project been rediscovered
    assert codes(root, cache, "app/services/user_service.py") == []
    assert kept.read_text() == before
    service.write_text("import os\n" + service.read_text())
    settle()
    assert codes(root, cache, "app/services/user_service.py") == []
    assert kept.read_text() != before  # rediscovered, and kept again


def test_a_broken_kept_project_is_a_miss(tmp_path, monkeypatch):
    files = {**PROJECT, "app/api/routers/items.py": LEAK}
    root, cache, found, kept = kept_project(tmp_path, monkeypatch, files, "app/api/routers/items.py")
    assert found == [(1, "ARC001")]
    for garbage in ('{"format": 3, "folders": 3}', "[]", "not json", '{"format": 3}'):
        kept.write_text(garbage)
        assert codes(root, cache, "app/api/routers/items.py") == [(1, "ARC001")]
    assert kept.read_text().startswith('{"format":3')  # rewritten on the miss


def test_kept_project_reads_back_as_discovered(tmp_path, monkeypatch):
    # Its files are made when first read (an editor reads a few): the same files, in the
    # same order, found by module, as a fresh discovery's.
    root, cache = tmp_path / "repo", tmp_path / "cache"
    write_example(root, {**PROJECT, "app/api/routers/items.py": LEAK})
    cache.mkdir()
    monkeypatch.chdir(root)
    settle()
    config = Config()
    project = discover([root / "app"], config)
    file = cache / "kept.json"
    write_discovery(file, project, LayerMap({layer: () for layer in LAYERS}), [])
    kept, _, files = read_discovery(file, project.targets, config)
    assert kept == project
    assert list(kept.files) == list(project.files)
    assert dict(files) == {f.module: f for f in project.files}
    router = files["app.api.routers.items"]
    assert router.path == root / "app/api/routers/items.py" and router in kept.packages[0].files
    assert "app.missing" not in files and files.get("app.missing") is None
