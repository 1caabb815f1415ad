"""Every rule's own good and bad examples, run through the engine (Fixit-style)."""
from __future__ import annotations


import pytest

from archcheck.engine import Options, check
from archcheck.rules import RULES
from conftest import markers, write_example

CASES = [
    pytest.param(rule, kind, i, example, id=f"{rule.code}-{kind}-{i}")
    for rule in RULES
    for kind in ("valid", "invalid")
    for i, example in enumerate(getattr(rule, kind))
]


@pytest.mark.parametrize(("rule", "kind", "number", "example"), CASES)
def test_example(rule, kind, number, example, tmp_path, monkeypatch):
    write_example(tmp_path, example.files, example.config)
    monkeypatch.chdir(tmp_path)
    package = sorted({path.split("/")[0] for path in example.files})
    report = check([tmp_path / p for p in package], Options(use_cache=False, extend_select=(rule.code,)))
    # A list, not a set: a marker stands for one finding (one statement gives one finding).
    found = sorted((f.path, f.line, f.code) for f in report.findings)
    expected = markers(tmp_path)
    if kind == "valid":
        assert not [f for f in report.findings if f.code == rule.code]
    else:
        assert any(code == rule.code for _, _, code in expected), "an invalid example marks its rule"
    assert found == sorted(expected)
