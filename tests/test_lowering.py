"""Syntax newer than the running Python: each form parses, the statements after it keep
their lines, names inside strings' fields stay, and what no grammar accepts is a
SourceError that says the line and what is wrong."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from archcheck.syntax import SourceError, parse_source

# Each source has ``marker`` on the line that holds ``# here``, after (or on) the new syntax.
NEW_SYNTAX = {
    "pep695 alias": "type Rows = list[int]\nmarker = 1  # here\n",
    "pep695 generic alias": "type Pair[K, V] = tuple[K, V]\nmarker = 1  # here\n",
    "pep695 alias over lines": """\
        type Table[
            K,  # the key
            V,
        ] = dict[K, V]
        marker = 1  # here
    """,
    "pep695 alias in a function": "def f():\n    type Rows = list[int]\n    return marker  # here\n",
    "pep695 generic class": "class Box[T: int, *Ts, **P](Base):\n    x = marker  # here\n",
    "pep695 generic class over lines": "class Box[\n    T,\n]:\n    pass\nmarker = 1  # here\n",
    "pep695 generic function": "def first[T](items: list[T]) -> T:\n    return marker  # here\n",
    "pep695 generic async method": "class A:\n    async def get[T](self) -> T:\n        return marker  # here\n",
    "pep696 type parameter default": "class Box[T = int]:\n    x = marker  # here\n",
    "pep701 same quotes": """x = f"{d["k"]}"\nmarker = 1  # here\n""",
    "pep701 nested": """x = f"{f"{f"{y}"}"}"\nmarker = 1  # here\n""",
    "pep701 field over lines with a comment": """\
        x = f"{
            y  # a comment
        }" "text" f'{z!r:>{width}}'
        marker = 1  # here
    """,
    "pep701 on the marker's line": """marker = f"{d["k"]}"  # here\n""",
    "pep750 t-string": """x = t"hello {name!r:>{width}}"\nmarker = 1  # here\n""",
    "pep750 t-string on the marker's line": """x = t"{a}"; marker = 1  # here\n""",
    "pep758 except without parentheses": """\
        try:
            pass
        except ValueError, TypeError:
            marker = 1  # here
    """,
    "pep758 except star without parentheses": """\
        try:
            pass
        except* ValueError, TypeError:
            marker = 1  # here
    """,
    "pep758 except over lines": """\
        try:
            pass
        except (
            ValueError
        ), TypeError:
            marker = 1  # here
    """,
    "pep654 except star": "try:\n    pass\nexcept* (A, B) as e:\n    marker = 1  # here\n",
    "every form in one file": """\
        type Rows = list[int]
        class Box[T]:
            def get[U](self, u: U) -> T:
                try:
                    return f"{self.d["k"]}" + t"{u}"
                except KeyError, IndexError:
                    raise
        marker = 1  # here
    """,
}
# Forms that only libcst lowers: each must be lowered by it, not by the text rewrite.
LIBCST_ONLY = {"pep758 except over lines"}


def parse(source: str, name: str = "m.py"):
    return parse_source(Path(name), textwrap.dedent(source).encode())


def where(source: str) -> tuple[int, int]:
    lines = textwrap.dedent(source).splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.endswith("# here"))
    return line, lines[line - 1].index("marker")


@pytest.mark.parametrize("name", sorted(NEW_SYNTAX))
def test_new_syntax_parses_with_every_line_kept(name):
    source = NEW_SYNTAX[name]
    parsed = parse(source)
    markers = [n for n in ast.walk(parsed.tree) if isinstance(n, ast.Name) and n.id == "marker"]
    assert [(n.lineno, n.col_offset) for n in markers] == [where(source)]
    assert parsed.source == textwrap.dedent(source)  # columns and noqa read the file's own text


def test_names_in_string_fields_are_still_used_where_they_were():
    parsed = parse('x = f"{a["k"]}"\ny = t"{b}{c:{d}}"\nz = f"""\n{f"{e}"}"""\n')
    used = sorted((n.id, n.lineno) for n in ast.walk(parsed.tree) if isinstance(n, ast.Name) and n.id != "x")
    assert ("a", 1) in used and ("b", 2) in used and ("c", 2) in used and ("d", 2) in used
    assert ("e", 4) in used


