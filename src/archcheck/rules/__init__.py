"""The rule registry: one explicit tuple, in code order."""
from __future__ import annotations

from archcheck.rules.arc001_router_imports_repository import RouterImportsRepository
from archcheck.rules.arc002_upward_import import UpwardImport
from archcheck.rules.arc003_indirect_layer_leak import IndirectLayerLeak
from archcheck.rules.arc004_model_schema_coupling import ModelSchemaCoupling
from archcheck.rules.arc101_http_exception_in_repository import HttpExceptionInRepository
from archcheck.rules.arc102_fastapi_in_repository import FastapiInRepository
from archcheck.rules.arc103_http_in_service import HttpInService
from archcheck.rules.arc201_orm_returned_without_schema import OrmReturnedWithoutSchema
from archcheck.rules.arc202_query_in_router import QueryInRouter
from archcheck.rules.arc900_unparsable_file import UnparsableFile
from archcheck.rules.base import ChainRule, ImportRule, Rule, SyntaxRule

__all__ = [
    "RULES",
    "ChainRule",
    "ImportRule",
    "Rule",
    "SyntaxRule",
    "markdown_table",
    "rule_for",
]

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


def markdown_table() -> str:
    """The rule reference table of README.md, generated from the registry."""
    lines = ["| code | name | default | summary |", "|---|---|---|---|"]
    lines += [
        f"| {rule.code} | {rule.name} | {rule.default} | {rule.summary()} |" for rule in RULES
    ]
    return "\n".join(lines)
