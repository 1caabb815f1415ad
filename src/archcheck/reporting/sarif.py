"""SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) ingest.

One run, one ``tool.driver`` with every rule in force (its docs as help), one result per
finding at a path relative to the working directory under ``%SRCROOT%`` (run archcheck from
the repository root), and ``partialFingerprints`` that survive line moves (the baseline's
fingerprints, numbered per occurrence).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from archcheck import __version__
from archcheck.baseline import SourceLines, occurrence_ids
from archcheck.findings import Finding
from archcheck.reporting.result import Result
from archcheck.rules import Rule, docs_url

__all__ = ["SARIF_SCHEMA", "render_sarif", "rule_descriptor"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# v2: syntax findings are identified by their statement's tree, not the line's text.
FINGERPRINT_KEY = "archcheck/v2"
LEVEL = "error"


def _plain(markdown: str) -> str:
    """Docs for a plain-text viewer: headings without their ``## `` marks."""
    return "\n".join(line[3:] if line.startswith("## ") else line for line in markdown.splitlines())


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    docs = rule.docs()
    summary = rule.summary() or rule.name
    what = " ".join(rule.sections().get("What it does", "").split()) or summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "helpUri": docs_url(rule),
        "fullDescription": {"text": what},
        "help": {
            "text": _plain(docs) or summary,
            "markdown": f"**{rule.code} {rule.name}**\n\n{docs or summary}",
        },
        "defaultConfiguration": {"level": LEVEL, "enabled": rule.default == "on"},
        "properties": {"tags": ["architecture"]},
    }


def _result(finding: Finding, index: dict[str, int], fingerprint: str) -> dict[str, Any]:
    location = finding.location
    region: dict[str, int] = {"startLine": location.line, "startColumn": location.column}
    if location.end_line is not None:
        region["endLine"] = location.end_line
    if location.end_column is not None:
        region["endColumn"] = location.end_column
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    result.update(
        {
            "level": LEVEL,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": quote(finding.path, safe="/"),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        }
    )
    facts = {
        key: value
        for key, value in (
            ("module", finding.module),
            ("imported", finding.imported),
            ("alsoImported", list(finding.also_imported) if finding.also_imported else None),
            ("importerLayer", finding.importer_layer),
            ("importedLayer", finding.imported_layer),
            ("chain", list(finding.chain) if finding.chain else None),
            ("scope", finding.scope),
        )
        if value is not None
    }
    if facts:
        result["properties"] = facts
    return result


def render_sarif(result: Result) -> str:
    rules = result.rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    findings = result.findings
    ids = occurrence_ids(findings, SourceLines())
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "archcheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index, i) for f, i in zip(findings, ids, strict=True)],
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
