"""The flake8 plugin as users meet it: the real ``flake8`` in a subprocess, compared with
archcheck's own report on the same project (same path:line:col code message)."""
from __future__ import annotations

import ast

import re
import shutil
import sys

import pytest

from archcheck.rules import rule_for
from conftest import FIXTURES, PROJECTS, cli, findings, run, settle, tool, write_example

HINT = re.compile(r" \([a-z0-9_.]+(?:, [a-z0-9_.]+)*(?: and \d+ more)? uses? (?:it|them|some of them)\)$")
pytestmark = pytest.mark.functional

LEAKY = {
    "app/api/routers/users.py": (
        "from app.repositories import user_repo\n"
        "from app.core import lookup\n"
        "\n"
        "def handler():\n"
        "    from app.repositories import user_repo as again\n"
        "    return user_repo, again, lookup\n"
    ),
    "app/api/routers/orders.py": "from app.repositories import order_repo  # noqa: ARC001\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
    "app/services/order_service.py": "",
    "app/core/lookup.py": "from app.core.deep import find\n\ndef get():\n    return find()\n",
    "app/core/deep.py": "from app.repositories import order_repo\n\ndef find():\n    return order_repo\n",
    "app/repositories/user_repo.py": "from app.services import user_service\n",
    "app/repositories/order_repo.py": "",
}


def flake8(cwd, *args, input=None):
    """The real flake8, archcheck's codes only; beside it, archcheck runs in this process."""
    return run([tool("flake8"), "--isolated", "--select", "ARC", *args], cwd=cwd, input=input)


def without_graph(found):
    """What the plugin reports with no snapshot of a whole-project run: no chains, and
    ARC001 without the services that use the repository."""
    return {
        (path, line, column, code, HINT.sub("", message) if code == "ARC001" else message)
        for path, line, column, code, message in found
        if code != "ARC003"
    }


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_fixture_same_findings_as_the_cli(project):
    code, out, err = cli(".", cwd=project)
    if code == 2:  # a broken config: one flake8 error, no traceback
        f8_code, f8_out, f8_err = flake8(project, ".")
        assert f8_code == 1 and "archcheck: error:" in f8_out and "Traceback" not in f8_out + f8_err
        return
    # flake8 parses files itself with the running Python: what it cannot parse (ARC900's
    # files, syntax newer than the interpreter) it reports as E999 / E902 and never hands
    # to a plugin.
    unparsed = set()
    for path in project.rglob("*.py"):
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            unparsed.add(path.relative_to(project).as_posix())
    expected = {f for f in findings(out) if f[3] != "ARC900" and f[0] not in unparsed}
    f8_code, f8_out, f8_err = flake8(project, ".")
    assert f8_err == ""
    assert sorted(findings(f8_out)) == sorted(expected)
    assert f8_code == (1 if expected else 0)
    # The same with flake8's worker processes, each discovering the project for itself.
    assert findings(flake8(project, "-j", "2", ".")[1]) == expected


def test_fixture_without_a_snapshot_reports_what_one_file_shows():
    project = FIXTURES / "layered_leaky"
    code, out, _ = cli(".", "--no-cache", cwd=project)
    reported = findings(out)
    assert any(f[3] == "ARC003" for f in reported) and any(HINT.search(f[4]) for f in reported)
    assert findings(flake8(project, ".")[1]) == without_graph(reported)


