"""The benchmark trees: pinned real packages, synthetic projects, and the layer contracts
that archcheck and lint-imports both check on them.

Shared by ``prepare.py`` (which builds the trees) and ``run.py`` (which times and compares
the tools on them).  Standard library only.

Every tree lives in ``benchmarks/.trees/<name>/`` and holds one root package
``<name>/<package>/`` plus two generated configs with *the same layers*:

* ``archcheck.toml``: ``[tool.archcheck]`` with ``root`` (and ``layers`` for real trees;
  synthetic trees leave the layout to archcheck's detection);
* ``.importlinter``: a ``layers`` contract (routers > services > repositories >
  models | schemas) plus a ``forbidden`` contract that emulates the *closed* services
  layer (lint-imports has no closed layers: its issue #245): routers must not reach
  repositories, with the services -> repositories imports ignored, so a router -> repository
  chain that does not pass through services is reported (ARC001 direct, ARC003 through
  unlayered modules).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
TREES_DIR = BENCH_DIR / ".trees"
DOWNLOADS_DIR = TREES_DIR / "_downloads"
CACHE_ROOT = TREES_DIR / "_cache"
RESULTS_DIR = BENCH_DIR / "results"
MANIFEST = TREES_DIR / "manifest.json"

# archcheck's layer names, top to bottom; models and schemas are siblings at the bottom.
STACK = ("routers", "services", "repositories")
SHARED = ("models", "schemas")

# --------------------------------------------------------------------------- real trees
# Pinned releases (checked with `pip index versions` when this was written).  The layer
# mapping is a plausible reading of each code base as routers > services > repositories >
# models | schemas: it is not "their architecture", it is a realistic contract of the same
# shape with a realistic number of violations, checked identically by both tools.
# Entries are package (or module) names; a name covers its descendants, in both tools.
REAL_TREES: dict[str, dict] = {
    "django": {
        "requirement": "Django==5.2.19",
        "package": "django",
        "layers": {
            # HTTP tier
            "routers": ["django.views", "django.urls", "django.middleware", "django.shortcuts"],
            # what views call: forms and rendering
            "services": ["django.forms", "django.template", "django.templatetags"],
            # database access below the ORM models
            "repositories": ["django.db.backends", "django.db.migrations",
                             "django.db.transaction", "django.db.utils"],
            "models": ["django.db.models"],
            "schemas": ["django.core.serializers"],
        },
        "edit_file": "django/forms/forms.py",
    },
    "sqlalchemy": {
        "requirement": "SQLAlchemy==2.0.58",
        "package": "sqlalchemy",
        "layers": {
            "routers": ["sqlalchemy.ext"],
            "services": ["sqlalchemy.orm"],
            "repositories": ["sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.dialects",
                             "sqlalchemy.connectors"],
            "models": ["sqlalchemy.sql"],
            "schemas": ["sqlalchemy.event"],
        },
        "edit_file": "sqlalchemy/orm/query.py",
    },
    "fastapi": {
        "requirement": "fastapi==0.115.14",
        "package": "fastapi",
        "layers": {
            "routers": ["fastapi.applications", "fastapi.routing"],
            "services": ["fastapi.dependencies", "fastapi.openapi"],
            "repositories": ["fastapi.security", "fastapi.middleware"],
            "models": ["fastapi.params"],
            "schemas": ["fastapi.datastructures"],
        },
        "edit_file": "fastapi/routing.py",
    },
    # The newest release that installs on Python 3.11 (`pip index versions homeassistant`).
    "homeassistant": {
        "requirement": "homeassistant==2024.3.3",
        "package": "homeassistant",
        "layers": {
            "routers": ["homeassistant.components.http", "homeassistant.components.api",
                        "homeassistant.components.websocket_api"],
            "services": ["homeassistant.helpers"],
            "repositories": ["homeassistant.components.recorder"],
            "models": ["homeassistant.util"],
            "schemas": ["homeassistant.data_entry_flow"],
        },
        "edit_file": "homeassistant/helpers/entity.py",
    },
    # A real FastAPI app (feature-first, Python 3.12+ syntax in places), not on PyPI: taken
    # from a git clone at a pinned commit (see benchmarks/README.md, "Real apps").
    # Layers: every `<feature>.endpoints|service|repository` module or package found.
    "polar": {
        "git": {"repo": "https://github.com/polarsource/polar",
                "commit": "c6c3645e639ee8eeaa05aa0835cf8e39e330382f", "path": "server/polar"},
        "requirement": "polar@c6c3645e639ee8eeaa05aa0835cf8e39e330382f",
        "package": "polar",
        "layer_tails": {"routers": "endpoints", "services": "service", "repositories": "repository"},
        "layers": {"models": ["polar.models"], "schemas": ["polar.kit.schemas"]},
        "edit_file": "polar/user/service.py",
    },
}


def _tail_packages(root: Path, package: str, tail: str) -> list[str]:
    """Module names of every ``tail`` module or package below ``root/package``."""
    found = set()
    for path in (root / package).rglob(f"{tail}*"):
        # Under a folder without ``__init__.py`` (``polar/health/``) grimp, and so
        # lint-imports, knows no module: a layer naming it would be an error of the contract.
        folders = path.relative_to(root).parents
        if any(not (root / folder / "__init__.py").is_file() for folder in list(folders)[:-1]):
            continue
        if path.name == tail and (path / "__init__.py").is_file() or path.name == f"{tail}.py":
            relative = path.relative_to(root).with_suffix("") if path.suffix else path.relative_to(root)
            found.add(".".join(relative.parts))
    # A name covers its descendants: keep the outermost.
    return sorted(n for n in found if not any(n.startswith(o + ".") for o in found))

# --------------------------------------------------------------------------- synthetic trees
# name -> (layout, modules, seed)
SYNTH_TREES: dict[str, tuple[str, int, int]] = {
    "synth-layered-1k": ("layered", 1000, 1),
    "synth-layered-5k": ("layered", 5000, 5),
    "synth-layered-20k": ("layered", 20000, 20),
    "synth-feature-1k": ("feature", 1000, 101),
}
SCALE_TREES = ("synth-layered-1k", "synth-layered-5k", "synth-layered-20k")
ALL_TREES = tuple(SYNTH_TREES) + tuple(REAL_TREES)


@dataclass
class Tree:
    name: str
    kind: str                      # "synthetic" or "real"
    dir: Path                      # the tree folder (cwd of every tool run)
    package: str
    layers: dict[str, list[str]] = field(default_factory=dict)   # real trees: explicit layers
    synth: dict | None = None      # synthetic trees: synth.json
    edit_file: str | None = None   # relative to dir: the file the "edit one file" runs change

    @property
    def pkgdir(self) -> Path:
        return self.dir / self.package

    @property
    def importlinter_path(self) -> Path:
        return self.dir / ".importlinter"

    @property
    def archcheck_config_path(self) -> Path:
        return self.dir / "archcheck.toml"

    @property
    def planted_path(self) -> Path:
        return self.dir / "planted.json"

    def exists(self) -> bool:
        return (self.pkgdir / "__init__.py").is_file()

    def module_count(self) -> int:
        if self.synth:
            return int(self.synth["modules"])
        return sum(1 for _ in self.pkgdir.rglob("*.py"))

    def all_modules(self) -> list[str]:
        """Every module of the tree, named from its path."""
        found = []
        for path in self.pkgdir.rglob("*.py"):
            parts = path.relative_to(self.dir).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        return found

    def layer_packages(self) -> dict[str, list[str]]:
        """Layer -> module names (packages) for a non-container contract."""
        if self.kind == "real":
            return self.layers
        assert self.synth is not None
        if self.synth["layout"] == "layered":
            return {k: [v] for k, v in self.synth["layer_packages"].items()}
        raise ValueError("feature layout uses containers")


    def layer_of(self, module: str) -> str | None:
        """The layer ``module`` belongs to under this tree's contract (None: unlayered)."""
        if self.kind == "synthetic" and self.synth and self.synth["layout"] == "feature":
            tails = {v: k for k, v in self.synth["layer_tails"].items()}
            parts = module.split(".")
            for i in range(len(parts) - 1, 0, -1):
                if parts[i] in tails and ".".join(parts[:i]) in self._containers():
                    return tails[parts[i]]
            return None
        best, best_len = None, -1
        for layer, names in self.layer_packages().items():
            for name in names:
                if (module == name or module.startswith(name + ".")) and len(name) > best_len:
                    best, best_len = layer, len(name)
        return best

    def _containers(self) -> frozenset[str]:
        if not hasattr(self, "_container_set"):
            self._container_set = frozenset(self.synth["containers"])  # type: ignore[index]
        return self._container_set


