"""Project discovery: which root packages to analyse, and the files <-> modules map.

Nothing here imports the analysed code or puts it on ``sys.path``: packages are found on
disk, and module names come from file paths, the way grimp names them.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
from collections import deque
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import NamedTuple

from archcheck.config import Config
from archcheck.errors import ProjectError, UsageError
from archcheck.reading import UnreadableFile, read_regular

__all__ = [
    "NOT_APP_DIRS",
    "Package",
    "Project",
    "SourceFile",
    "discover",
    "package_root_of",
    "sampled_sources",
]

# Directory names that make a directory without ``__init__.py`` look like the top of a
# (PEP 420 namespace) package rather than a folder that holds packages, such as ``src/``.
_LAYER_DIR_NAMES = frozenset(
    {
        "api",
        "routers",
        "routes",
        "endpoints",
        "services",
        "repositories",
        "repos",
        "crud",
        "models",
        "schemas",
    }
)
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
# Trees that are not part of the app: found beside its packages they are not roots, and
# inside a package they are read but put in no layer (see ``detection``).
NOT_APP_DIRS = frozenset({"tests", "test", "e2e", "alembic", "migrations", "docs", "scripts"})


class SourceFile(NamedTuple):
    module: str
    path: Path  # absolute
    is_package: bool = False


class Package(NamedTuple):
    """A root package: its importable name and the directory that holds it."""

    name: str
    directory: Path  # absolute
    # A tuple, or the same files made when first read (a kept discovery's ``KeptFiles``).
    files: Sequence[SourceFile] = ()
    namespace_packages: tuple[str, ...] = ()
    # What layer globs hang from: the package's own name, or "" for the packages of a
    # source root (code that imports ``services.x`` with the folder itself on sys.path).
    prefix: str = ""
    # Folders and files holding Python that cannot be modules (``my-tools/``, ``0001-x.py``).
    unread: tuple[Path, ...] = ()


class Project(NamedTuple):
    packages: tuple[Package, ...]
    targets: tuple[Path, ...]  # what the user asked for; findings outside are not reported
    config: Config

    @property
    def files(self) -> tuple[SourceFile, ...]:
        return tuple(f for package in self.packages for f in package.files)

    def is_target(self, path: Path) -> bool:
        text = str(path)
        return any(
            text == target or text.startswith(target.rstrip(os.sep) + os.sep)
            for target in map(str, self.targets)
        )


def _is_package_dir(path: Path) -> bool:
    return os.path.isfile(path / "__init__.py")  # False, not an error, where it cannot look


def _entries(path: Path) -> list[os.DirEntry]:
    try:
        return sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError:
        return []


def _identifier_dirs(path: Path) -> list[Path]:
    return [
        path / entry.name
        for entry in _entries(path)
        if entry.name.isidentifier() and entry.name not in _SKIPPED_DIRS and _is_dir(entry)
    ]


def _member_dirs(path: Path) -> list[Path]:
    """The folders of ``path`` named like no module that hold a project of their own: a
    workspace's members (``packages/app-ee/``, named for the distribution, its import
    package below it)."""
    return [
        path / entry.name
        for entry in _entries(path)
        if not entry.name.isidentifier()
        and not entry.name.startswith(".")
        and entry.name.isprintable()
        and _encodable(entry.name)
        and _is_dir(entry)
        and any(os.path.lexists(path / entry.name / name) for name in _BUILD_CONFIGS)
    ]


def _encodable(name: str) -> bool:
    # A name the file system gave in bytes no encoding reads (``m\udcff-x``): no import
    # package sits below it that grimp could read.
    try:
        name.encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


# Files that mark the top of a project (its build config, its git checkout, pytest's root):
# a folder holding one is where the packages sit, never a package itself (but for pytest's
# root, where the code imports through the folder's name: ``_looks_like_namespace_package``).
_BUILD_CONFIGS = ("pyproject.toml", "setup.py", "setup.cfg")


def _marks_project(path: Path) -> bool:
    return _builds(path) or os.path.lexists(path / "conftest.py")


def _builds(path: Path) -> bool:
    """Whether a folder holds a build config or a checkout: a project's top, whatever its
    code imports. pytest's ``conftest.py`` may sit in a namespace package too
    (``papermerge/conftest.py`` beside ``papermerge/core/``): there the imports decide."""
    return any(os.path.lexists(path / name) for name in (*_BUILD_CONFIGS, ".git"))


def _looks_like_namespace_package(path: Path) -> bool:
    """Whether a folder without ``__init__.py`` is itself the top of a package.

    A stray ``main.py`` in a repository named like an identifier (``backend/``) must not
    make it one: modules would become ``backend.app...`` and every ``app.*`` import would
    stop resolving. So a folder that marks a project's top is never one, and one whose code
    imports its sub-packages by their own names (``from app.x import y``) rather than
    through the folder's name is where packages sit.
    """
    if not path.name.isidentifier() or _builds(path):
        return False
    # pytest's root: the top of a project, unless the code imports through the folder.
    pytest_root = _marks_project(path)
    try:
        has_modules = any(
            entry.name.endswith(".py") and entry.is_file() for entry in os.scandir(path)
        )
    except OSError:
        return False
    children = _identifier_dirs(path)
    # A child holding a project of its own (``api/api/pyproject.toml``) is a workspace
    # member beside the others, not a sub-package named for a layer.
    if not has_modules and not any(
        child.name in _LAYER_DIR_NAMES and not _marks_project(child) for child in children
    ):
        return False
    packages = {child.name for child in children if _is_package_dir(child)}
    if not packages:
        return not pytest_root
    if path.name in packages:
        # A checkout named like the package it holds (``shop/shop/``): ``from shop.x`` is
        # the inner package's, and the folder is where it sits.
        return False
    own, siblings = _import_counts(path.name, _sampled_heads(path), packages)
    return own >= siblings and (own > 0 or not pytest_root)


def _top_package(path: Path) -> Path:
    while _is_package_dir(path.parent) and path.parent != path:
        path = path.parent
    return path


def _roots_under(directory: Path, depth: int = 0, member: bool = False) -> list[Path]:
    """Root packages in a folder that is not itself a package (``src/``, a repo root)."""
    roots: list[Path] = []
    imported: dict[str, set[str]] | None = None
    for child in _identifier_dirs(directory) + _member_dirs(directory):
        if child.name in NOT_APP_DIRS:
            continue
        if not child.name.isidentifier():  # a workspace member: its packages are below
            if depth < 2:
                roots.extend(_roots_under(child, depth + 1, member=True))
            continue
        if _is_package_dir(child) or _looks_like_namespace_package(child):
            roots.append(child)
            continue
        if imported is None:
            imported = _imported_pairs(directory)
        if not _builds(child) and any(
            (child / name).exists() or (child / f"{name}.py").exists()
            for name in imported.get(child.name, ())
        ):
            # A namespace package the code imports by its name, and its sub-package's
            # (``module_admin.service``), however its own folder looks: its sub-folders are
            # not roots of their own. (``backend/app/`` holding the ``app`` package that
            # ``app.api`` means is not it: it holds no ``api``.)
            roots.append(child)
        elif depth < 2 or (member and child.name == "src"):  # a member's ``src/`` too
            # A folder with its own build config is a member, named like a module or not
            # (``plugins/auth/pyproject.toml`` over ``src/fps_auth/``).
            roots.extend(_roots_under(child, depth + 1, member=_marks_project(child)))
    return roots


def _roots_for(target: Path) -> list[Path]:
    if target.is_file():
        if target.suffix != ".py":
            raise UsageError(f"{target}: not a Python file")
        if not _is_package_dir(target.parent):
            raise ProjectError(f"{target}: not inside a Python package")
        return [_top_package(target.parent)]
    if _is_package_dir(target):
        return [_top_package(target)]
    if _looks_like_namespace_package(target):
        return [target]
    return _roots_under(target)


# The first two names of an import (``from a.b.c import d`` -> ``a.b``).
_IMPORT = re.compile(
    rb"^[ \t]*(?:from|import)[ \t]+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)",
    re.MULTILINE,
)
_SAMPLE = 200
_SAMPLE_BYTES = 256 * 1024  # files larger than this are not sampled


def _source_root_children(directory: Path) -> list[Path] | None:
    """The child packages of ``directory`` when its code imports them by their own top-level
    names (``from services.user_service import ...``, run with the folder on sys.path, as
    the layered-architecture articles write it), else None."""
    # A child without ``__init__.py`` that the code imports by its name counts wherever its
    # code sits below it: ``api/v1/`` imported as ``api.v1`` is a namespace package however
    # its own folder looks (a ``venv/`` or ``build/``, never imported, is not).
    heads = _sampled_heads(directory)
    imported = set(heads)
    children = [
        child
        for child in _identifier_dirs(directory)
        if child.name not in NOT_APP_DIRS
        and (
            _is_package_dir(child)
            or _looks_like_namespace_package(child)
            or (child.name in imported and _holds_python(child))
        )
    ]
    names = {child.name for child in children}
    own, siblings = _import_counts(directory.name, heads, names)
    if not names & _LAYER_DIR_NAMES:
        # A folder whose ``__init__.py`` nothing imports through (OpenHands' ``enterprise/``,
        # run with the folder on sys.path): its code imports its sub-packages by their
        # own names alone, and into them (``storage.database``: ``import stripe`` of a
        # package that also holds a ``stripe/`` is the SDK's).
        if not _is_package_dir(directory) or own != 0:
            return None
        heads = _sampled_heads(directory, whole=True) + _from_imports(directory)
        inside = sum(1 for head in heads if _inside(directory, head))
        return children if inside >= 2 else None
    return children if siblings > own else None


# ``from storage import user_repository``: the package and the first name it gives.
_FROM_NAME = re.compile(
    rb"^[ \t]*from[ \t]+([A-Za-z_]\w*)[ \t]+import[ \t]+\(?\s*([A-Za-z_]\w*)", re.MULTILINE
)


def _from_imports(directory: Path) -> list[str]:
    """``pkg.name`` of each ``from pkg import name`` in the sample under ``directory``."""
    found = []
    for path in sampled_sources(directory):
        try:
            data = read_regular(path, _SAMPLE_BYTES)
        except UnreadableFile:
            continue
        found += [f"{pkg.decode()}.{name.decode()}" for pkg, name in _FROM_NAME.findall(data)]
    return found


def _inside(directory: Path, head: str) -> bool:
    """Whether the import ``head`` (``storage.database``) names a module of ``directory``'s
    sub-package, one level down."""
    package, _, name = head.partition(".")
    return bool(name) and (
        (directory / package / f"{name}.py").is_file() or (directory / package / name).is_dir()
    )


def sampled_sources(directory: Path) -> Iterator[Path]:
    """The files under ``directory`` whose imports tell whether it is a source root: what
    discovery reads there (and a kept discovery is stamped with)."""
    return itertools.islice(_python_files(directory), _SAMPLE)


def _python_files(directory: Path) -> Iterator[Path]:
    """The ``.py`` files below ``directory``: its own, then one from each sub-folder in
    turn, so every sub-folder is in the sample before any fills it (a ``cli/`` of 300
    files listed first must not be all the sample says). By name, the same sample on every
    file system; a folder is listed only when the sample reaches it. Dot, bytecode and
    vendored folders are not the app."""
    walks: deque[Iterator[Path]] = deque()
    for entry in _entries(directory):
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _SKIPPED_DIRS:
                    walks.append(_python_files(directory / entry.name))
            elif entry.name.endswith(".py") and entry.is_file():
                yield directory / entry.name
        except OSError:
            continue
    while walks:
        walk = walks.popleft()
        for path in walk:
            yield path
            walks.append(walk)
            break


def _imported_pairs(directory: Path) -> dict[str, set[str]]:
    """The first two names of the imports in a sample of the application's files under
    ``directory`` (tests, scripts and migrations left out: they may import the app from
    anywhere): ``from a.b.c import d`` -> ``{"a": {"b"}}``."""
    pairs: dict[str, set[str]] = {}
    for path in _app_sample(directory):
        for head in import_heads(path) or ():
            first, _, second = head.partition(".")
            if second:
                pairs.setdefault(first, set()).add(second)
    return pairs


def _app_sample(directory: Path) -> Iterator[Path]:
    """The sampled files under ``directory`` outside its test, script and migration trees."""
    for path in sampled_sources(directory):
        if not NOT_APP_DIRS.intersection(path.relative_to(directory).parts[:-1]):
            yield path


def import_heads(path: Path) -> tuple[str, ...] | None:
    """The first two names of a sampled file's imports (``a.b``, or ``a``), in order: all
    that discovery reads of it (None when it is not read: unreadable, or too large to
    sample)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return _heads(path, status.st_mtime_ns, status.st_size, status.st_ino)


