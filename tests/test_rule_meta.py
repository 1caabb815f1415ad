"""Conventions every rule keeps (wemake-python-styleguide style meta-tests)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from archcheck.layers import LAYERS
from archcheck.rules import RULES, SyntaxRule
from archcheck.rules.base import DOC_SECTIONS

IDS = [rule.code for rule in RULES]


def test_codes_are_unique_and_well_formed():
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"ARC\d{3}", code) for code in codes), codes


def test_registry_is_in_code_order():
    codes = [rule.code for rule in RULES]
    assert codes == sorted(codes)


def test_names_are_unique_kebab_case():
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name) for name in names), names


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_each_rule_lives_in_its_own_file_named_after_it(rule):
    path = Path(inspect.getfile(rule))
    assert path.stem == f"{rule.code.lower()}_{rule.name.replace('-', '_')}"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_docs_have_a_summary_and_every_section(rule):
    summary = rule.summary()
    assert summary, "the docstring's first line is the summary"
    assert not summary.endswith("."), "no trailing period on the summary line"
    sections = rule.sections()
    for title in DOC_SECTIONS:
        assert sections.get(title), f"section '## {title}' is missing or empty"
    assert list(sections)[: len(DOC_SECTIONS)] == list(DOC_SECTIONS), "sections in order"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_has_valid_and_invalid_examples(rule):
    assert rule.valid, "at least one valid example"
    assert rule.invalid, "at least one invalid example"


@pytest.mark.parametrize("rule", [r for r in RULES if issubclass(r, SyntaxRule)], ids=lambda r: r.code)
def test_syntax_rules_name_their_layers_and_real_node_types(rule):
    assert rule.layers and set(rule.layers) <= set(LAYERS)
    handlers = rule.node_handlers()  # raises on a visit_/leave_ method ast has no node for
    assert handlers, "a syntax rule visits something"
