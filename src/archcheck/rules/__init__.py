"""The rule registry: one explicit tuple, in code order, and the docs generated from it
(README's rule table, one page per rule under ``docs/rules/``)."""

from __future__ import annotations

from archcheck.rules.arc001_router_imports_repository import RouterImportsRepository
from archcheck.rules.arc002_upward_import import UpwardImport
from archcheck.rules.arc003_indirect_layer_leak import IndirectLayerLeak
from archcheck.rules.arc004_model_schema_coupling import ModelSchemaCoupling
from archcheck.rules.arc101_http_exception_in_repository import (
    HttpExceptionInRepository,
)
from archcheck.rules.arc102_fastapi_in_repository import FastapiInRepository
from archcheck.rules.arc103_http_in_service import HttpInService
from archcheck.rules.arc201_orm_returned_without_schema import OrmReturnedWithoutSchema
from archcheck.rules.arc202_query_in_router import QueryInRouter
from archcheck.rules.arc900_unparsable_file import UnparsableFile
from archcheck.rules.base import ChainRule, ImportRule, Rule, SyntaxRule

__all__ = [
    "DOCS_URL",
    "REPOSITORY_URL",
    "RULES",
    "ChainRule",
    "ImportRule",
    "Rule",
    "SyntaxRule",
    "docs_url",
    "markdown_table",
    "rule_for",
    "rule_page",
    "rule_pages",
]

# Where the project lives: the one place to change when it moves. Rule pages are linked
# from ``archcheck explain`` and SARIF's ``helpUri`` under DOCS_URL.
REPOSITORY_URL = "https://github.com/fastapi-archcheck/archcheck"
DOCS_URL = f"{REPOSITORY_URL}/blob/main/docs/rules"
DEFAULTS = {
    "on": "on",
    "off": "off; `select` or `extend-select` turns it on",
    "strict": "on with `strict = true` in `[tool.archcheck]`, else off",
}

RULES: tuple[type[Rule], ...] = (
    RouterImportsRepository,
    UpwardImport,
    IndirectLayerLeak,
    ModelSchemaCoupling,
    HttpExceptionInRepository,
    FastapiInRepository,
    HttpInService,
    OrmReturnedWithoutSchema,
    QueryInRouter,
    UnparsableFile,
)


def rule_for(code: str) -> type[Rule] | None:
    return next((rule for rule in RULES if rule.code == code), None)


def docs_url(rule: type[Rule]) -> str:
    return f"{DOCS_URL}/{rule.code}.md"


def markdown_table(pages: str = "docs/rules/") -> str:
    """The rule reference table (README.md, ``docs/rules/README.md``), each code linked to
    its page under ``pages``, relative to the table's file."""
    lines = ["| code | name | default | summary |", "|---|---|---|---|"]
    lines += [
        f"| [{rule.code}]({pages}{rule.code}.md) | {rule.name} | {rule.default} | {rule.summary()} |"
        for rule in RULES
    ]
    return "\n".join(lines)


def rule_page(rule: type[Rule]) -> str:
    """A rule's page under ``docs/rules/``: its docstring, with a title and its default."""
    summary, _, sections = rule.docs().partition("\n")
    return (
        f"# {rule.code} {rule.name}\n\n{summary}\n\nDefault: {DEFAULTS[rule.default]}.\n\n"
        f"{sections.strip()}\n\n"
        f'A finding is silenced on its line with `# noqa: {rule.code}`; `ignore = ["{rule.code}"]`'
        f" in `[tool.archcheck]` turns the rule off. All rules: [the rule table](README.md).\n"
    )


def rule_pages() -> dict[str, str]:
    """Every file of ``docs/rules/``, by name: one page per rule and the table."""
    pages = {f"{rule.code}.md": rule_page(rule) for rule in RULES}
    pages["README.md"] = (
        "# Rules\n\nGenerated from the rule classes in `src/archcheck/rules/`; "
        "`archcheck explain CODE` prints the same documentation.\n\n"
        f"{markdown_table(pages='')}\n"
    )
    return pages
