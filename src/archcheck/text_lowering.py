"""The newer syntax that a rewrite within its lines makes readable, without a parser.

Most files the running ``ast`` refuses use only PEP 695's type parameters and aliases
(``def f[T](...)``, ``class C[T]:``, ``type X = ...``) or PEP 758's ``except A, B:``
(``except* A, B:`` too, which libcst 1.9 cannot read).
``lower`` rewrites those as ``archcheck.lowering`` does, each within its line, and the
caller parses the result. Where that is not enough, ``lower(source, strings=True)`` also
rewrites every f-string and t-string (PEP 701's fields over lines, with quotes or comments;
PEP 750) as libcst's lowering does: the tuple of the expressions in its fields, each
expression at its own line and column. What neither makes readable (a handler split over
lines) goes to libcst, whose parse and rewrite cost about a hundred times as much. A form
written inside a string is rewritten too: only the string's text changes, and no rule
reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["blank", "lower"]

# A string's start: the word before its quote (a prefix, or a keyword as in ``if"x"``).
_STRING_START = r"(\w*)('\'\'|\"\"\"|'|\")"
# Between strings: a comment, a string's start, a bracket.
_CODE = re.compile(r"#[^\r\n]*|(?<!\w)" + _STRING_START + r"|([(\[{])|([)\]}])")
# Inside a field: the same, and what ends its expression at depth 0 (``!r``, ``:spec``,
# ``=``), operators that only look like those first.
_FIELD = re.compile(_CODE.pattern + r"|(?:!=|==|<=|>=)|([!:=])")
_PREFIXES = frozenset({"", "r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt"})
_STRING = re.compile(_STRING_START)
# Where a string without fields may end: an escape, its quote, or (one quote) a line end.
_STRING_ENDS = {
    quote: re.compile(r"\\.|" + quote + ("" if len(quote) == 3 else r"|[\r\n]"), re.DOTALL)
    for quote in ("'''", '"""', "'", '"')
}
# Text inside a string with fields up to what may matter: an escape, a brace, a quote, a line end.
_LITERAL = re.compile(r"[^\\{}'\"\r\n]+")
_BLANKS = re.compile(r"[ \t]*")
_CONVERSION = re.compile(r"[rsa](?=[:}])")  # ``!r`` and the ``:`` or ``}`` after it
_SPEC_TEXT = re.compile(r"[^{}\r\n]*")
_NOT_LINE_END = re.compile(r"[^\r\n]")
# Between the strings of one implicit concatenation.
_JOIN = re.compile(r"(?:[ \t\f]|\\\r?\n)*")
_JOIN_IN_BRACKETS = re.compile(r"(?:[ \t\f\r\n]|\\\r?\n|#[^\r\n]*)*")


class _Unreadable(Exception):
    """The strings do not read as the rewrite knows them: libcst reads the file."""


# ``def f[`` / ``class C[``: the type parameters follow.
_PARAMETERS = re.compile(r"\b(?:def|class)[ \t]+\w+[ \t]*(?=\[)")
# ``type X =`` / ``type X[T] =`` at the start of a line.
_ALIAS = re.compile(r"^[ \t]*(type[ \t]+(\w+)[ \t]*)(?=[\[=])", re.MULTILINE)
# ``except A`` / ``except* A`` at the start of a line, without a parenthesis.
_EXCEPT = re.compile(r"^[ \t]*((except(?:[ \t]*\*)?)[ \t]+)(?![ \t(])", re.MULTILINE)


def lower(source: str, *, strings: bool = False) -> str | None:
    """``source`` with those forms rewritten (and, with ``strings``, every f-string and
    t-string), every line and the columns after each form where they were; None when it
    holds none of them, or strings the rewrite cannot read."""
    edits: list[tuple[int, int, str]] = []
    if strings:
        try:
            edits += _string_edits(source)
        except _Unreadable:
            return None
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


def _string_edits(source: str) -> list[tuple[int, int, str]]:
    """An edit per implicit concatenation of strings that holds an f-string or t-string:
    ``(`` where it starts, ``)`` where it ends, each field's expression where it was and a
    comma after it, blanks for the rest."""
    edits: list[tuple[int, int, str]] = []
    at, depth = 0, 0
    while (match := _CODE.search(source, at)) is not None:
        _, quote, opening, closing = match.groups()
        at = match.end()
        if opening or closing:
            depth += 1 if opening else -1
        elif quote:
            start = _string_start(match)
            at, text, fields = _concatenation(source, start, depth > 0)
            if fields:
                edits.append((start, at, "(" + text[1:-1] + ")"))
    return edits


def _string_start(match: re.Match[str]) -> int:
    """Where the string ``_CODE`` or ``_FIELD`` found starts: at its prefix, or at its
    quote when the word before is no prefix (``if"x"``)."""
    return match.start() if match.group(1).lower() in _PREFIXES else match.start(2)


