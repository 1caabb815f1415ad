"""The syntax rules over every file of the layers they read, one walk per file
(``archcheck.rules.syntax_pass``), with results cached by content.

A cached result holds the rules' hits and every question the rules asked the project
index with its answer: it is reused while the file's bytes, layer and rules are the same
and the index would still answer every question the same way.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from archcheck import __version__
from archcheck.cache import digest, integer, items, optional_integer, optional_text, pair, text
from archcheck.engine.run import Run, display_path
from archcheck.engine.sources import Sources
from archcheck.engine.workers import Workers
from archcheck.findings import Finding, Location
from archcheck.index import ProjectIndex
from archcheck.layers import LayerMap
from archcheck.names import ModuleSymbols, symbols_to_data
from archcheck.rules import SyntaxRule
from archcheck.rules.base import SyntaxContext, SyntaxHit
from archcheck.rules.syntax_pass import run_syntax_rules

__all__ = ["SyntaxPass", "SyntaxResult", "file_syntax_findings"]

_PROGRESS_EVERY = 50
# Below this many files to parse, forking workers costs more than it saves (measured on
# 2 cores: the 1k-module synthetic tree parses ~400 files).
PARALLEL_MIN = 200

Question = tuple[str, tuple]
# The index's questions a cached result may ask again: nothing else of the index is called
# by a name read from the cache.
_QUESTIONS = frozenset(
    (
        "module",
        "resolve",
        "is_project_name",
        "call_of",
        "type_alias",
        "function",
        "inherits",
        "class_info",
        "kind",
    )
)


class SyntaxResult(NamedTuple):
    hits: tuple[tuple[str, SyntaxHit], ...]
    calls: tuple[tuple[Question, object], ...]  # (question, answer) of the index

    def to_data(self) -> list:
        return [
            [
                [code, h.line, h.column, h.message, h.scope, h.end_line, h.end_column]
                for code, h in self.hits
            ],
            [
                [name, [sorted(a) if isinstance(a, frozenset) else a for a in args], answer]
                for (name, args), answer in self.calls
            ],
        ]

    @classmethod
    def from_data(cls, data: object) -> SyntaxResult:
        """The result ``to_data`` wrote; ValueError (or TypeError) for any other shape."""
        hits, calls = pair(data)
        return cls(
            tuple(
                (
                    text(code),
                    SyntaxHit(
                        integer(line),
                        integer(column),
                        text(message),
                        optional_text(scope),
                        optional_integer(end_line),
                        optional_integer(end_column),
                    ),
                )
                for code, line, column, message, scope, end_line, end_column in items(hits)
            ),
            tuple(
                ((_question(name), tuple(_argument(a) for a in args)), _scalar(answer))
                for name, args, answer in items(calls)
            ),
        )


def _question(name: object) -> str:
    if name not in _QUESTIONS:
        raise ValueError(f"not a question of the index: {name!r}")
    return str(name)


def _argument(value: object) -> str | frozenset[str]:
    if type(value) is list:  # the index's only non-string argument is a set of names
        return frozenset(text(item) for item in value)
    return text(value)


def _scalar(value: object) -> object:
    if value is None or type(value) in (str, bool, int):
        return value
    raise ValueError("not an answer")


def _answer(value: object) -> object:
    """A comparable stand-in for what the index answered (its symbols hold syntax nodes,
    which compare by identity): the same whether the symbols were parsed or cached."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return digest(json.dumps(_data(value), separators=(",", ":")))


def _data(value: object) -> object:
    if isinstance(value, ModuleSymbols):
        return symbols_to_data(value)
    if isinstance(value, ast.AST):
        return ast.unparse(value)
    named = getattr(type(value), "_fields", None)
    if named is not None:  # ClassInfo, FunctionInfo: their type counts
        return [type(value).__name__] + [_data(getattr(value, name)) for name in named]
    if isinstance(value, (tuple, list)):
        return [_data(item) for item in value]
    if isinstance(value, frozenset):
        return sorted(_data(item) for item in value)  # type: ignore[type-var]
    return value


class _RecordingIndex:
    """The project index, noting each question and answer, so that a cached result can be
    trusted exactly as long as the index would still answer the same."""

    def __init__(self, index: ProjectIndex, digests: dict[int, tuple[object, object]]) -> None:
        self._index = index
        self._digests = digests  # id(answer) -> (answer, its stand-in), shared by a job's files
        self.calls: dict[Question, object] = {}

    def __getattr__(self, name: str):
        attribute = getattr(self._index, name)
        if not callable(attribute):
            return attribute

        def ask(*args):
            answer = attribute(*args)
            if (name, args) not in self.calls:
                known = self._digests.get(id(answer))
                if known is None or known[0] is not answer:
                    known = self._digests[id(answer)] = (answer, _answer(answer))
                self.calls[(name, args)] = known[1]
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


