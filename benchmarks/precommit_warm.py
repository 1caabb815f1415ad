#!/usr/bin/env python3
"""What the pre-commit hook costs on a commit that changes nothing archcheck reads.

    python benchmarks/precommit_warm.py [--tree synth-layered-1k] [--repeat 9] [--out FILE]

Copies a prepared tree (``prepare.py``) into a throwaway git repository, with a
``.pre-commit-config.yaml`` that takes the hook from this checkout's committed ``HEAD``
(``repo: <this checkout>``, ``rev: <HEAD>``), as a project takes it from a release. The
hook's environment is installed and archcheck's cache filled by two untimed runs; then
``pre-commit run archcheck --all-files`` (what ``git commit`` runs) and the same
``archcheck`` command alone, in the hook's environment, are timed alternately.
Reported: medians of wall time, and the share that is pre-commit's own.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default="synth-layered-1k")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--out", type=Path, help="results JSON (default: print only)")
    args = parser.parse_args()
    source = HERE / ".trees" / args.tree
    if not source.is_dir():
        sys.exit(f"{source} is missing: run benchmarks/prepare.py first")
    rev = _git(ROOT, "rev-parse", "HEAD")
    with tempfile.TemporaryDirectory() as scratch:
        repository = Path(scratch) / "project"
        shutil.copytree(source, repository, ignore=shutil.ignore_patterns("__pycache__"))
        (repository / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: archcheck\n"
        )
        _git(repository, "init", "-q")
        _git(repository, "add", ".")
        _git(repository, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "tree")
        env = {**os.environ, "PRE_COMMIT_HOME": str(Path(scratch) / "pre-commit-home")}
        env.pop("ARCHCHECK_CACHE_DIR", None)  # the hook's own default, as users have it
        hook = [PRE_COMMIT, "run", "archcheck", "--all-files"]
        for _ in range(2):  # installs the hook's environment, then fills the cache
            _timed(hook, repository, env)
        installed = sorted(Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/bin/archcheck"))
        if not installed:
            sys.exit("pre-commit installed no archcheck")
        alone = [str(installed[0])]
        _timed(alone, repository, env)
        hook_times, alone_times = [], []
        for _ in range(args.repeat):
            hook_times.append(_timed(hook, repository, env))
            alone_times.append(_timed(alone, repository, env))
    result = {
        "tree": args.tree,
        "rev": rev,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()),
        "hook_s": hook_times,
        "archcheck_alone_s": alone_times,
        "median_hook_s": statistics.median(hook_times),
        "median_archcheck_alone_s": statistics.median(alone_times),
    }
    print(
        f"{args.tree}: pre-commit run archcheck (warm) {result['median_hook_s'] * 1000:.0f} ms, "
        f"archcheck alone {result['median_archcheck_alone_s'] * 1000:.0f} ms "
        f"(medians of {args.repeat})"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
