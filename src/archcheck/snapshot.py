"""The import snapshot: what the last whole-project run saw, for checks that see one file.

The flake8 plugin checks one file at a time and must not build the project's import graph
for it, yet two findings need more than the file: the service modules that already use a
repository (the hint of ARC001) and chains through modules of no layer (ARC003). Each
whole-project run (the CLI, the pre-commit hook) therefore leaves, in its cache folder, the
direct imports of the modules those questions read, each stamped with its file's size and
modification time. A reader trusts an entry only while its file still has that stamp, and
reads the file again otherwise, so a snapshot never answers with stale imports; it only
saves re-reading what has not changed.

The file is in ``marshal`` format: an editor runs flake8 on every save, and reading it
must cost next to nothing (``json`` takes longer to import than this takes to load). It is
a cache: another Python version, or anything unexpected in it, reads as no snapshot.
"""
from __future__ import annotations

import marshal
import os
import sys
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Snapshot", "Stamp", "read_snapshot", "snapshot_path", "stamp_of", "write_snapshot"]

_FORMAT = (1, sys.version_info[:2])  # marshal's format may change between Python versions

Stamp = tuple[int, int]  # (st_mtime_ns, st_size)


def stamp_of(path: Path) -> Stamp | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def snapshot_path(cache_dir: Path, roots: Iterable[tuple[str, Path]]) -> Path:
    """Where the snapshot of the project with these root packages (name, directory) lives;
    one cache folder may serve several projects."""
    key = "\n".join(f"{name}={directory}" for name, directory in sorted(roots))
    return cache_dir / f"imports-{zlib.crc32(key.encode()):08x}.marshal"


@dataclass(frozen=True)
class Snapshot:
    """Direct imports per module, each valid while its file keeps the recorded stamp."""

    exclude_type_checking_imports: bool
    entries: Mapping[str, tuple[Stamp, tuple[str, ...]]]

    def imports_of(self, module: str, stamp: Stamp | None) -> tuple[str, ...] | None:
        """The recorded imports of ``module``, or None when there are none for this stamp."""
        entry = self.entries.get(module)
        if entry is None or stamp is None or entry[0] != stamp:
            return None
        return entry[1]


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    data = marshal.dumps(
        (_FORMAT, snapshot.exclude_type_checking_imports, dict(sorted(snapshot.entries.items())))
    )
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    # Write and rename: a flake8 worker reading meanwhile sees the old file or the new one.
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def read_snapshot(path: Path) -> Snapshot | None:
    """The snapshot at ``path``, or None when there is none or it cannot be used."""
    try:
        found, exclude_type_checking_imports, entries = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if found != _FORMAT or not isinstance(entries, dict):
        return None
    return Snapshot(bool(exclude_type_checking_imports), entries)