def _concatenation(source: str, start: int, in_brackets: bool) -> tuple[int, str, bool]:
    """The end of the strings from ``start`` that one implicit concatenation joins, their
    rewrite, and whether any has fields."""
    join = _JOIN_IN_BRACKETS if in_brackets else _JOIN
    parts: list[str] = []
    kinds: set[bool] = set()
    fields = False
    at = end_of_strings = start
    while True:
        match = _STRING.match(source, at)
        if match is None or match.group(1).lower() not in _PREFIXES:
            break
        prefix = match.group(1).lower()
        kinds.add("t" in prefix)
        if "f" in prefix or "t" in prefix:
            fields = True
            end, text = _fields(source, match.end(), match.group(2), raw="r" in prefix)
            parts.append(" " * (match.end() - at) + text)
        else:
            end = _string_end(source, match.end(), match.group(2))
            parts.append(_spaces(source[at:end]))
        between = join.match(source, end)
        assert between is not None  # it matches the empty string
        at = between.end()
        parts.append(source[end:at])
        end_of_strings = end
    if fields and len(kinds) > 1:
        raise _Unreadable  # a t-string joins only t-strings
    text = "".join(parts[:-1])  # not what follows the last string
    return end_of_strings, text, fields


def _string_end(source: str, at: int, quote: str) -> int:
    """The index after the string (without fields) whose text starts at ``at``."""
    while True:
        found = _STRING_ENDS[quote].search(source, at)
        if found is None or found.group() in ("\r", "\n"):
            raise _Unreadable
        at = found.end()
        if found.group() == quote:
            return at


def _fields(source: str, at: int, quote: str, *, raw: bool) -> tuple[int, str]:
    """The index after the f-string or t-string whose text starts at ``at`` (after its
    quote), and the rewrite of that text: blanks, each field's expression and a comma."""
    out: list[str] = []
    while True:
        literal = _LITERAL.match(source, at)
        if literal is not None:
            out.append(_spaces(literal.group()))
            at = literal.end()
        if at >= len(source):
            raise _Unreadable
        char = source[at]
        if source.startswith(quote, at):
            out.append(" " * len(quote))
            return at + len(quote), "".join(out)
        if char == "\\":
            if not raw and source.startswith("N{", at + 1):
                end = source.find("}", at)
                if end < 0:
                    raise _Unreadable
                out.append(_spaces(source[at : end + 1]))
                at = end + 1
            elif source[at + 1 : at + 2] in ("{", "}"):
                out.append(" ")  # the brace after it is read as a brace
                at += 1
            else:
                out.append(_spaces(source[at : at + 2]))
                at += 2
        elif source.startswith("{{", at) or source.startswith("}}", at):
            out.append("  ")
            at += 2
        elif char == "{":
            at = _field(source, at, out)
        elif (char in "\r\n" and len(quote) == 1) or char == "}":
            raise _Unreadable
        else:  # a quote of the other kind, or a line end inside triple quotes
            out.append(_spaces(char))
            at += 1


def _field(source: str, at: int, out: list[str]) -> int:
    """Append the rewrite of the field whose ``{`` is at ``at``; the index after its ``}``."""
    out.append(" ")
    at += 1
    depth = 0
    start = at
    while True:
        match = _FIELD.search(source, at)
        if match is None:
            raise _Unreadable
        _, quote, opening, closing, stop = match.groups()
        if quote:
            begin = _string_start(match)
            out.append(source[start:begin])
            at, text, fields = _concatenation(source, begin, True)
            out.append("(" + text[1:-1] + ")" if fields else source[begin:at])
            start = at
            continue
        at = match.end()
        if opening:
            depth += 1
        elif closing and depth:
            depth -= 1
        elif closing == "}" or (stop and not depth):
            break
        elif closing:
            raise _Unreadable
    out.append(source[start : match.start()] + ",")
    at = match.start() + 1
    ending = match.group()
    if ending == "=":  # ``{x=}``: then perhaps a conversion or a format
        spaces = _BLANKS.match(source, at)
        assert spaces is not None
        out.append(spaces.group())
        at = spaces.end()
        ending = source[at : at + 1]
        if ending not in ("!", ":", "}"):
            raise _Unreadable
        out.append(" ")
        at += 1
    if ending == "!":
        if not _CONVERSION.match(source, at):
            raise _Unreadable  # ``!z``, ``!``: no Python reads it
        out.append("  ")
        ending = source[at + 1]
        at += 2
    if ending == ":":
        while True:  # the format: text, and fields of its own
            literal = _SPEC_TEXT.match(source, at)
            assert literal is not None
            out.append(_spaces(literal.group()))
            at = literal.end()
            char = source[at : at + 1]
            if char == "{":
                at = _field(source, at, out)
            elif char == "}":
                out.append(" ")
                return at + 1
            else:
                raise _Unreadable
    return at


def _spaces(text: str) -> str:
    """Blanks of the same shape as ``text``, its line ends kept (inside brackets): a blank
    per byte, as the syntax tree counts columns in UTF-8 bytes (``é`` is two)."""
    if text.isascii():
        return _NOT_LINE_END.sub(" ", text)
    return _NOT_LINE_END.sub(lambda char: " " * len(char.group().encode()), text)


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