class _Job(NamedTuple):
    """What a worker needs to analyse modules: the files, their layers, the rules."""

    sources: Sources
    layers: LayerMap
    rules: tuple[type[SyntaxRule], ...]

    def analyse(
        self, modules: Sequence[tuple[str, str]]
    ) -> Iterator[tuple[str, str, SyntaxResult]]:
        """``(module, key, result)`` for each module that parses."""
        index = ProjectIndex((), load=self.sources.symbols_for)
        digests: dict[int, tuple[object, object]] = {}
        for module, key in modules:
            parsed = self.sources.tree_of(module)
            if parsed is None:
                continue
            recording = _RecordingIndex(index, digests)
            context = SyntaxContext(
                module,
                self.layers.layer_of(module) or "",
                parsed.tree,
                self.sources.symbols[module],
                recording,  # type: ignore[arg-type]
                tuple(parsed.source.splitlines()),
            )
            hits = tuple((rule.code, hit) for rule, hit in run_syntax_rules(self.rules, context))
            yield module, key, SyntaxResult(hits, tuple(recording.calls.items()))


class SyntaxPass:
    """Every syntax rule over every file of the layers they read; a file whose bytes,
    layer, rules and index answers are those of a cached result is not parsed again. The
    files to parse start in forked workers when the pass is made (see ``Workers``);
    ``finish`` reads their results."""

    def __init__(self, run: Run, index: ProjectIndex) -> None:
        self.run = run
        self.rules = tuple(rule for rule in run.rules if issubclass(rule, SyntaxRule))
        self.results: dict[str, tuple[tuple[str, SyntaxHit], ...]] = {}
        self.names: dict[str, frozenset[str]] = {}
        self.workers: Workers | None = None
        if not self.rules:
            return
        read = frozenset(layer for rule in self.rules for layer in rule.layers)
        codes = ",".join(rule.code for rule in self.rules)
        modules = [m for m in sorted(run.files) if run.layers.layer_of(m) in read]
        progress = run.options.progress
        sources = run.sources
        asked = _Answers(index)
        todo: list[tuple[str, str]] = []
        for done, module in enumerate(modules):
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress("read", done, len(modules))
            content = sources.digest_of(module)
            if content is None:
                continue
            key = digest(
                "syntax", __version__, module, run.layers.layer_of(module) or "", codes, content
            )
            cached = sources.cache.get(key, SyntaxResult.from_data)
            if cached is not None and all(
                asked(question) == answer for question, answer in cached.calls
            ):
                self.results[module] = cached.hits
                self.names[module] = _asked_names(cached.calls)
            else:
                todo.append((module, key))
        self.workers = Workers(_Job(sources, run.layers, self.rules), todo, minimum=PARALLEL_MIN)

    def finish(self) -> tuple[list[Finding], dict[str, frozenset[str]]]:
        """The findings, and the names each analysed module asked the index about
        (``_asked_names``)."""
        for module, key, result in self.workers or ():
            self.results[module] = result.hits
            self.names[module] = _asked_names(result.calls)
            self.run.sources.cache.put(key, result.to_data())
        findings = []
        for module, hits in sorted(self.results.items()):
            layer = self.run.layers.layer_of(module)
            path = display_path(self.run.files[module].path)
            findings += [_finding(code, hit, path, module, layer) for code, hit in hits]
        return findings, self.names

    def cancel(self) -> None:
        if self.workers is not None:
            self.workers.cancel()


def _finding(code: str, hit: SyntaxHit, path: str, module: str, layer: str | None) -> Finding:
    return Finding(
        Location(path, hit.line, hit.column, hit.end_line, hit.end_column),
        code,
        hit.message,
        module=module,
        importer_layer=layer,
        scope=hit.scope,
    )


def _asked_names(calls: Sequence[tuple[Question, object]]) -> frozenset[str]:
    """The qualified names a module's rules asked the index about, and those it resolved
    them to (``app.api.SessionDep`` re-exported from ``app.api.deps``): cached results
    hold the same questions as fresh ones, so a warm run names what a cold one does."""
    found: set[str] = set()
    for (name, args), answer in calls:
        found.update(a for a in args if isinstance(a, str))
        if name in ("resolve", "call_of") and isinstance(answer, str):
            found.add(answer)
    return frozenset(found)


def file_syntax_findings(
    rules: Sequence[type[SyntaxRule]], context: SyntaxContext, path: str
) -> list[Finding]:
    """The syntax rules over one file's tree, as the flake8 plugin checks it."""
    return [
        _finding(rule.code, hit, path, context.module, context.layer)
        for rule, hit in run_syntax_rules(rules, context)
    ]
