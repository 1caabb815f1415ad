"""Configuration: ``[tool.archcheck]`` in ``pyproject.toml`` (or ``archcheck.toml``), validated.

Every key is checked for type and value, and an error names the file and the key. Codes
(``select``, ``ignore``, ``per-file-ignores``) must be lists of code-shaped strings here;
whether a rule has the code is the engine's to check, which knows the rule registry.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archcheck.errors import ConfigError
from archcheck.layers import LAYERS, LAYOUTS

__all__ = ["Config", "find_config", "load_config"]

CONFIG_FILES = ("archcheck.toml", "pyproject.toml")
# A rule code or a prefix of codes: ARC001, ARC1, ARC.
_CODE = re.compile(r"ARC[0-9]{0,3}")
# A module name or glob of one (``app.api.*``, ``**.repositories``): dotted, no spaces.
_MODULE_GLOB = re.compile(r"[\w*?!\[\]-]+(?:\.[\w*?!\[\]-]+)*")


@dataclass(frozen=True)
class Config:
    """Validated settings. ``source`` is the file they came from, None for defaults."""

    source: Path | None = None
    root: tuple[str, ...] = ()
    layout: str = "auto"
    layers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    exclude: tuple[str, ...] = ()
    ignore_imports: tuple[tuple[str, str], ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude_type_checking_imports: bool = False
    baseline: Path | None = None  # the baseline file that the CLI and flake8 plugin apply

    @property
    def directory(self) -> Path | None:
        """Where relative paths in the file (``root``, ``exclude``) are anchored."""
        return None if self.source is None else self.source.parent


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported here: a project with no config file never needs it (an editor's flake8
    # pays for every import on every save).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(str(path), f"cannot read: {error.strerror}", file_error=True) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), f"invalid TOML: {error}", file_error=True) from None
    except (RecursionError, MemoryError):  # tomllib recurses into nested arrays and tables
        raise ConfigError(str(path), "invalid TOML: nested too deeply", file_error=True) from None


def _table_in(path: Path) -> dict[str, Any] | None:
    data = _read_toml(path)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(str(path), "`tool` must be a table ([tool.archcheck])", file_error=True)
    table = tool.get("archcheck") if path.name == "pyproject.toml" else tool.get("archcheck", data)
    if table is not None and not isinstance(table, dict):
        raise ConfigError(str(path), "must be a table")
    return table


def find_config(start: Path) -> Path | None:
    """The nearest ``archcheck.toml``, or ``pyproject.toml`` with ``[tool.archcheck]``, at or
    above ``start``."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = candidate_dir / name
            if candidate.is_file() and _table_in(candidate) is not None:
                return candidate
    return None


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(str(path), "must be a string or a list of strings", key=key)


def _codes(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        example = f'["{value}"]' if isinstance(value, str) else '["ARC001"]'
        raise ConfigError(str(path), f"must be a list of rule codes, e.g. {example}", key=key)
    for code in value:
        if not _CODE.fullmatch(code):
            raise ConfigError(
                str(path), f"{code!r} is not a rule code or prefix (ARC001, ARC1, ARC)", key=key
            )
    return tuple(value)


def _baseline(path: Path, key: str, value: Any) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(str(path), "must be the path of a baseline file", key=key)
    return path.parent / value


def _boolean(path: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(str(path), "must be true or false", key=key)
    return value


def _layers(path: Path, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(str(path), "must be a table of layer = [globs]", key="layers")
    for name in value:
        if name not in LAYERS:
            raise ConfigError(
                str(path),
                f"unknown layer {name!r}; expected one of {', '.join(LAYERS)}",
                key="layers",
            )
    return {name: _strings(path, f"layers.{name}", globs) for name, globs in value.items()}


def _ignore_imports(path: Path, value: Any) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in _strings(path, "ignore_imports", value):
        sides = [side.strip() for side in item.split("->")]
        if len(sides) != 2 or not all(_MODULE_GLOB.fullmatch(side) for side in sides):
            raise ConfigError(
                str(path),
                f"{item!r} is not of the form 'importer -> imported' (module names or globs)",
                key="ignore_imports",
            )
        pairs.append((sides[0], sides[1]))
    return tuple(pairs)


def _per_file_ignores(path: Path, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(str(path), "must be a table of 'glob' = [codes]", key="per-file-ignores")
    return {
        glob: _codes(path, f"per-file-ignores.{glob!r}", codes) for glob, codes in value.items()
    }


def _layout(path: Path, value: Any) -> str:
    if value not in LAYOUTS:
        raise ConfigError(str(path), f"must be one of {', '.join(LAYOUTS)}", key="layout")
    return value


_KEYS = {
    "root": ("root", _strings),
    "layout": ("layout", lambda path, key, value: _layout(path, value)),
    "layers": ("layers", lambda path, key, value: _layers(path, value)),
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "strict": ("strict", _boolean),
    "exclude": ("exclude", _strings),
    "ignore_imports": ("ignore_imports", lambda path, key, value: _ignore_imports(path, value)),
    "per-file-ignores": (
        "per_file_ignores",
        lambda path, key, value: _per_file_ignores(path, value),
    ),
    "exclude_type_checking_imports": ("exclude_type_checking_imports", _boolean),
    "baseline": ("baseline", _baseline),
}


def load_config(path: Path) -> Config:
    """Read and validate the archcheck table of ``path``."""
    if not path.is_file():
        raise ConfigError(str(path), "no such file", file_error=True)
    path = path.resolve()
    table = _table_in(path)
    if table is None:
        raise ConfigError(str(path), "has no [tool.archcheck] table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(
                str(path), f"unknown key; expected one of {', '.join(sorted(_KEYS))}", key=key
            )
        attribute, parse = _KEYS[key]
        values[attribute] = parse(path, key, value)
    return Config(source=path, **values)
