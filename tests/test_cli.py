"""The command line as users meet it: exit codes, one-line errors, options, odd input."""
from __future__ import annotations

import importlib
import shutil

import pytest

from conftest import FIXTURES, archcheck, cli, write_example

LEAKY = {
    "app/api/routers/users.py": "from app.repositories import user_repo\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "",
}


def assert_one_line_error(code, out, err, *fragments):
    assert code == 2
    assert out == ""
    assert err.startswith("archcheck: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


@pytest.mark.functional
def test_findings_exit_1_with_file_line_column_and_count(tmp_path):
    write_example(tmp_path, LEAKY)
    code, out, err = archcheck("app", cwd=tmp_path)
    assert code == 1, err
    assert out == (
        "app/api/routers/users.py:1:1: ARC001 Router imports repository app.repositories.user_repo; "
        "call a service instead (app.services.user_service uses it)\n"
        "Found 1 finding in 1 file.\n"
    )


def test_clean_project_exits_0(tmp_path):
    write_example(tmp_path, {**LEAKY, "app/api/routers/users.py": "from app.services import user_service\n"})
    code, out, _ = cli("app", cwd=tmp_path)
    assert code == 0
    assert out.startswith("All checks passed")


def test_exit_zero_quiet_select_and_ignore(tmp_path):
    write_example(tmp_path, LEAKY)
    code, out, _ = cli("app", "--exit-zero", "-q", cwd=tmp_path)
    assert code == 0 and out.count("\n") == 1 and "ARC001" in out
    assert cli("app", "--ignore", "ARC001", cwd=tmp_path)[0] == 0
    assert cli("app", "--select", "ARC002", cwd=tmp_path)[0] == 0
    assert cli("app", "--select", "ARC0", cwd=tmp_path)[0] == 1


def test_noqa_silences_a_line(tmp_path):
    write_example(tmp_path, {**LEAKY, "app/api/routers/users.py": "from app.repositories import user_repo  # noqa: ARC001\n"})
    assert cli("app", cwd=tmp_path)[0] == 0
    write_example(tmp_path, {**LEAKY, "app/api/routers/users.py": "from app.repositories import user_repo  # noqa: ARC002\n"})
    assert cli("app", cwd=tmp_path)[0] == 1


@pytest.mark.functional
def test_path_that_does_not_exist(tmp_path):
    assert_one_line_error(*archcheck("nowhere", cwd=tmp_path), "nowhere: no such file or directory")


def test_folder_without_python_package(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# hi\n")
    assert_one_line_error(*cli("docs", cwd=tmp_path), "no Python package found")


def test_package_without_layers(tmp_path):
    write_example(tmp_path, {"lib/core.py": "import os\n"})
    assert_one_line_error(*cli("lib", cwd=tmp_path), "no layers found in lib")


def test_unknown_rule_code_on_the_command_line(tmp_path):
    write_example(tmp_path, LEAKY)
    assert_one_line_error(*cli("app", "--select", "ARC999", cwd=tmp_path), "ARC999")


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("layot = 'auto'", ("pyproject.toml", "layot", "unknown key")),
        ("strict = 'yes'", ("pyproject.toml", "strict", "true or false")),
        ("select = ['ARC777']", ("pyproject.toml", "select", "ARC777")),
        ("layout = 'hexagonal'", ("pyproject.toml", "layout")),
        ("[tool.archcheck.layers]\ncontrollers = ['app.web']", ("pyproject.toml", "layers", "controllers")),
        ("ignore_imports = ['app.a app.b']", ("pyproject.toml", "ignore_imports")),
        ("root = [", ("pyproject.toml", "invalid TOML")),
    ],
)
def test_broken_config_names_file_and_key(tmp_path, body, fragments):
    write_example(tmp_path, LEAKY, config=body)
    assert_one_line_error(*cli("app", cwd=tmp_path), *fragments)


def test_explicit_config_file_and_root(tmp_path):
    write_example(tmp_path, {f"src/{path}": source for path, source in LEAKY.items()})
    (tmp_path / "archcheck.toml").write_text("root = 'src/app'\n")
    code, out, _ = cli(".", cwd=tmp_path)
    assert code == 1 and out.startswith("src/app/api/routers/users.py:1:1: ARC001")
    (tmp_path / "other.toml").write_text("[tool.archcheck]\nroot = 'src/app'\nignore = ['ARC001']\n")
    assert cli("--config", "other.toml", ".", cwd=tmp_path)[0] == 0
    assert_one_line_error(*cli("--config", "missing.toml", ".", cwd=tmp_path), "missing.toml")


def test_broken_files_are_reported_and_do_not_hide_other_findings(tmp_path):
    write_example(tmp_path, {**LEAKY, "app/services/broken.py": "def f(:\n", "app/core/util.py": ""})
    (tmp_path / "app" / "core" / "latin.py").write_bytes(b"x = '\xff\xfe'\n")
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].startswith("app/api/routers/users.py:1:1: ARC001 ")
    assert lines[1].startswith("app/core/latin.py:1:1: ARC900 File could not be parsed (line 1: not UTF-8 and no coding cookie)")
    assert lines[2].startswith("app/services/broken.py:1:7: ARC900 File could not be parsed (line 1: ")
    assert lines[3] == "Found 3 findings in 3 files."


