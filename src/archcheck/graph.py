"""The import graph: the one module that talks to grimp.

grimp finds packages through ``importlib.util.find_spec``, which needs the package's parent
on ``sys.path`` and can be fooled by an installed distribution of the same name. archcheck
already knows where every package and file is, so it hands grimp its own package and module
finders (grimp's documented ports) for the length of one build: nothing is imported, nothing
is put on ``sys.path``, and files that cannot be read are left out instead of stopping the
whole build.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grimp
from grimp.application.config import settings as grimp_settings
from grimp.application.ports.modulefinder import AbstractModuleFinder, FoundPackage, ModuleFile
from grimp.application.ports.packagefinder import AbstractPackageFinder
from grimp.exceptions import SourceSyntaxError

from archcheck.project import Package

__all__ = ["GraphBuildError", "ImportDetail", "ProjectGraph", "build_graph"]


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
                m for m in self._graph.find_modules_directly_imported_by(module) if m in self.modules
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

    def determine_package_directories(self, package_name, file_system):  # noqa: ANN001
        return {self._directories[package_name]}


class _KnownModules(AbstractModuleFinder):
    def __init__(self, packages: Iterable[Package], skip: Collection[Path]) -> None:
        self._packages = {p.name: p for p in packages}
        self._skip = set(skip)

    def find_package(self, package_name, package_directory, file_system):  # noqa: ANN001
        package = self._packages[package_name]
        return FoundPackage(
            name=package.name,
            directory=str(package.directory),
            module_files=frozenset(
                ModuleFile(module=grimp.Module(f.module), mtime=f.path.stat().st_mtime)
                for f in package.files
                if f.path not in self._skip
            ),
            namespace_packages=frozenset(package.namespace_packages),
        )


@contextmanager
def _finders(packages: tuple[Package, ...], skip: Collection[Path]) -> Iterator[None]:
    saved = {"PACKAGE_FINDER": grimp_settings.PACKAGE_FINDER, "MODULE_FINDER": grimp_settings.MODULE_FINDER}
    grimp_settings.configure(
        PACKAGE_FINDER=_KnownPackages(packages), MODULE_FINDER=_KnownModules(packages, skip)
    )
    try:
        yield
    finally:
        grimp_settings.configure(**saved)


# grimp names the file it could not decode or read only in its message.
_UNREADABLE = re.compile(r"Failed to (?:decode|read) file (?P<path>.+?)(?: as |: )")


def build_graph(
    packages: tuple[Package, ...],
    *,
    cache_dir: Path | None,
    exclude_type_checking_imports: bool,
    skip: Collection[Path] = (),
) -> ProjectGraph:
    """Build the graph of ``packages``, leaving out the files in ``skip``."""
    names = [p.name for p in packages]
    try:
        with _finders(packages, skip):
            graph = grimp.build_graph(
                *names,
                cache_dir=None if cache_dir is None else str(cache_dir),
                exclude_type_checking_imports=exclude_type_checking_imports,
            )
    except SourceSyntaxError as error:
        raise GraphBuildError(Path(error.filename), error.lineno or 1, str(error)) from None
    except (UnicodeError, OSError) as error:
        match = _UNREADABLE.search(str(error))
        raise GraphBuildError(Path(match["path"]) if match else None, 1, str(error)) from None
    return ProjectGraph(graph)
