"""Reports: a run's findings in the format asked for, one module per format.

``Result`` holds what a run reports and owns the exit-code policy; ``render`` turns it into
the text of one format: ``text`` (for people), ``json`` (for scripts,
``docs/json-format.md``), ``sarif`` (code scanning) or ``github`` (Actions annotations).
"""

from __future__ import annotations

from archcheck.reporting.github import render_github
from archcheck.reporting.json_format import render_json
from archcheck.reporting.result import Result
from archcheck.reporting.sarif import render_sarif
from archcheck.reporting.text import render_text, statistics_lines, summary_line

__all__ = ["FORMATS", "Result", "render", "statistics_lines", "summary_line"]

FORMATS = ("text", "json", "sarif", "github")


def render(
    result: Result,
    output_format: str,
    *,
    quiet: bool = False,
    statistics: bool = False,
    show_source: bool = False,
    colour: bool = False,
) -> str:
    """The report in ``output_format``. ``quiet``, ``statistics``, ``show_source`` and
    ``colour`` shape the text format; the machine formats always carry every finding (JSON
    has the counts in its summary)."""
    if output_format == "text":
        return render_text(
            result, quiet=quiet, statistics=statistics, show_source=show_source, colour=colour
        )
    if output_format == "json":
        return render_json(result)
    if output_format == "sarif":
        return render_sarif(result)
    if output_format == "github":
        return render_github(result)
    raise ValueError(f"unknown format {output_format!r}")