def load_tree(name: str) -> Tree:
    d = TREES_DIR / name
    if name in REAL_TREES:
        spec = REAL_TREES[name]
        layers = dict(spec["layers"])
        for layer, tail in spec.get("layer_tails", {}).items():
            layers[layer] = _tail_packages(d, spec["package"], tail)
        return Tree(name=name, kind="real", dir=d, package=spec["package"],
                    layers=layers, edit_file=spec.get("edit_file"))
    if name in SYNTH_TREES:
        synth = None
        meta = d / "synth.json"
        if meta.is_file():
            synth = json.loads(meta.read_text())
        return Tree(name=name, kind="synthetic", dir=d, package="synthapp", synth=synth,
                    edit_file=(synth or {}).get("edit_file"))
    raise KeyError(f"unknown tree {name!r}; known: {', '.join(ALL_TREES)}")


# --------------------------------------------------------------------------- config writers
def _ini_list(values: list[str], indent: str = "    ") -> str:
    return "\n".join(indent + v for v in values)


def importlinter_text(tree: Tree) -> str:
    """The lint-imports contracts equivalent to archcheck's ARC001-ARC004 on ``tree``."""
    pkg = tree.package
    head = (
        "# Generated by benchmarks/trees.py: the same layers archcheck checks.\n"
        "[importlinter]\n"
        f"root_package = {pkg}\n"
        "include_external_packages = False\n\n"
    )
    if tree.kind == "synthetic" and tree.synth and tree.synth["layout"] == "feature":
        tails = tree.synth["layer_tails"]
        containers = tree.synth["containers"]
        layers = (
            f"    {tails['routers']}\n    {tails['services']}\n    {tails['repositories']}\n"
            f"    {tails['models']} | {tails['schemas']}\n"
        )
        layers_contract = (
            "[importlinter:contract:layers]\n"
            "name = routers > services > repositories > models | schemas (ARC002, ARC004)\n"
            "type = layers\n"
            f"containers =\n{_ini_list(containers)}\n"
            f"layers =\n{layers}\n"
        )
        sources = [f"{pkg}.**.{tails['routers']}"]
        forbidden = [f"{pkg}.**.{tails['repositories']}"]
        ignores = [f"{pkg}.**.{tails['services']} -> {pkg}.**.{tails['repositories']}"]
    else:
        lp = tree.layer_packages()

        def layer_line(names: list[str], sep: str) -> str:
            return f" {sep} ".join(names)

        stack_lines = [layer_line(lp[layer], ":") for layer in STACK]
        # models and schemas: independent siblings (ARC004).  One layer line cannot mix
        # "|" and ":", so each of them is a single package here (asserted).
        shared = []
        for layer in SHARED:
            if len(lp.get(layer, [])) > 1:
                raise ValueError(f"{tree.name}: give {layer} a single package")
            shared += lp.get(layer, [])
        stack_lines.append(layer_line(shared, "|"))
        layers_contract = (
            "[importlinter:contract:layers]\n"
            "name = routers > services > repositories > models | schemas (ARC002, ARC004)\n"
            "type = layers\n"
            f"layers =\n{_ini_list(stack_lines)}\n\n"
        )
        sources = list(lp["routers"])
        forbidden = list(lp["repositories"])
        ignores = []
        for s in lp["services"]:
            for r in lp["repositories"]:
                for a in (s, f"{s}.**"):
                    for b in (r, f"{r}.**"):
                        ignores.append(f"{a} -> {b}")
    closed_contract = (
        "[importlinter:contract:closed-services]\n"
        "name = services are closed: routers reach repositories only through services (ARC001, ARC003)\n"
        "type = forbidden\n"
        f"source_modules =\n{_ini_list(sources)}\n"
        f"forbidden_modules =\n{_ini_list(forbidden)}\n"
        f"ignore_imports =\n{_ini_list(ignores)}\n"
        "unmatched_ignore_imports_alerting = none\n"
    )
    return head + layers_contract + "\n" + closed_contract


def _toml_str(s: str) -> str:
    return json.dumps(s)


def archcheck_config_text(tree: Tree) -> str:
    lines = [
        "# Generated by benchmarks/trees.py: the same layers as .importlinter.",
        "[tool.archcheck]",
        f"root = {_toml_str(tree.package)}",
    ]
    if tree.kind == "real":
        # in archcheck a glob covers the module and its descendants, like lint-imports' names
        lines.append("")
        lines.append("[tool.archcheck.layers]")
        for layer in STACK + SHARED:
            names = tree.layers.get(layer, [])
            lines.append(f"{layer} = [{', '.join(_toml_str(n) for n in names)}]")
    return "\n".join(lines) + "\n"


def write_configs(tree: Tree) -> None:
    tree.importlinter_path.write_text(importlinter_text(tree))
    tree.archcheck_config_path.write_text(archcheck_config_text(tree))


def read_manifest() -> dict:
    if MANIFEST.is_file():
        return json.loads(MANIFEST.read_text())
    return {}


def write_manifest(data: dict) -> None:
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    tmp = MANIFEST.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, MANIFEST)
