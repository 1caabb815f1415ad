#!/usr/bin/env python3
"""Build the benchmark trees in ``benchmarks/.trees/`` (git-ignored).

    python benchmarks/prepare.py [--only NAME,...] [--force]

* Django, SQLAlchemy and FastAPI at pinned versions (``trees.REAL_TREES``), downloaded with
  ``pip download --no-deps`` (a wheel, or the sdist when there is no wheel for this
  machine) and unpacked to ``.trees/<name>/<package>/`` (package sources only);
* the synthetic FastAPI projects of ``trees.SYNTH_TREES`` (``synth.py``);
* in every tree, the generated ``.importlinter`` and ``archcheck.toml`` with the same layers.

Re-running is cheap: a tree whose recorded version/parameters match is kept.
"""
from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402
import trees  # noqa: E402


def _pip(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", *args]
    return subprocess.run(cmd, capture_output=True, text=True)


def _download(requirement: str, dest: Path) -> Path:
    """Download one distribution; return the archive path (wheel preferred)."""
    dest.mkdir(parents=True, exist_ok=True)
    for mode in (["--only-binary", ":all:"], ["--no-binary", ":all:"]):
        before = set(dest.iterdir())
        proc = _pip("download", "--no-deps", *mode, "--dest", str(dest), requirement)
        if proc.returncode == 0:
            new = sorted(set(dest.iterdir()) - before)
            name = requirement.split("==")[0].lower().replace("-", "_")
            # pip may report "already downloaded" and add nothing: find the file by name
            candidates = new or sorted(
                p for p in dest.iterdir()
                if p.name.lower().replace("-", "_").startswith(name)
                and requirement.split("==")[1].rstrip("*") in p.name
            )
            wanted = [p for p in candidates
                      if p.suffix == ".whl" or p.name.endswith((".tar.gz", ".zip"))]
            wanted.sort(key=lambda p: p.suffix != ".whl")
            if wanted:
                return wanted[0]
        sys.stderr.write(proc.stderr[-2000:])
    raise SystemExit(f"prepare: could not download {requirement}")


def _extract_package(archive: Path, package: str, out: Path) -> None:
    """Copy the ``package`` source folder out of a wheel or sdist into ``out/package``."""
    tmp = out.parent / (out.name + ".unpack")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") else tf.extractall(tmp)
    found = sorted(
        (p for p in tmp.rglob(package) if p.is_dir() and (p / "__init__.py").is_file()),
        key=lambda p: len(p.parts),
    )
    if not found:
        raise SystemExit(f"prepare: no {package}/__init__.py in {archive.name}")
    target = out / package
    if target.exists():
        shutil.rmtree(target)
    out.mkdir(parents=True, exist_ok=True)
    shutil.move(str(found[0]), str(target))
    shutil.rmtree(tmp)


def _extract_git(source: dict, git_dir: str | None, package: str, out: Path) -> None:
    """``source["path"]`` at the pinned commit, from a clone of ``source["repo"]`` given as
    ``--git NAME=DIR`` (a work tree or a bare repository): ``git archive`` of the commit, so
    the tree is the commit's content whatever the clone has checked out."""
    if git_dir is None:
        raise SystemExit(
            f"prepare: {source['repo']} is not on PyPI: clone it and pass --git NAME=DIR "
            f"(git clone {source['repo']} DIR), see benchmarks/README.md"
        )
    tmp = out.parent / (out.name + ".unpack")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", git_dir, "archive", "--format=tar", source["commit"], source["path"]],
        capture_output=True,
    )
    if archive.returncode != 0:
        raise SystemExit(f"prepare: git archive {source['commit']}: {archive.stderr.decode()[-500:]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tf:
        tf.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") else tf.extractall(tmp)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.move(str(tmp / source["path"]), str(out / package))
    shutil.rmtree(tmp)


def prepare_real(name: str, manifest: dict, force: bool, git_dirs: dict[str, str]) -> None:
    spec = trees.REAL_TREES[name]
    tree = trees.load_tree(name)
    entry = manifest.get(name, {})
    if not force and tree.exists() and entry.get("requirement") == spec["requirement"]:
        print(f"{name}: up to date ({spec['requirement']})")
    elif "git" in spec:
        t0 = time.perf_counter()
        _extract_git(spec["git"], git_dirs.get(name), spec["package"], tree.dir)
        manifest[name] = {
            "kind": "real",
            "requirement": spec["requirement"],
            "repo": spec["git"]["repo"],
            "commit": spec["git"]["commit"],
            "package": spec["package"],
            "modules": tree.module_count(),
        }
        print(f"{name}: {spec['git']['repo']} at {spec['git']['commit'][:10]}, "
              f"{manifest[name]['modules']} modules ({time.perf_counter() - t0:.1f}s)")
    else:
        t0 = time.perf_counter()
        archive = _download(spec["requirement"], trees.DOWNLOADS_DIR)
        if tree.dir.exists():
            shutil.rmtree(tree.dir)
        _extract_package(archive, spec["package"], tree.dir)
        manifest[name] = {
            "kind": "real",
            "requirement": spec["requirement"],
            "archive": archive.name,
            "package": spec["package"],
            "modules": tree.module_count(),
        }
        print(f"{name}: {spec['requirement']} from {archive.name}, "
              f"{manifest[name]['modules']} modules ({time.perf_counter() - t0:.1f}s)")
    trees.write_configs(tree)


def prepare_synth(name: str, manifest: dict, force: bool) -> None:
    layout, modules, seed = trees.SYNTH_TREES[name]
    params = {"layout": layout, "modules": modules, "seed": seed}
    tree = trees.load_tree(name)
    entry = manifest.get(name, {})
    if (not force and tree.exists() and tree.synth
            and entry.get("params") == params and entry.get("generator") == _generator_stamp()):
        print(f"{name}: up to date ({tree.synth['modules']} modules)")
    else:
        if tree.dir.exists():
            shutil.rmtree(tree.dir)
        synth.main(["--layout", layout, "--modules", str(modules), "--seed", str(seed),
                    "--out", str(tree.dir)])
        tree = trees.load_tree(name)
        manifest[name] = {
            "kind": "synthetic",
            "params": params,
            "generator": _generator_stamp(),
            "modules": tree.synth["modules"],
            "planted": tree.synth["planted_total"],
        }
    trees.write_configs(tree)


def _generator_stamp() -> str:
    """Changes when synth.py changes, so stale synthetic trees are regenerated."""
    import hashlib

    return hashlib.sha256(Path(synth.__file__).read_bytes()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Download and generate the benchmark trees.")
    ap.add_argument("--only", help=f"comma-separated tree names (default: all of {', '.join(trees.ALL_TREES)})")
    ap.add_argument("--force", action="store_true", help="rebuild even when up to date")
    ap.add_argument("--git", action="append", default=[], metavar="NAME=DIR",
                    help="a clone of a real tree's repository (trees taken from git, e.g. polar)")
    args = ap.parse_args(argv)
    git_dirs = dict(item.split("=", 1) for item in args.git)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(trees.ALL_TREES)
    for n in names:
        if n not in trees.ALL_TREES:
            ap.error(f"unknown tree {n!r}; known: {', '.join(trees.ALL_TREES)}")
    trees.TREES_DIR.mkdir(parents=True, exist_ok=True)
    manifest = trees.read_manifest()
    for name in names:
        if name in trees.REAL_TREES:
            prepare_real(name, manifest, args.force, git_dirs)
        else:
            prepare_synth(name, manifest, args.force)
        trees.write_manifest(manifest)
    print(f"trees ready in {trees.TREES_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
