"""Baselines: today's findings on record, so that a run fails only on new ones.

A legacy project adopts archcheck by recording what it finds today
(``--write-baseline FILE``) and checking against that record from then on
(``--baseline FILE``). A finding is recognised by what it is, never by its line number,
so edits that move code around do not resurrect it:

- a direct import finding (ARC001, ARC002, ARC004): code, importer and imported module
  (modules, comma-separated, when one statement imports several: a module added to the
  statement makes it new);
- an indirect leak (ARC003): code, the link's module, the module its statement imports
  (a fan's hubs) and the statement; which heads reach through it does not count;
- anything else (the syntax rules, ARC900): code, module (or path, for a file outside any
  module), the enclosing function or class, and a digest of the offending statement's
  syntax tree without positions, so that reformatting, comments and moves keep the
  finding while a changed statement makes it new. In a file that does not parse, the
  offending line's text with all whitespace removed stands in for the statement.

Two findings with the same fingerprint are two entries (a multiset): a baseline that holds
one ``session.query`` call in a handler lets one through, not a second one added beside it.

The file is JSON, sorted and stable, meant to be committed and reviewed in diffs; the
format is described in ``docs/json-format.md``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from archcheck.errors import UsageError
from archcheck.findings import Finding
from archcheck.syntax import MAX_SOURCE_BYTES, SourceError, decode_source, parse_source

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

# 2: syntax findings are recognised by their statement's tree, no longer by the line's text.
BASELINE_VERSION = 2


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
    """The analysed files, read and parsed once each, for the syntax fingerprints.

    ``add`` supplies a file's text as the caller sees it (flake8 checks an editor's
    buffer, which may differ from the disk); other files are read from disk.
    """

    def __init__(self) -> None:
        self._text: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}
        self._statements: dict[str, list[ast.stmt | ast.ExceptHandler] | None] = {}

    def add(self, path: str, text: str) -> None:
        self._text[path] = text
        self._lines.pop(path, None)
        self._statements.pop(path, None)

    def _source(self, path: str) -> str:
        if path not in self._text:
            try:
                data = Path(path).read_bytes()
            except OSError:
                data = b""
            try:  # as Python reads it (a coding cookie), as the engine and flake8 do
                self._text[path] = decode_source(data)
            except SourceError:
                self._text[path] = data.decode("utf-8", errors="replace")
        return self._text[path]

    def line(self, path: str, number: int) -> str:
        if path not in self._lines:
            self._lines[path] = self._source(path).splitlines()
        lines = self._lines[path]
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def statement(self, path: str, line: int, column: int) -> str | None:
        """A digest of the innermost statement at ``line``/``column`` (counted from 1, as
        findings count) without positions, or None when the file does not parse."""
        if path not in self._statements:
            source = self._source(path)
            try:
                if len(source) > MAX_SOURCE_BYTES:  # the engine does not parse it either
                    raise SourceError(Path(path), 1, 1, "too large")
                tree = parse_source(Path(path), source.encode("utf-8")).tree
            except SourceError:
                self._statements[path] = None
            else:
                self._statements[path] = [
                    node for node in ast.walk(tree) if isinstance(node, _STATEMENTS)
                ]
        statements = self._statements[path]
        if statements is None:
            return None
        position = (line, column - 1)
        innermost = None
        for node in statements:
            end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
            if _start(node) <= position < end and (
                innermost is None or _start(node) >= _start(innermost)
            ):
                innermost = node
        if innermost is None:
            return None
        return hashlib.sha256(_canonical(innermost, top=True).encode("utf-8")).hexdigest()[:16]


# An ``except X:`` clause is a statement of its own here: its exception is its header.
_STATEMENTS = (ast.stmt, ast.ExceptHandler)
# A compound statement's nested statements are statements of their own: editing a handler's
# body leaves a finding on its ``def`` line alone.
_BODIES = frozenset(("body", "orelse", "finalbody", "handlers", "cases"))
# Fields that say nothing about what the code does, or that differ between Python versions.
_IGNORED = frozenset(("ctx", "type_comment"))


def _start(node: ast.stmt | ast.ExceptHandler) -> tuple[int, int]:
    """Where ``node`` starts, its decorators included."""
    starts = [(node.lineno, node.col_offset)]
    starts += [(d.lineno, d.col_offset) for d in getattr(node, "decorator_list", ())]
    return min(starts)


def _canonical(value: object, top: bool = False) -> str:
    """``ast.dump`` without positions, stable across Python versions: fields that are
    None or empty are left out (3.13's ``ast.dump`` leaves them out, older ones do not,
    and new versions add such fields, e.g. ``type_params``)."""
    if isinstance(value, ast.AST):
        fields = []
        for name in value._fields:
            if name in _IGNORED or (top and name in _BODIES):
                continue
            item = getattr(value, name, None)
            if item is None or item == []:
                continue
            fields.append(f"{name}={_canonical(item)}")
        return f"{type(value).__name__}({','.join(fields)})"
    if isinstance(value, list):
        return f"[{','.join(_canonical(item) for item in value)}]"
    return repr(value)


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
    facts: dict[str, str]
    if finding.module and finding.imported:
        imported = ",".join((finding.imported, *finding.also_imported))
        facts = {"importer": finding.module, "imported": imported}
        if finding.chain:
            # A chain finding is its link: the import, in a module of no layer, of a
            # layered module. Which routers reach through it comes and goes; the link stays.
            statement = lines.statement(finding.path, finding.line, finding.column)
            if statement is not None:
                facts["statement"] = statement
    else:
        facts = {}
        if finding.module:
            facts["module"] = finding.module
        else:
            facts["path"] = _anchored(finding.path, root)
        if finding.scope:
            facts["scope"] = finding.scope
        statement = lines.statement(finding.path, finding.line, finding.column)
        if statement is not None:
            facts["statement"] = statement
        else:
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
    findings: Iterable[Finding],
    baseline: Mapping[Fingerprint, int],
    root: Path | None = None,
    lines: SourceLines | None = None,
) -> Comparison:
    """Take each finding off the baseline's counts; what is left over has been fixed.
    ``lines``: the files' text where the disk is not what was checked."""
    remaining = Counter(baseline)
    lines = lines or SourceLines()
    unmatched: dict[int, Fingerprint] = {}
    findings = list(findings)
    for number, finding in enumerate(findings):
        key = fingerprint(finding, lines, root)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            unmatched[number] = key
    # A baseline written before one statement's modules made one finding holds an entry per
    # module: such a finding is known when every one of its modules' entries is left.
    for number, key in list(unmatched.items()):
        modules = dict(key.facts).get("imported", "").split(",")
        if len(modules) < 2:
            continue
        each = [_with_fact(key, "imported", module) for module in modules]
        if all(remaining[one] > 0 for one in each):
            for one in each:
                remaining[one] -= 1
            del unmatched[number]
    new = tuple(finding for number, finding in enumerate(findings) if number in unmatched)
    fixed = tuple(sorted((key, count) for key, count in remaining.items() if count > 0))
    return Comparison(new, len(findings) - len(new), fixed)


def _with_fact(key: Fingerprint, name: str, value: str) -> Fingerprint:
    return Fingerprint(key.code, tuple(sorted({**dict(key.facts), name: value}.items())))


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
        return UsageError(
            f"{path}: not an archcheck baseline ({reason}); write one with --write-baseline"
        )

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
    if data.get("version") == 1:
        raise UsageError(
            f"{path}: a baseline of an older archcheck, which recognised syntax findings by"
            f" their line's text; write it again with --write-baseline {path}"
        )
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
            raise invalid(
                f"entry {number} needs a string 'code', string facts and a positive 'count'"
            )
        baseline[Fingerprint(code, tuple(sorted(facts.items())))] += count
    return dict(baseline)
