"""The import graph: the one module that talks to grimp.

grimp finds packages through ``importlib.util.find_spec``, which needs the package's parent
on ``sys.path`` and can be fooled by an installed distribution of the same name. archcheck
already knows where every package and file is, so it hands grimp its own package and module
finders (grimp's documented ports) for the length of one build: nothing is imported, nothing
is put on ``sys.path``, and files that cannot be read are left out instead of stopping the
whole build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

# grimp parses on Rust threads, whose stacks (2 MiB unless this says otherwise, read once
# per process) a deeply nested expression overflows: a segmentation fault, no report. A
# file within ``syntax.MAX_SOURCE_BYTES`` nests at most a million levels, which fits in
# this; the memory is reserved, not used, unless a file needs it.
_RUST_STACK = 512 * 1024 * 1024
if int(os.environ.get("RUST_MIN_STACK", "0") or "0") < _RUST_STACK:
    os.environ["RUST_MIN_STACK"] = str(_RUST_STACK)

# grimp is imported only after the stack size is set, so that none of its Rust code has run
# (and read the size) yet: hence the file-wide exemption from "imports at the top".
# ruff: noqa: E402
import grimp
from grimp.adaptors.caching import Cache as GrimpCache
from grimp.adaptors.caching import CacheFileNamer
from grimp.application.config import settings as grimp_settings
from grimp.application.ports.caching import CacheMiss
from grimp.application.ports.modulefinder import AbstractModuleFinder, FoundPackage, ModuleFile
from grimp.application.ports.packagefinder import AbstractPackageFinder
from grimp.domain.valueobjects import DirectImport
from grimp.exceptions import SourceSyntaxError

from archcheck.project import Package
from archcheck.snapshot import settled

__all__ = ["GraphBuildError", "ImportDetail", "ProjectGraph", "build_graph"]

# The status of a module's file, as the run took it (None: gone).
StatusOf = Callable[[str], "os.stat_result | None"]


class GraphBuildError(Exception):
    """grimp could not read ``path`` (None when its message does not say which file)."""

    def __init__(self, path: Path | None, line: int, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


@dataclass(frozen=True, order=True)
class ImportDetail:
    line: int


class ProjectGraph:
    """Read-only view of grimp's graph in archcheck's terms: module names and lines."""

    def __init__(self, graph: grimp.ImportGraph) -> None:
        self._graph = graph
        self.modules: frozenset[str] = frozenset(
            m for m in graph.modules if not graph.is_module_squashed(m)
        )
        self._imports: dict[str, frozenset[str]] = {}

    def imports_of(self, module: str) -> frozenset[str]:
        """Modules of the project that ``module`` imports directly."""
        try:
            return self._imports[module]
        except KeyError:
            found = frozenset(
                m
                for m in self._graph.find_modules_directly_imported_by(module)
                if m in self.modules
            )
            self._imports[module] = found
            return found

    def importers_of(self, module: str) -> frozenset[str]:
        return frozenset(self._graph.find_modules_that_directly_import(module))

    def details(self, importer: str, imported: str) -> list[ImportDetail]:
        """Every import statement of ``imported`` in ``importer``, first line first."""
        return sorted(
            {
                ImportDetail(d["line_number"])
                for d in self._graph.get_import_details(importer=importer, imported=imported)
            }
        )


class _KnownPackages(AbstractPackageFinder):
    def __init__(self, packages: Iterable[Package]) -> None:
        self._directories = {p.name: str(p.directory) for p in packages}

    def determine_package_directories(self, package_name, file_system):
        return {self._directories[package_name]}


def _stamp(status: os.stat_result | None, modules: bytes) -> float:
    """What grimp's cache compares for a file in place of its modification time.

    grimp trusts a cached file while its ``mtime`` is equal, and keeps imports as resolved
    against the modules there were then. This stands for the file's size, inode,
    modification and inode-change times at full resolution, and for the set of the
    project's modules (``modules``, a digest): an edit that keeps the time, or a module
    added or deleted (which may change what an unchanged file's imports resolve to), is a
    miss. A whole number below 2**53, so it survives grimp's JSON as a float.
    """
    if status is None:
        return -1.0  # gone: grimp reports it when it reads it
    if not settled(status):
        # Changed within the file system's time tick: a value no later run repeats.
        return -float(int.from_bytes(os.urandom(6), "big") + 2)
    stamp = f"{status.st_mtime_ns}:{status.st_size}:{status.st_ino}:{status.st_ctime_ns}".encode()
    return float(int.from_bytes(hashlib.blake2b(stamp + modules, digest_size=6).digest(), "big"))


class _KnownModules(AbstractModuleFinder):
    def __init__(self, packages: Iterable[Package], status_of: StatusOf) -> None:
        self._packages = {p.name: p for p in packages}
        self._status_of = status_of
        names = sorted(f.module for p in self._packages.values() for f in p.files)
        self._modules = hashlib.blake2b("\n".join(names).encode(), digest_size=16).digest()

    def find_package(self, package_name, package_directory, file_system):
        package = self._packages[package_name]
        return FoundPackage(
            name=package.name,
            directory=str(package.directory),
            module_files=frozenset(
                ModuleFile(
                    module=grimp.Module(f.module),
                    mtime=_stamp(self._status_of(f.module), self._modules),
                )
                for f in package.files
            ),
            namespace_packages=frozenset(package.namespace_packages),
        )


# A corrupt cache is a miss, and archcheck says nothing of misses.
logging.getLogger(GrimpCache.__module__).addHandler(logging.NullHandler())
logging.getLogger(GrimpCache.__module__).propagate = False

_GENERATION = re.compile(r"g-[A-Za-z0-9_]+")


class _CheckedCache(GrimpCache):
    """grimp's cache, read without trusting its files and written atomically.

    The folder grimp is given holds generations (``g-*``), each a complete set of grimp's
    files, and ``current``, the name of the one to read. A run reads one generation and
    writes a new one before pointing ``current`` at it, so a concurrent run never reads a
    file half-written, nor the metadata of one run with the data of another.

    It is also how grimp is told the imports of the files it must not read (``given``):
    grimp still knows them as modules, so what imports them resolves to them. With no
    cache folder (``cache_dir=""``) nothing else is read or written.
    """

    given: Mapping[str, frozenset[DirectImport]] = {}
    _folder: str | None = None  # None: nothing is read from or written to a folder

    # Keyword arguments passed through as they come: grimp 3.x versions differ in them.
    @classmethod
    def setup(  # type: ignore[override]
        cls, *, cache_dir: str | None = None, **kwargs: Any
    ) -> _CheckedCache:
        if not cache_dir:
            kwargs.setdefault("namer", CacheFileNamer)  # unused: no file is named
            return cls(cache_dir=".", **kwargs)
        folder = str(cache_dir)
        try:
            with open(os.path.join(folder, "current"), encoding="ascii") as pointer:
                name = pointer.read(64)
        except (OSError, ValueError):
            name = ""
        generation = name if _GENERATION.fullmatch(name) else "g-none"
        # grimp's setup builds an instance of ``cls``.
        cache = cast(
            _CheckedCache, super().setup(cache_dir=os.path.join(folder, generation), **kwargs)
        )
        cache._folder = folder
        return cache

    def _read_mtime_map_file(self, found_package: FoundPackage) -> dict[str, float]:
        try:
            found = super()._read_mtime_map_file(found_package)
        except Exception:
            return {}
        if type(found) is not dict or not all(
            type(k) is str and type(v) in (int, float) for k, v in found.items()
        ):
            return {}
        return found

    def _read_data_map_file(self):
        try:
            return super()._read_data_map_file()
        except Exception:
            return {}

    def read_imports(self, module_file: ModuleFile) -> set[DirectImport]:
        given = self.given.get(module_file.module.name)
        if given is not None:
            return set(given)
        if self._folder is None:
            raise CacheMiss
        return super().read_imports(module_file)

    def write(self, imports_by_module) -> None:
        folder = self._folder
        if folder is None:
            return
        read = self.cache_dir
        try:
            os.makedirs(folder, exist_ok=True)
            self.cache_dir = tempfile.mkdtemp(prefix="g-", dir=folder)
            super().write(imports_by_module)
            pointer = os.path.join(folder, f"current.{os.getpid()}.tmp")
            with open(pointer, "w", encoding="ascii") as file:
                file.write(os.path.basename(self.cache_dir))
            os.replace(pointer, os.path.join(folder, "current"))
        except Exception:
            shutil.rmtree(self.cache_dir, ignore_errors=True)
            return
        # The generation this run read, and those of concurrent runs that lost the race
        # to ``current`` (old enough that no run is still writing them).
        for entry in os.scandir(folder):
            if (
                entry.path != self.cache_dir
                and _GENERATION.fullmatch(entry.name)
                and (entry.path == read or _age(entry.path) > 600)
            ):
                shutil.rmtree(entry.path, ignore_errors=True)


def _age(path: str) -> float:
    try:
        return time.time() - os.stat(path).st_mtime
    except OSError:
        return 0.0


@contextmanager
def _finders(
    packages: tuple[Package, ...],
    given: Mapping[str, frozenset[DirectImport]],
    status_of: StatusOf,
) -> Iterator[None]:
    saved = {
        "PACKAGE_FINDER": grimp_settings.PACKAGE_FINDER,
        "MODULE_FINDER": grimp_settings.MODULE_FINDER,
        "CACHE_CLASS": grimp_settings.CACHE_CLASS,
    }
    grimp_settings.configure(
        PACKAGE_FINDER=_KnownPackages(packages),
        MODULE_FINDER=_KnownModules(packages, status_of),
        CACHE_CLASS=_CheckedCache,
    )
    _CheckedCache.given = given
    try:
        yield
    finally:
        _CheckedCache.given = {}
        grimp_settings.configure(**saved)


# grimp names the file it could not decode or read only in its message.
@contextmanager
def _panics_unprinted() -> Iterator[None]:
    """grimp's Rust code prints a panic (and its backtrace) straight to the process's
    standard error before Python sees the exception, which the caller handles (a relative
    import above the top package: the file is read with ``ast``). What grimp writes there
    is kept aside and written out only when nothing panicked."""
    try:
        sys.stderr.flush()  # what Python wrote before stays before
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    with tempfile.TemporaryFile() as kept:
        os.dup2(kept.fileno(), 2)
        panicked = True
        try:
            yield
            panicked = False
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if not panicked:
                kept.seek(0)
                written = kept.read()
                if written:
                    os.write(2, written)


_UNREADABLE = re.compile(r"Failed to (?:decode|read) file (?P<path>.+?)(?: as |: )")


def build_graph(
    packages: tuple[Package, ...],
    *,
    cache_dir: Path | None,
    exclude_type_checking_imports: bool,
    given: Mapping[str, Collection[tuple[str, int, str]]] = {},  # read only
    status_of: StatusOf,
) -> ProjectGraph:
    """Build the graph of ``packages``. The modules in ``given`` are not read by grimp: their
    imports are what it holds, ``(imported module, line, line's text)`` each. grimp's cache
    compares each file by the status ``status_of`` gives for its module."""
    names = [p.name for p in packages]
    imports = {
        importer: frozenset(
            DirectImport(
                importer=grimp.Module(importer),
                imported=grimp.Module(imported),
                line_number=line,
                line_contents=contents,
            )
            for imported, line, contents in found
        )
        for importer, found in given.items()
    }
    try:
        with _finders(packages, imports, status_of), _panics_unprinted():
            graph = grimp.build_graph(
                *names,
                cache_dir="" if cache_dir is None else str(cache_dir),
                exclude_type_checking_imports=exclude_type_checking_imports,
            )
    except SourceSyntaxError as error:
        raise GraphBuildError(Path(error.filename), error.lineno or 1, str(error)) from None
    except (UnicodeError, OSError) as error:
        match = _UNREADABLE.search(str(error))
        raise GraphBuildError(Path(match["path"]) if match else None, 1, str(error)) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        # grimp's Rust code panics on a file that vanishes mid-scan; the panic is a
        # BaseException and names no file.
        raise GraphBuildError(None, 1, f"grimp failed: {type(error).__name__}: {error}") from None
    return ProjectGraph(graph)
