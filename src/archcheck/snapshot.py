"""The import snapshot: what the last whole-project run saw, for checks that see one file.

The flake8 plugin checks one file at a time and must not build the project's import graph
for it, yet two findings need more than the file: the service modules that already use a
repository (the hint of ARC001) and chains through modules of no layer (ARC003). Each
whole-project run (the CLI, the pre-commit hook) therefore leaves, in its cache folder, the
direct imports of the modules those questions read, each stamped with its file's size and
modification time. A reader trusts an entry only while its file still has that stamp, and
reads the file again otherwise, so a snapshot never answers with stale imports; it only
saves re-reading what has not changed.

The file is JSON, data only (the cache folder may come with the repository: see
cache.py), and each entry is checked when it is read: anything unexpected in it reads as no
snapshot, or no entry.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple, TypeGuard

__all__ = [
    "Snapshot",
    "Stamp",
    "read_snapshot",
    "snapshot_path",
    "stamp_from",
    "stamp_of",
    "write_snapshot",
]

_FORMAT = 4

# (st_mtime_ns, st_size, st_ino, st_ctime_ns): an edit that keeps the size and the
# modification time (``touch -r``, a branch switch within one clock tick) still moves the
# inode-change time, which no user can set.
Stamp = tuple[int, int, int, int]


# File systems keep times in ticks: the kernel's clock tick (1-10 ms) where times have
# sub-second digits, whole seconds (two on FAT) where they have none. A file written again
# within the tick of a run that stamped it keeps its stamp; as git does with "racily
# clean" entries, a stamp younger than its tick (with a margin) is not trusted.
_FINE_NS = 50_000_000
_COARSE_NS = 2_000_000_000


def settled(status: os.stat_result) -> bool:
    """Whether ``status`` is old enough for its times to tell every later change."""
    tick = _COARSE_NS if status.st_mtime_ns % 1_000_000_000 == 0 else _FINE_NS
    return time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > tick


def stamp_of(path: Path) -> Stamp | None:
    """Size, inode and times of ``path``; None when it is gone or changed too recently for
    its stamp to be trusted."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return stamp_from(status)


def stamp_from(status: os.stat_result | None) -> Stamp | None:
    """``stamp_of`` for a status already taken (None: the file is gone)."""
    if status is None or not settled(status):
        return None
    return status.st_mtime_ns, status.st_size, status.st_ino, status.st_ctime_ns


def snapshot_path(cache_dir: Path, roots: Iterable[tuple[str, Path]]) -> Path:
    """Where the snapshot of the project with these root packages (name, directory) lives;
    one cache folder may serve several projects."""
    key = "\n".join(f"{name}={directory}" for name, directory in sorted(roots))
    return cache_dir / f"imports-{zlib.crc32(key.encode()):08x}.json"


# What a whole run recorded that a layered head needs of a module (see
# ``engine.chains.Demand``, built from it field by field).
Demanded = tuple[
    str,
    tuple[str, ...],
    tuple[str, ...] | None,
    tuple[str, ...],
    tuple[str, ...],
    str,
    tuple[str, ...],
    int,
    tuple[str, ...],
]


class Snapshot(NamedTuple):
    """Direct imports per module, each valid while its file keeps the recorded stamp."""

    exclude_type_checking_imports: bool
    entries: Mapping[str, object]  # module -> [stamp, imports], checked when read
    # ARC003: module -> [[head, uses, names or None, chain, called, hub, tails, beyond,
    # within]]: what layered heads need of it (see engine.chains.Demand), valid while the
    # files of the chain and of ``within`` keep ``stamps``.
    demands: Mapping[str, object]
    stamps: Mapping[str, object]
    # ARC003: layered head -> the layered modules it depends on through its own imports
    # that have a finding (``import_rules.direct_imports``; see engine.chains.Chains.links).
    direct: Mapping[str, object] = {}

    def direct_of(self, head: str) -> frozenset[str]:
        """The layered modules ``head`` depends on through its own imports that have a
        finding, as the last whole run found (``import_rules.direct_imports``)."""
        found = self.direct.get(head)
        return frozenset(found) if _strings(found) else frozenset()

    def demands_of(self, module: str, stamp: Callable[[str], Stamp | None]) -> list[Demanded]:
        """What layered heads need of ``module`` (see ``engine.chains.Demand``), for the
        chains whose files other than ``module`` still have their recorded stamps."""
        found = []
        recorded = self.demands.get(module)
        for entry in recorded if type(recorded) is list else ():
            if type(entry) is not list or len(entry) != 9:
                return []
            head, uses, names, chain, called, hub, tails, beyond, within = entry
            if not (
                _strings(uses)
                and _strings(chain)
                and _strings(called)
                and (names is None or _strings(names))
                and type(hub) is str
                and _strings(tails)
                and type(beyond) is int
                and _strings(within)
            ):
                return []
            if type(head) is not str or not all(
                m == module or _same(self.stamps.get(m), stamp(m)) for m in (*chain, *within)
            ):
                continue
            found.append(
                (
                    head,
                    tuple(uses),
                    None if names is None else tuple(names),
                    tuple(chain),
                    tuple(called),
                    hub,
                    tuple(tails),
                    beyond,
                    tuple(within),
                )
            )
        return found

    def imports_of(self, module: str, stamp: Stamp | None) -> tuple[str, ...] | None:
        """The recorded imports of ``module``, or None when there are none for this stamp."""
        entry = self.entries.get(module)
        if stamp is None or not isinstance(entry, (list, tuple)) or len(entry) != 2:
            return None
        recorded, imports = entry
        if (
            not isinstance(recorded, (list, tuple))
            or tuple(recorded) != stamp
            or not isinstance(imports, (list, tuple))
        ):
            return None
        if not all(type(name) is str for name in imports):
            return None
        return tuple(imports)


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    data = json.dumps(
        {
            "format": _FORMAT,
            "exclude_type_checking_imports": snapshot.exclude_type_checking_imports,
            # Tuples are written as JSON lists.
            "entries": dict(sorted(snapshot.entries.items())),
            "demands": dict(sorted(snapshot.demands.items())),
            "stamps": dict(sorted(snapshot.stamps.items())),
            "direct": dict(sorted(snapshot.direct.items())),
        },
        separators=(",", ":"),
    ).encode()
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
        found = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if type(found) is not dict or found.get("format") != _FORMAT:
        return None
    exclude, entries = found.get("exclude_type_checking_imports"), found.get("entries")
    if type(exclude) is not bool or type(entries) is not dict:
        return None
    demands, stamps = found.get("demands", {}), found.get("stamps", {})
    direct = found.get("direct", {})
    if type(demands) is not dict or type(stamps) is not dict or type(direct) is not dict:
        return None
    return Snapshot(exclude, entries, demands, stamps, direct)


def _strings(value: object) -> TypeGuard[list[str]]:
    return type(value) is list and all(type(item) is str for item in value)


def _same(recorded: object, stamp: Stamp | None) -> bool:
    return stamp is not None and type(recorded) is list and tuple(recorded) == stamp