@functools.lru_cache(maxsize=4096)
def _heads(path: Path, _mtime: int, _size: int, _inode: int) -> tuple[str, ...] | None:
    # Keyed by the file's stamp: discovery samples a file, then the kept discovery is
    # stamped with what it read; the second ask costs a ``stat``, not a read.
    try:
        data = read_regular(path, _SAMPLE_BYTES)
    except UnreadableFile:
        return None
    return tuple(match.group(1).decode() for match in _IMPORT.finditer(data))


def _sampled_heads(directory: Path, whole: bool = False) -> list[str]:
    """The first name of every import in a sample of the files under ``directory`` (with
    ``whole``, its first two: ``a.b``). An import of the folder's own name from a file
    below a folder of that name is that folder's (morphik's bundled ``sdks/python/morphik``
    importing ``morphik.models`` says nothing of the checkout named ``morphik``)."""
    found = []
    for path in sampled_sources(directory):
        inner = directory.name in path.relative_to(directory).parts[:-1]
        for head in import_heads(path) or ():
            first = head.partition(".")[0]
            if not (inner and first == directory.name):
                found.append(head if whole else first)
    return found


def _import_counts(own_name: str, heads: list[str], names: set[str]) -> tuple[int, int]:
    """How many of ``heads`` are the folder's own name, and how many one of ``names`` (its
    sub-packages)."""
    own = sum(1 for head in heads if head == own_name)
    return own, sum(1 for head in heads if head != own_name and head in names)


