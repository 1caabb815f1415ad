"""The project a single-file check belongs to, kept between processes.

An editor runs flake8 once per save, in a new process, and discovering the project (every
folder listed, every module named, a sample of files read for the source-root question)
costs more than checking the file. What discovery found is therefore kept in the cache
folder as plain JSON, together with the modification time of every folder it depends on
(and the stamps of the files it sampled), and the layers detected, with the stamps of the
files detection read; it is used while they are all unchanged. A file
added, removed or renamed changes its folder's time, so the kept project is never staler
than a fresh discovery. The key holds the target, the config (as parsed, which covers its
file's content) and the working directory.

Nothing in the file is trusted: it is decoded into checked shapes, and anything unexpected
is a miss (the project is discovered again and the file rewritten).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import overload

from archcheck.cache import code_version, digest
from archcheck.config import Config
from archcheck.layers import LAYERS, LayerMap
from archcheck.project import Package, Project, SourceFile, import_heads, sampled_sources
from archcheck.snapshot import settled

__all__ = ["KeptFiles", "KeptSources", "discovery_file", "read_discovery", "write_discovery"]

_FORMAT = 3
_NOT_WALKED = frozenset({"__pycache__", "node_modules", "site-packages"})
_ABOVE_DEPTH = 3  # how deep discovery looks for root packages below a folder target


def discovery_file(cache_dir: Path, targets: tuple[Path, ...], config: Config) -> Path:
    key = digest("discovery", code_version(), *map(str, targets), repr(config), os.getcwd())
    return cache_dir / "discovery" / f"{key}.json"


def _folders(top: str, depth: int | None) -> list[str]:
    """``top`` and the folders below it (``depth`` levels, or all), as discovery walks them:
    dot folders and bytecode folders are never read. Strings, not ``Path``: a large tree has
    thousands of folders, and this runs on every cold check."""
    found = [top]
    stack = [(top, 0)]
    while stack:
        folder, level = stack.pop()
        if depth is not None and level >= depth:
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if (
                    entry.name.startswith(".")
                    or entry.name in _NOT_WALKED
                    or not entry.is_dir(follow_symlinks=False)
                ):
                    continue
            except OSError:
                continue
            found.append(entry.path)
            stack.append((entry.path, level + 1))
    return found


def _stamps(project: Project) -> tuple[list[list[object]], list[list[object]]] | None:
    """(folder, mtime) of every folder the discovery depends on; (file, mtime, size) of the
    files it may have read to tell a source root. None when one changed within the file
    system's time tick: its stamp would not tell a later change."""
    folders: set[str] = set()
    for target in project.targets:
        if target.is_dir():
            folders.update(_folders(str(target), _ABOVE_DEPTH))
    # The folders whose samples discovery read: each package's own and its parent's (is it
    # a source root?), and each target's (which of its children are roots?).
    sampled: set[Path] = {target for target in project.targets if target.is_dir()}
    for package in project.packages:
        folders.update(_folders(str(package.directory), None))
        folders.add(str(package.directory.parent))
        sampled.update((package.directory, package.directory.parent))
    files: list[list[object]] = []
    for root in sorted(sampled):
        for path in sampled_sources(root):
            try:
                status = path.stat()
            except OSError:
                continue
            if not settled(status):
                return None
            files.append([str(path), status.st_mtime_ns, status.st_size, _heads_key(path)])
    stamps: list[list[object]] = []
    for folder in sorted(folders):
        try:
            status = os.stat(folder)
        except OSError:
            continue
        if not settled(status):
            return None
        stamps.append([folder, status.st_mtime_ns])
    return stamps, files


def write_discovery(file: Path, project: Project, layers: LayerMap, read: Iterable[Path]) -> None:
    """Keep ``project`` and its ``layers`` in ``file``, with the stamps of the files
    detection ``read``; a folder that cannot be written costs speed only."""
    stamped = _stamps(project)
    if stamped is None:
        return  # changed within the file system's time tick: keep nothing yet
    folders, files = stamped
    for path in sorted(set(read)):
        try:
            status = path.stat()
        except OSError:
            return  # gone while detection read it: keep nothing
        if not settled(status):
            return
        files.append([str(path), status.st_mtime_ns, status.st_size])
    data = {
        "format": _FORMAT,
        "folders": folders,
        "files": files,
        "layers": {layer: list(globs) for layer, globs in layers.patterns.items()},
        "outside": list(layers.outside),
        "unchained": {module: sorted(names) for module, names in layers.unchained.items()},
        "targets": [str(t) for t in project.targets],
        "packages": [
            {
                "name": p.name,
                "directory": str(p.directory),
                "prefix": p.prefix,
                "namespaces": list(p.namespace_packages),
                "unread": [str(u) for u in p.unread],
                # Paths relative to the package folder, "/"-separated: a third of the bytes.
                "files": [[f.module, _below(f.path, p.directory), f.is_package] for f in p.files],
            }
            for p in project.packages
        ],
    }
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        scratch = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        scratch.write_text(json.dumps(data, separators=(",", ":")))
        os.replace(scratch, file)
    except OSError:
        pass


def _below(path: Path, directory: Path) -> str:
    """``path`` relative to ``directory`` (which holds it), "/"-separated: what
    ``relative_to(...).as_posix()`` gives, at a tenth of its cost for a large package."""
    return str(path)[len(str(directory).rstrip(os.sep)) + 1 :].replace(os.sep, "/")


def _text(value: object) -> str:
    if type(value) is not str:
        raise ValueError("not a string")
    return value


def _integer(value: object) -> int:
    if type(value) is not int:
        raise ValueError("not an integer")
    return value


