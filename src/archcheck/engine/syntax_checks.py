"""The syntax rules over every file of the layers they read, one walk per file
(``archcheck.rules.syntax_pass``), with results cached by content.

A cached result holds the rules' hits and every question the rules asked the project
index with its answer: it is reused while the file's bytes, layer and rules are the same
and the index would still answer every question the same way.
"""
from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from archcheck import __version__
from archcheck.cache import digest
from archcheck.engine.run import Run, display_path
from archcheck.engine.sources import Sources
from archcheck.engine.workers import in_workers
from archcheck.findings import Finding, Location
from archcheck.index import ProjectIndex
from archcheck.layers import LayerMap
from archcheck.rules import SyntaxRule
from archcheck.rules.base import SyntaxContext, SyntaxHit
from archcheck.rules.syntax_pass import run_syntax_rules

__all__ = ["SyntaxResult", "file_syntax_findings", "syntax_findings"]

_PROGRESS_EVERY = 50
# Below this many files to parse, forking workers costs more than it saves (measured on
# 2 cores: the 1k-module synthetic tree parses ~400 files).
PARALLEL_MIN = 200

Question = tuple[str, tuple]


@dataclass(frozen=True)
class SyntaxResult:
    hits: tuple[tuple[str, SyntaxHit], ...]
    calls: tuple[tuple[Question, object], ...]  # (question, answer) of the index


def _answer(value: object) -> object:
    """A comparable stand-in for what the index answered (its symbols hold syntax nodes,
    which compare by identity)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return digest(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class _RecordingIndex:
    """The project index, noting each question and answer, so that a cached result can be
    trusted exactly as long as the index would still answer the same."""

    def __init__(self, index: ProjectIndex) -> None:
        self._index = index
        self.calls: dict[Question, object] = {}

    def __getattr__(self, name: str):
        attribute = getattr(self._index, name)
        if not callable(attribute):
            return attribute

        def ask(*args):
            answer = attribute(*args)
            self.calls.setdefault((name, args), _answer(answer))
            return answer

        return ask


class _Answers:
    """What the index answers now, each distinct question asked once per run: files share
    most of their questions (``kind("app.models.user.User")``)."""

    def __init__(self, index: ProjectIndex) -> None:
        self._index = index
        self._known: dict[Question, object] = {}

    def __call__(self, question: Question) -> object:
        try:
            return self._known[question]
        except KeyError:
            name, args = question
            answer = self._known[question] = _answer(getattr(self._index, name)(*args))
            return answer


@dataclass(frozen=True)
class _Job:
    """What a worker needs to analyse modules: the files, their layers, the rules."""

    sources: Sources
    layers: LayerMap
    rules: tuple[type[SyntaxRule], ...]

    def analyse(self, modules: Sequence[tuple[str, str]]) -> Iterator[tuple[str, str, SyntaxResult]]:
        """``(module, key, result)`` for each module that parses."""
        index = ProjectIndex((), load=self.sources.symbols_for)
        for module, key in modules:
            parsed = self.sources.tree_of(module)
            if parsed is None:
                continue
            recording = _RecordingIndex(index)
            context = SyntaxContext(
                module, self.layers.layer_of(module) or "", parsed.tree,
                self.sources.symbols[module], recording,  # type: ignore[arg-type]
                tuple(parsed.source.splitlines()),
            )
            hits = tuple((rule.code, hit) for rule, hit in run_syntax_rules(self.rules, context))
            yield module, key, SyntaxResult(hits, tuple(recording.calls.items()))


def syntax_findings(run: Run, index: ProjectIndex) -> list[Finding]:
    """Every syntax rule over every file of the layers they read; a file whose bytes,
    layer, rules and index answers are those of a cached result is not parsed again."""
    rules = tuple(rule for rule in run.rules if issubclass(rule, SyntaxRule))
    if not rules:
        return []
    read = frozenset(layer for rule in rules for layer in rule.layers)
    codes = ",".join(rule.code for rule in rules)
    modules = [m for m in sorted(run.files) if run.layers.layer_of(m) in read]
    progress = run.options.progress
    sources = run.sources
    asked = _Answers(index)
    results: dict[str, tuple[tuple[str, SyntaxHit], ...]] = {}
    todo: list[tuple[str, str]] = []
    for done, module in enumerate(modules):
        if progress is not None and done % _PROGRESS_EVERY == 0:
            progress("read", done, len(modules))
        content = sources.digest_of(module)
        if content is None:
            continue
        key = digest("syntax", __version__, module, run.layers.layer_of(module) or "", codes, content)
        cached = sources.cache.get(key)
        if isinstance(cached, SyntaxResult) and all(
            asked(question) == answer for question, answer in cached.calls
        ):
            results[module] = cached.hits
        else:
            todo.append((module, key))
    job = _Job(sources, run.layers, rules)
    for module, key, result in in_workers(job, todo, minimum=PARALLEL_MIN):
        results[module] = result.hits
        sources.cache.put(key, result)
    findings = []
    for module, hits in sorted(results.items()):
        layer = run.layers.layer_of(module)
        path = display_path(run.files[module].path)
        findings += [
            Finding(
                Location(path, hit.line, hit.column, hit.end_line, hit.end_column),
                code, hit.message, importer=module, importer_layer=layer, scope=hit.scope,
            )
            for code, hit in hits
        ]
    return findings


def file_syntax_findings(
    rules: Sequence[type[SyntaxRule]], context: SyntaxContext, path: str
) -> list[Finding]:
    """The syntax rules over one file's tree, as the flake8 plugin checks it."""
    return [
        Finding(
            Location(path, hit.line, hit.column, hit.end_line, hit.end_column),
            rule.code, hit.message, importer=context.module, importer_layer=context.layer,
            scope=hit.scope,
        )
        for rule, hit in run_syntax_rules(rules, context)
    ]