def _excluded(path: Path, config: Config) -> bool:
    if not config.exclude:
        return False
    base = config.directory or Path.cwd()
    try:
        relative = path.relative_to(base).as_posix()
    except ValueError:
        relative = path.as_posix()
    parts = relative.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatchcase(candidate, glob.rstrip("/"))
        for glob in config.exclude
        for candidate in candidates
    )


def _walk(name: str, directory: Path, config: Config) -> Package:
    """Every ``.py`` file under ``directory``: a folder without ``__init__.py`` is a
    namespace sub-package wherever it sits (Python imports it, so archcheck reads it, and
    hands grimp the same modules through its own finder). What cannot be a module (a folder
    or file whose name is no identifier) is recorded as unread."""
    files: list[SourceFile] = []
    namespaces: list[str] = []
    unread: list[Path] = []
    stack: list[tuple[Path, str]] = [(directory, name)]
    visited: set[tuple[int, int]] = set()  # a symlink back up the tree is walked once
    while stack:
        folder, module = stack.pop()
        if _excluded(folder, config):
            continue
        try:
            status = folder.stat()
        except OSError:
            continue
        if (status.st_dev, status.st_ino) in visited:
            continue
        visited.add((status.st_dev, status.st_ino))
        has_init = _is_package_dir(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:  # a folder that cannot be listed is named, never skipped in silence
            unread.append(folder)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:  # a dangling or looping link
                continue
            if is_dir:
                if entry.name in _SKIPPED_DIRS:
                    continue
                if entry.name.isidentifier():
                    stack.append((folder / entry.name, f"{module}.{entry.name}"))
                elif _holds_python(folder / entry.name) and not _excluded(
                    folder / entry.name, config
                ):
                    unread.append(folder / entry.name)
            elif entry.name.endswith(".py"):
                path = folder / entry.name
                if _excluded(path, config):
                    continue
                try:
                    regular = entry.is_file()
                except OSError:
                    regular = False
                if not regular:  # a FIFO, a device, a dangling link: never read
                    unread.append(path)
                elif entry.name == "__init__.py":
                    files.append(SourceFile(module, path, is_package=True))
                elif entry.name[:-3].isidentifier():
                    files.append(SourceFile(f"{module}.{entry.name[:-3]}", path))
                else:
                    unread.append(path)
        if not has_init:
            namespaces.append(module)
    return Package(
        name=name,
        directory=directory,
        files=tuple(sorted(files)),
        namespace_packages=tuple(sorted(namespaces)),
        unread=tuple(sorted(unread)),
    )


def _holds_python(folder: Path) -> bool:
    """Whether a ``.py`` file sits anywhere below ``folder`` (links not followed)."""
    for _dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIPPED_DIRS]
        if any(f.endswith(".py") for f in filenames):
            return True
    return False


