"""Findings: the value objects every rule produces and every reporter consumes."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Finding", "Location"]


class Location(NamedTuple):
    """A place in a file; ``path`` is relative to the working directory, posix-style."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None


@functools.total_ordering
@dataclass(frozen=True)
class Finding:
    """One violation. Sorting orders by path, line, column, code, message, then where it
    ends (a finding with no end first).

    ``module`` is the module the finding is in (the importing module, ARC003's link, the
    file's module for the syntax rules); ``imported`` and the layers are set by the import
    rules, ``chain`` by ARC003, ``scope`` (the enclosing function or class) by the syntax
    rules. An import statement that brings in several offending modules is one finding:
    ``imported`` (and ``imported_layer``) is the first of them, ``also_imported`` the others,
    in order. These fields feed the machine-readable reports and the baseline fingerprints
    and never change the sort order.
    """

    location: Location
    code: str
    message: str
    module: str | None = field(default=None, compare=False)
    imported: str | None = field(default=None, compare=False)
    importer_layer: str | None = field(default=None, compare=False)
    imported_layer: str | None = field(default=None, compare=False)
    chain: tuple[str, ...] = field(default=(), compare=False)
    scope: str | None = field(default=None, compare=False)
    also_imported: tuple[str, ...] = field(default=(), compare=False)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self._order() < other._order()

    def _order(self) -> tuple[str, int, int, str, str, int, int]:
        # Not the fields in turn: a location's end may be None (an import's), and None
        # does not compare with a line number.
        at = self.location
        return (
            at.path,
            at.line,
            at.column,
            self.code,
            self.message,
            -1 if at.end_line is None else at.end_line,
            -1 if at.end_column is None else at.end_column,
        )

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column
