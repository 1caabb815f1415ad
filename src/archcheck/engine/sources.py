"""The project's files as the rules read them: bytes, content keys, symbols, lines, and
the files that cannot be read or parsed.

Files are read when something needs them and no tree is kept: a tree is several times the
size of its source, and holding every tree of a large project made the collector's passes
dominate the run. What a file yields (its symbols, or why it does not parse) is cached by
content, so a warm run parses only what changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from archcheck import __version__
from archcheck.cache import FileCache, digest, integer, text
from archcheck.names import (
    ModuleSymbols,
    symbols_from_data,
    symbols_of,
    symbols_to_data,
)
from archcheck.project import SourceFile
from archcheck.syntax import (
    MAX_SOURCE_BYTES,
    ParsedFile,
    SourceError,
    decode_source,
    parse_source,
    read_source,
)

__all__ = ["Sources"]

_PROGRESS_EVERY = 50  # files between two progress calls


class Sources:
    """Reads and remembers what the files of one run say about their modules."""

    def __init__(self, files: Mapping[str, SourceFile], cache: FileCache) -> None:
        self.files = files
        self.cache = cache
        self.symbols: dict[str, ModuleSymbols] = {}
        self.broken: dict[Path, SourceError] = {}
        self._digests: dict[str, str | None] = {}
        # Every module whose file was read (what the layer detection depended on, kept
        # with a project's discovery).
        self.read: set[str] = set()
        self.lowerings = _Lowerings(self)
        # Bytes read for a digest, kept until the parse that usually follows takes them.
        self._unparsed: dict[str, bytes] = {}
        self._lines: dict[str, list[str]] = {}
        self._statuses: dict[str, os.stat_result | None] = {}

    def status_of(self, module: str) -> os.stat_result | None:
        """The status of the module's file (None when it is gone), taken once a run: the
        report's key, grimp's cache, the size check and the snapshot all see the same one,
        and a large project's files are not listed three times over."""
        try:
            return self._statuses[module]
        except KeyError:
            pass
        try:
            status: os.stat_result | None = os.stat(self.files[module].path)
        except OSError:
            status = None
        self._statuses[module] = status
        return status

    def forget_statuses(self) -> None:
        """Take every status afresh (a file changed under the run)."""
        self._statuses.clear()

    def data_of(self, module: str) -> bytes | None:
        """The bytes of the module's file; None when it cannot be read, or has no file (a
        folder without ``__init__.py``, which ``import app.folder`` makes a graph node)."""
        source = self.files.get(module)
        if source is None:
            return None
        self.read.add(module)
        try:
            return read_source(source.path)
        except SourceError as error:
            self.broken[source.path] = error
            return None

    def digest_of(self, module: str) -> str | None:
        """The content key of a module's file (None when it cannot be read)."""
        if module not in self._digests:
            data = self.data_of(module)
            self._digests[module] = None if data is None else digest(data)
            if data is not None:
                self._unparsed[module] = data
        return self._digests[module]

    def tree_of(self, module: str) -> ParsedFile | None:
        """A fresh parse of the module's file (None, recorded as broken, when it fails)."""
        source = self.files.get(module)
        if source is None or source.path in self.broken:
            return None
        data = self._unparsed.pop(module, None) or self.data_of(module)
        if data is None:
            return None
        self._digests.setdefault(module, digest(data))
        try:
            parsed = parse_source(source.path, data, self.lowerings)
        except SourceError as error:
            self.broken[source.path] = error
            self.cache.put(
                self.symbols_key(module), ["error", error.line, error.column, error.reason]
            )
            return None
        if module not in self.symbols:
            self.symbols[module] = symbols_of(parsed.tree, module, source.is_package)
            self.remember(module, self.symbols[module])
        return parsed

    def remember(self, module: str, symbols: ModuleSymbols) -> None:
        if self.cache.enabled:  # turning symbols into data costs as much as finding them
            self.remember_data(module, symbols_to_data(symbols))

    def remember_data(self, module: str, data: object) -> None:
        self.cache.put(self.symbols_key(module), ["symbols", data])

    def symbols_key(self, module: str) -> str:
        source = self.files[module]
        return digest(
            "symbols", __version__, module, str(source.is_package), self.digest_of(module) or ""
        )

    def symbols_for(self, module: str) -> ModuleSymbols | None:
        """The symbols of a project module, from the cache or a parse, the first time the
        project index (or a rule) asks."""
        if module in self.symbols:
            return self.symbols[module]
        source = self.files.get(module)
        if source is None or source.path in self.broken or self.digest_of(module) is None:
            return None
        cached = self.cache.get(self.symbols_key(module), _decode_entry)
        if isinstance(cached, tuple):
            # The same bytes may sit elsewhere (a moved checkout, a shared cache): report here.
            self.broken[source.path] = SourceError(source.path, *cached)
            return None
        if cached is not None and (cached.module, cached.is_package) == (module, source.is_package):
            self.symbols[module] = cached
            return cached
        self.tree_of(module)
        return self.symbols.get(module)

    def oversized(self) -> list[str]:
        """The modules whose files are too large to parse (recorded as broken), found by
        their size alone, before anything reads them."""
        found = []
        for module, source in self.files.items():
            status = self.status_of(module)
            if status is not None and status.st_size > MAX_SOURCE_BYTES:
                try:
                    read_source(source.path)
                except SourceError as error:
                    self.broken[source.path] = error
                    found.append(module)
        return found

    def lines_of(self, module: str) -> list[str]:
        """The module's text as lines, for columns and ``noqa`` of reported lines only."""
        if module not in self._lines:
            data = self.data_of(module) if module in self.files else None
            try:
                self._lines[module] = [] if data is None else decode_source(data).splitlines()
            except SourceError:
                self._lines[module] = []
        return self._lines[module]

    def read_all(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        """Find every file that does not parse (grimp stops at the first one)."""
        total = len(self.files)
        for done, module in enumerate(self.files):
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress("read", done, total)
            self.symbols_for(module)


def _decode_entry(data: object) -> ModuleSymbols | tuple[int, int, str]:
    """A symbols entry: the module's symbols, or (line, column, reason) of its parse error."""
    if not isinstance(data, list) or not data:
        raise ValueError("not an entry")
    kind, rest = data[0], data[1:]
    if kind == "symbols":
        (symbols,) = rest
        return symbols_from_data(symbols)
    if kind == "error":
        line, column, reason = rest
        return integer(line), integer(column), text(reason)
    raise ValueError(f"unknown entry {kind!r}")


class _Lowerings:
    """Lowered sources (``syntax.Lowerings``) by the digest of their text: in this run,
    and in the per-file cache for the next."""

    def __init__(self, sources: Sources) -> None:
        self._sources = sources  # its cache, not a copy: a forked worker swaps it out
        self._known: dict[str, str] = {}
        self.fresh: dict[str, str] = {}  # lowered in this process: (key, text) to keep

    def get(self, source: str) -> str | None:
        key = digest("lowered", __version__, source)
        found = self._known.get(key)
        if found is None:
            found = self._sources.cache.get(key, text)
            if found is not None:
                self._known[key] = found
        return found

    def put(self, source: str, lowered: str) -> None:
        key = digest("lowered", __version__, source)
        self._known[key] = self.fresh[key] = lowered
        self.keep(key, lowered)

    def keep(self, key: str, lowered: str) -> None:
        self._sources.cache.put(key, lowered)