def _namespaces_with_code(package: Package) -> tuple[str, ...]:
    # A namespace folder counts only when Python files sit somewhere below it: it is then
    # the parent, or an ancestor, of some module.
    ancestors = set()
    for source in package.files:
        name = source.module
        while "." in name:
            name = name.rpartition(".")[0]
            if name in ancestors:
                break
            ancestors.add(name)
    modules = {f.module for f in package.files}
    return tuple(ns for ns in package.namespace_packages if ns in ancestors or ns in modules)


def discover(paths: Sequence[Path], config: Config) -> Project:
    """Resolve command-line paths (and ``root`` from config) into root packages."""
    targets = []
    for raw in paths:
        if not raw.exists():
            raise UsageError(f"{raw}: no such file or directory")
        targets.append(raw.resolve())
    roots: list[Path] = []
    if config.root:
        base = config.directory or Path.cwd()
        for entry in config.root:
            root = (base / entry).resolve()
            if not root.is_dir():
                raise ProjectError(f"{config.source}: root {entry!r} is not a directory")
            roots.append(root)
    else:
        for target in targets:
            roots.extend(_roots_for(target))
    expanded: dict[Path, str] = {}
    for root in roots:
        children = _source_root_children(root)
        if children is None:
            expanded.setdefault(root, root.name)
        else:
            expanded.update((child, "") for child in children)
    if not expanded:
        shown = ", ".join(str(p) for p in paths)
        raise ProjectError(f"{shown}: no Python package found")
    # Found, not configured: of folders that would all be ``app`` (a second service's, a
    # vendored tool's), the one nearest the top is read and the others named in a warning.
    by_name: dict[str, list[Path]] = {}
    for root in expanded:
        by_name.setdefault(root.name, []).append(root)
    clashing = []
    for name, same in sorted(by_name.items()):
        if len(same) > 1:
            if config.root or any(root in targets for root in same):  # named: the user's
                one, other = sorted(same)[:2]
                raise ProjectError(f"two root packages named {name!r}: {one} and {other}")
            clashing += sorted(same, key=lambda root: (len(root.parts), root))[1:]
    packages = []
    for root, prefix in sorted(expanded.items()):
        if root in clashing:
            continue
        package = _walk(root.name, root, config)
        if package.files:
            packages.append(
                Package(
                    package.name,
                    package.directory,
                    package.files,
                    _namespaces_with_code(package),
                    prefix,
                    package.unread,
                )
            )
    if not packages:
        shown = ", ".join(str(p) for p in paths)
        raise ProjectError(f"{shown}: no Python modules found")
    beside = _modules_beside(packages, targets, config)
    missed = [] if config.root else _packages_missed(packages, targets, config, clashing)
    if clashing or beside or missed:
        first = packages[0]
        packages[0] = first._replace(unread=(*first.unread, *clashing, *beside, *missed))
    if config.root:
        _check_targets_in_roots(paths, targets, packages)
    return Project(packages=tuple(packages), targets=tuple(targets), config=config)


