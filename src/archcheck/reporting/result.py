"""What one run reports, and the exit-code policy, in one place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from archcheck.baseline import Comparison
from archcheck.engine import Report
from archcheck.findings import Finding
from archcheck.rules import Rule, rule_for

__all__ = ["Result", "rule_name"]


def rule_name(code: str) -> str:
    rule = rule_for(code)
    return rule.name if rule is not None else ""


@dataclass(frozen=True)
class Result:
    """The engine's report, less what a baseline holds back, and how the run should exit.

    Exit status: 0 when nothing is reported (or ``exit_zero``), 1 when findings are.
    Errors (exit 2) never get this far: they are ``ArchcheckError`` at the boundary.
    """

    report: Report
    comparison: Comparison | None = None
    exit_zero: bool = False

    @property
    def findings(self) -> tuple[Finding, ...]:
        """What the run reports: every finding, or only those the baseline does not hold."""
        return self.report.findings if self.comparison is None else self.comparison.new

    @property
    def files_checked(self) -> int:
        return self.report.files_checked

    @property
    def exit_code(self) -> int:
        return 1 if self.findings and not self.exit_zero else 0

    def counts(self) -> dict[str, int]:
        """Findings per code, in code order."""
        return dict(sorted(Counter(f.code for f in self.findings).items()))

    def rules(self) -> tuple[type[Rule], ...]:
        """The rules in force plus any rule a finding names, in registry order."""
        rules = {rule.code: rule for rule in self.report.rules}
        for code in self.counts():
            rule = rule_for(code)
            if rule is not None:
                rules.setdefault(code, rule)
        return tuple(rules[code] for code in sorted(rules))

    def notes(self) -> list[str]:
        """Lines about the baseline that belong beside the report, not in it (stderr)."""
        if self.comparison is None or not self.comparison.fixed_count:
            return []
        count = self.comparison.fixed_count
        entries = (
            "baseline entry no longer occurs" if count == 1 else "baseline entries no longer occur"
        )
        return [f"{count} {entries}; run --write-baseline to tighten it"]
