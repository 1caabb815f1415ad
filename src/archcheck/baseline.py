"""Baselines: today's findings on record, so that a run fails only on new ones.

A legacy project adopts archcheck by recording what it finds today
(``--write-baseline FILE``) and checking against that record from then on
(``--baseline FILE``). A finding is recognised by what it is, never by its line number,
so edits that move code around do not resurrect it:

- a direct import finding (ARC001, ARC002, ARC004): code, importer and imported module;
- an indirect leak (ARC003): code, the chain's head and tail;
- anything else (the syntax rules, ARC900): code, module (or path, for a file outside any
  module), the enclosing function or class, and the offending line's text with all
  whitespace removed.

Two findings with the same fingerprint are two entries (a multiset): a baseline that holds
one ``session.query`` call in a handler lets one through, not a second one added beside it.

The file is JSON, sorted and stable, meant to be committed and reviewed in diffs; the
format is described in ``docs/json-format.md``.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from archcheck.errors import UsageError
from archcheck.findings import Finding

__all__ = [
    "BASELINE_VERSION",
    "Comparison",
    "Fingerprint",
    "SourceLines",
    "compare",
    "dump_baseline",
    "fingerprint",
    "load_baseline",
    "occurrence_ids",
    "write_baseline",
]

BASELINE_VERSION = 1


@dataclass(frozen=True, order=True)
class Fingerprint:
    """What identifies a finding across edits: its code and a few named facts about it."""

    code: str
    facts: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, **dict(self.facts)}

    @property
    def digest(self) -> str:
        """A short stable hash of the fingerprint (for SARIF ``partialFingerprints``)."""
        canonical = json.dumps([self.code, list(map(list, self.facts))], separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


class SourceLines:
    """Lines of the analysed files, read once each, for the syntax fingerprints."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        try:
            lines = self._lines[path]
        except KeyError:
            try:
                text = Path(path).read_bytes().decode("utf-8", errors="replace")
            except OSError:
                text = ""
            lines = self._lines[path] = text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


def _normalised(text: str) -> str:
    return "".join(text.split())


def _anchored(path: str, root: Path | None) -> str:
    """``path`` (relative to the working directory) relative to ``root``, posix-style."""
    if root is None:
        return path
    try:
        return Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def fingerprint(finding: Finding, lines: SourceLines, root: Path | None = None) -> Fingerprint:
    """The fingerprint of ``finding``; ``root`` anchors paths (default: as reported)."""
    if finding.chain:
        facts = {"head": finding.chain[0], "tail": finding.chain[-1]}
    elif finding.importer and finding.imported:
        facts = {"importer": finding.importer, "imported": finding.imported}
    else:
        facts = {}
        if finding.importer:
            facts["module"] = finding.importer
        else:
            facts["path"] = _anchored(finding.path, root)
        if finding.scope:
            facts["scope"] = finding.scope
        facts["text"] = _normalised(lines.line(finding.path, finding.line))
    return Fingerprint(finding.code, tuple(sorted(facts.items())))


def occurrence_ids(findings: Iterable[Finding], lines: SourceLines) -> list[str]:
    """``<digest>:<n>`` for each finding, in order: the n-th finding (from 1) with that
    fingerprint, as GitHub numbers its own fingerprints. Stable while code moves."""
    seen: Counter[Fingerprint] = Counter()
    ids = []
    for finding in findings:
        key = fingerprint(finding, lines)
        seen[key] += 1
        ids.append(f"{key.digest}:{seen[key]}")
    return ids


@dataclass(frozen=True)
class Comparison:
    """Findings measured against a baseline.

    ``new`` are the findings the baseline does not hold (what the run reports), ``known``
    how many it held back, ``fixed`` the entries (with their counts) that no longer occur.
    """

    new: tuple[Finding, ...]
    known: int
    fixed: tuple[tuple[Fingerprint, int], ...]

    @property
    def fixed_count(self) -> int:
        return sum(count for _, count in self.fixed)


def compare(
    findings: Iterable[Finding], baseline: Mapping[Fingerprint, int], root: Path | None = None
) -> Comparison:
    """Take each finding off the baseline's counts; what is left over has been fixed."""
    remaining = Counter(baseline)
    lines = SourceLines()
    new = []
    known = 0
    for finding in findings:
        key = fingerprint(finding, lines, root)
        if remaining[key] > 0:
            remaining[key] -= 1
            known += 1
        else:
            new.append(finding)
    fixed = tuple(sorted((key, count) for key, count in remaining.items() if count > 0))
    return Comparison(tuple(new), known, fixed)


def dump_baseline(findings: Iterable[Finding], root: Path | None = None) -> str:
    """The baseline file's text for ``findings``: sorted, stable, one entry per fingerprint."""
    lines = SourceLines()
    counts = Counter(fingerprint(finding, lines, root) for finding in findings)
    entries = [{**key.as_dict(), "count": counts[key]} for key in sorted(counts)]
    document = {"version": BASELINE_VERSION, "tool": "archcheck", "entries": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline of ``findings`` to ``path``; returns how many findings it holds."""
    findings = list(findings)
    text = dump_baseline(findings, path.resolve().parent)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot write the baseline: {error.strerror}") from None
    return len(findings)


def load_baseline(path: Path) -> dict[Fingerprint, int]:
    """Read a baseline file: fingerprint -> how many findings it lets through."""

    def invalid(reason: str) -> UsageError:
        return UsageError(f"{path}: not an archcheck baseline ({reason}); write one with --write-baseline")

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no such baseline file; create it with --write-baseline {path}"
        ) from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read the baseline: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise invalid(f"invalid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise invalid("expected an object with an 'entries' list")
    if data.get("version") != BASELINE_VERSION:
        raise invalid(f"unsupported version {data.get('version')!r}; expected {BASELINE_VERSION}")
    baseline: Counter[Fingerprint] = Counter()
    for number, entry in enumerate(data["entries"], 1):
        if not isinstance(entry, dict):
            raise invalid(f"entry {number} is not an object")
        code, count = entry.get("code"), entry.get("count", 1)
        facts = {key: value for key, value in entry.items() if key not in ("code", "count")}
        if (
            not isinstance(code, str)
            or not isinstance(count, int)
            or isinstance(count, bool)
            or count < 1
            or not all(isinstance(value, str) for value in facts.values())
        ):
            raise invalid(f"entry {number} needs a string 'code', string facts and a positive 'count'")
        baseline[Fingerprint(code, tuple(sorted(facts.items())))] += count
    return dict(baseline)
