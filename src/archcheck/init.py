"""``archcheck init``: detect a project's layout and write it down as ``[tool.archcheck]``.

Detection is the engine's own (the same discovery, layouts and layer globs a run without
config uses), so the written config changes nothing about what archcheck finds: it makes
the layers visible and editable. Only the globs that matched a module are written. The only
module that talks to tomlkit, which edits ``pyproject.toml`` without losing its comments,
order or formatting.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from archcheck import __version__
from archcheck.cache import FileCache
from archcheck.config import Config
from archcheck.detection import Detected, Evidence, in_app
from archcheck.engine import layer_map_for
from archcheck.engine.selection import detections
from archcheck.engine.sources import Sources
from archcheck.errors import ConfigError, ProjectError, UsageError
from archcheck.index import ProjectIndex
from archcheck.layers import LAYERS, WIRING, LayerMap
from archcheck.project import Package, discover

__all__ = ["Detection", "PackageLayout", "describe", "detect", "init_project", "render_table"]

_LAYOUT_NAMES = {"layered": "layer-first", "feature": "feature-first", None: "no layers found"}
_SHOWN = 8  # module names listed per layer before "and N more"


@dataclass(frozen=True)
class PackageLayout:
    """One root package (or the packages of one source root) and what was found in it."""

    name: str  # the package, or the source root folder for top-level packages
    directory: str  # relative to the project directory, posix-style
    layout: str | None
    modules: dict[str, tuple[str, ...]]  # layer -> modules, every layer present
    unlayered: tuple[str, ...]
    globs: dict[str, tuple[str, ...]]  # layer -> the detected globs
    source_root: bool = False  # a folder whose sub-packages are imported by their own names
    evidence: tuple[Evidence, ...] = ()  # why each glob is in its layer
    left_out: tuple[str, ...] = ()  # app-less trees inside (tests, migrations), not layered


@dataclass(frozen=True)
class Detection:
    directory: Path
    packages: tuple[PackageLayout, ...]

    @property
    def layered(self) -> tuple[PackageLayout, ...]:
        return tuple(p for p in self.packages if p.globs)


def _relative(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _group(
    packages: Sequence[Package], found: Sequence[Detected], layers: LayerMap, directory: Path
) -> list[PackageLayout]:
    # Packages of one source root (prefix "") are detected together, as the engine does.
    by_prefix = {detected.prefix: detected for detected in found}
    groups: dict[str, list[Package]] = {}
    for package in packages:
        groups.setdefault(package.prefix, []).append(package)
    result = []
    for prefix, members in sorted(groups.items()):
        detected = by_prefix[prefix]
        modules = [f.module for p in members for f in p.files]
        by_layer: dict[str, list[str]] = {layer: [] for layer in LAYERS}
        unlayered: list[str] = []
        for module in sorted(modules):
            if not in_app(module, detected.left_out):
                continue
            layer = layers.layer_of(module)
            (by_layer[layer] if layer else unlayered).append(module)
        globs = {layer: g for layer, g in detected.patterns().items() if g}
        home = members[0].directory if prefix else members[0].directory.parent
        result.append(
            PackageLayout(
                name=prefix or home.name,
                directory=_relative(home, directory),
                layout=detected.layout,
                modules={layer: tuple(mods) for layer, mods in by_layer.items() if mods},
                unlayered=tuple(unlayered),
                globs=globs,
                source_root=not prefix,
                evidence=detected.evidence,
                left_out=tuple(sorted((*detected.left_out, *detected.infrastructure))),
            )
        )
    return result


def detect(directory: Path) -> Detection:
    """What archcheck finds in ``directory`` with no configuration at all."""
    directory = directory.resolve()
    project = discover([directory], Config())
    files = {f.module: f for f in project.files}
    sources = Sources(files, FileCache(None))
    index = ProjectIndex((), load=sources.symbols_for)
    found = detections(project.packages, Config(), sources.data_of, index)
    try:
        layers = layer_map_for(project.packages, Config(), found=found)
    except ProjectError:
        layers = LayerMap({})
    return Detection(directory, tuple(_group(project.packages, found, layers, directory)))


def _listed(modules: Sequence[str]) -> str:
    shown = ", ".join(modules[:_SHOWN])
    more = len(modules) - _SHOWN
    count = f"{len(modules)} module{'s' if len(modules) != 1 else ''}"
    return f"{count}: {shown}" + (f", and {more} more" if more > 0 else "")


def describe(detection: Detection) -> str:
    """What was found, per root package: its layout, then each layer with the evidence
    (which names, which code) and its modules."""
    lines = []
    width = max(len(layer) for layer in (*LAYERS, "no layer"))
    for package in detection.packages:
        kind = "source root" if package.source_root else "package"
        if not package.globs:
            layout = "no layers found"
        elif package.layout is None:
            layout = "layers found by their code, no layout by name"
        else:
            layout = _LAYOUT_NAMES[package.layout]
        lines.append(f"{package.name} ({kind} {package.directory}/): {layout}")
        for layer, modules in package.modules.items():
            lines.append(f"  {layer:<{width}}  {_listed(modules)}")
            reasons = [e for e in package.evidence if e.layer == layer]
            for item in reasons[:_SHOWN]:
                lines.append(f"  {'':<{width}}    {item.glob}: {item.reason}")
            if len(reasons) > _SHOWN:
                lines.append(f"  {'':<{width}}    and {len(reasons) - _SHOWN} more")
        if package.unlayered and package.globs:
            lines.append(f"  {'no layer':<{width}}  {_listed(package.unlayered)}")
        if package.left_out:
            shown = ", ".join(package.left_out)
            lines.append(
                f"  {'left out':<{width}}  {shown} (tests, docs, migrations, scripts,"
                " infrastructure in services: no layer)"
            )
    return "\n".join(lines) + "\n"


def _layout_value(detection: Detection) -> str:
    layouts = {p.layout for p in detection.layered if p.layout}
    return layouts.pop() if len(layouts) == 1 else "auto"


def render_table(detection: Detection) -> tomlkit.items.Table:
    """``[tool.archcheck]`` for what was found: root, layout, and the matched layer globs."""
    layered = detection.layered
    table = tomlkit.table()
    kinds = (
        " and ".join(sorted({_LAYOUT_NAMES[p.layout] for p in layered if p.layout})) or "detected"
    )
    table.add(
        tomlkit.comment(f"Written by `archcheck init` (archcheck {__version__}): a {kinds} layout.")
    )
    table.add(
        tomlkit.comment(
            "Layers are module-name globs: `*` matches within one dotted segment, `**` any"
        )
    )
    table.add(tomlkit.comment("number of segments. `archcheck rules` lists the checks."))
    table.add("root", sorted({p.directory for p in layered}))
    table.add("layout", _layout_value(detection))
    layers = tomlkit.table()
    for layer in LAYERS:
        globs: list[str] = []
        for package in layered:
            globs.extend(g for g in package.globs.get(layer, ()) if g not in globs)
        if globs:
            if layer == WIRING:
                layers.add(
                    tomlkit.comment(
                        "wiring: composition roots; they may import every layer, the routers may"
                    )
                )
                layers.add(
                    tomlkit.comment(
                        "import them. Under strict = true, deps/dependencies count as routers."
                    )
                )
            array = tomlkit.array()
            array.extend(globs)
            layers.add(layer, array)
    table.add("layers", layers)
    return table


def _section_text(table: tomlkit.items.Table) -> str:
    document = tomlkit.document()
    tool = tomlkit.table(is_super_table=True)
    tool.add("archcheck", table)
    document.add("tool", tool)
    return tomlkit.dumps(document).strip("\n") + "\n"


@dataclass(frozen=True)
class InitOutcome:
    detection: Detection
    toml: str  # the [tool.archcheck] section
    path: Path  # pyproject.toml


def init_project(directory: Path, *, force: bool = False, dry_run: bool = False) -> InitOutcome:
    """Detect ``directory``'s layout and write it into its ``pyproject.toml`` (created when
    absent; the rest of the file kept as it was). Refuses to replace an existing
    ``[tool.archcheck]`` unless ``force``; ``dry_run`` writes nothing."""
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory (archcheck init takes the project folder)")
    detection = detect(directory)
    if not detection.layered:
        names = ", ".join(p.name for p in detection.packages)
        raise ProjectError(
            f"no layers found in {names}: expected a layer-first layout (api/routers, services, "
            f"repositories) or a feature-first one (<feature>/router.py, service.py, "
            f"repository.py); write [tool.archcheck] layers by hand"
        )
    table = render_table(detection)
    toml = _section_text(table)
    path = directory / "pyproject.toml"
    if dry_run:
        return InitOutcome(detection, toml, path)
    if (directory / "archcheck.toml").is_file():
        raise UsageError(
            f"{directory / 'archcheck.toml'} already configures archcheck (it takes precedence "
            f"over pyproject.toml); edit it, or remove it and run archcheck init again"
        )
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(text)
    except OSError as error:
        raise ConfigError(str(path), f"cannot read: {error.strerror}") from None
    except (TOMLKitError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), f"invalid TOML: {error}") from None
    tool = document.get("tool")
    if tool is not None and not isinstance(tool, dict):
        raise ConfigError(str(path), "[tool] is not a table")
    if tool is not None:
        if "archcheck" in tool and not force:
            raise UsageError(
                f"{path} already has a [tool.archcheck] table; use --force to replace it, "
                f"or --dry-run to see what archcheck init would write"
            )
        # Item assignment, not add(): [tool.*] tables split around others come as a proxy.
        tool["archcheck"] = table
    else:
        if text and not text.endswith("\n\n"):
            document.add(tomlkit.nl())
        tool = tomlkit.table(is_super_table=True)
        tool.add("archcheck", table)
        document.add("tool", tool)
    try:
        path.write_text(tomlkit.dumps(document), encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot write: {error.strerror}") from None
    return InitOutcome(detection, toml, path)
