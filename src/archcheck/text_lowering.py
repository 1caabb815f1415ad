"""The newer syntax that a rewrite within its lines makes readable, without a parser.

Most files the running ``ast`` refuses use only PEP 695's type parameters and aliases
(``def f[T](...)``, ``class C[T]:``, ``type X = ...``) or PEP 758's ``except A, B:``
(``except* A, B:`` too, which libcst 1.9 cannot read).
``lower`` rewrites those as ``archcheck.lowering`` does, each within its line, and the
caller parses the result. What that does not make readable (PEP 701 f-strings,
t-strings, a handler split over lines) goes to libcst, whose parse and rewrite cost about a
hundred times as much. A form written inside a string is rewritten too: only the
string's text changes, and no rule reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["blank", "lower"]

# ``def f[`` / ``class C[``: the type parameters follow.
_PARAMETERS = re.compile(r"\b(?:def|class)[ \t]+\w+[ \t]*(?=\[)")
# ``type X =`` / ``type X[T] =`` at the start of a line.
_ALIAS = re.compile(r"^[ \t]*(type[ \t]+(\w+)[ \t]*)(?=[\[=])", re.MULTILINE)
# ``except A`` / ``except* A`` at the start of a line, without a parenthesis.
_EXCEPT = re.compile(r"^[ \t]*((except(?:[ \t]*\*)?)[ \t]+)(?![ \t(])", re.MULTILINE)


def lower(source: str) -> str | None:
    """``source`` with those forms rewritten, every line and the columns after each form
    where they were; None when it holds none of them."""
    edits: list[tuple[int, int, str]] = []
    for match in _PARAMETERS.finditer(source):
        if _after_text(source, match.start()):
            continue
        end = _closing(source, match.end(), lines=True)
        if end is not None:
            edits.append((match.end(), end, blank(source[match.end() : end])))
    for match in _ALIAS.finditer(source):
        end = match.end()
        if source[end] == "[":
            closed = _closing(source, end, lines=True)
            if closed is None:
                continue
            end = closed
        while end < len(source) and source[end] in " \t":
            end += 1
        if source.startswith("=", end) and not source.startswith("==", end):
            # ``type X[T] = v`` -> ``X         = v``: an assignment, ``=`` where it was.
            start, name = match.start(1), match.group(2)
            edits.append((start, end, name + blank(source[start:end])[len(name) :]))
    for match in _EXCEPT.finditer(source):
        end = _clause_end(source, match.end())
        if end is not None:
            # ``except A, B:`` -> ``except(A, B):``, as libcst's lowering writes it.
            keyword = match.group(2).replace(" ", "").replace("\t", "")
            types = source[match.end() : end].rstrip()
            edits.append((match.start(1), end, f"{keyword}({types})"))
    if not edits:
        return None
    edits.sort()
    parts, at = [], 0
    for start, end, text in edits:
        if start < at:
            return None  # overlapping forms: leave the file to libcst
        parts += [source[at:start], text]
        at = end
    parts.append(source[at:])
    return "".join(parts)


def _after_text(source: str, at: int) -> bool:
    """Whether a quote or a comment sign comes before ``at`` on its line: the match may
    sit in a string, and rewriting from there could blank the code after the string."""
    line = source.rfind("\n", 0, at) + 1
    return any(char in "'\"#" for char in source[line:at])


def _code(source: str, start: int, lines: bool) -> Iterator[tuple[int, str, int]]:
    """(index, character, bracket depth after it) of the code from ``start``: past
    comments when ``lines``, else up to the end of the line or the first comment; up to
    the first quote either way (type parameters that hold a string go to libcst)."""
    depth = 0
    index = start
    while index < len(source):
        char = source[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif not lines and char in "\n\r#'\"":
            return
        elif char == "#":
            index = source.find("\n", index)
            if index < 0:
                return
            continue
        elif char in "'\"":
            return
        yield index, char, depth
        index += 1


def _closing(source: str, start: int, *, lines: bool = False) -> int | None:
    """The index after the bracket that closes the one at ``start``: on the same line, or
    (``lines``) on any."""
    for index, char, depth in _code(source, start, lines):
        if depth == 0 and char in ")]}":
            return index + 1
    return None


def blank(text: str) -> str:
    """Whitespace of the same shape as ``text``: what follows keeps its line and column.

    Lines are joined with backslashes, so this fits where a statement cannot break.
    """
    return re.sub(r" ?(\r\n|\r|\n)", r"\\\1", re.sub(r"[^\r\n]", " ", text))


def _clause_end(source: str, start: int) -> int | None:
    """Where the exception types after ``except`` end (before ``:`` or ``as``) when they
    are a tuple without parentheses on one line, else None."""
    comma = False
    for index, char, depth in _code(source, start, lines=False):
        if depth == 0 and char == ",":
            comma = True
        elif depth == 0 and (char == ":" or source.startswith(" as ", index)):
            return index if comma else None
    return None
