"""``archcheck init``: detect the layout, say what was found, write [tool.archcheck] into
pyproject.toml without disturbing the rest of it; then archcheck runs with that config."""
from __future__ import annotations

import shutil

import pytest

from archcheck.config import load_config
from conftest import FIXTURES, cli, write_example

LAYER_FIRST = {
    "app/main.py": "from app.api.routers import users\n",
    "app/config.py": "DEBUG = False\n",
    "app/api/routers/users.py": "from app.services import user_service\nfrom app.schemas import user as schemas\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "from app.models import user\n",
    "app/models/user.py": "",
    "app/schemas/user.py": "",
}
FEATURE_FIRST = {
    "shop/main.py": "from shop.orders import router\n",
    "shop/orders/router.py": "from shop.orders import service\n",
    "shop/orders/service.py": "from shop.orders import repository\n",
    "shop/orders/repository.py": "from shop.orders import models\n",
    "shop/orders/models.py": "",
    "shop/orders/schemas.py": "",
    "shop/users/router.py": "from shop.users import service\n",
    "shop/users/service.py": "from shop.users import repository\n",
    "shop/users/repository.py": "",
}
PYPROJECT = """\
# The shop's build settings.
[project]
name = "shop"  # keep this name
version = "1.0"

[tool.ruff]
line-length = 100  # wide screens
"""


def test_layer_first_project_gets_a_config_and_runs_clean(tmp_path):
    write_example(tmp_path, LAYER_FIRST)
    code, out, err = cli("init", cwd=tmp_path)
    assert code == 0, err
    assert out.startswith("app (package app/): layer-first\n")
    assert "  routers       2 modules: app.api.routers, app.api.routers.users\n" in out
    assert "      app.api.routers: a folder named routers\n" in out
    assert "  no layer      3 modules: app, app.api, app.config\n" in out
    assert "Wrote [tool.archcheck] to pyproject.toml" in out
    config = load_config(tmp_path / "pyproject.toml")
    assert config.root == ("app",)
    assert config.layout == "layered"
    assert config.layers["routers"] == ("app.api.routers",)
    assert config.layers["wiring"] == ("app.main",)
    assert config.layers["services"] == ("app.services",)
    code, out, err = cli(cwd=tmp_path)
    assert (code, err) == (0, ""), out
    assert out.startswith("All checks passed")


def test_feature_first_project_gets_a_config_and_runs_clean(tmp_path):
    write_example(tmp_path, FEATURE_FIRST)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    code, out, err = cli("init", ".", cwd=tmp_path)
    assert code == 0, err
    assert "shop (package shop/): feature-first" in out
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT), "the rest of the file, comments included, is kept"
    config = load_config(tmp_path / "pyproject.toml")
    assert config.layout == "feature"
    assert config.layers["routers"] == ("shop.**.router",)
    assert config.layers["wiring"] == ("shop.main",)
    assert config.layers["repositories"] == ("shop.**.repository",)
    assert cli(cwd=tmp_path)[0] == 0


def test_written_config_finds_exactly_what_detection_found(tmp_path):
    project = tmp_path / "leaky"
    shutil.copytree(FIXTURES / "layered_leaky", project)
    before = cli(cwd=project)
    assert cli("init", cwd=project)[0] == 0
    assert cli(cwd=project) == before


def test_existing_table_is_kept_unless_forced(tmp_path):
    write_example(tmp_path, LAYER_FIRST, config='layout = "layered"  # mine')
    code, out, err = cli("init", cwd=tmp_path)
    assert code == 2 and out == ""
    assert "already has a [tool.archcheck] table; use --force" in err and err.count("\n") == 1
    assert "# mine" in (tmp_path / "pyproject.toml").read_text()
    assert cli("init", "--force", cwd=tmp_path)[0] == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert "# mine" not in text and text.count("[tool.archcheck]") == 1
    assert load_config(tmp_path / "pyproject.toml").root == ("app",)


def test_dry_run_prints_the_toml_and_writes_nothing(tmp_path):
    write_example(tmp_path, LAYER_FIRST)
    code, out, err = cli("init", "--dry-run", cwd=tmp_path)
    assert code == 0
    assert not (tmp_path / "pyproject.toml").exists()
    assert out.startswith("[tool.archcheck]\n# Written by `archcheck init`")
    assert 'root = ["app"]\nlayout = "layered"\n\n[tool.archcheck.layers]\n' in out
    assert err.startswith("app (package app/): layer-first")
    (tmp_path / "pyproject.toml").write_text(out)
    assert load_config(tmp_path / "pyproject.toml").layout == "layered"


def test_src_layout_roots_are_relative_to_the_project(tmp_path):
    src = FIXTURES / "src_layout"
    if not src.is_dir():
        pytest.skip("fixtures/src_layout not present")
    project = tmp_path / "src_layout"
    shutil.copytree(src, project)
    before = cli(cwd=project)
    code, out, err = cli("init", cwd=project)
    assert code == 0, err
    assert load_config(project / "pyproject.toml").root == ("src/acme",)
    assert cli(cwd=project) == before


def test_project_without_layers_is_an_error(tmp_path):
    write_example(tmp_path, {"lib/core.py": "import os\n"})
    code, out, err = cli("init", cwd=tmp_path)
    assert code == 2 and out == "" and "no layers found in lib" in err
    assert not (tmp_path / "pyproject.toml").exists()


def test_broken_pyproject_is_a_config_error(tmp_path):
    write_example(tmp_path, LAYER_FIRST)
    (tmp_path / "pyproject.toml").write_text("[project\n")
    code, _, err = cli("init", cwd=tmp_path)
    assert code == 2 and "pyproject.toml" in err and "invalid TOML" in err


def test_tool_tables_split_around_other_tables(tmp_path):
    write_example(tmp_path, LAYER_FIRST)
    text = '[tool.black]\nline-length = 100\n\n[project]\nname = "x"\n\n[tool.ruff]  # lint\nselect = ["E"]\n'
    (tmp_path / "pyproject.toml").write_text(text)
    code, _, err = cli("init", cwd=tmp_path)
    assert code == 0, err
    assert load_config(tmp_path / "pyproject.toml").layout == "layered"
    written = (tmp_path / "pyproject.toml").read_text()
    assert "[tool.ruff]  # lint" in written and 'line-length = 100' in written
    assert cli("init", "--force", cwd=tmp_path)[0] == 0
    assert (tmp_path / "pyproject.toml").read_text().count("[tool.archcheck]") == 1
    assert cli(cwd=tmp_path)[0] == 0
