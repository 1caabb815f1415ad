"""The wiring layer (composition roots) as a project meets it: strict, and the picture."""
from __future__ import annotations

import shutil

from conftest import FIXTURES, cli, findings


def test_strict_counts_only_the_providers_as_routers(tmp_path):
    # The entry point seeds the database with a repository at startup and the container
    # builds services with theirs: both stay wiring under strict. The providers are the
    # HTTP tier's own code, so the one that hands out repositories is ARC001.
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "arc003_composition_roots", project)
    assert cli(".", cwd=project)[0] == 0
    (project / "pyproject.toml").write_text("[tool.archcheck]\nstrict = true\n")
    code, out, _ = cli(".", cwd=project)
    assert code == 1
    assert {(f[0], f[1], f[3]) for f in findings(out)} == {
        ("app/api/dependencies.py", 1, "ARC001"),
    }
