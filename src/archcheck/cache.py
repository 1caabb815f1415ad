"""The per-file cache: results keyed by file content, in one SQLite file.

What a file says about its module (its symbols, or why it does not parse) depends on its
bytes alone; what the syntax rules find in it depends on its bytes, its layer, the rules in
force and the answers the project index gave while they ran. Both are kept here, so a warm
run re-parses only the files that changed. SQLite (standard library) makes the cache safe
under concurrent runs, a CI matrix or an editor beside a terminal; a cache that cannot be
opened or written is simply not used.
"""
from __future__ import annotations

import hashlib
import pickle
import sqlite3
from pathlib import Path

__all__ = ["FileCache", "digest"]

_MAX_BYTES = 512 * 2**20
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, data BLOB NOT NULL)"


def digest(*parts: bytes | str) -> str:
    """A short stable hash of ``parts`` (bytes or text), for cache keys."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


class FileCache:
    """``get`` / ``put`` of picklable values by key; ``None`` as the folder disables it.
    Writes are kept until ``flush`` and then go in one transaction."""

    def __init__(self, directory: Path | None) -> None:
        self._pending: dict[str, bytes] = {}
        self._db: sqlite3.Connection | None = None
        if directory is None:
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / "files.sqlite"
            # Entries of old file contents are never read again; rather than track them,
            # start afresh once the file has grown past any one project's needs.
            if path.exists() and path.stat().st_size > _MAX_BYTES:
                for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                    stale.unlink(missing_ok=True)
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error):
            self._db = None

    def get(self, key: str) -> object | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT data FROM entries WHERE key = ?", (key,)).fetchone()
            return None if row is None else pickle.loads(row[0])
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None  # an unreadable entry is a miss

    def put(self, key: str, value: object) -> None:
        if self._db is not None:
            self._pending[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def flush(self) -> None:
        if self._db is None or not self._pending:
            return
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR REPLACE INTO entries (key, data) VALUES (?, ?)",
                    sorted(self._pending.items()),
                )
        except sqlite3.Error:
            pass  # a busy or read-only cache costs speed, never a result
        self._pending.clear()