def _modules_beside(
    packages: Sequence[Package], targets: Sequence[Path], config: Config
) -> list[Path]:
    """The modules beside the root packages, in a folder the user asked for, that import
    one of them (``backend/main.py`` building the app of ``backend/app/``) or that the code
    there imports by name (``models.py`` beside a source root's ``routers/``): app code that
    archcheck, which reads packages, does not read, and says so. Tests and build scripts
    are not the app."""
    found = []
    names = {p.name for p in packages}
    for folder in sorted({p.directory.parent for p in packages}):
        if not any(folder == t or t in folder.parents for t in targets if t.is_dir()):
            continue
        # Where the packages' own code imports the folder's modules by their top-level names
        # (``from models import User`` beside ``routers/``), those modules are the app's too;
        # what ``setup.py`` or the tests import is not.
        imported = {
            head.partition(".")[0]
            for path in _app_sample(folder)
            if not _is_not_app_file(path.name)
            for head in import_heads(path) or ()
        }
        for entry in _entries(folder):
            name = entry.name
            if not name.endswith(".py") or not name[:-3].isidentifier() or _is_not_app_file(name):
                continue
            path = folder / name
            if _excluded(path, config) or not _is_regular(entry):
                continue
            heads = import_heads(path) or ()
            if name[:-3] in imported or any(head.partition(".")[0] in names for head in heads):
                found.append(path)
    return found


