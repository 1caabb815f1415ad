"""The text report: one finding a line (``path:line:column: CODE message``), then a count.

``show_source`` adds the offending line under each finding with a caret under the code it
reports; ``colour`` adds ANSI colours (the CLI decides: a terminal, ``NO_COLOR``,
``FORCE_COLOR``). Without them the report is plain and the same bytes every run.
"""

from __future__ import annotations

from archcheck.baseline import SourceLines
from archcheck.findings import Finding
from archcheck.reporting.result import Result, rule_name

__all__ = ["format_finding", "render_text", "statistics_lines", "summary_line"]

BOLD, RED, CYAN, BLUE, RESET = "\033[1m", "\033[31m", "\033[36m", "\033[34m", "\033[0m"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def format_finding(finding: Finding, colour: bool = False) -> str:
    if not colour:
        return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}"
    sep = f"{CYAN}:{RESET}"
    return (
        f"{BOLD}{finding.path}{RESET}{sep}{finding.line}{sep}{finding.column}{sep} "
        f"{BOLD}{RED}{finding.code}{RESET} {finding.message}"
    )


def source_lines(finding: Finding, sources: SourceLines, colour: bool = False) -> list[str]:
    """The finding's line, numbered, and a caret line under what it reports."""
    text = sources.line(finding.path, finding.line).rstrip().expandtabs(1)
    if not text:
        return []
    start = min(max(finding.column - 1, 0), len(text))
    location = finding.location
    if location.end_line == finding.line and location.end_column is not None:
        end = max(location.end_column - 1, start + 1)
    else:
        end = len(text)
    number = str(finding.line)
    gutter = " " * len(number)
    caret = " " * start + "^" * max(end - start, 1)
    if colour:
        return [
            f"{BLUE}{gutter} |{RESET}",
            f"{BLUE}{number} |{RESET} {text}",
            f"{BLUE}{gutter} |{RESET} {RED}{caret}{RESET}",
        ]
    return [f"{gutter} |", f"{number} | {text}", f"{gutter} | {caret}"]


def summary_line(result: Result) -> str:
    findings = result.findings
    held = f"{result.comparison.known} in the baseline" if result.comparison is not None else ""
    if not findings:
        extra = f"; {held}" if held else ""
        return f"All checks passed ({_plural(result.files_checked, 'file')}{extra})."
    files = len({f.path for f in findings})
    extra = f" ({held})" if held else ""
    return f"Found {_plural(len(findings), 'finding')} in {_plural(files, 'file')}{extra}."


def statistics_lines(result: Result) -> list[str]:
    """``count  code  name`` per code, in code order, columns aligned."""
    counts = result.counts()
    if not counts:
        return []
    width = max(len(str(n)) for n in counts.values())
    return [f"{n:>{width}}  {code}  {rule_name(code)}".rstrip() for code, n in counts.items()]


def render_text(
    result: Result,
    *,
    quiet: bool = False,
    statistics: bool = False,
    show_source: bool = False,
    colour: bool = False,
) -> str:
    """The findings (or, with ``statistics``, their counts per code), then the summary."""
    if statistics:
        lines = statistics_lines(result)
    else:
        lines = []
        sources = SourceLines()
        for finding in result.findings:
            lines.append(format_finding(finding, colour))
            if show_source:
                lines += source_lines(finding, sources, colour)
    if not quiet:
        lines.append(summary_line(result))
    return "\n".join(lines) + ("\n" if lines else "")
