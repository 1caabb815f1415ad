"""Property: a program Python compiles is never ARC900, and it hides no other finding.

Programs come from hypothesmith's grammar-based strategy (every production of Python's
grammar, so the corners no one writes by hand: ``raise;``, ``match = 1; match``), kept
when the running Python compiles them. Each is a router module of a small layered
project, checked by the engine in this process: no ARC900, no internal error, and the
project's own ARC001 still found.

CI runs a bounded number of examples; a longer run is opt-in:
``ARCHCHECK_FUZZ_EXAMPLES=5000 python -m pytest tests/test_valid_programs.py -p no:randomly``.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from conftest import write_example
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archcheck.engine import Options, check

EXAMPLES = int(os.environ.get("ARCHCHECK_FUZZ_EXAMPLES", "25"))
APP = {
    "app/api/routers/users.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "def get():\n    return 1\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
}


def _compiles(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            compile(source, "<generated>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


programs = hypothesmith.from_grammar().filter(_compiles)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    write_example(folder, APP)
    return folder


@settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
@given(source=programs, place=st.sampled_from(["app/api/routers/generated.py", "app/services/generated.py"]))
def test_compilable_programs_are_never_arc900(root, source, place):
    target = root / place
    target.write_text(source, encoding="utf-8")
    try:
        report = check([root], Options(use_cache=False))
    finally:
        target.unlink()
    codes = {(f.path.rpartition("app/")[2], f.code) for f in report.findings}
    assert not any(code == "ARC900" for _, code in codes), (source, report.findings)
    assert ("api/routers/users.py", "ARC001") in codes, (source, report.findings)