def _list(value: object) -> list[object]:
    if type(value) is not list:
        raise ValueError("not a list")
    return value


def _unchanged(data: dict[str, object]) -> bool:
    for entry in _list(data["folders"]):
        path, mtime = _list(entry)
        try:
            if os.stat(_text(path)).st_mtime_ns != _integer(mtime):
                return False
        except OSError:
            return False
    for entry in _list(data["files"]):
        path, mtime, size, *heads = _list(entry)
        try:
            status = os.stat(_text(path))
        except OSError:
            return False
        # A file sampled to tell a source root counts by its imports' first names alone:
        # an edit to its code leaves the discovery as it was.
        if (status.st_mtime_ns, status.st_size) != (_integer(mtime), _integer(size)) and (
            heads != [_heads_key(Path(_text(path)))]
        ):
            return False
    return True


def _heads_key(path: Path) -> str:
    heads = import_heads(path)
    return "-" if heads is None else digest(*heads)


class KeptFiles(Sequence[SourceFile]):
    """A package's files as the kept discovery lists them, each made a ``SourceFile`` (with
    its ``Path``, a few µs) when first read: an editor's flake8 run reads a handful of a
    project's thousands of files (``get``), a whole run reads them all."""

    def __init__(self, directory: Path, entries: dict[str, tuple[str, bool]]) -> None:
        self._directory = directory
        self._entries = entries  # module -> (its path below the directory, is_package)
        self._made: dict[str, SourceFile] = {}
        self._all: tuple[SourceFile, ...] | None = None

    def get(self, module: str) -> SourceFile | None:
        # A whole run asks for each file many times: the made one is found first.
        try:
            return self._made[module]
        except KeyError:
            pass
        entry = self._entries.get(module)
        if entry is None:
            return None
        made = self._made[module] = SourceFile(module, self._directory / entry[0], entry[1])
        return made

    def modules(self) -> Collection[str]:
        return self._entries.keys()

    def __contains__(self, value: object) -> bool:
        return isinstance(value, SourceFile) and self.get(value.module) == value

    def __iter__(self) -> Iterator[SourceFile]:
        for module in self._entries:
            found = self.get(module)
            assert found is not None
            yield found

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> SourceFile: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[SourceFile, ...]: ...
    def __getitem__(self, index: int | slice) -> SourceFile | tuple[SourceFile, ...]:
        if self._all is None:  # made once: indexing in a loop stays linear
            self._all = tuple(self)
        return self._all[index]

    # Equal to the tuple of the same files (a package discovered afresh holds one).
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))


class KeptSources(Mapping[str, SourceFile]):
    """The files of a kept project by module, as ``Run.files`` holds them (see
    ``KeptFiles``): a module is looked up in its package's files, never in a table of all."""

    def __init__(self, packages: Sequence[KeptFiles]) -> None:
        self._packages = packages

    def __getitem__(self, module: str) -> SourceFile:
        for files in self._packages:
            found = files.get(module)
            if found is not None:
                return found
        raise KeyError(module)

    # Mapping's own ``get`` raises and catches a KeyError per miss (every namespace package).
    def get(self, module: str, default: SourceFile | None = None) -> SourceFile | None:  # type: ignore[override]
        for files in self._packages:
            found = files.get(module)
            if found is not None:
                return found
        return default

    def __contains__(self, module: object) -> bool:
        return any(module in files.modules() for files in self._packages)

    def __iter__(self) -> Iterator[str]:
        for files in self._packages:
            yield from files.modules()

    def __len__(self) -> int:
        return sum(len(files) for files in self._packages)


def _package(data: object) -> tuple[Package, KeptFiles]:
    if type(data) is not dict:
        raise ValueError("not an object")
    directory = Path(_text(data["directory"]))
    entries = {}
    for entry in _list(data["files"]):
        module, relative, is_package = _list(entry)
        if type(is_package) is not bool:
            raise ValueError("not a boolean")
        entries[_text(module)] = (_text(relative), is_package)
    files = KeptFiles(directory, entries)
    package = Package(
        name=_text(data["name"]),
        directory=directory,
        files=files,
        namespace_packages=tuple(_text(n) for n in _list(data["namespaces"])),
        prefix=_text(data["prefix"]),
        unread=tuple(Path(_text(u)) for u in _list(data["unread"])),
    )
    return package, files


def _layers(data: object, outside: object, unchained: object) -> LayerMap:
    if type(data) is not dict or set(data) != set(LAYERS) or type(unchained) is not dict:
        raise ValueError("not the layers")
    return LayerMap(
        {layer: tuple(_text(g) for g in _list(globs)) for layer, globs in data.items()},
        [_text(node) for node in _list(outside)],
        {_text(m): [_text(n) for n in _list(names)] for m, names in unchained.items()},
    )


def read_discovery(
    file: Path, targets: tuple[Path, ...], config: Config
) -> tuple[Project, LayerMap, KeptSources] | None:
    """The project, layers and files by module kept in ``file`` for ``targets``, or None
    when there are none, they do not decode, or a folder (or a file read) they depend on
    has changed since."""
    try:
        data = json.loads(file.read_bytes())
        if type(data) is not dict or data.get("format") != _FORMAT:
            return None
        if [_text(t) for t in _list(data["targets"])] != [str(t) for t in targets]:
            return None
        if not _unchanged(data):
            return None
        kept = [_package(p) for p in _list(data["packages"])]
        layers = _layers(data["layers"], data["outside"], data["unchained"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    if not kept:
        return None
    packages = tuple(package for package, _ in kept)
    files = KeptSources([files for _, files in kept])
    return Project(packages=packages, targets=targets, config=config), layers, files
