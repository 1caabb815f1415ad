"""GitHub Actions workflow commands: one ``::error`` annotation per finding.

    ::error file=app/api/routers/users.py,line=6,col=1,title=ARC001 router-imports-repository::Router imports ...

Escaping follows the runner's rules: ``%``, CR and LF in the message; additionally ``:`` and
``,`` in property values.
"""

from __future__ import annotations

from archcheck.findings import Finding
from archcheck.reporting.result import Result, rule_name

__all__ = ["annotation", "escape_data", "escape_property", "render_github"]


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    location = finding.location
    properties = [
        ("file", finding.path),
        ("line", str(location.line)),
        ("col", str(location.column)),
    ]
    if location.end_line is not None:
        properties.append(("endLine", str(location.end_line)))
    if location.end_column is not None:
        properties.append(("endColumn", str(location.end_column)))
    properties.append(("title", f"{finding.code} {rule_name(finding.code)}".rstrip()))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::error {joined}::{escape_data(finding.message)}"


def render_github(result: Result) -> str:
    return "".join(annotation(finding) + "\n" for finding in result.findings)
