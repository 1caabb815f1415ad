#!/usr/bin/env python3
"""Real FastAPI apps that archcheck's findings were judged on by hand (stdlib only, 3.11+).

    python benchmarks/realapps.py extract [RUN ...] --mirror OWNER/NAME=GITDIR ...
    python benchmarks/realapps.py run --archcheck CMD --out DIR [RUN ...]
    python benchmarks/realapps.py tally DIR [--before DIR0] [--rule ARC003]

``realapps/apps.toml`` names each run: the app's source (``github:OWNER/NAME`` at a commit,
or ``pypi:DIST==VERSION``), the folder archcheck runs from (``syspath``) and the paths it
is given.  ``realapps/judged.tsv`` holds every verdict a reader gave a finding (``true``,
``false``, ``debatable``), with the reason.

* ``extract`` writes each run's tree into ``.trees/realapps/RUN`` (git-ignored): from a git
  directory of the repository (``--mirror``; any clone or bare mirror holding the commit),
  or from the wheel that ``pip download`` brings.  Only ``.py`` files and the configs
  archcheck reads are kept.  A tree already there is kept.
* ``run`` runs archcheck zero-config, as a user's first run: ``CMD check --format json
  --no-cache --exit-zero PATHS`` from the syspath, no config of ours.  Reports go to
  ``DIR/RUN.json``.
* ``tally`` matches the findings of DIR against the verdicts (run, rule, path, line and,
  where the verdict names one, the imported module) and prints per run the findings per
  rule and the verdict counts of the rule asked (default ARC003), with the strict
  (true / all) and lenient ((true + debatable) / all) precision.  With ``--before`` it
  lists every finding that appeared or went away, with its verdict: what a change must be
  judged on.

Exit status: 0, or 2 when it could not run (unknown run, missing tree, archcheck failed).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "realapps" / "apps.toml"
JUDGED = HERE / "realapps" / "judged.tsv"
TREES = HERE / ".trees" / "realapps"
KEPT_SUFFIXES = (".py", ".toml", ".cfg", ".ini")
VERDICTS = ("true", "false", "debatable")


class Failure(Exception):
    """A one-line reason to stop, exit status 2."""


def load_apps() -> dict[str, dict]:
    return tomllib.loads(APPS.read_text(encoding="utf-8"))


def load_verdicts() -> dict[tuple[str, str, str, int], list[dict]]:
    """(run, rule, path, line) -> the verdict rows given there (one per imported module)."""
    table: dict[tuple[str, str, str, int], list[dict]] = {}
    rows = csv.DictReader(io.StringIO(JUDGED.read_text(encoding="utf-8")), delimiter="\t")
    for number, row in enumerate(rows, start=2):
        if row["verdict"] not in VERDICTS:
            raise Failure(f"{JUDGED.name}:{number}: verdict {row['verdict']!r} is none of {VERDICTS}")
        key = (row["run"], row["rule"], row["path"], int(row["line"]))
        table.setdefault(key, []).append(row)
    return table


def chosen(apps: dict[str, dict], names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in apps]
    if unknown:
        raise Failure(f"unknown run(s): {', '.join(unknown)} (see {APPS})")
    return names or sorted(apps)


def _keep(name: str) -> bool:
    return name.endswith(KEPT_SUFFIXES) and "/.git/" not in f"/{name}"


def extract(apps: dict[str, dict], names: list[str], mirrors: dict[str, str]) -> None:
    for run in chosen(apps, names):
        app, dest = apps[run], TREES / run
        if dest.exists():
            print(f"[{run}] kept {dest}")
            continue
        kind, _, what = app["source"].partition(":")
        with tempfile.TemporaryDirectory() as scratch:
            if kind == "github":
                if what not in mirrors:
                    print(f"[{run}] skipped: no --mirror {what}=GITDIR")
                    continue
                git = ["git", f"--git-dir={mirrors[what]}"]
                listed = subprocess.run([*git, "ls-tree", "-r", "-z", "--name-only", app["commit"]],
                                        capture_output=True, text=True, check=False)
                # Only the kept files: a mirror may lack the blobs of large others.
                kept = [name for name in listed.stdout.split("\0") if _keep(name)]
                archive = subprocess.run([*git, "archive", app["commit"], "--", *kept],
                                         capture_output=True, check=False)
                if archive.returncode:
                    raise Failure(f"[{run}] git archive failed: {archive.stderr.decode().strip()}")
                with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                    members = [m for m in tar.getmembers() if m.isfile() and _keep(m.name)]
                    tar.extractall(scratch, members=members, filter="data")
            elif kind == "pypi":
                subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                                "--only-binary", ":all:", what, "-d", scratch], check=True)
                wheel = next(Path(scratch).glob("*.whl"))
                with zipfile.ZipFile(wheel) as archive_zip:
                    archive_zip.extractall(scratch, [n for n in archive_zip.namelist() if _keep(n)])
                wheel.unlink()
            else:
                raise Failure(f"[{run}] unknown source {app['source']!r}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(scratch, dest)
        print(f"[{run}] extracted to {dest}")


def run_archcheck(apps: dict[str, dict], names: list[str], command: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for run in chosen(apps, names):
        app = apps[run]
        cwd = TREES / run / app.get("syspath", ".")
        if not cwd.is_dir():
            print(f"[{run}] skipped: no tree at {cwd} (run extract first)")
            continue
        done = subprocess.run(
            [*shlex.split(command), "check", "--format", "json", "--no-cache", "--exit-zero",
             *app["packages"]], cwd=cwd, capture_output=True, text=True, check=False)
        if done.returncode:
            raise Failure(f"[{run}] archcheck exited {done.returncode}: {done.stderr.strip()[-300:]}")
        (out / f"{run}.json").write_text(done.stdout, encoding="utf-8")
        (out / f"{run}.stderr").write_text(done.stderr, encoding="utf-8")
        print(f"[{run}] {json.loads(done.stdout)['summary']['findings']} findings")


def findings_of(directory: Path) -> dict[str, list[dict]]:
    return {report.stem: json.loads(report.read_text(encoding="utf-8"))["findings"]
            for report in sorted(directory.glob("*.json"))}


def verdict_of(finding: dict, run: str, verdicts: dict) -> str:
    rows = verdicts.get((run, finding["code"], finding["path"], finding["line"]), [])
    named = [r for r in rows if r["imported"] in ("-", "", finding.get("imported"))]
    return named[0]["verdict"] if named else "unjudged"


def tally(directory: Path, rule: str, before: Path | None) -> None:
    verdicts = load_verdicts()
    now = findings_of(directory)
    totals: Counter[str] = Counter()
    print(f"{'run':28} {'all':>5} {rule:>7} {'true':>5} {'false':>5} {'deb':>5} {'unj':>5}")
    for run, findings in now.items():
        counted = Counter(verdict_of(f, run, verdicts) for f in findings if f["code"] == rule)
        totals.update(counted)
        ruled = sum(counted.values())
        totals["all"] += len(findings)
        print(f"{run:28} {len(findings):5} {ruled:7} {counted['true']:5} {counted['false']:5} "
              f"{counted['debatable']:5} {counted['unjudged']:5}")
    total = sum(totals[v] for v in (*VERDICTS, "unjudged"))
    if total:
        print(f"{'TOTAL':28} {totals['all']:5} {total:7} {totals['true']:5} {totals['false']:5} "
              f"{totals['debatable']:5} {totals['unjudged']:5}   strict "
              f"{totals['true'] / total:.1%}, lenient "
              f"{(totals['true'] + totals['debatable']) / total:.1%}")
    if before is None:
        return
    then = findings_of(before)

    def keyed(runs: dict[str, list[dict]]) -> set[tuple]:
        return {(run, f["code"], f["path"], f["line"], f.get("imported") or "-", f["message"])
                for run, findings in runs.items() for f in findings}
    old, new = keyed({r: then.get(r, []) for r in now}), keyed(now)
    for sign, changed in (("-", old - new), ("+", new - old)):
        for run, code, path, line, imported, message in sorted(changed):
            finding = {"code": code, "path": path, "line": line, "imported": imported}
            print(f"{sign} {run} {path}:{line} {code} [{verdict_of(finding, run, verdicts)}] {message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_extract = commands.add_parser("extract")
    p_extract.add_argument("runs", nargs="*")
    p_extract.add_argument("--mirror", action="append", default=[], metavar="OWNER/NAME=GITDIR")
    p_run = commands.add_parser("run")
    p_run.add_argument("runs", nargs="*")
    p_run.add_argument("--archcheck", required=True)
    p_run.add_argument("--out", type=Path, required=True)
    p_tally = commands.add_parser("tally")
    p_tally.add_argument("directory", type=Path)
    p_tally.add_argument("--before", type=Path)
    p_tally.add_argument("--rule", default="ARC003")
    args = parser.parse_args(argv)
    try:
        if args.command == "extract":
            mirrors = dict(m.split("=", 1) for m in args.mirror)
            extract(load_apps(), args.runs, mirrors)
        elif args.command == "run":
            run_archcheck(load_apps(), args.runs, args.archcheck, args.out)
        else:
            tally(args.directory, args.rule, args.before)
    except Failure as failure:
        print(f"realapps: {failure}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
