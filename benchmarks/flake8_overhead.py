#!/usr/bin/env python3
"""What the archcheck flake8 plugin costs on top of flake8's own floor.

    python benchmarks/flake8_overhead.py [--modules 1000] [--tree DIR] [--repeat 5]

Runs the real ``flake8`` (default checks: pycodestyle, pyflakes, mccabe) in subprocesses,
with the ``ARC`` plugin and without it (the same flake8, with archcheck's entry point
filtered out, so both runs pay the same start-up), on:

* a whole synthetic tree (``synth.py``), one process (``-j 1``: the plugin's cost per file)
  and flake8's default worker processes (``-j auto``: what CI sees);
* one router file of that tree, as an editor runs flake8 on save, with the snapshot of a
  previous ``archcheck`` run (ARC003 and ARC001's hint available) and without one.

Reported: the median wall time of ``--repeat`` runs (after one warm-up run each), and the
difference per file. The plugin's findings are checked against ``archcheck``'s first, so
the numbers are for a plugin that does its job.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bytecode

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
FLAKE8 = str(BIN / "flake8")
# flake8 without archcheck: the plugin finder drops archcheck's distribution.
WITHOUT = """
import sys
from flake8.plugins import finder
found = finder._find_importlib_plugins
finder._find_importlib_plugins = lambda: (p for p in found() if p.package != "archcheck")
from flake8.main.cli import main
sys.exit(main())
"""


def flake8(args: list[str], cwd: Path, env: dict[str, str], *, plugin: bool) -> subprocess.CompletedProcess:
    command = [FLAKE8] if plugin else [sys.executable, "-c", WITHOUT]
    return subprocess.run(
        [*command, "--isolated", "--exit-zero", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def timed(args: list[str], cwd: Path, env: dict[str, str], *, plugin: bool, repeat: int) -> float:
    expected = flake8(args, cwd, env, plugin=plugin)  # warm-up: page cache, .pyc files
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = flake8(args, cwd, env, plugin=plugin)
        times.append(time.perf_counter() - start)
        if (result.returncode, result.stdout) != (expected.returncode, expected.stdout):
            raise SystemExit(f"flake8 {' '.join(args)}: runs differ\n{result.stderr}")
    return statistics.median(times)


def arc_lines(text: str) -> set[str]:
    return {line.removeprefix("./") for line in text.splitlines() if ": ARC" in line}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=1000, help="size of the synthetic tree")
    parser.add_argument("--tree", type=Path, help="use (or create) the tree in DIR")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one-file-only", action="store_true",
                        help="skip the whole-tree runs (minutes on a 20k-module tree)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON (benchmarks/results/NAME.json)")
    args = parser.parse_args(argv)
    # As pip installs it: compiled (see bytecode.py).
    if not bytecode.compile_archcheck(sys.executable):
        print("archcheck's bytecode could not be compiled: figures include compiling it", flush=True)

    work = Path(tempfile.mkdtemp(prefix="archcheck-flake8-"))
    tree = args.tree or work / "tree"
    if not (tree / "synthapp").is_dir():
        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), "--modules", str(args.modules), "--out", str(tree), "-q"],
            check=True,
        )
    files = sorted(str(p.relative_to(tree)) for p in (tree / "synthapp").rglob("*.py"))
    router = next(f for f in files if "/routers/" in f and not f.endswith("__init__.py"))
    snapshot = work / "cache"
    # Bytecode as an installed package has it: without .pyc files (PYTHONDONTWRITEBYTECODE,
    # an editable install) every run would compile archcheck afresh, ~15 ms flake8 never pays.
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**base, "ARCHCHECK_CACHE_DIR": str(snapshot)}
    bare = {**base, "ARCHCHECK_CACHE_DIR": str(work / "empty-cache")}

    # The plugin does its job: what archcheck reports, but ARC900 (flake8 says E999).
    cli = subprocess.run(
        [sys.executable, "-m", "archcheck", "synthapp", "-q"], cwd=tree, env=env, capture_output=True, text=True
    )
    expected = {line for line in cli.stdout.splitlines() if ": ARC900 " not in line}
    checked = [router] if args.one_file_only else ["synthapp"]
    got = arc_lines(flake8(["--select", "ARC", *checked], tree, env, plugin=True).stdout)
    if args.one_file_only:
        expected = {line for line in expected if line.startswith(router + ":")}
    if got != expected:
        print(f"flake8 and archcheck disagree: {len(got ^ expected)} lines differ", file=sys.stderr)
        return 1

    print(f"tree: {tree} ({len(files)} files), median of {args.repeat} runs")
    rows = []
    runs = [
        ("whole tree, -j 1", ["-j", "1", "synthapp"], env),
        ("whole tree, -j auto", ["synthapp"], env),
        ("one file, snapshot", [router], env),
        ("one file, no snapshot", [router], bare),
    ]
    for label, flake8_args, environment in runs[2:] if args.one_file_only else runs:
        with_plugin = timed(flake8_args, tree, environment, plugin=True, repeat=args.repeat)
        without = timed(flake8_args, tree, environment, plugin=False, repeat=args.repeat)
        count = len(files) if "tree" in label else 1
        rows.append((label, without, with_plugin, (with_plugin - without) / count))
    print(f"{'':24} {'flake8':>10} {'+ ARC':>10} {'overhead/file':>14}")
    for label, without, with_plugin, per_file in rows:
        print(f"{label:24} {without * 1000:8.0f}ms {with_plugin * 1000:8.0f}ms {per_file * 1000:12.2f}ms")

    # The editor's case as the target states it: archcheck installed, one file, flake8's
    # floor (`--select E9`: the plugin does no work) against `--select E9,ARC`, interleaved.
    floor, arc = [], []
    for _ in range(args.repeat):
        for times, select in ((floor, "E9"), (arc, "E9,ARC")):
            start = time.perf_counter()
            flake8(["--select", select, router], tree, env, plugin=True)
            times.append(time.perf_counter() - start)
    floor_median, arc_median = statistics.median(floor), statistics.median(arc)
    print(f"one file, --select E9 {floor_median * 1000:.0f}ms, --select E9,ARC {arc_median * 1000:.0f}ms: "
          f"+{(arc_median - floor_median) * 1000:.1f}ms (median of {args.repeat} interleaved runs)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({
            "tree_files": len(files), "repeat": args.repeat, "python": sys.version,
            "load_average": os.getloadavg(),
            "rows": [{"run": label, "flake8_s": without, "with_arc_s": with_plugin, "overhead_per_file_s": per_file}
                     for label, without, with_plugin, per_file in rows],
            "editor": {"select_E9_s": floor, "select_E9_ARC_s": arc,
                       "median_E9_s": floor_median, "median_E9_ARC_s": arc_median,
                       "overhead_s": arc_median - floor_median},
        }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