def test_snapshot_entries_are_checked_against_the_files(tmp_path):
    write_example(tmp_path, LEAKY)
    settle()
    cli("app", cwd=tmp_path)  # leaves the snapshot
    # After the run: a service stops using user_repo, another starts using it, and
    # the chain router -> lookup -> deep -> order_repo is cut and rerouted.
    (tmp_path / "app/services/user_service.py").write_text("")
    (tmp_path / "app/services/order_service.py").write_text("from app.repositories import user_repo\n")
    (tmp_path / "app/core/deep.py").write_text("x = 1\n")
    (tmp_path / "app/core/lookup.py").write_text("from app.core.other import audit\n\ndef get():\n    return audit()\n")
    (tmp_path / "app/core/other.py").write_text(
        "import app.repositories.audit_repo\n\ndef audit():\n    return app.repositories.audit_repo\n"
    )
    (tmp_path / "app/repositories/audit_repo.py").write_text("")
    _, f8_out, _ = flake8(tmp_path, "app")
    _, cli_out, _ = cli("app", "--no-cache", cwd=tmp_path)
    # A chain whose files changed since the snapshot is left to the next whole run: no
    # stale ARC003, and everything else as the CLI reports it.
    rerouted = ("app/core/other.py", 1, 1, "ARC003")
    assert {f for f in findings(f8_out) if f[:4] != rerouted} == {
        f for f in findings(cli_out) if f[:4] != rerouted
    }
    assert not any(f[0] == "app/core/deep.py" for f in findings(f8_out))
    settle()
    cli("app", cwd=tmp_path)  # a whole run brings the snapshot up to date
    f8_out = flake8(tmp_path, "app")[1]
    assert findings(f8_out) == findings(cli_out)
    messages = [f[4] for f in findings(f8_out)]
    assert any(
        f[0] == "app/core/other.py" and "Repository app.repositories.audit_repo is reached from routers" in f[4]
        for f in findings(f8_out)
    )
    assert any("(app.services.order_service uses it)" in m for m in messages)
    assert not any("user_service uses it" in m for m in messages)


# A fan recorded in the snapshot, then a change that the files of its shortest chain do not
# show: the stale fan is left to the next whole run, as any chain whose files changed, and
# after that run flake8 reports what the CLI does.
STALE_FANS = {
    # One export module past the hub stops reading its repository: three links now.
    "a module past the hub changes": (
        {},
        {"app/core/exports/orders.py": "def export(session):\n    return []\n"},
        "imports past it",
    ),
    # ``formats.py`` also calls a helper that leads nowhere, which then starts reading the
    # registry: a second way into the hub, and the fan starts at the router's import.
    "a new way into the hub": (
        {
            "app/core/formats.py": lambda text: text.replace(
                "import io\n", "import io\n\nfrom app.core import other\n"
            ).replace("    return to_csv(", "    other.note(name)\n    return to_csv("),
            "app/core/other.py": lambda text: "def note(name):\n    return name\n",
        },
        {
            "app/core/other.py": (
                "from app.core.exports.registry import EXPORTS\n\n\n"
                "def note(name):\n    return EXPORTS[name]\n"
            ),
        },
        "app/core/formats.py",
    ),
}


@pytest.mark.parametrize("change", STALE_FANS)
def test_a_fan_is_checked_against_every_module_that_decides_it(change, tmp_path):
    before, after, stale = STALE_FANS[change]
    shutil.copytree(FIXTURES / "arc003_fan", tmp_path / "p")
    project = tmp_path / "p"
    for relative, edit in before.items():
        path = project / relative
        path.write_text(edit(path.read_text() if path.exists() else ""))
    settle()
    cli(".", cwd=project)
    for relative, text in after.items():
        (project / relative).write_text(text)
    settle()
    assert stale not in flake8(project, ".")[1]
    _, cli_out, _ = cli(".", cwd=project)
    settle()
    assert findings(flake8(project, ".")[1]) == findings(cli_out)


def test_a_chain_that_repeats_a_models_own_coupling_is_left_out_by_flake8_too(tmp_path):
    # ``columns.py`` builds an export schema for both models' column type: the order model
    # imports no schema, so the import is its link; the user model imports schemas itself
    # (not that one), so the link is not its, in both tools.
    shutil.copytree(FIXTURES / "arc003_repeated_coupling", tmp_path / "p")
    project = tmp_path / "p"
    columns = project / "app/core/columns.py"
    columns.write_text(
        columns.read_text()
        .replace(
            "from app.schemas.settings import DisplaySettings\n",
            "from app.schemas.export import ExportRow\nfrom app.schemas.settings import DisplaySettings\n",
        )
        .replace("return DisplaySettings(", "return ExportRow, DisplaySettings(")
    )
    order = project / "app/models/order.py"
    order.write_text(
        order.read_text()
        .replace(
            "from app.core.invoicing import as_line\n",
            "from app.core.columns import DisplayColumn\nfrom app.core.invoicing import as_line\n",
        )
        .replace("    total: Mapped[int]\n", "    total: Mapped[int]\n    display = mapped_column(DisplayColumn)\n")
    )
    settle()
    _, cli_out, _ = cli(".", cwd=project)
    (link,) = [f for f in findings(cli_out) if f[:4] == ("app/core/columns.py", 4, 1, "ARC003")]
    assert "app.models.order uses DisplayColumn" in link[4] and "app.models.user" not in link[4]
    settle()
    assert findings(flake8(project, ".")[1]) == findings(cli_out)


