"""Input that once crashed, hung or misled archcheck: valid Python grimp's parser refuses,
a stray ``.py`` at a repository's top, broken files hiding other files' findings, deep and
huge sources, files that are not files, broken configs. Each runs the real command in a
subprocess (a segmentation fault or a hang must fail the test, not the test run)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import archcheck, cli, findings, run, write_example

pytestmark = pytest.mark.functional

APP = {
    "app/api/routers/users.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "def get():\n    return 1\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
}
USERS_ARC001 = ("app/api/routers/users.py", 1, "ARC001")


def check(root: Path, *args: str, timeout: int = 60):
    """The real command, killed after ``timeout`` seconds (a hang fails the test)."""
    return run([sys.executable, "-m", "archcheck", "--no-cache", *args], cwd=root, timeout=timeout)


def codes(out: str) -> set[tuple[str, int, str]]:
    return {(path, line, code) for path, line, _column, code, _message in findings(out)}


def project(root: Path, extra: dict[str, str] | None = None) -> Path:
    write_example(root, {**APP, **(extra or {})})
    return root


# -- point 5: valid Python that grimp's parser refuses -------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    raise;\n",
        "match = 1; match\n",
        "from app.repositories import user_repo\nmatch = 1; match\n",
        # A relative import above the top package: Python compiles it, grimp panics.
        "from app.repositories import user_repo\nfrom ..... import A\n",
    ],
)
def test_valid_python_grimp_refuses_is_no_arc900_and_keeps_its_imports(tmp_path, source):
    compile(source, "<test>", "exec")
    project(tmp_path, {"app/api/routers/items.py": source})
    code, out, err = check(tmp_path)
    assert "ARC900" not in out, out
    assert "panicked" not in err, err  # grimp's own report of what archcheck handles
    expected = {USERS_ARC001}
    if "import" in source:
        expected.add(("app/api/routers/items.py", 1, "ARC001"))
    assert codes(out) == expected, (out, err)


# -- point 7: a .py file at the repository's top ------------------------------------------
@pytest.mark.parametrize("stray", ["main.py", "setup.py", "conftest.py"])
def test_a_stray_file_at_the_top_does_not_make_the_repository_a_package(tmp_path, stray):
    root = project(tmp_path / "backend")
    before = check(root)
    (root / stray).write_text("import os\n")
    after = check(root)
    assert after.returncode == before.returncode == 1
    assert codes(after.stdout) == codes(before.stdout) == {USERS_ARC001}
    assert "backend.app" not in after.stdout
    assert cli("init", ".", cwd=root).returncode == 0
    assert 'root = ["app"]' in (root / "pyproject.toml").read_text()


def test_a_namespace_package_holding_modules_is_still_one(tmp_path):
    # The other side: ``acme/`` (no __init__.py) whose code imports ``acme.*`` is a package.
    files = {f"src/acme/{path[4:]}": source.replace("app.", "acme.") for path, source in APP.items()}
    write_example(tmp_path, {**files, "src/acme/main.py": "import acme.api.routers.users\n"})
    (tmp_path / "src" / "__init__.py").unlink()
    (tmp_path / "src" / "acme" / "__init__.py").unlink()
    code, out, err = check(tmp_path / "src" / "acme")
    assert ("api/routers/users.py", 1, "ARC001") in codes(out), (out, err)
    assert "acme.repositories.user_repo" in out


@pytest.mark.parametrize("where", ["src", "src/acme"])
def test_a_namespace_package_holding_pytest_conftest_is_still_one(tmp_path, where):
    # papermerge/: no __init__.py, pytest's conftest.py beside core/ and app.py, and code
    # that imports papermerge.core: the package, not a project's top with roots below.
    files = {f"src/acme/{path[4:]}": source.replace("app.", "acme.") for path, source in APP.items()}
    extra = {
        "src/acme/main.py": "import acme.api.routers.users\n",
        "src/acme/conftest.py": "import pytest\n",
    }
    write_example(tmp_path, {**files, **extra})
    (tmp_path / "src" / "__init__.py").unlink()
    (tmp_path / "src" / "acme" / "__init__.py").unlink()
    code, out, err = check(tmp_path / where)
    assert "acme.repositories.user_repo" in out, (out, err)
    assert any(line == 1 and code == "ARC001" for _path, line, code in codes(out)), out


def test_a_checkout_named_like_a_bundled_package_is_still_a_folder_of_roots(tmp_path):
    # morphik cloned as ``morphik/``: a stray ``__init__.py`` at the top, the app's ``core``
    # imported as ``core.x``, and a bundled SDK ``sdks/python/morphik`` whose own imports
    # (``morphik.models``) are no imports through the checkout's name.
    root = tmp_path / "morphik"
    sdk = {f"sdks/python/morphik/{name}.py": "from morphik.models import Document\n" for name in ("sync", "rules", "models")}
    write_example(
        root,
        {
            **sdk,
            "core/api/routers/documents.py": "from core.repositories.documents import get\n",
            "core/repositories/documents.py": "def get():\n    return 1\n",
            "core/services/documents.py": "from core.repositories.documents import get\n",
        },
    )
    (root / "__init__.py").write_text("")
    code, out, err = check(root)
    assert ("core/api/routers/documents.py", 1, "ARC001") in codes(out), (out, err)


@pytest.mark.parametrize(
    "body",
    [
        "    session = SessionLocal()\n    async with session as session:\n        await session.execute('select 1')\n",
        "    async with a as b:\n        async with b as a:\n            await a.execute('select 1')\n",
    ],
)
def test_a_name_entered_as_itself_is_no_internal_error(tmp_path, body):
    # ``async with session as session``: the name's binding leads back to itself.
    project(
        tmp_path,
        {
            "app/api/routers/items.py": (
                "from fastapi import APIRouter\nfrom app.db import SessionLocal\n\nrouter = APIRouter()\n\n\n"
                "@router.get('/')\nasync def items(a=None):\n" + body
            ),
            "app/db.py": "SessionLocal = None\n",
        },
    )
    code, out, err = check(tmp_path)
    assert "internal error" not in err and code in (0, 1), (out, err)


def test_importing_a_folder_without_init_on_a_chain_is_no_internal_error(tmp_path):
    # ``import app.common.runtimes`` names a folder, not a file: a module of the graph that
    # no source backs. The chain search reads what it can and reports the leak.
    write_example(
        tmp_path,
        {
            "app/api/routers/items.py": (
                "from app.core.k8s import K8sHelper\n\n\n"
                "def states():\n    return K8sHelper().store(1)\n"
            ),
            "app/core/k8s.py": (
                "import app.common.runtimes\nimport app.common.runtimes.constants\n"
                "from app.repositories.items import ItemRepository\n\n\n"
                "class K8sHelper:\n"
                "    def states(self):\n        return app.common.runtimes.constants.STATES\n\n"
                "    def store(self, item_id):\n        return ItemRepository().get(item_id)\n"
            ),
            "app/common/runtimes/constants.py": "STATES = []\n",
            "app/services/items.py": "def run(helper):\n    return helper.states()\n",
            "app/repositories/items.py": "class ItemRepository:\n    def get(self, i):\n        return i\n",
        },
    )
    (tmp_path / "app" / "common" / "runtimes" / "__init__.py").unlink()
    code, out, err = check(tmp_path)
    assert (code, err) == (1, ""), (out, err)
    assert codes(out) == {("app/core/k8s.py", 3, "ARC003")}


# -- point 9: one broken file hides no other file's findings ------------------------------
def test_a_broken_repository_keeps_the_findings_of_the_routers_that_import_it(tmp_path):
    project(tmp_path, {"app/repositories/user_repo.py": "def get(:\n    return 1\n"})
    code, out, err = check(tmp_path)
    assert codes(out) == {USERS_ARC001, ("app/repositories/user_repo.py", 1, "ARC900")}, (out, err)
    assert "only its import statements were checked" in out


def test_a_broken_router_keeps_its_own_imports(tmp_path):
    source = "from app.repositories import (\n    user_repo,\n)\nimport app.repositories.user_repo\ndef f(:\n"
    project(tmp_path, {"app/api/routers/items.py": source})
    code, out, err = check(tmp_path)
    assert codes(out) == {
        USERS_ARC001,
        ("app/api/routers/items.py", 1, "ARC001"),
        ("app/api/routers/items.py", 4, "ARC001"),
        ("app/api/routers/items.py", 5, "ARC900"),
    }, (out, err)


# -- point 10: crashes and hangs ----------------------------------------------------------
def _chain(count: int) -> str:
    return "x = " + " + ".join(["1"] * count) + "\n"


def _union_annotation(terms: int) -> str:
    return (
        "from fastapi import APIRouter\nrouter = APIRouter()\n\n\n@router.get('/')\n"
        f"def f() -> {' | '.join(['int'] * terms)}:\n    return 1\n"
    )


def _class_chain(count: int) -> str:
    lines = ["from sqlalchemy.orm import DeclarativeBase", "class C0(DeclarativeBase): pass"]
    lines += [f"class C{i}(C{i - 1}): pass" for i in range(1, count)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("app/services/big.py", _chain(50_000)),  # grimp's parser overflowed its stack: exit 139
        ("app/api/routers/deep.py", _union_annotation(400)),
        ("app/models/chain.py", _class_chain(600)),
    ],
    ids=["50000-term expression", "400-term annotation", "600-class inheritance chain"],
)
def test_deep_sources_neither_crash_nor_lose_findings(tmp_path, path, source):
    project(tmp_path, {path: source, "app/api/routers/orm.py": "from app.models.chain import C0\n"})
    code, out, err = check(tmp_path)
    assert code == 1 and "internal error" not in err, err
    assert USERS_ARC001 in codes(out)


def test_a_deep_star_import_chain_is_followed(tmp_path):
    extra = {f"app/core/s{i}.py": f"from app.core.s{i + 1} import *\n" for i in range(1000)}
    extra["app/core/s1000.py"] = "from app.repositories.user_repo import get\n\n\ndef helper():\n    return get()\n"
    extra["app/api/routers/items.py"] = "from app.core.s0 import helper\n\n\ndef f():\n    return helper()\n"
    project(tmp_path, extra)
    code, out, err = check(tmp_path)
    assert code == 1 and "internal error" not in err, err
    assert codes(out) == {USERS_ARC001, ("app/core/s1000.py", 1, "ARC003")}, out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_files_that_are_not_regular_are_named_never_read(tmp_path):
    project(tmp_path)
    os.mkfifo(tmp_path / "app" / "services" / "pipe.py")
    (tmp_path / "app" / "services" / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "zero.py").symlink_to("/dev/zero")  # at the top, sampled for imports
    code, out, err = check(tmp_path, timeout=30)
    assert codes(out) == {USERS_ARC001}, (out, err)
    assert "app/services/pipe.py not read: not a regular file" in err
    assert "app/services/zero.py not read: not a regular file" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_folders_that_cannot_be_read_are_named(tmp_path):
    project(tmp_path, {"app/core/secret/keys.py": "", "app/core/sealed/keys.py": ""})
    (tmp_path / "app" / "core" / "secret").chmod(0o000)  # neither listed nor entered
    (tmp_path / "app" / "core" / "sealed").chmod(0o300)  # entered, not listed
    try:
        code, out, err = check(tmp_path)
    finally:
        (tmp_path / "app" / "core" / "secret").chmod(0o755)
        (tmp_path / "app" / "core" / "sealed").chmod(0o755)
    assert code == 1 and codes(out) == {USERS_ARC001}, (out, err)
    assert "app/core/secret/ not read: it cannot be listed" in err
    assert "app/core/sealed/ not read: it cannot be listed" in err


def test_a_file_too_large_to_parse_is_arc900_and_keeps_its_imports(tmp_path):
    body = "from app.repositories import user_repo\n" + "x = [" + "1, " * 1_200_000 + "]\n"
    project(tmp_path, {"app/api/routers/huge.py": body})
    code, out, err = check(tmp_path)
    assert codes(out) == {
        USERS_ARC001, ("app/api/routers/huge.py", 1, "ARC001"), ("app/api/routers/huge.py", 1, "ARC900"),
    }, (out, err)
    assert "too large: 3.4 MB, the limit is 2.0 MB" in out


# -- point 11: broken configs are errors --------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("pyproject.toml", "tool = 1\n", "`tool` must be a table"),
        ("pyproject.toml", "[tool]\narchcheck = 1\n", "[tool.archcheck]: must be a table"),
        ("archcheck.toml", "tool = 1\n", "`tool` must be a table"),
        ("archcheck.toml", "[tool]\narchcheck = [1]\n", "must be a table"),
        ("pyproject.toml", "[tool.archcheck]\nexclude = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("pyproject.toml", '[tool.archcheck]\nignore = [""]\n', "'' is not a rule code"),
        ("pyproject.toml", '[tool.archcheck]\nselect = [""]\n', "'' is not a rule code"),
        ("pyproject.toml", "[tool.archcheck]\nignore_imports = ['a -> b -> c']\n", "'a -> b -> c' is not of the form"),
        ("pyproject.toml", "[tool.archcheck]\nignore_imports = ['a b -> c']\n", "is not of the form"),
    ],
)
def test_broken_configs_are_errors(tmp_path, name, text, says):
    project(tmp_path)
    (tmp_path / name).write_text(text)
    code, out, err = check(tmp_path)
    assert code == 2, (out, err)
    assert says in err and "internal error" not in err and "Traceback" not in err, err


def test_ignore_imports_globs_are_still_accepted(tmp_path):
    project(tmp_path, {"pyproject.toml": ""})
    (tmp_path / "pyproject.toml").write_text(
        "[tool.archcheck]\nignore_imports = ['app.api.** -> app.repositories.user_[rs]epo']\n"
    )
    code, out, err = check(tmp_path)
    assert code == 0, (out, err)


# -- point 12: the services that use a repository, asked once ------------------------------
def test_importers_of_a_repository_are_read_once():
    from archcheck.engine.graph_imports import GraphImports

    class Graph:
        asked = 0

        def importers_of(self, module):
            Graph.asked += 1
            return frozenset({"app.services.a", "app.api.routers.r"})

    class Layers:
        def layer_of(self, module):
            return "services" if ".services." in module else "routers"

    imports = GraphImports(Graph(), Layers(), sources=None, index=None)
    for _ in range(100):
        assert imports.importers_in_layer("app.repositories.x", "services") == ["app.services.a"]
    assert Graph.asked == 1


# -- the grimp cache port: given imports, with and without a cache folder ------------------
def test_a_cached_run_with_a_broken_file_reports_what_an_uncached_one_does(tmp_path):
    project(tmp_path, {
        "app/repositories/user_repo.py": "def get(:\n",
        "app/api/routers/items.py": "from app.repositories import user_repo\nraise;\n",
    })
    cache = tmp_path.parent / f"{tmp_path.name}-cache"
    uncached = check(tmp_path)
    for _ in range(2):
        cached = run([sys.executable, "-m", "archcheck", "--cache-dir", cache], cwd=tmp_path, timeout=60)
        assert cached == uncached
    assert codes(uncached.stdout) == {
        USERS_ARC001, ("app/api/routers/items.py", 1, "ARC001"), ("app/repositories/user_repo.py", 1, "ARC900"),
    }


def test_the_real_command_survives_all_of_it_at_once(tmp_path):
    # The whole-program path (python -m archcheck, forked workers) on several hostile files.
    extra = {f"app/api/routers/r{i}.py": "from app.repositories import user_repo\nraise;\n" for i in range(60)}
    extra["app/services/big.py"] = _chain(50_000)
    project(tmp_path, extra)
    code, out, err = archcheck("--no-cache", cwd=tmp_path)
    assert code == 1, err
    assert len(codes(out)) == 61 and "ARC900" not in out


def test_a_top_level_module_beside_the_package_that_imports_it_is_named_not_read(tmp_path):
    # ``backend/main.py`` building the app of ``backend/app/``: archcheck reads packages, so
    # the module is named in a warning, never skipped in silence; a test file, a module that
    # does not import the app, and an excluded one are not the app's unread code.
    root = project(tmp_path / "backend")
    (root / "main.py").write_text("from app.api.routers import users\n")
    (root / "setup.py").write_text("import setuptools\n")
    (root / "conftest.py").write_text("import app\n")
    (root / "noxfile.py").write_text("import app\n")
    (root / "seed.py").write_text("import app.repositories.user_repo\n")
    code, out, err = check(root)
    assert codes(out) == {USERS_ARC001}, (out, err)
    assert err.splitlines() == [
        f"archcheck: warning: {name} not read: a top-level module of the app beside its "
        "packages (archcheck reads packages only)"
        for name in ("main.py", "seed.py")
    ]
    (root / "pyproject.toml").write_text('[tool.archcheck]\nexclude = ["main.py", "seed.py"]\n')
    assert check(root).stderr == ""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_a_folder_named_in_bytes_no_encoding_reads_costs_nothing_else(tmp_path):
    # A workspace member's folder whose name is not UTF-8 holds nothing grimp could read:
    # it is passed over, and the app beside it is checked.
    root = project(tmp_path)
    member = os.fsdecode(bytes(tmp_path / "pkgs") + b"/m\xff-x")
    os.makedirs(os.path.join(member, "acme"))
    Path(member, "pyproject.toml").write_text("[project]\nname = 'm'\n")
    Path(member, "acme", "__init__.py").write_text("")
    (root / "pyproject.toml").write_text("")
    code, out, err = check(root, ".")
    assert codes(out) == {USERS_ARC001}, (out, err)