# Folders no app code sits in: virtual environments, installed and built copies, caches,
# and the examples and benchmarks beside an app.
_NOT_SEARCHED = frozenset(
    {
        "node_modules", "site-packages", "venv", "env", "build", "dist", "__pycache__",
        "examples", "example", "samples", "sample", "benchmarks",
    }
)  # fmt: skip


def _packages_missed(
    packages: Sequence[Package], targets: Sequence[Path], config: Config, read: Sequence[Path]
) -> list[Path]:
    """The packages under the folders the user asked for that discovery did not reach (a
    workspace's members nested deeper than it searches, a package inside a folder it took
    for something else), so that nothing is left unread in silence: the top of each, or of
    a folder holding more than three. ``read``: folders already named otherwise (a second
    root of a name). Test, docs, migration, script and example trees, environments
    (``lib/python3.11``, ``__pypackages__``, a ``pyvenv.cfg``), hidden folders and symbolic
    links are not the app, nor is anything deeper than a few folders."""
    done = {p.directory for p in packages} | set(read)
    tops = {parent for directory in done for parent in directory.parents}  # hold a read one
    found: dict[Path, list[Path]] = {}
    for target in targets:
        if not target.is_dir() or target in done or done & set(target.parents):
            continue
        stack = [(target, 0)]
        while stack:
            folder, depth = stack.pop()
            for entry in _entries(folder):
                name = entry.name
                if (
                    name.startswith((".", "__pypackages__"))
                    or name in NOT_APP_DIRS
                    or name in _NOT_SEARCHED
                    or name.startswith("python3")
                ):
                    continue
                child = folder / name
                try:
                    if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                        continue
                except OSError:
                    continue
                if child in done or _excluded(child, config) or _not_app_tree(child):
                    continue
                if child in tops or not _is_package_dir(child):
                    if depth < _MISSED_DEPTH:
                        stack.append((child, depth + 1))
                elif name.isidentifier() and not name.startswith("_"):
                    top = target / child.relative_to(target).parts[0]
                    found.setdefault(top, []).append(child)
    return sorted(
        path
        for top, paths in found.items()
        for path in (paths if len(paths) <= 3 or not top.name.isidentifier() else [top])
    )


# How deep under a folder passed the missed packages are looked for.
_MISSED_DEPTH = 6


def _not_app_tree(folder: Path) -> bool:
    """A virtual environment, or a test tree (``conftest.py``) named otherwise."""
    return any(
        os.path.lexists(folder / name) for name in ("pyvenv.cfg", "conda-meta", "conftest.py")
    )


# Build and task-runner scripts beside the packages import them for a version or a session,
# and a source root's ``__init__.py`` marks a folder: none is the app's code.
_NOT_APP_FILES = frozenset(
    {
        "__init__.py",
        "conftest.py",
        "setup.py",
        "noxfile.py",
        "fabfile.py",
        "dodo.py",
        "hatch_build.py",
    }
)


def _is_not_app_file(name: str) -> bool:
    return name in _NOT_APP_FILES or name.startswith("test_") or name.endswith("_test.py")


def _is_regular(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _check_targets_in_roots(
    paths: Sequence[Path], targets: Sequence[Path], packages: Sequence[Package]
) -> None:
    """A PATH must hold code of the configured roots: one outside them, or a file that is
    not Python, would otherwise pass with nothing checked."""
    directories = [p.directory for p in packages]
    for raw, target in zip(paths, targets, strict=True):
        if target.is_file() and target.suffix != ".py":
            raise UsageError(f"{raw}: not a Python file")
        inside = any(target == d or d in target.parents for d in directories)
        holds = any(target in d.parents for d in directories)
        if not (inside or holds):
            roots = ", ".join(sorted(p.name for p in packages))
            raise UsageError(
                f"{raw}: outside the analysed roots ({roots}, from `root` in the config)"
            )


def package_root_of(path: Path) -> Path | None:
    """The top package folder holding the file ``path`` (``__init__.py`` all the way up),
    or None when its folder is not a package."""
    if not _is_package_dir(path.parent):
        return None
    return _top_package(path.parent)
