"""Forked workers for a cold syntax pass: both cores parse while this process builds the
import graph and runs the import rules, then it caches and reports.

Each worker is a forked child that inherits the run's state as it is (nothing is pickled
on the way in) and sends back, through a pipe, its results and what it learnt (symbols of
modules it read, files that did not parse). A worker that dies or cannot be started costs
time, never a result: its share is analysed here.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from archcheck.cache import FileCache
from archcheck.names import symbols_to_data

if TYPE_CHECKING:
    from archcheck.engine.syntax_checks import SyntaxResult, _Job

__all__ = ["Workers"]

_WORKERS = 2


def _work(job: _Job, chunk: Sequence[tuple[str, str]], connection: Any) -> None:
    # Ctrl-C is the parent's to handle (it exits, and daemonic workers go with it): a
    # worker blocked sending its results must not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sources = job.sources
    caching = sources.cache.enabled
    # The parent's connection is not this process's to use: a worker reads the cache
    # through its own, and leaves writing to the parent.
    sources.cache = FileCache(sources.cache.directory if caching else None)
    known = set(sources.symbols)
    try:
        found = list(job.analyse(chunk))
        # Symbols go back as data, for the parent's cache only: syntax trees are costly to
        # send, and the parent reads what it still needs on demand.
        learnt = (
            {m: symbols_to_data(s) for m, s in sources.symbols.items() if m not in known}
            if caching
            else {}
        )
        lowered = sources.lowerings.fresh if caching else {}
        connection.send((found, learnt, lowered, dict(sources.broken)))
    finally:
        connection.close()


class Workers:
    """``job.analyse(todo)``, started in forked workers when there are at least
    ``minimum`` modules, two cores and a platform that forks; else run here when the
    results are read. The workers start at once, so this process can do other work (build
    the import graph) while they parse."""

    def __init__(self, job: _Job, todo: list[tuple[str, str]], *, minimum: int) -> None:
        self.job = job
        self.todo = todo
        self.started: list[tuple[list[tuple[str, str]], Any, Any]] = []
        cores = min(os.cpu_count() or 1, _WORKERS)
        if len(todo) < minimum or cores < 2:
            return
        # Imported here, once a fork is wanted: most runs (an edit, a small project, flake8)
        # never fork, and this costs 10 ms.
        import multiprocessing as mp

        if "fork" not in mp.get_all_start_methods():
            return
        context = mp.get_context("fork")
        for chunk in (todo[i::cores] for i in range(cores)):
            try:
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_work, args=(job, chunk, sender), daemon=True)
                process.start()
                sender.close()
                self.started.append((chunk, process, receiver))
            except OSError:
                self.started.append((chunk, None, None))

    def __iter__(self) -> Iterator[tuple[str, str, SyntaxResult]]:
        if not self.started:
            yield from self.job.analyse(self.todo)
            return
        for chunk, process, receiver in self.started:
            outcome = None
            if receiver is not None:
                try:
                    outcome = receiver.recv()
                except (EOFError, OSError):
                    outcome = None  # the worker died: its share is done here
                finally:
                    receiver.close()
                    if process is not None:
                        process.join()
            if outcome is None:
                yield from self.job.analyse(chunk)
                continue
            found, learnt, lowered, broken = outcome
            for key, text in lowered.items():
                self.job.sources.lowerings.keep(key, text)
            for module, data in learnt.items():
                if module not in self.job.sources.symbols:
                    self.job.sources.remember_data(module, data)
            for path, error in broken.items():
                self.job.sources.broken.setdefault(path, error)
            yield from found

    def cancel(self) -> None:
        """Stop the workers: their results will not be read."""
        for _chunk, process, receiver in self.started:
            if process is not None:
                process.terminate()
                process.join()
            if receiver is not None:
                receiver.close()
        self.started = []
