"""The cache: warm runs equal cold ones, and an edit re-parses only what it must."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli, write_example

from archcheck.engine import Options, check, sources

PROJECT = {
    "app/db.py": "from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n",
    "app/models/user.py": "from app.db import Base\n\nclass User(Base):\n    __tablename__ = 'users'\n",
    "app/api/routers/users.py": (
        "from fastapi import APIRouter\n"
        "from app.models.user import User\n"
        "from app.services import user_service\n"
        "\n"
        "router = APIRouter()\n"
        "\n"
        "@router.get('/users/{user_id}')\n"
        "def read_user(user_id: int) -> User:\n"
        "    return user_service.get(user_id)\n"
    ),
    "app/api/routers/health.py": (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
        "@router.get('/health')\ndef health() -> dict:\n    return {'ok': True}\n"
    ),
    "app/services/user_service.py": "from app.repositories import user_repo\n\ndef get(user_id):\n    return user_repo.get(user_id)\n",
    "app/repositories/user_repo.py": "def get(user_id):\n    return None\n",
}


@pytest.fixture
def parses(monkeypatch):
    """The modules parsed, in order."""
    seen = []
    real = sources.parse_source

    def counting(path, data, *rest):
        seen.append(path.name)
        return real(path, data, *rest)

    monkeypatch.setattr(sources, "parse_source", counting)
    return seen


def run(tmp_path):
    report = check([tmp_path / "app"], Options(cache_dir=tmp_path / "cache"))
    return [(f.path, f.line, f.code) for f in report.findings]


def test_warm_run_parses_nothing_and_reports_the_same(tmp_path, monkeypatch, parses):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    cold = run(tmp_path)
    assert ("app/api/routers/users.py", 8, "ARC201") in cold
    assert parses
    parses.clear()
    assert run(tmp_path) == cold
    assert parses == []


def test_editing_one_file_reparses_that_file_only(tmp_path, monkeypatch, parses):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    cold = run(tmp_path)
    health = tmp_path / "app/api/routers/health.py"
    health.write_text(health.read_text().replace("{'ok': True}", "{'ok': 1}"))
    parses.clear()
    assert run(tmp_path) == cold
    assert parses == ["health.py"]


def test_a_leak_added_after_a_warm_run_is_found(tmp_path, monkeypatch):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    run(tmp_path)
    health = tmp_path / "app/api/routers/health.py"
    health.write_text("from app.repositories import user_repo\n" + health.read_text())
    assert ("app/api/routers/health.py", 1, "ARC001") in run(tmp_path)


def test_a_model_that_stops_being_orm_clears_dependent_results(tmp_path, monkeypatch, parses):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    assert ("app/api/routers/users.py", 8, "ARC201") in run(tmp_path)
    model = tmp_path / "app/models/user.py"
    model.write_text("from pydantic import BaseModel\n\nclass User(BaseModel):\n    id: int\n")
    parses.clear()
    assert ("app/api/routers/users.py", 8, "ARC201") not in run(tmp_path)
    assert "users.py" in parses  # its cached result asked the index about User


def test_a_broken_cache_is_a_miss_not_an_error(tmp_path, monkeypatch):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    cold = run(tmp_path)
    (tmp_path / "cache" / "files" / "files.sqlite").write_bytes(b"not a database")
    for name in ("files.sqlite-wal", "files.sqlite-shm"):
        (tmp_path / "cache" / "files" / name).unlink(missing_ok=True)
    assert run(tmp_path) == cold


def test_a_project_large_enough_for_workers_reports_what_a_small_one_does(tmp_path):
    # 220 more services to parse: the syntax pass runs in worker processes.
    project = tmp_path / "all_rules"
    shutil.copytree(FIXTURES / "all_rules", project)
    for i in range(220):
        write_example(project, {f"shop/bulk{i}/service.py": "from shop.core import lookup\n"})
    result = cli(".", "--no-cache", cwd=project)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout == (FIXTURES / "all_rules" / "expected.txt").read_text()


def test_chains_after_an_edit_are_those_of_a_cold_run(tmp_path, monkeypatch):
    # ARC003 reads what each module on a chain uses from the cache while the module's bytes
    # are the same: an edit elsewhere, and an edit on the chain, give the cold run's report.
    import shutil

    from conftest import FIXTURES, settle

    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "arc003_real_chain", project)
    monkeypatch.chdir(project)

    def report(**options):
        return [(f.path, f.line, f.code, f.message) for f in check([Path(".")], Options(**options)).findings]

    settle()
    cold = report(cache_dir=tmp_path / "cache")
    assert any(code == "ARC003" for _, _, code, _ in cold)
    lookup = project / "app/core/lookup.py"
    lookup.write_text(lookup.read_text() + "\n\ndef unused():\n    return None\n")
    settle()
    assert report(cache_dir=tmp_path / "cache") == report(use_cache=False) == cold
    lookup.write_text(lookup.read_text().replace("product_repo.get_all(session)", "[]"))
    settle()
    assert report(cache_dir=tmp_path / "cache") == report(use_cache=False)
    assert not any(code == "ARC003" for _, _, code, _ in report(cache_dir=tmp_path / "cache"))


def test_a_modules_uses_survive_the_cache_round_trip():
    # ARC003's uses are cached as JSON: what comes back must be what went in, or every
    # read is a silent miss (the cache treats a bad entry as none).
    import ast
    import json

    from archcheck.uses import ModuleUses, uses_of

    source = (
        "import app.core.db\n"
        "from app.repositories import user_repo\n"
        "from app.models import *\n"
        "LIMIT = app.core.db.PAGE\n"
        "if LIMIT:\n    pass\n"
        "def get(session):\n"
        "    from app.repositories import order_repo\n"
        "    return user_repo.get(session), order_repo\n"
        "@celery.task\n"
        "def send():\n    return user_repo\n"
    )
    found = uses_of(ast.parse(source), "app.core.lookup", False)
    assert found.definitions and found.statements and found.imports and found.star_imports
    data = json.loads(json.dumps(found.to_data()))
    assert ModuleUses.from_data("app.core.lookup", data) == found
