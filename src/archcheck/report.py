"""Turning a Report into text. One finding a line, then a one-line count."""
from __future__ import annotations

from archcheck.engine import Report
from archcheck.findings import Finding

__all__ = ["format_finding", "format_text", "summary_line"]


def format_finding(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}"


def summary_line(report: Report) -> str:
    count = len(report.findings)
    if not count:
        return f"All checks passed ({report.files_checked} files)."
    noun = "finding" if count == 1 else "findings"
    files = len({f.path for f in report.findings})
    return f"Found {count} {noun} in {files} file{'s' if files != 1 else ''}."


def format_text(report: Report, *, quiet: bool = False) -> str:
    lines = [format_finding(f) for f in report.findings]
    if not quiet:
        lines.append(summary_line(report))
    return "\n".join(lines) + ("\n" if lines else "")