def test_a_chain_to_an_enum_of_the_schemas_is_no_link_in_both_tools(tmp_path):
    # ``protocols.py`` gives the model a schemas module's enum, which ARC004 lets the model
    # import itself; its helper that builds a response schema is a link, in both tools.
    write_example(
        tmp_path,
        {
            "app/schemas/proxy.py": (
                "import enum\nfrom pydantic import BaseModel\n\n\n"
                "class ProxyType(str, enum.Enum):\n    VMESS = 'vmess'\n\n\n"
                "class ProxyOut(BaseModel):\n    type: ProxyType\n"
            ),
            "app/core/protocols.py": (
                "from app.schemas.proxy import ProxyType\n"
                "from app.schemas.proxy import ProxyOut\n\n\n"
                "def supported(protocol):\n    return protocol in {p.value for p in ProxyType}\n\n\n"
                "def shown(protocol):\n    return ProxyOut(type=protocol)\n"
            ),
            "app/models/proxy.py": (
                "from app.core.protocols import shown, supported\n\n\n"
                "class Proxy:\n    def usable(self):\n        return supported('vmess'), shown('vmess')\n"
            ),
            "app/api/routers/proxies.py": "",
        },
    )
    settle()
    _, cli_out, _ = cli(".", cwd=tmp_path)
    assert [f[:4] for f in findings(cli_out)] == [("app/core/protocols.py", 2, 1, "ARC003")], cli_out
    settle()
    assert findings(flake8(tmp_path, ".")[1]) == findings(cli_out)


@pytest.mark.parametrize(
    "type_checking",
    ["if TYPE_CHECKING:\n    from app.core.hub import Hub\n", "if TYPE_CHECKING: from app.core.hub import Hub\n\n"],
)
def test_a_fan_at_the_heads_own_import_is_reported_at_the_statement_that_runs(type_checking, tmp_path):
    # The router imports the hub for type checkers first, and for real inside a function:
    # the fan's one finding is at the second, in both tools.
    files = {
        "app/api/routers/items.py": (
            "from typing import TYPE_CHECKING\n\n"
            + type_checking
            + "\n\n"
            "def get_items(hub: 'Hub'):\n"
            "    from app.core.hub import run\n\n"
            "    return run()\n"
        ),
        "app/core/hub.py": (
            "from app.core import m1, m2, m3, m4\n\n\n"
            "def run():\n"
            "    return m1.go() + m2.go() + m3.go() + m4.go()\n\n\n"
            "class Hub:\n"
            "    pass\n"
        ),
        **{
            f"app/core/m{i}.py": f"from app.repositories import repo{i}\n\n\ndef go():\n    return repo{i}.get()\n"
            for i in range(1, 5)
        },
        **{f"app/repositories/repo{i}.py": "def get():\n    return 1\n" for i in range(1, 5)},
        "app/services/item_service.py": "",
    }
    write_example(tmp_path, files)
    settle()
    _, cli_out, _ = cli(".", cwd=tmp_path)
    assert [f[:4] for f in findings(cli_out)] == [("app/api/routers/items.py", 8, 5, "ARC003")]
    settle()
    assert findings(flake8(tmp_path, ".")[1]) == findings(cli_out)