BROKEN = {
    # (source, line, the reason's words in any Python that the test runs on)
    "syntax error, no new syntax": ("x = 1\ndef f(:\n    pass\n", 2, None),
    "try without except": ("x = 1\ntry:\n    pass\nx = 2\n", 4, "expected 'except' or 'finally' block"),
    "new syntax, then an error": (
        "type Rows = list[int]\n" + "x = 1\n" * 10 + "try:\n    pass\nx = 2\n", 14, None,
    ),
    "newer grammar, wrong all the same": ("type Rows = int\nx = 1\n1 = x\n", 3, None),
    "f-string beside a t-string": ("x = f'{a}' t'{b}'\n", 1, None),
    "nested past Python's limit": ("type R = int\nx = " + "(" * 300 + ")" * 300 + "\n", 2, None),
    "a chain deeper than any parser takes": ("type R = int\nx = " + "-" * 100_000 + "1\n", 2, None),
    "a long chain": ("type R = int\nx = " + "+".join(["a"] * 5000) + "\n", 2, None),
    "a null byte": ("x = 1\ny = 2\0\n", 2, "source code cannot contain null bytes"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_what_no_grammar_accepts_is_a_source_error_with_its_line(name):
    source, line, words = BROKEN[name]
    with pytest.raises(SourceError) as raised:
        parse_source(Path("m.py"), source.encode())
    assert (raised.value.line, raised.value.path) == (line, Path("m.py"))
    assert raised.value.reason.startswith(f"line {line}: ")
    if words is not None:
        assert raised.value.reason == f"line {line}: {words}"


UNDECODABLE = {
    "latin-1 without a cookie": (b"x = 1\ny = '\xe9'\n", "line 2: not UTF-8 and no coding cookie"),
    "latin-1 on the first line": (b"x = '\xe9'\n", "line 1: not UTF-8 and no coding cookie"),
    "an unknown codec": (b"# -*- coding: klingon -*-\nx = 1\n", "line 1: unknown encoding: klingon"),
    "a cookie on line 2": (b"#!/usr/bin/env python\n# coding: nope\n", "line 2: unknown encoding: nope"),
    "bytes the cookie's codec refuses": (b"# coding: ascii\nx = 1\ny = '\xe9'\n", "line 3: not ascii as its coding cookie says"),
    "UTF-16": ("x = 1\n".encode("utf-16"), "line 1: not UTF-8 and no coding cookie"),
}


@pytest.mark.parametrize("name", sorted(UNDECODABLE))
def test_undecodable_files_say_why(name):
    data, reason = UNDECODABLE[name]
    with pytest.raises(SourceError) as raised:
        parse_source(Path("m.py"), data)
    assert raised.value.reason == reason


def test_a_cookie_is_honoured():
    assert parse_source(Path("m.py"), b"# coding: latin-1\nx = '\xe9'\n").source.endswith("x = '\xe9'\n")


def test_files_in_the_running_grammar_never_import_libcst():
    code = (
        "import sys; from pathlib import Path; from archcheck.syntax import parse_source\n"
        "parse_source(Path('m.py'), b'x = f\"{y}\"\\n')\n"
        "print('libcst' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "False\n"


def test_source_errors_survive_pickling():
    import pickle

    with pytest.raises(SourceError) as raised:
        parse_source(Path("m.py"), b"type R = int\ndef f(:\n")
    assert pickle.loads(pickle.dumps(raised.value)) == raised.value


@pytest.mark.parametrize("name", sorted(set(NEW_SYNTAX) - LIBCST_ONLY))
def test_type_parameters_aliases_and_bare_handlers_are_lowered_without_libcst(name):
    source = textwrap.dedent(NEW_SYNTAX[name])
    code = (
        "import sys; from pathlib import Path; from archcheck.syntax import parse_source\n"
        f"parse_source(Path('m.py'), {source.encode()!r})\n"
        "print('libcst' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "False\n"


@pytest.mark.parametrize(
    "name", sorted(set(NEW_SYNTAX) - LIBCST_ONLY - {"pep758 except star without parentheses"})
)
def test_the_line_rewrite_reads_as_libcst_lowers(name):
    from archcheck import lowering, text_lowering

    source = textwrap.dedent(NEW_SYNTAX[name])
    try:
        ast.parse(source)
        return  # the running Python reads it as it is
    except SyntaxError:
        pass
    # f-strings and t-strings are rewritten only where the rest is not enough, as parse_source does.
    for strings in (False, True):
        rewritten = text_lowering.lower(source, strings=strings)
        try:
            tree = ast.parse(rewritten) if rewritten is not None else None
        except SyntaxError:
            continue
        if tree is not None:
            break
    assert ast.dump(tree) == ast.dump(ast.parse(lowering.lower(source)))


def test_a_form_written_inside_a_string_never_reaches_the_code_after_it():
    from archcheck import text_lowering

    source = "s = 'def f['; import app.repositories.repo as r; t = ']'\ntype X = int\n"
    tree = ast.parse(text_lowering.lower(source))
    assert [ast.unparse(node) for node in tree.body] == [
        "s = 'def f['",
        "import app.repositories.repo as r",
        "t = ']'",
        "X = int",
    ]


STRINGS = [
    'x = f"{a=}" f"{b = !r}" f"{c=:>10}"\n',
    'x = f"a{{b}}c\\N{EM DASH}{q}" rf"\\{a}\\d"\n',
    'y = f"""\n{f"{e}"}"""\n',
    'z = (f"{a}"\n  # a comment between the strings\n  "b")\n"a docstring, not part of z"\n',
    'x = f"{a!r}"; y = f"{x if y else z}" f"{[i for i in b]}" f"{ {k: v}[k] }"\n',
    'if"x" in f"{a["k"]}": pass\n',
    'x = f"{a!r:{w}.{p}}" + f"{\'\\n\'.join(b)}"\n',
    'x = f"éé {a} ✓" + b\n',
]


@pytest.mark.parametrize("source", STRINGS)
def test_strings_are_rewritten_in_place_as_libcst_lowers_them(source):
    from archcheck import lowering, text_lowering

    rewritten = text_lowering.lower(source, strings=True)
    assert rewritten is not None
    # Every expression stays at its line and column (in UTF-8 bytes, as the tree counts).
    def shape(text):
        return [len(line.encode()) for line in text.splitlines()]

    assert shape(rewritten) == shape(source)
    assert ast.dump(ast.parse(rewritten)) == ast.dump(ast.parse(lowering.lower(source)))


@pytest.mark.parametrize(
    "source",
    ["x = f'{a}' t'{b}'\n", "x = f'{a\n", "x = f'{a!r'\n", "x = f'}'\n", "x = f'{a!z}'\n", "x = f'{a!}'\n"],
)
def test_strings_the_rewrite_cannot_read_are_left_to_libcst(source):
    from archcheck import text_lowering

    assert text_lowering.lower(source, strings=True) is None
