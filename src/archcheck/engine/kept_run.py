"""A run over a project as the last process discovered it, when nothing it depends on has
changed: every run (the CLI, the pre-commit hook, an editor's flake8) starts here.

Discovering a project (every folder listed, every module named) and detecting its layers
(route modules found by their code, models folders read for Pydantic-only classes) read
folders and files that rarely change; what they found is kept in the cache folder as plain
JSON (``discovery``) with the stamps it depends on, and used while they are unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from archcheck.config import Config
from archcheck.engine.discovery import discovery_file, read_discovery, write_discovery
from archcheck.engine.run import Run
from archcheck.engine.selection import Options
from archcheck.errors import UsageError
from archcheck.project import discover, package_root_of
from archcheck.rules import Rule

__all__ = ["kept_run"]


def _targets(paths: Sequence[Path]) -> tuple[Path, ...]:
    for raw in paths:
        if not raw.exists():
            raise UsageError(f"{raw}: no such file or directory")
    return tuple(raw.resolve() for raw in paths)


def kept_run(
    paths: Sequence[Path], config: Config, rules: tuple[type[Rule], ...], options: Options
) -> Run:
    """A run over the project at ``paths``: as the last process discovered it (with its
    layers) while nothing it depends on has changed (see ``discovery``), else discovered
    afresh and kept for the next process."""
    targets = _targets(paths)
    if options.use_cache:
        # Where the run's cache folder will be (the run says, and is checked below): the
        # one given, else beside the outermost package around the config's folder (or the
        # working directory), else in that folder.
        guess = options.cache_dir or os.environ.get("ARCHCHECK_CACHE_DIR")
        if not guess:
            base = (config.directory or Path.cwd()).absolute()
            root = package_root_of(base / "__init__.py")
            guess = (base if root is None else root.parent) / ".archcheck_cache"
        kept = discovery_file(Path(guess), targets, config)
        found = read_discovery(kept, targets, config)
        if found is not None:
            run = Run(found[0], rules, options, layers=found[1], files=found[2])
            if run.cache_folder("discovery") == kept.parent:
                return run
    project = discover(list(paths), config)
    run = Run(project, rules, options)
    # The files the layer detection read (through the run's own cache) are what the
    # detected layers depend on.
    read = [run.files[m].path for m in run.sources.read]
    folder = run.cache_folder("discovery")
    if folder is not None:
        write_discovery(discovery_file(folder.parent, targets, config), project, run.layers, read)
    return run
