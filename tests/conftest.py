from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
MARKER = re.compile(r"#\s*((?:ARC\d{3}\s*)+)\s*$")


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
