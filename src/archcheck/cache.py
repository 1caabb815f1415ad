"""The per-file cache: results keyed by file content, in one SQLite file.

What a file says about its module (its symbols, or why it does not parse) depends on its
bytes alone; what the syntax rules find in it depends on its bytes, its layer, the rules in
force and the answers the project index gave while they ran. Both are kept here, so a warm
run re-parses only the files that changed. SQLite (standard library) makes the cache safe
under concurrent runs, a CI matrix or an editor beside a terminal; a cache that cannot be
opened or written is simply not used.

The cache folder may come with the repository being analysed, so nothing in it is trusted:
values are JSON (data only: nothing in them can name a type or code to build), each read
through a decoder that checks its shape, and anything that does not decode is a miss. A
folder tracked by git, or owned by another user, is not used at all (``distrust``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from archcheck import __version__

try:  # hashlib's own blake2b, without hashlib loading OpenSSL (~3 ms of every editor's flake8)
    from _blake2 import blake2b
except ImportError:  # not CPython
    from hashlib import blake2b

__all__ = [
    "FileCache",
    "code_version",
    "digest",
    "distrust",
    "integer",
    "optional_text",
    "text",
    "texts",
]

T = TypeVar("T")

_MAX_BYTES = 512 * 2**20
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, data BLOB NOT NULL)"
# Every key carries the Python version: what ``ast`` reads, and so every cached result,
# may change with it (a CI matrix may share one cache).
_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


@functools.cache
def code_version() -> str:
    """This archcheck's code: its release and the stamps of its files. Keys carry it, so
    that an archcheck whose code changed under the same release (a checkout, an editable
    install) never reads what another wrote. Where the files cannot be listed (a zip),
    the release alone."""
    stamps = []
    folders = [Path(__file__).parent]
    try:
        while folders:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(Path(entry.path))
                    elif entry.name.endswith(".py"):
                        status = entry.stat()
                        stamps.append(f"{entry.path}:{status.st_size}:{status.st_mtime_ns}")
    except OSError:
        stamps = []
    return digest(__version__, _PYTHON, *sorted(stamps))


def digest(*parts: bytes | str) -> str:
    """A short stable hash of ``parts`` (bytes or text), for cache keys."""
    h = blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


# -- shapes: each returns its value checked, or raises ValueError ---------------------------
def text(value: object) -> str:
    if type(value) is not str:
        raise ValueError("not a string")
    return value


def optional_text(value: object) -> str | None:
    return None if value is None else text(value)


def flag(value: object) -> bool:
    if type(value) is not bool:
        raise ValueError("not a boolean")
    return value


def optional_integer(value: object) -> int | None:
    return None if value is None else integer(value)


def integer(value: object) -> int:
    if type(value) is not int:
        raise ValueError("not an integer")
    return value


def pair(value: object) -> tuple[object, object]:
    if type(value) is not list or len(value) != 2:
        raise ValueError("not a pair")
    return value[0], value[1]


def items(value: object) -> list[Any]:
    """A JSON list, its items still to be checked by whoever unpacks them."""
    if type(value) is not list:
        raise ValueError("not a list")
    return value


def mapping(value: object) -> dict[str, Any]:
    """A JSON object, its values still to be checked by whoever reads them."""
    if type(value) is not dict:
        raise ValueError("not an object")
    return value


def texts(value: object) -> tuple[str, ...]:
    if type(value) is not list:
        raise ValueError("not a list")
    return tuple(text(item) for item in value)


class FileCache:
    """``get`` / ``put`` of JSON values by key; ``None`` as the folder disables it.
    Writes are kept until ``flush`` and then go in one transaction."""

    def __init__(self, directory: Path | None) -> None:
        self._pending: dict[str, bytes] = {}
        self._db: sqlite3.Connection | None = None
        self.directory = directory
        if directory is None:
            return
        path = directory / "files.sqlite"
        for _attempt in range(2):
            try:
                directory.mkdir(parents=True, exist_ok=True)
                # Entries of old file contents are never read again; rather than track them,
                # start afresh once the file has grown past any one project's needs.
                if path.exists() and path.stat().st_size > _MAX_BYTES:
                    _remove(path)
                # A run may open the cache in one thread and use it in another (deep_stack).
                self._db = sqlite3.connect(
                    path, timeout=10, isolation_level=None, check_same_thread=False
                )
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(_SCHEMA)
                return
            except sqlite3.DatabaseError:
                self._db = None
                _remove(path)  # not a database (any more): start afresh
            except (OSError, sqlite3.Error):
                self._db = None
                return

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def get(self, key: str, decode: Callable[[object], T]) -> T | None:
        """The value under ``key`` as ``decode`` rebuilds it from JSON; None when there is
        none or it does not decode."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT data FROM entries WHERE key = ?", (digest(code_version(), key),)
            ).fetchone()
            return None if row is None else decode(json.loads(row[0]))
        except Exception:
            return None

    def put(self, key: str, value: object) -> None:
        """Keep ``value`` (JSON data: dicts, lists, strings, numbers, None) under ``key``."""
        if self._db is not None:
            self._pending[digest(code_version(), key)] = json.dumps(
                value, separators=(",", ":"), ensure_ascii=False
            ).encode()

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


