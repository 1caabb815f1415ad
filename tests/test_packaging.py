"""What users install: ``python -m build`` of a clean checkout gives a wheel and an sdist
named fastapi-archcheck (``archcheck`` on PyPI is another project); each installs into a
fresh virtualenv with the ``archcheck`` command, the flake8 plugin and the import-linter
contract working from it. Needs the package index (pip installs the dependencies)."""
from __future__ import annotations

import shutil
import sys
import venv
from pathlib import Path

import pytest

from conftest import FIXTURES, GIT, ROOT, git, run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.functional,
    pytest.mark.skipif(GIT is None, reason="needs git"),
]

CONTRACT = """\
[importlinter]
root_package = app
contract_types =
    archcheck: archcheck.contract.ArchcheckContract

[importlinter:contract:archcheck]
name = FastAPI layering (archcheck)
type = archcheck
"""


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """The wheel and sdist of what a clone would hold: every tracked file as it is now."""
    checkout = tmp_path_factory.mktemp("checkout")
    for name in git(ROOT, "ls-files", "-z").stdout.split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    out = tmp_path_factory.mktemp("dist")
    built = run([sys.executable, "-m", "build", "--outdir", out, checkout], cwd=checkout, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert [p.name.split("-")[0] for p in wheels + sdists] == ["fastapi_archcheck"] * 2
    return {"wheel": wheels[0], "sdist": sdists[0]}


def fresh_venv(where: Path, requirement: str) -> Path:
    venv.create(where, with_pip=True)
    bin_dir = where / ("Scripts" if sys.platform == "win32" else "bin")
    installed = run([bin_dir / "python", "-m", "pip", "install", "-q", requirement], cwd=where, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return bin_dir


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_the_distribution_installs_and_works(dists, kind, tmp_path):
    bin_dir = fresh_venv(tmp_path / "venv", f"fastapi-archcheck[flake8,import-linter] @ {dists[kind].as_uri()}")
    python = bin_dir / "python"

    version = run([python, "-c", "import importlib.metadata as m; print(m.version('fastapi-archcheck'))"], cwd=tmp_path)
    assert run([bin_dir / "archcheck", "--version"], cwd=tmp_path).stdout == f"archcheck, version {version.stdout}"

    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "layered_leaky", project)
    expected = (project / "expected.txt").read_text()
    checked = run([bin_dir / "archcheck"], cwd=project)
    assert (checked.returncode, checked.stdout) == (1, expected)

    linted = run([bin_dir / "flake8", "--isolated", "--select", "ARC", "app/api/routers/users.py"], cwd=project)
    assert linted.returncode == 1 and ": ARC001 Router imports repository" in linted.stdout, linted.stderr

    (project / ".importlinter").write_text(CONTRACT)
    contract = run([bin_dir / "lint-imports", "--no-cache"], cwd=project)
    assert contract.returncode == 1 and "FastAPI layering (archcheck) BROKEN" in contract.stdout, contract.stderr
