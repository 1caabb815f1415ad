"""Reading and parsing source files with the standard library's ``ast``.

``ast`` is what flake8 hands a plugin for free and is several times faster than a concrete
syntax tree; every syntax rule and the project index read it. A file in a grammar newer
than the running Python's is lowered to it first (``archcheck.lowering``).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from archcheck.reading import UnreadableFile, read_regular

__all__ = [
    "MAX_SOURCE_BYTES",
    "ParsedFile",
    "SourceError",
    "decode_source",
    "parse_source",
    "read_source",
]

# Above this a file is not parsed (ARC900 "too large"): a tree costs some 250 times the
# bytes of its source (a generated 50 MB module took 13 GB and minutes), and hand-written
# modules stay far below it. Its imports are still read line by line.
MAX_SOURCE_BYTES = 2 * 1024 * 1024


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
    except SyntaxError as error:
        # The cookie names no codec, or a BOM contradicts it, or the first lines are not
        # UTF-8 and there is no cookie: tokenize says which in its first words.
        reason = str(error.msg)
        if reason.startswith("invalid or missing encoding"):
            raise _undecodable(path, data, "not UTF-8 and no coding cookie") from None
        if reason.startswith("unknown encoding"):
            reason = "unknown encoding: " + reason.rpartition(": ")[2]
        line = _cookie_line(data) or 1
        raise SourceError(path, line, 1, f"line {line}: {reason}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        what = (
            f"not {encoding} as its coding cookie says"
            if _cookie_line(data)
            else "not UTF-8 and no coding cookie"
        )
        raise _undecodable(path, data, what, error.start) from None


# PEP 263: a comment on one of the first two lines that says the coding.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


def _cookie_line(data: bytes) -> int | None:
    return next(
        (n for n, line in enumerate(data.split(b"\n", 2)[:2], 1) if _COOKIE.match(line)), None
    )


def _undecodable(path: Path, data: bytes, what: str, start: int | None = None) -> SourceError:
    if start is None:  # tokenize does not say where: the first byte UTF-8 refuses
        try:
            data.decode("utf-8")
            start = 0
        except UnicodeDecodeError as error:
            start = error.start
    line = data.count(b"\n", 0, start) + 1
    return SourceError(path, line, 1, f"line {line}: {what}")


def read_source(path: Path, limit: int | None = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them; SourceError for anything else
    (see ``reading.read_regular``)."""
    try:
        return read_regular(path, limit)
    except UnreadableFile as error:
        raise SourceError(path, 1, 1, error.reason) from None


def decode_source(data: bytes, path: Path = Path("<source>")) -> str:
    """The text of a file's bytes, decoded as Python decodes source (PEP 263)."""
    return _decode(path, data)


class Lowerings(Protocol):
    """Where lowered sources are kept: lowering a file costs a hundred times its parse."""

    def get(self, source: str) -> str | None: ...

    def put(self, source: str, lowered: str) -> None: ...


def parse_source(path: Path, data: bytes, lowerings: Lowerings | None = None) -> ParsedFile:
    """Parse ``data`` (the bytes of ``path``); raise SourceError with a line if it is not Python.

    Syntax newer than the running Python is lowered to syntax the running ``ast`` reads,
    every line where it was: within its lines where that suffices (type parameters and
    aliases, ``except A, B:``, then f-strings and t-strings: ``archcheck.text_lowering``),
    else by libcst
    (``archcheck.lowering``); ``source`` stays the file's own text, for columns and
    ``noqa`` comments.
    """
    source = _decode(path, data)
    if "\0" in source:  # Python refuses it (a ValueError before 3.12), and so does libcst
        line = source.count("\n", 0, source.find("\0")) + 1
        raise SourceError(path, line, 1, f"line {line}: source code cannot contain null bytes")
    try:
        return ParsedFile(path, _parse(path, source), source)
    except SyntaxError as error:
        refused = error
    # Imported here, as libcst's lowering is: most runs never meet a file that needs it.
    from archcheck import text_lowering

    for strings in (False, True):  # f-strings are rewritten only where they must be
        rewritten = text_lowering.lower(source, strings=strings)
        if rewritten is not None:
            try:
                return ParsedFile(path, _parse(path, rewritten), source)
            except (SyntaxError, SourceError):
                pass  # more than the rewrite knows: libcst reads it, or says where it fails
    # libcst takes longer to import than all of archcheck.
    from archcheck import lowering

    known = None if lowerings is None else lowerings.get(source)
    try:
        lowered = known if known is not None else lowering.lower(source)
    except lowering.LoweringError as error:
        if (refused.lineno or 1) + (not error.exact) >= error.line:
            # Both stop at the same place (libcst a token later): Python's words are better.
            raise _syntax_error(path, refused) from None
        raise SourceError(
            path, error.line, error.column, f"line {error.line}: {error.reason}"
        ) from None
    try:
        tree = _parse(path, lowered)
    except SyntaxError as error:  # newer grammar, wrong all the same (``1 = x``)
        raise _syntax_error(path, error) from None
    if lowerings is not None and known is None:
        lowerings.put(source, lowered)
    return ParsedFile(path, tree, source)


def _parse(path: Path, source: str) -> ast.Module:
    try:
        return ast.parse(source, filename=str(path))
    except (RecursionError, MemoryError):
        raise SourceError(path, 1, 1, "too deeply nested to parse") from None
    except ValueError as error:
        raise SourceError(path, 1, 1, f"cannot parse: {error}") from None


def _syntax_error(path: Path, error: SyntaxError) -> SourceError:
    line = error.lineno or 1
    return SourceError(path, line, max(error.offset or 1, 1), f"line {line}: {error.msg}")