def test_reporting_is_limited_to_the_given_path(tmp_path):
    write_example(tmp_path, {**LEAKY, "app/api/routers/orders.py": "from app.repositories import user_repo\n"})
    code, out, _ = cli("app/api/routers/orders.py", cwd=tmp_path)
    assert code == 1 and out.splitlines()[0].startswith("app/api/routers/orders.py:1:1: ARC001")
    assert "users.py" not in out


@pytest.mark.functional
def test_package_named_like_an_installed_one_is_read_from_disk(tmp_path):
    # ``json`` and ``click`` are importable here; archcheck must analyse the folder anyway.
    for name in ("json", "click"):
        files = {path.replace("app", name, 1): source.replace("app.", f"{name}.") for path, source in LEAKY.items()}
        write_example(tmp_path / name, files)
        code, out, err = archcheck(name, cwd=tmp_path / name)
        assert code == 1, err
        assert f"ARC001 Router imports repository {name}.repositories.user_repo" in out


def test_src_layout_and_namespace_package(tmp_path):
    files = {f"src/acme/{path[4:]}": source.replace("app.", "acme.") for path, source in LEAKY.items()}
    write_example(tmp_path, files)
    (tmp_path / "src" / "__init__.py").unlink()
    (tmp_path / "src" / "acme" / "__init__.py").unlink()  # PEP 420
    for target in ("src", "src/acme", "."):
        code, out, err = cli(target, cwd=tmp_path)
        assert code == 1, (target, err)
        assert out.startswith("src/acme/api/routers/users.py:1:1: ARC001 Router imports repository acme.repositories.user_repo")


@pytest.mark.functional
def test_analysis_never_writes_into_the_project(tmp_path):
    write_example(tmp_path / "project", LEAKY)
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "project").rglob("*"))
    result = archcheck(tmp_path / "project" / "app", cwd=tmp_path)
    assert result.returncode == 1
    after = sorted(p.relative_to(tmp_path) for p in (tmp_path / "project").rglob("*"))
    assert after == before


def test_symlink_loops_and_odd_files_are_survived(tmp_path):
    write_example(tmp_path, LEAKY)
    services = tmp_path / "app" / "services"
    (services / "loop").symlink_to(tmp_path / "app", target_is_directory=True)
    (services / "dangling").symlink_to(tmp_path / "nowhere")
    (services / "bad-name.py").write_text("import os\n")
    (services / "two.dots.py").write_text("import os\n")
    (services / "empty.py").write_text("")
    (services / "bom.py").write_bytes(b"\xef\xbb\xbfimport os\n")
    (services / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 1, err
    assert "Traceback" not in err
    assert out.splitlines()[0].startswith("app/api/routers/users.py:1:1: ARC001")
    assert "loop" not in out


def test_an_unusable_cache_folder_costs_speed_not_the_run(tmp_path):
    write_example(tmp_path, LEAKY)
    (tmp_path / "not-a-folder").write_text("")
    for cache in ("not-a-folder", "/proc/archcheck-cache"):
        code, out, err = cli("app", "--cache-dir", cache, cwd=tmp_path)
        assert (code, err) == (1, "")
        assert out.startswith("app/api/routers/users.py:1:1: ARC001")


def test_a_moved_checkout_reports_its_own_paths_from_a_shared_cache(tmp_path):
    shutil.copytree(FIXTURES / "broken_file", tmp_path / "first")
    cache = str(tmp_path / "cache")
    first = cli(".", "--cache-dir", cache, cwd=tmp_path / "first")
    shutil.copytree(tmp_path / "first", tmp_path / "second")
    second = cli(".", "--cache-dir", cache, cwd=tmp_path / "second")
    assert second == first
    assert "ARC900" in second[1]


ROUTES = (
    "from fastapi import APIRouter\n\nfrom app.core.lookup import find\n\nrouter = APIRouter()\n\n\n"
    "@router.get('/')\ndef index():\n    return find()\n"
)


def test_a_chain_search_past_its_budget_says_which_heads_it_left(tmp_path, monkeypatch):
    # A project whose helpers import most of it (LiteLLM's routers each import a 10 000-line
    # hub) would take minutes and gigabytes: past its budget the search stops, and says so.
    # The module, not the package's ``check`` function of the same name.
    check = importlib.import_module("archcheck.engine.check")

    write_example(
        tmp_path,
        {
            "app/api/routers/a.py": ROUTES,
            "app/api/routers/b.py": ROUTES,
            "app/core/lookup.py": (
                "from app.repositories import repo\n\n\ndef find():\n    return repo.get()\n"
            ),
            "app/repositories/repo.py": "def get():\n    return 1\n",
            "app/services/service.py": "",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert out.startswith("app/core/lookup.py:1:1: ARC003") and err == "", (out, err)
    monkeypatch.setattr(check, "_CHAIN_STEPS", 0)
    monkeypatch.setattr(check, "_CHAIN_STEPS_PER_MODULE", 0)
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert err.splitlines() == [
        "archcheck: warning: ARC003 searched the chains of 2 layered modules and stopped once "
        "it had followed more than 0 uses, before 5 more (first app.api.routers.b): their "
        "chains are not reported"
    ], err
