"""docs/rules/ is generated from the rule classes: one page per rule and an index; a page
that differs from its rule fails here. Regenerate with ARCHCHECK_UPDATE_DOCS=1."""
from __future__ import annotations

import os

from archcheck.rules import DOCS_URL, RULES, docs_url, rule_pages
from conftest import ROOT, cli

PAGES = ROOT / "docs" / "rules"


def test_rule_pages_are_generated_from_the_rules():
    expected = rule_pages()
    if os.environ.get("ARCHCHECK_UPDATE_DOCS"):
        PAGES.mkdir(exist_ok=True)
        for stale in {p.name for p in PAGES.iterdir()} - set(expected):
            (PAGES / stale).unlink()
        for name, text in expected.items():
            (PAGES / name).write_text(text)
    found = {p.name: p.read_text() for p in PAGES.iterdir()}
    assert found == expected, "regenerate with ARCHCHECK_UPDATE_DOCS=1 pytest tests/test_rule_docs.py"


def test_every_rule_links_to_its_page():
    assert DOCS_URL.startswith("https://") and DOCS_URL.endswith("/docs/rules")
    for rule in RULES:
        assert docs_url(rule) == f"{DOCS_URL}/{rule.code}.md"
        assert (PAGES / f"{rule.code}.md").is_file()
    code, out, _ = cli("explain", "ARC001", cwd=ROOT)
    assert code == 0 and out.endswith(f"\n{DOCS_URL}/ARC001.md\n")
