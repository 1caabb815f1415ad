"""Reading and parsing source files with the standard library's ``ast``.

``ast`` is what flake8 hands a plugin for free and is several times faster than a concrete
syntax tree; every syntax rule and the project index read it.
"""
from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ParsedFile", "SourceError", "decode_source", "parse_source"]


@dataclass(frozen=True)
class SourceError(Exception):
    """Why ``path`` could not be read as Python, and where."""

    path: Path
    line: int
    column: int
    reason: str

    def __str__(self) -> str:
        return self.reason

    def __reduce__(self):
        # Exceptions pickle through ``args`` and then set attributes, which a frozen
        # dataclass refuses: rebuild from the fields (cache entries, worker results).
        return (type(self), (self.path, self.line, self.column, self.reason))


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    tree: ast.Module
    source: str


def _decode(path: Path, data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise SourceError(path, 1, 1, f"cannot decode file: {error}") from None


def decode_source(data: bytes, path: Path = Path("<source>")) -> str:
    """The text of a file's bytes, decoded as Python decodes source (PEP 263)."""
    return _decode(path, data)


def parse_source(path: Path, data: bytes) -> ParsedFile:
    """Parse ``data`` (the bytes of ``path``); raise SourceError with a line if it is not Python."""
    source = _decode(path, data)
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        line = error.lineno or 1
        column = max(error.offset or 1, 1)
        raise SourceError(path, line, column, f"SyntaxError: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise SourceError(path, 1, 1, f"cannot parse file: {error}") from None
    return ParsedFile(path, tree, source)
