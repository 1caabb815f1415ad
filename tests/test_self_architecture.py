"""archcheck keeps its own house style: lint-imports with the repository's .importlinter."""
from __future__ import annotations

import pytest

from conftest import ROOT, run, tool


@pytest.mark.functional
def test_own_layers_and_library_boundaries_hold():
    result = run([tool("lint-imports"), "--config", ROOT / ".importlinter", "--no-cache"], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
