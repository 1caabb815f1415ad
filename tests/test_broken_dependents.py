"""ARC900 names the files whose syntax checks needed names from the broken file: the
findings those checks lost must not pass unnoticed, cold or warm."""
from __future__ import annotations

from conftest import cli, findings, write_example

DEPS = "from typing import Annotated\n<<<<<<< HEAD\nSessionDep = Annotated[Session, Depends(get_db)]\n"
ROUTER = """
from fastapi import APIRouter

from {source} import SessionDep

router = APIRouter()


@router.post("/")
def create(db: SessionDep) -> None:
    db.commit()
"""


def arc900(out: str) -> str:
    (message,) = [m for _path, _line, _column, code, m in findings(out) if code == "ARC900"]
    return message


def test_arc900_names_the_files_that_could_not_resolve_its_names_cold_and_warm(tmp_path):
    root = tmp_path / "project"
    files = {"app/api/deps.py": DEPS, "app/api/__init__.py": "from app.api.deps import SessionDep\n"}
    for name in "abcd":
        files[f"app/api/routers/{name}.py"] = ROUTER.format(source="app.api.deps")
    # Through a re-export: the index resolves ``app.api.SessionDep`` into the broken file.
    files["app/api/routers/e.py"] = ROUTER.format(source="app.api")
    files["app/api/routers/clean.py"] = "from fastapi import APIRouter\n\nrouter = APIRouter()\n"
    write_example(root, files)
    cache = tmp_path / "cache"
    cold = cli(".", "--cache-dir", cache, cwd=root)
    assert arc900(cold.stdout).endswith(
        "; the syntax checks of app/api/routers/a.py, app/api/routers/b.py,"
        " app/api/routers/c.py and 2 more could not resolve names from it"
    ), cold.stdout
    # Warm, from the cached results of the files that did not change.
    (root / "app/api/routers/clean.py").write_text("router = None\n")
    assert cli(".", "--cache-dir", cache, cwd=root).stdout == cold.stdout
    assert cli(".", "--no-cache", cwd=root).stdout == cold.stdout


def test_arc900_names_no_file_when_none_asked_about_it(tmp_path):
    write_example(tmp_path, {"app/api/deps.py": DEPS, "app/api/routers/a.py": "x = 1\n"})
    assert arc900(cli(".", "--no-cache", cwd=tmp_path).stdout).endswith(
        "only its import statements were checked"
    )
