"""The text report: one finding a line (``path:line:column: CODE message``), then a count."""
from __future__ import annotations

from archcheck.findings import Finding
from archcheck.reporting.result import Result, rule_name

__all__ = ["format_finding", "render_text", "statistics_lines", "summary_line"]


def format_finding(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}"


def summary_line(result: Result) -> str:
    findings = result.findings
    held = f"{result.comparison.known} in the baseline" if result.comparison is not None else ""
    if not findings:
        extra = f"; {held}" if held else ""
        return f"All checks passed ({result.files_checked} files{extra})."
    count = len(findings)
    noun = "finding" if count == 1 else "findings"
    files = len({f.path for f in findings})
    extra = f" ({held})" if held else ""
    return f"Found {count} {noun} in {files} file{'s' if files != 1 else ''}{extra}."


def statistics_lines(result: Result) -> list[str]:
    """``count  code  name`` per code, in code order, columns aligned."""
    counts = result.counts()
    if not counts:
        return []
    width = max(len(str(n)) for n in counts.values())
    return [f"{n:>{width}}  {code}  {rule_name(code)}".rstrip() for code, n in counts.items()]


def render_text(result: Result, *, quiet: bool = False, statistics: bool = False) -> str:
    """The findings (or, with ``statistics``, their counts per code), then the summary."""
    lines = statistics_lines(result) if statistics else [format_finding(f) for f in result.findings]
    if not quiet:
        lines.append(summary_line(result))
    return "\n".join(lines) + ("\n" if lines else "")
