"""Bytecode for the archcheck under test, as an installed one has.

``pip install`` compiles a package's modules; an editable checkout, or an environment
with ``PYTHONDONTWRITEBYTECODE`` set, may hold stale or no ``.pyc`` files, and then every
timed process compiles archcheck's sources again (tens of milliseconds, more than the
plugin's own work in an editor run). The benchmarks compile first, so they time what a
user runs.
"""
from __future__ import annotations

import os
import subprocess

_COMPILE = (
    "import archcheck, compileall, os, sys\n"
    "folder = os.path.dirname(archcheck.__file__)\n"
    "sys.exit(0 if compileall.compile_dir(folder, quiet=1) else 1)\n"
)


def compile_archcheck(python: str) -> bool:
    """Compile the archcheck that ``python`` imports; whether that worked."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run([python, "-c", _COMPILE], env=env, capture_output=True)
    return done.returncode == 0