def test_a_link_names_what_the_head_uses_that_leads_to_it_in_both_tools(tmp_path):
    # The router uses three names of ``catalog``: ``listing`` reaches the repository there,
    # ``stock`` reaches it through ``core/stock.py``, ``currency`` reaches nothing.
    files = {
        "app/api/routers/products.py": (
            "from app.core.catalog import currency, listing, stock\n\n\n"
            "def products(session):\n"
            "    return listing(session), stock(session), currency()\n"
        ),
        "app/core/catalog.py": (
            "from app.core import stock as stocks\n"
            "from app.repositories import product_repo\n\n\n"
            "def currency():\n    return 'EUR'\n\n\n"
            "def listing(session):\n    return product_repo.all(session)\n\n\n"
            "def stock(session):\n    return stocks.level(session)\n"
        ),
        "app/core/stock.py": (
            "from app.repositories import stock_repo\n\n\n"
            "def level(session):\n    return stock_repo.level(session)\n"
        ),
        "app/repositories/product_repo.py": "def all(session):\n    return []\n",
        "app/repositories/stock_repo.py": "def level(session):\n    return 0\n",
        "app/services/product_service.py": "",
    }
    write_example(tmp_path, files)
    settle()
    _, cli_out, _ = cli(".", cwd=tmp_path)
    messages = {f[0]: f[4] for f in findings(cli_out) if f[3] == "ARC003"}
    assert "(app.api.routers.products uses listing)" in messages["app/core/catalog.py"]
    assert "(app.api.routers.products uses app.core.catalog.stock)" in messages["app/core/stock.py"]
    settle()
    assert findings(flake8(tmp_path, ".")[1]) == findings(cli_out)


def test_a_name_star_imported_is_followed_to_the_module_it_comes_from_in_both_tools(tmp_path):
    # ``app/core/__init__.py`` star-imports ``agent`` (which gives ``Agent``) and a
    # repository: the router's ``Agent`` comes from ``agent``, and the repository's star
    # import is no link for it. The ``lookup`` star import is the control: its ``find``
    # reaches another repository.
    files = {
        "app/api/routers/chat.py": (
            "from app.core import Agent, find\n\n\ndef chat():\n    return Agent(), find()\n"
        ),
        "app/core/__init__.py": (
            "from app.core.agent import *\n"
            "from app.repositories.job_repo import *\n"
            "from app.core.lookup import *\n"
        ),
        "app/core/agent.py": "class Agent:\n    pass\n",
        "app/core/lookup.py": (
            "from app.repositories import item_repo\n\n\ndef find():\n    return item_repo\n"
        ),
        "app/repositories/job_repo.py": "def run_jobs():\n    return []\n",
        "app/repositories/item_repo.py": "",
        "app/services/chat_service.py": "",
    }
    write_example(tmp_path, files)
    settle()
    _, cli_out, _ = cli(".", cwd=tmp_path)
    assert [f[0] for f in findings(cli_out) if f[3] == "ARC003"] == ["app/core/lookup.py"], cli_out
    settle()
    assert findings(flake8(tmp_path, ".")[1]) == findings(cli_out)


def test_a_link_reached_round_a_cycle_names_what_the_head_imports_in_both_tools(tmp_path):
    # ``listing`` reaches ``stock``, which comes back for ``catalog.helper``: the link in
    # ``catalog`` is the router's through ``listing``, not through ``helper``, which it
    # never imports.
    files = {
        "app/api/routers/products.py": (
            "from app.core.catalog import currency, listing\n\n\n"
            "def products(session):\n    return listing(session), currency()\n"
        ),
        "app/core/catalog.py": (
            "from app.core import stock\n"
            "from app.repositories import product_repo\n\n\n"
            "def currency():\n    return 'EUR'\n\n\n"
            "def listing(session):\n    return stock.level(session)\n\n\n"
            "def helper(session):\n    return product_repo.all(session)\n"
        ),
        "app/core/stock.py": (
            "from app.core import catalog\n\n\ndef level(session):\n    return catalog.helper(session)\n"
        ),
        "app/repositories/product_repo.py": "def all(session):\n    return []\n",
        "app/services/product_service.py": "",
    }
    write_example(tmp_path, files)
    settle()
    _, cli_out, _ = cli(".", cwd=tmp_path)
    (link,) = [f for f in findings(cli_out) if f[3] == "ARC003"]
    assert "(app.api.routers.products uses currency, listing)" in link[4], link
    settle()
    assert findings(flake8(tmp_path, ".")[1]) == findings(cli_out)