def _remove(path: Path) -> None:
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            stale.unlink(missing_ok=True)


def distrust(directory: Path) -> str | None:
    """Why the cache folder ``directory`` must not be used, or None when it may.

    As git refuses a repository owned by someone else, archcheck refuses a cache folder it
    did not make for this user: one owned by another user, or one tracked by git (shipped
    with the repository, ``git add -f``): its entries could be forged.
    """
    try:
        status = directory.stat()
    except OSError:
        return None  # not there yet: it will be this user's
    getuid = getattr(os, "getuid", None)
    if getuid is not None and status.st_uid != getuid():
        return f"{directory} is owned by another user"
    if _tracked_by_git(directory.resolve()):
        return f"{directory} is tracked by git"
    return None


def _tracked_by_git(directory: Path) -> bool:
    """Whether git's index of the work tree around ``directory`` holds a file in it.

    The index is read here rather than by running git, which would run what the
    repository's own config names (``core.fsmonitor``).
    """
    for top in directory.parents:
        dot_git = top / ".git"
        if dot_git.exists():
            break
    else:
        return False
    git_dir = dot_git
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        try:
            line = dot_git.read_text(errors="replace").strip()
        except OSError:
            return False
        if not line.startswith("gitdir:"):
            return False
        git_dir = (top / line[len("gitdir:") :].strip()).resolve()
    try:
        index = (git_dir / "index").read_bytes()
    except OSError:
        return False  # nothing staged: nothing tracked
    prefix = directory.relative_to(top).as_posix().encode() + b"/"
    # Most indexes never mention the folder: one byte search says so (in versions 2 and 3
    # every path is written out whole).
    if prefix not in index and index[4:8] != b"\0\0\0\4":
        return False
    return any(path.startswith(prefix) for path in _index_paths(index))


def _index_paths(index: bytes):
    """The paths in a git index (versions 2 to 4); stops quietly at anything it does not
    understand."""
    version = int.from_bytes(index[4:8], "big")
    if index[:4] != b"DIRC" or version not in (2, 3, 4):
        return
    count = int.from_bytes(index[8:12], "big")
    position, previous = 12, b""
    for _ in range(count):
        start = position
        flags = int.from_bytes(index[position + 60 : position + 62], "big")
        position += 62 + (2 if version > 2 and flags & 0x4000 else 0)
        strip = 0
        if version == 4:  # the path is the previous one less ``strip`` bytes, plus a suffix
            first = True
            while position < len(index):  # git's offset varint
                byte = index[position]
                position += 1
                strip = (byte & 0x7F) if first else ((strip + 1) << 7) | (byte & 0x7F)
                first = False
                if not byte & 0x80:
                    break
        end = index.find(b"\0", position)
        if end < 0 or strip > len(previous):
            return
        previous = (previous[: len(previous) - strip] if version == 4 else b"") + index[
            position:end
        ]
        yield previous
        # versions 2 and 3 pad each entry with 1 to 8 NULs to a multiple of 8 bytes
        position = end + 1 if version == 4 else start + ((end - start) // 8 + 1) * 8
