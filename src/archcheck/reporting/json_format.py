"""The JSON report: one versioned object, described in ``docs/json-format.md``.

Bump ``JSON_VERSION`` when a key changes meaning or goes away; adding keys is compatible.
"""

from __future__ import annotations

import json
from typing import Any

from archcheck import __version__
from archcheck.baseline import SourceLines, occurrence_ids
from archcheck.findings import Finding
from archcheck.reporting.result import Result, rule_name

__all__ = ["JSON_VERSION", "finding_object", "render_json"]

JSON_VERSION = 1


def finding_object(finding: Finding, fingerprint: str) -> dict[str, Any]:
    location = finding.location
    return {
        "code": finding.code,
        "name": rule_name(finding.code),
        "message": finding.message,
        "path": finding.path,
        "line": location.line,
        "column": location.column,
        "end_line": location.end_line,
        "end_column": location.end_column,
        "module": finding.module,
        "imported": finding.imported,
        "also_imported": list(finding.also_imported) if finding.also_imported else None,
        "importer_layer": finding.importer_layer,
        "imported_layer": finding.imported_layer,
        "chain": list(finding.chain) if finding.chain else None,
        "scope": finding.scope,
        "fingerprint": fingerprint,
    }


def render_json(result: Result) -> str:
    findings = result.findings
    ids = occurrence_ids(findings, SourceLines())
    comparison = result.comparison
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "archcheck", "version": __version__},
        "findings": [finding_object(f, i) for f, i in zip(findings, ids, strict=True)],
        "summary": {
            "findings": len(findings),
            "files_checked": result.files_checked,
            "files_with_findings": len({f.path for f in findings}),
            "counts": result.counts(),
            "rules": [{"code": rule.code, "name": rule.name} for rule in result.rules()],
            "baseline": None
            if comparison is None
            else {
                "known": comparison.known,
                "fixed": comparison.fixed_count,
            },
            "exit_code": result.exit_code,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
