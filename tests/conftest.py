from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DATA = ROOT / "tests" / "data"
MARKER = re.compile(r"#\s*((?:ARC\d{3}\s*)+)\s*$")
# Fixture projects: every folder of fixtures/ that holds Python code.
PROJECTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))
FINDING = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<column>\d+): (?P<code>ARC\d{3}) (?P<message>.*)$")
GIT = shutil.which("git")


class Ran(subprocess.CompletedProcess):
    """A finished command; also ``(returncode, stdout, stderr)``, to unpack, index and compare."""

    def __iter__(self):
        return iter((self.returncode, self.stdout, self.stderr))

    def __getitem__(self, index):
        return tuple(self)[index]

    def __eq__(self, other):
        return tuple(self) == tuple(other)

    __hash__ = None


def tool(name: str) -> str:
    """A console script installed beside this Python (flake8, lint-imports, pre-commit)."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name) or name


def run(command, *, cwd, env=None, input=None, timeout=300) -> Ran:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, input=input,
        capture_output=True, text=True, timeout=timeout,
    )
    return Ran(result.args, result.returncode, result.stdout, result.stderr)


def archcheck(*args, cwd, env=None, input=None) -> Ran:
    """The real command line, ``python -m archcheck ARGS`` in a subprocess."""
    return run([sys.executable, "-m", "archcheck", *args], cwd=cwd, env=env, input=input, timeout=120)


def cli(*args, cwd) -> Ran:
    """The same command line in this process (click's runner): for what the command says
    and how it exits; ``archcheck()`` is for how it starts and what it leaves behind."""
    from click.testing import CliRunner

    from archcheck.cli import main

    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        runner = CliRunner()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, [str(arg) for arg in args], prog_name="archcheck", catch_exceptions=False)
    finally:
        os.chdir(previous)
    return Ran(["archcheck", *args], result.exit_code, result.stdout, result.stderr)


def git(cwd, *args) -> Ran:
    result = run(
        [GIT, "-c", "user.name=archcheck tests", "-c", "user.email=tests@archcheck.invalid",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def findings(text: str) -> set[tuple[str, int, int, str, str]]:
    """``(path, line, column, code, message)`` of every finding line, ``./`` dropped."""
    found = set()
    for line in text.splitlines():
        match = FINDING.match(line.removeprefix("./"))
        if match:
            found.add((match["path"], int(match["line"]), int(match["column"]), match["code"], match["message"]))
    return found


def write_example(root: Path, files, config: str = "") -> None:
    """Materialise an Example: its files, the ``__init__.py`` files they imply, a config."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    for relative in files:
        parent = (root / relative).parent
        while parent != root:
            init = parent / "__init__.py"
            if not init.exists():
                init.write_text("")
            parent = parent.parent
    if config:
        (root / "pyproject.toml").write_text(f"[tool.archcheck]\n{config}\n")


def markers(root: Path) -> set[tuple[str, int, str]]:
    """``(path, line, code)`` for every ``# ARC...`` marker at the end of a line under root."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            match = MARKER.search(line)
            if match:
                for code in match.group(1).split():
                    found.add((path.relative_to(root).as_posix(), number, code))
    return found


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    # archcheck must never write into analysed projects; tests keep caches in tmp.
    monkeypatch.setenv("ARCHCHECK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def settle() -> None:
    """Wait out the file system's time tick: archcheck trusts no stamp younger than it
    (a file rewritten within one tick keeps its time), so what a test just wrote is only
    kept by caches once this much older."""
    time.sleep(0.06)
