"""What silences a finding: ``# noqa`` comments and the config's ``per-file-ignores``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from archcheck.config import Config
from archcheck.engine.selection import matches

__all__ = ["ignored_per_file", "silenced_by_noqa"]

# Compiled by ``re`` (and kept in its cache) when first used, by a whole-project run: a
# flake8 run applies no noqa itself, and would pay for the compilation at every import.
_NOQA = r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?"


def ignored_per_file(config: Config, code: str, absolute: Path | None) -> bool:
    """Whether the config's ``per-file-ignores`` turn ``code`` off in the file ``absolute``."""
    if config.per_file_ignores and absolute is not None:
        base = config.directory or Path.cwd()
        try:
            relative = absolute.relative_to(base).as_posix()
        except ValueError:
            relative = absolute.as_posix()
        for glob, codes in config.per_file_ignores.items():
            if fnmatchcase(relative, glob) and matches(code, codes):
                return True
    return False


def silenced_by_noqa(code: str, lines: Sequence[str], line: int) -> bool:
    """Whether line ``line`` of ``lines`` carries a ``# noqa`` that covers ``code``."""
    if 0 < line <= len(lines):
        match = re.search(_NOQA, lines[line - 1], re.IGNORECASE)
        if match:
            codes = match["codes"]
            return codes is None or matches(
                code, [c.upper() for c in re.split(r"[,\s]+", codes) if c]
            )
    return False
