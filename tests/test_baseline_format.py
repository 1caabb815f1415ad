"""A baseline survives a code formatter: black or ruff format over a leaky project leave
``--baseline`` green, and editing an offending statement afterwards makes it new."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, archcheck, run, tool

BASELINE = "archcheck-baseline.json"
RUFF = shutil.which(tool("ruff"))
# A narrow line length makes the formatter re-flow most statements, not only the long ones.
FORMATTERS = {
    "ruff": [RUFF, "format", "--line-length", "50", "."],
    "black": [sys.executable, "-m", "black", "--line-length", "50", "."],
}
AVAILABLE = {"ruff": RUFF is not None, "black": importlib.util.find_spec("black") is not None}


def sources(root: Path) -> dict[Path, str]:
    return {path: path.read_text(errors="replace") for path in sorted(root.rglob("*.py"))}


@pytest.mark.functional
@pytest.mark.parametrize(
    "fixture",
    [
        "layered_leaky",
        "arc101_http_exception_in_repository",
        "arc201_orm_returned_without_schema",
        "arc202_query_in_router",
        "all_rules",
    ],
)
@pytest.mark.parametrize("formatter", sorted(FORMATTERS))
def test_formatting_keeps_the_baseline_green(tmp_path, fixture, formatter):
    if not AVAILABLE[formatter]:
        pytest.skip(f"{formatter} is not installed")
    project = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, project)
    written = archcheck("--write-baseline", BASELINE, cwd=project)
    assert written.returncode == 0, written.stderr
    before = sources(project)
    run(FORMATTERS[formatter], cwd=project)  # all_rules holds a file no formatter parses
    assert sources(project) != before
    result = archcheck("--baseline", BASELINE, cwd=project)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr


@pytest.mark.functional
def test_an_edited_statement_is_new_after_formatting(tmp_path):
    if RUFF is None:
        pytest.skip("ruff is not installed")
    project = tmp_path / "arc101"
    shutil.copytree(FIXTURES / "arc101_http_exception_in_repository", project)
    archcheck("--write-baseline", BASELINE, cwd=project)
    run(FORMATTERS["ruff"], cwd=project)
    repository = project / "app/repositories/account_repo.py"
    text = repository.read_text()
    assert text.count('"account"') == 1  # raise NotFoundHTTPError("account")
    repository.write_text(text.replace('"account"', '"owner"'))
    result = archcheck("--baseline", BASELINE, cwd=project)
    assert result.returncode == 1
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines() if ": ARC" in line] == ["ARC101"]
    assert "1 baseline entry no longer occurs" in result.stderr