@pytest.mark.parametrize(
    "package",
    [
        "from app.repositories.user_repo import UserRepository\n",  # a name
        "from app.repositories.user_repo import *\n",  # a star
        "from app.db import UserRepository\n",  # through a second package
    ],
)
def test_names_re_exported_by_a_package_are_the_heads_own_import_in_both_tools(package, tmp_path):
    # ``persistence/__init__.py`` re-exports a repository and a service's function: the
    # router's and the schema's statements import the repository itself (ARC001, ARC002),
    # the repository's imports the service (ARC002), and the package's re-export lines are
    # no ARC003 of theirs, whichever head the chain search takes last.
    files = {
        "app/api/routers/users.py": "from app.persistence import UserRepository\n\nREPO = UserRepository\n",
        "app/persistence/__init__.py": package + "from app.services.user_service import get\n",
        "app/db/__init__.py": "from app.repositories.user_repo import UserRepository\n",
        "app/repositories/user_repo.py": (
            "from app.persistence import get\n\n\nclass UserRepository:\n    pass\n\n\n"
            "def use():\n    return get()\n"
        ),
        "app/schemas/user.py": "from app.persistence import UserRepository\n\nREPO = UserRepository\n",
        "app/services/user_service.py": "def get():\n    return None\n",
    }
    write_example(tmp_path, files)
    settle()
    _, cli_out, _ = cli(".", cwd=tmp_path)
    assert sorted((f[0], f[1], f[3]) for f in findings(cli_out)) == [
        ("app/api/routers/users.py", 1, "ARC001"),
        ("app/repositories/user_repo.py", 1, "ARC002"),
        ("app/schemas/user.py", 1, "ARC002"),
    ], cli_out
    settle()
    assert findings(flake8(tmp_path, ".")[1]) == findings(cli_out)


CONFIGURED = """[tool.archcheck]
root = "app"
[tool.archcheck.layers]
wiring = []
routers = ["app.routers"]
services = ["app.services"]
repositories = ["app.repositories"]
models = []
schemas = []
"""


@pytest.mark.parametrize("config", ["", CONFIGURED], ids=["detected", "configured"])
def test_tests_beside_the_code_are_in_no_layer_in_both_tools(config, tmp_path):
    # AutoGPT keeps ``items_test.py`` beside its routers, others a ``tests/`` package inside
    # the routers' folder: test code that seeds data through a repository is no router.
    seed = "from app.repositories.items import insert\n\n\ndef test_seed():\n    insert('a')\n"
    files = {
        "app/routers/items.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        "app/routers/items_test.py": seed,
        "app/routers/test_items.py": "import pytest\n" + seed,
        "app/routers/tests/test_more.py": seed,
        "app/routers/conftest.py": "from app.repositories.items import insert\n",
        # pytest's name, but no test in it: a router that runs a CI's tests.
        "app/routers/test_runs.py": "from app.repositories.items import insert  # ARC001\n",
        # pytest's name and a class named Test*, but a route: a CI dashboard's router.
        "app/routers/test_results.py": (
            "from fastapi import APIRouter\nfrom pydantic import BaseModel\n"
            "from app.repositories.items import insert  # ARC001\n\nrouter = APIRouter()\n\n\n"
            "class TestResultOut(BaseModel):\n    name: str\n\n\n"
            "@router.get('/results')\ndef results() -> list[TestResultOut]:\n    return []\n"
        ),
        "app/services/items.py": "from app.repositories.items import insert\n",
        # A service that tries the mail settings: a method named test_, no test module.
        "app/services/test_connection.py": (
            "from app.routers.items import router  # ARC002\n\n\n"
            "class SmtpCheck:\n    def test_smtp(self):\n        return router\n"
        ),
        "app/repositories/items.py": "def insert(name):\n    return name\n",
    }
    write_example(tmp_path, files)
    if config:  # every layer named: detection does not run, and leaves the tests out still
        (tmp_path / "pyproject.toml").write_text(config)
    settle()
    _, cli_out, _ = cli(".", cwd=tmp_path)
    assert sorted((f[0], f[3]) for f in findings(cli_out)) == [
        ("app/routers/test_results.py", "ARC001"),
        ("app/routers/test_runs.py", "ARC001"),
        ("app/services/test_connection.py", "ARC002"),
    ], cli_out
    settle()
    assert findings(flake8(tmp_path, ".")[1]) == findings(cli_out)


def test_flake8_selection_noqa_and_per_file_ignores(tmp_path):
    write_example(tmp_path, LEAKY)
    settle()
    cli("app", cwd=tmp_path)
    everything = findings(flake8(tmp_path, "app")[1])
    codes = {(f[0], f[1], f[3]) for f in everything}
    assert ("app/api/routers/users.py", 1, "ARC001") in codes
    assert ("app/api/routers/users.py", 5, "ARC001") in codes  # a lazy import, column 5
    assert ("app/core/deep.py", 1, "ARC003") in codes
    assert ("app/repositories/user_repo.py", 1, "ARC002") in codes
    assert not any(f[0] == "app/api/routers/orders.py" for f in everything)  # noqa: ARC001

    def only(*args):
        return {(f[0], f[1], f[3]) for f in findings(flake8(tmp_path, *args, "app")[1])}

    assert only("--ignore", "ARC001") == {c for c in codes if c[2] != "ARC001"}
    assert only("--select", "ARC002") == {c for c in codes if c[2] == "ARC002"}
    assert only("--extend-ignore", "ARC003") == {c for c in codes if c[2] != "ARC003"}
    assert only("--per-file-ignores", "app/api/*:ARC") == {c for c in codes if not c[0].startswith("app/api/")}
    assert ("app/api/routers/orders.py", 1, "ARC001") in only("--disable-noqa")


def test_config_select_ignore_and_per_file_ignores_apply(tmp_path):
    write_example(
        tmp_path, LEAKY,
        config="ignore = ['ARC002']\n[tool.archcheck.per-file-ignores]\n'app/core/deep.py' = ['ARC003']",
    )
    found = {(f[0], f[1], f[3]) for f in findings(flake8(tmp_path, "app")[1])}
    reported = {(f[0], f[1], f[3]) for f in findings(cli("app", cwd=tmp_path)[1])}
    assert found == reported and not any(c[2] in ("ARC002", "ARC003") for c in found)


@pytest.mark.skipif(
    rule_for("ARC103") is None or rule_for("ARC103").default != "strict", reason="needs the strict-only ARC103"
)
def test_naming_a_rule_that_is_off_by_default_turns_it_on(tmp_path):
    write_example(tmp_path, {**LEAKY, "app/services/order_service.py": "from fastapi import HTTPException\n"})
    assert not any(f[3] == "ARC103" for f in findings(flake8(tmp_path, "app")[1]))
    assert any(f[3] == "ARC103" for f in findings(flake8(tmp_path, "--extend-select", "ARC103", "app")[1]))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_broken_config_is_one_clear_error(tmp_path, jobs):
    write_example(tmp_path, LEAKY, config="layout = 'sideways'")
    code, out, err = flake8(tmp_path, "-j", jobs, "app")
    assert code == 1
    errors = [line for line in out.splitlines() if "archcheck: error:" in line]
    assert len(errors) == 1, out
    assert "pyproject.toml: [tool.archcheck] layout: must be one of" in errors[0]
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "selection",
    [
        ["--select", "E9"],
        ["--select", "E9,ARC", "--ignore", "ARC"],
        ["--select", "E9,ARC", "--extend-ignore", "ARC0,ARC1,ARC2,ARC9"],
    ],
    ids=["select-E9", "ignore-ARC", "ignore-every-ARC-code"],
)
def test_no_arc_code_reported_no_work_done(tmp_path, selection):
    # An editor running flake8 with other plugins' codes pays nothing for archcheck: the
    # broken config shows that nothing was checked, the modules loaded that nothing
    # beyond the rules' codes was imported.
    write_example(tmp_path, LEAKY, config="layout = 'sideways'")
    script = (
        "import sys\n"
        "from flake8.main.cli import main\n"
        f"code = main(['--isolated', *{selection!r}, 'app'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('archcheck.engine')), code)\n"
    )
    result = run([sys.executable, "-c", script], cwd=tmp_path)
    assert (result.stdout, result.stderr) == ("[] 0\n", "")


@pytest.mark.parametrize("first", ["Report", "check", "FileChecker", "load"])
def test_engine_names_are_what_they_name_whichever_is_imported_first(first, tmp_path):
    # archcheck.engine imports its rooms when first asked (the plugin needs few of them);
    # the room ``check`` must not leave its module where the function ``check`` belongs.
    script = (
        "import inspect\n"
        f"from archcheck.engine import {first}\n"
        "import archcheck.engine as engine\n"
        "print(sorted(n for n in engine.__all__ if inspect.ismodule(getattr(engine, n))))\n"
    )
    result = run([sys.executable, "-c", script], cwd=tmp_path)
    assert (result.stdout, result.stderr) == ("[]\n", "")


def test_files_outside_packages_or_layers_report_nothing(tmp_path):
    write_example(tmp_path, {"scripts/tool.py": "import os\n", "lib/helpers.py": "from lib import other\n", "lib/other.py": ""})
    (tmp_path / "scripts" / "__init__.py").unlink()
    (tmp_path / "loose.py").write_text("import json\n")
    assert flake8(tmp_path, ".") == (0, "", "")


def test_text_from_stdin_is_checked_as_the_named_file(tmp_path):
    write_example(tmp_path, LEAKY)
    result = flake8(
        tmp_path, "--stdin-display-name", "app/api/routers/orders.py", "-",
        input="import os\nfrom app.repositories import user_repo\n",
    )
    assert result.stdout == (
        "app/api/routers/orders.py:2:1: ARC001 Router imports repository app.repositories.user_repo; "
        "call a service instead\n"
    )


def test_config_root_from_anywhere_in_the_project(tmp_path):
    write_example(tmp_path, {f"src/{path}": source for path, source in LEAKY.items()})
    (tmp_path / "archcheck.toml").write_text("root = 'src/app'\n")
    settle()
    reported = findings(cli(".", cwd=tmp_path)[1])
    assert reported and findings(flake8(tmp_path, "src")[1]) == reported
    # An editor may run flake8 from deeper down: same findings, paths from there.
    inside = tmp_path / "src" / "app"
    expected = {(f[0].removeprefix("src/app/"), *f[1:]) for f in reported if f[0].startswith("src/app/api/")}
    assert findings(flake8(inside, "api")[1]) == expected


def test_the_config_baseline_holds_back_what_it_records(tmp_path):
    # Editor, CI and pre-commit agree: what `baseline = ...` records is not shown anywhere.
    router = "from fastapi import APIRouter\n\nfrom app.repositories import order_repo\n"
    files = {
        "app/api/routers/orders.py": router,
        "app/services/order_service.py": "",
        "app/repositories/order_repo.py": "from fastapi import HTTPException\n",
    }
    write_example(tmp_path, files, config='baseline = "archcheck-baseline.json"')
    assert cli("app", "--write-baseline", "archcheck-baseline.json", cwd=tmp_path).returncode == 0
    assert flake8(tmp_path, "app").stdout == ""
    # A new finding shows, the recorded ones stay held back, in a file on disk ...
    (tmp_path / "app/api/routers/orders.py").write_text(router + "from app.repositories import order_repo as again\n")
    assert [f[1:4] for f in findings(flake8(tmp_path, "app").stdout)] == [(4, 1, "ARC001")]
    # ... and in an editor's unsaved buffer, moved around.
    unsaved = "\n\n" + router
    result = flake8(tmp_path, "--stdin-display-name", "app/api/routers/orders.py", "-", input=unsaved)
    assert result.stdout == ""
