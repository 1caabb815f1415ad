"""ARC003 reads a layered module's needs from its import statements and text
(``uses.imported_names``); wherever those say, they say what its syntax tree says, or,
where a star import hides which names are used, every name."""
from __future__ import annotations

import ast
import textwrap

import pytest

from archcheck.engine.chains import names_used
from archcheck.uses import imported_names, uses_of

FIRST = "app.core.lookup"
MODULES = {FIRST, "app.core", "app.core.lookup.parts", "app.api.routers.reports"}

HEADS = {
    "names used": """
        from app.core.lookup import build_report, page_size

        def report():
            return build_report(page_size())
    """,
    "a name imported under another": """
        from app.core.lookup import build_report as build

        def report():
            return build()
    """,
    "a name imported and never used": """
        from app.core.lookup import build_report, page_size

        def report():
            return page_size()
    """,
    "a module bound to a name": """
        from app.core import lookup

        def report():
            return lookup.build_report(lookup.PAGE)
    """,
    "a module passed as a value": """
        from app.core import lookup

        def report(registry):
            registry.add(lookup)
    """,
    "a task enqueued": """
        from app.core.lookup import send_report

        def report():
            send_report.delay()
    """,
    "a task enqueued and called": """
        from app.core.lookup import send_report

        def report():
            send_report.delay()
            return send_report()
    """,
    "a star import": """
        from app.core.lookup import *

        def report():
            return build_report()
    """,
    "a lazy import": """
        def report():
            from app.core.lookup import build_report
            return build_report()
    """,
    "a module imported lazily, passed as a value": """
        def registry():
            from app.core import lookup
            return {"lookup": lookup}
    """,
    "a name imported lazily and never read": """
        def report():
            from app.core.lookup import build_report
            return 1
    """,
    "a task imported lazily and enqueued": """
        def report():
            from app.core.lookup import send_report
            send_report.apply_async()
    """,
    "names imported in a module-level with block": """
        with passed_through():
            from app.core.lookup import build_report, page_size

        def report():
            return build_report()
    """,
    "a name imported lazily into a global": """
        def _load():
            global build_report
            from app.core.lookup import build_report

        def report():
            _load()
            return build_report()
    """,
    "a name imported into a class body": """
        class Report:
            from app.core.lookup import build_report

            def run(self):
                return self.build_report()
    """,
    "a task enqueued through its module": """
        from app.core import lookup

        def report():
            lookup.send_report.delay()
    """,
    "a function of a submodule that the package binds": """
        from app.core import lookup

        def report():
            return lookup.parts.build()
    """,
    "a relative import over lines": """
        from ..core.lookup import (
            build_report,  # the one
            page_size,
        )

        def report():
            return build_report(page_size())
    """,
}


# Imports that an import of the module never runs: what they bind is needed by nothing.
NEVER_RUN = {
    "imported for type checkers only": """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from app.core.lookup import build_report

        def report(build: build_report) -> None:
            return build_report
    """,
    "imported for type checkers only, nested": """
        import typing

        if typing.TYPE_CHECKING:
            try:
                from app.core.lookup import build_report
            except ImportError:
                pass
        else:
            build_report = None

        def report():
            return build_report
    """,
    "imported for type checkers only, under elif": """
        import sys
        from typing import TYPE_CHECKING

        if sys.version_info < (3, 8):
            build_report = None
        elif TYPE_CHECKING:
            from app.core.lookup import build_report

        def report():
            return build_report
    """,
    "imported for type checkers only, under a header over lines": """
        from typing import TYPE_CHECKING

        if (
            TYPE_CHECKING
        ):
            from app.core.lookup import build_report

        def report():
            return build_report
    """,
    "imported for type checkers only, in a function and a class": """
        from typing import TYPE_CHECKING

        def report(
            page: int,
        ):
            if TYPE_CHECKING:
                from app.core.lookup import build_report
            return build_report

        class Report:
            if TYPE_CHECKING:
                from app.core.lookup import build_report
    """,
    "imported in a script's block": """
        def report():
            return 1

        if __name__ == "__main__":
            from app.core.lookup import build_report

            build_report(report())
    """,
}
HEADS.update(NEVER_RUN)
HEADS.update(
    {
        "a handler's name read": """
        from app.core.lookup import Activities

        NAMES = {Activities.archive.__name__, Activities.__qualname__}
    """,
        "a handler's name read through the module, then used": """
        from app.core import lookup

        NAME = lookup.Activities.archive.__name__.upper()
    """,
    }
)


def statements(source: str) -> dict[str, list[int]]:
    lines = {FIRST: []}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(("lookup", "core")):
            lines[FIRST].append(node.lineno)
    return lines


@pytest.mark.parametrize("name", sorted(HEADS))
def test_import_statements_say_what_the_syntax_tree_says(name):
    source = textwrap.dedent(HEADS[name])
    module = "app.api.routers.reports"
    found = imported_names(source, statements(source), module, False, MODULES)
    assert found is not None
    used = names_used(uses_of(ast.parse(source), module, False).uses(None), [FIRST, "app.core"])
    expected = None if name == "a star import" else used.get(FIRST, "not needed")
    assert found[0].get(FIRST, "not needed") == expected


def test_an_import_of_a_package_head_is_left_to_the_syntax_tree():
    source = "import app.core.lookup\n\n\ndef report():\n    return app.core.lookup.build_report()\n"
    assert imported_names(source, {FIRST: [1]}, "app.api.routers.reports", False, MODULES) is None


@pytest.mark.parametrize(
    "source",
    [
        "from app.core.lookup import rows; X = rows()\n",
        "def export(): from app.core.lookup import rows; return rows()\n",
        "if True: from app.core.lookup import rows\n",
    ],
)
def test_an_import_sharing_its_line_with_other_code_is_left_to_the_syntax_tree(source):
    assert imported_names(source, {FIRST: [1]}, "app.api.routers.reports", False, MODULES) is None


def test_only_classes_that_no_imported_base_may_call_into_are_followed_by_method():
    # A base imported from the project may itself derive from a library's class, whose
    # machinery calls the methods: such a class needs all of them until the chain search
    # clears its bases (``FromImported.`` in ``called``).
    source = textwrap.dedent(
        """
        import abc
        import logging
        from app.core.base import Base
        from app.repositories import audit_repo

        Handler = logging.Handler

        class Local:
            def rows(self):
                return 1

        class FromLocal(Local, abc.ABC):
            def more(self):
                return 2

        class FromImported(Base):
            def hook(self):
                return audit_repo.recent()

        class FromAlias(Handler):
            def emit(self, record):
                return 4
        """
    )
    uses = uses_of(ast.parse(source), "app.core.exporter", False)
    assert uses.methods == {"Local": ["rows"], "FromLocal": ["more"], "FromImported": ["hook"]}
    assert uses.bases == {
        "Local": [],
        "FromLocal": [],
        "FromImported": ["app.core.base.Base"],
        "FromAlias": None,
    }
    recent = "app.repositories.audit_repo.recent"
    assert recent in {u.target for u in uses.uses(["FromImported"], ())}
    assert recent not in {u.target for u in uses.uses(["FromImported"], ("FromImported.",))}
    assert recent in {u.target for u in uses.uses(["FromImported"], ("FromImported.", "hook"))}


def test_a_data_class_base_still_needs_the_methods_it_declares():
    # Pydantic calls an override of model_post_init; FastAPI's encoder calls model_dump.
    source = textwrap.dedent(
        """
        from pydantic import BaseModel
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()

        class Action(BaseModel):
            def model_post_init(self, context):
                return 1

            def describe(self):
                return 2

        class Row(Base):
            def label(self):
                return 3
        """
    )
    uses = uses_of(ast.parse(source), "app.core.actions", False)
    assert uses.methods == {"Action": ["describe"], "Row": ["label"]}
    assert uses.bases == {"Base": [], "Action": ["pydantic.BaseModel"], "Row": []}


@pytest.mark.parametrize(
    ("name", "needed"),
    [
        # The import runs the module; the task is only enqueued: its registration alone.
        ("a task imported lazily and enqueued", {"send_report.apply_async"}),
        ("a name imported lazily and never read", set()),
        # Imports under a module-level ``with`` bind module names, as at the top.
        ("names imported in a module-level with block", {"build_report"}),
        # What the import binds escapes the function (a global, a class attribute): read
        # where the syntax tree cannot follow, so the import is a use of it.
        ("a name imported lazily into a global", {"build_report"}),
        ("a name imported into a class body", {"build_report"}),
    ],
)
def test_an_import_is_not_a_use_of_what_it_binds(name, needed):
    source = textwrap.dedent(HEADS[name])
    used = names_used(uses_of(ast.parse(source), "app.api.routers.reports", False).uses(None), [FIRST])
    assert used[FIRST] == needed


def test_a_module_read_through_a_package_name_is_charged_to_the_import_that_loads_it():
    # ``app`` is bound by ``import app.other.x``; ``app.repositories.repo`` is an attribute
    # of it because line 2 imported that module, under another name.
    source = textwrap.dedent(
        """
        import app.other.x
        import app.repositories.repo as repo

        def f():
            return app.repositories.repo.get() + app.other.x.Y
        """
    )
    uses = uses_of(ast.parse(source), "app.core.helper", False).uses(None)
    lines = {use.target: use.line for use in uses}
    assert lines["app.repositories.repo.get"] == 3
    assert lines["app.other.x.Y"] == 2


def test_a_module_read_through_a_bare_package_import_is_charged_to_the_import_that_loads_it():
    source = textwrap.dedent(
        """
        import app
        import app.repositories.repo as repo

        def f():
            return app.repositories.repo.get()
        """
    )
    uses = uses_of(ast.parse(source), "app.core.helper", False).uses(None)
    assert {use.target: use.line for use in uses}["app.repositories.repo.get"] == 3


@pytest.mark.parametrize("name", sorted(NEVER_RUN))
def test_what_an_import_never_runs_is_needed_by_nothing(name):
    source = textwrap.dedent(NEVER_RUN[name])
    module = "app.api.routers.reports"
    found = imported_names(source, statements(source), module, False, MODULES)
    assert found is not None and FIRST not in found[0]
    used = names_used(uses_of(ast.parse(source), module, False).uses(None), [FIRST])
    assert FIRST not in used


def test_a_function_of_a_submodule_read_through_its_package_needs_that_function_only():
    source = textwrap.dedent(HEADS["a function of a submodule that the package binds"])
    module = "app.api.routers.reports"
    found = imported_names(source, statements(source), module, False, MODULES)
    assert found is not None and found[0][FIRST] == frozenset({"parts.build"})
    # The package binds the submodule: the name goes on to the submodule, as one function.
    package = uses_of(ast.parse("from . import parts\n"), FIRST, True)
    assert {use.target for use in package.uses(["parts.build"])} == {f"{FIRST}.parts.build"}


REGISTRY = """
    from temporalio import activity

    from app.core.base import Base
    from app.repositories import report_repo


    class Activities:
        @staticmethod
        @activity.defn
        def archive():
            return report_repo.archive()

        @staticmethod
        @activity.defn
        def ping():
            return "pong"

        @classmethod
        def names(cls):
            return [cls.ping.__name__]


    class Hooked(Base):
        @activity.defn
        def archive(self):
            return report_repo.archive()

        @activity.defn
        def ping(self):
            return "pong"
"""


@pytest.mark.parametrize(
    ("names", "needed"),
    [
        (["Activities"], True),  # the class handed on: all it registered may run
        (["Activities.archive"], True),
        (["Activities.ping"], False),
        (["Activities.archive.__name__"], False),  # looked at, not run
        (["Activities.names"], False),
        (["Hooked.ping"], True),  # a base of its own kind may call any of them
    ],
)
def test_a_registered_method_is_needed_with_its_class_or_read_alone(names, needed):
    uses = uses_of(ast.parse(textwrap.dedent(REGISTRY)), "app.core.lookup", False)
    assert uses.registered == {"Activities": ["archive", "ping"]}
    found = {use.target for use in uses.uses(names, ())}
    assert ("app.repositories.report_repo.archive" in found) is needed


def test_a_name_looked_at_needs_no_body():
    source = textwrap.dedent(HEADS["a handler's name read through the module, then used"])
    module = "app.api.routers.reports"
    found = imported_names(source, statements(source), module, False, MODULES)
    assert found is not None and found[0][FIRST] == frozenset({"Activities.archive.__name__"})


DECORATED = """
    from app.repositories import event_repo, report_repo


    class Activities:
        @event_repo.on("archived")
        def archive(self):
            return report_repo.archive()

        @staticmethod
        def ping():
            return "pong"


    @event_repo.listen
    def handler():
        return report_repo.archive()


    def run():
        return Activities.ping()


    def wrapped():
        return report_repo.archive()


    wrapped = event_repo.wrap(wrapped)
"""


@pytest.mark.parametrize(
    ("names", "needed"),
    [
        # Reading one member makes the class, whose registered method's decorator runs.
        (["Activities.ping"], {"app.repositories.event_repo.on"}),
        # A function looked at: its decorator runs, its body does not.
        (["handler.__name__"], {"app.repositories.event_repo.listen"}),
        # One member read beside the class: as from outside.
        (["run"], {"app.repositories.event_repo.on"}),
        (["Activities"], {"app.repositories.event_repo.on", "app.repositories.report_repo.archive"}),
        # Bound again after its def: the name is the assignment's value, whole.
        (["wrapped.__name__"], {"app.repositories.event_repo.wrap", "app.repositories.report_repo.archive"}),
    ],
)
def test_what_runs_when_a_class_or_function_is_made_is_needed_with_it(names, needed):
    uses = uses_of(ast.parse(textwrap.dedent(DECORATED)), "app.core.jobs", False)
    assert {use.target for use in uses.uses(names, ())} == needed


# What a class, a text and an app factory say about what runs: each project reaches a
# service from a repository (or a router from a service) only where ``leak`` holds.
ROUTES = "from fastapi import APIRouter\n\nfrom app.services import runner\n\nrouter = APIRouter()\n"
JOB = "from pydantic import BaseModel, field_validator\n\nfrom app.services import runner\n{}\n\nclass Job(BaseModel):\n    name: str\n{}"
READS = {
    # skyvern's ``@traced(...)`` on ``Block.execute_safe``: a project decorator wraps a
    # Pydantic model's method, Pydantic does not call it.
    "a wrapping decorator": (
        JOB.format("from app.core.tracing import traced\n", "\n    @traced('job')\n    def run_safe(self):\n        return runner.run(self.name)\n"),
        "    return Job(name='x')\n",
        False,
    ),
    # A validator Pydantic runs when the model is built.
    "a validator": (
        JOB.format("", "\n    @field_validator('name')\n    @classmethod\n    def check(cls, value):\n        return runner.run(value)\n"),
        "    return Job(name='x')\n",
        True,
    ),
    # ``send = _send`` in the class body binds a method: it runs where code calls it.
    "a method bound by assignment": (
        JOB.format("\n\ndef _send(self):\n    return runner.run(self.name)\n", "\n    send = _send\n"),
        "    return Job(name='x')\n",
        False,
    ),
    "a method bound by assignment, called": (
        JOB.format("\n\ndef _send(self):\n    return runner.run(self.name)\n", "\n    send = _send\n"),
        "    return Job(name='x').send()\n",
        True,
    ),
    # A session's ``execute`` is the database's, not every ``Job.execute``.
    "a session's execute": (
        JOB.format("", "\n    def execute(self):\n        return runner.run(self.name)\n"),
        "    rows = session.execute('select name from job')\n    return [Job(name=r) for r in rows]\n",
        False,
    ),
    "the model's execute": (
        JOB.format("", "\n    def execute(self):\n        return runner.run(self.name)\n"),
        "    return Job(name='x').execute()\n",
        True,
    ),
    # Any prefix of a session's name is the database's (review m, t2), and the receiver
    # may end a line (t14).
    "a connection's execute": (
        JOB.format("", "\n    def execute(self):\n        return runner.run(self.name)\n"),
        "    rows = pg_conn.execute('select name from job')\n    return [Job(name=r) for r in rows]\n",
        False,
    ),
    "a session's execute on the next line": (
        JOB.format("", "\n    def execute(self):\n        return runner.run(self.name)\n"),
        "    rows = (\n        session\n        .execute('select name from job')\n    )\n    return [Job(name=r) for r in rows]\n",
        False,
    ),
    # A project's object named for a database is the project's (review: ``vector_db``).
    "a project object named for a database": (
        JOB.format("", "\n    def query(self):\n        return runner.run(self.name)\n"),
        "    vector_db = Job(name='x')\n    return vector_db.query()\n",
        True,
    ),
    # ``__call__ = _run`` runs where the object is called, read by name or not.
    "a special method bound by assignment": (
        JOB.format("\n\ndef _run(self):\n    return runner.run(self.name)\n", "\n    __call__ = _run\n"),
        "    return Job(name='x')()\n",
        True,
    ),
    # ``send = _send`` of the class's own method: ``send`` reads what ``_send`` reads.
    "a method of the class bound by assignment, called": (
        JOB.format("", "\n    def _send(self):\n        return runner.run(self.name)\n\n    send = _send\n"),
        "    return Job(name='x').send()\n",
        True,
    ),
    # Behind the project's own Pydantic base, from another module (review m, t3).
    "a wrapping decorator under a project's data base": (
        "from app.core.base import CoreModel\nfrom app.core.tracing import traced\nfrom app.services import runner\n\n\n"
        "class Job(CoreModel):\n    name: str\n\n    @traced('job')\n    def run_safe(self):\n        return runner.run(self.name)\n",
        "    return Job(name='x')\n",
        False,
    ),
    "a wrapping decorator under a project's data base, called": (
        "from app.core.base import CoreModel\nfrom app.core.tracing import traced\nfrom app.services import runner\n\n\n"
        "class Job(CoreModel):\n    name: str\n\n    @traced('job')\n    def run_safe(self):\n        return runner.run(self.name)\n",
        "    return Job(name='x').run_safe()\n",
        True,
    ),
    # A project's base is no data class: its decorators may register the method.
    "a project decorator under a project base": (
        "from app.core.tracing import Events, traced\nfrom app.services import runner\n\n\n"
        "class Job(Events):\n    @traced('created')\n    def created(self):\n        return runner.run('x')\n",
        "    return Job()\n",
        True,
    ),
    # An import's module path (``from app.core.execute import``) calls nothing.
    "a module path": (
        JOB.format("", "\n    def execute(self):\n        return runner.run(self.name)\n"),
        "    from app.core.execute.helpers import clean\n\n    return Job(name=clean('x'))\n",
        False,
    ),
}


@pytest.mark.parametrize(("jobs", "load", "leak"), list(READS.values()), ids=list(READS))
def test_what_a_class_and_a_text_say_runs(tmp_path, jobs, load, leak):
    from conftest import cli, findings, write_example

    write_example(
        tmp_path,
        {
            "app/api/routes/jobs.py": ROUTES,
            "app/services/runner.py": "def run(name):\n    return name\n",
            "app/core/tracing.py": "import functools\n\n\ndef traced(name):\n    def wrap(fn):\n        @functools.wraps(fn)\n        def inner(*args):\n            return fn(*args)\n\n        return inner\n\n    return wrap\n\n\nclass Events:\n    pass\n",
            "app/core/execute/helpers.py": "def clean(text):\n    return text\n",
            "app/core/base.py": "from pydantic import BaseModel\n\n\nclass CoreModel(BaseModel):\n    pass\n",
            "app/core/jobs.py": jobs,
            "app/repositories/job_repo.py": "from app.core.jobs import Job\n\n\ndef load(session):\n" + load,
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    found = [(f[0], f[3]) for f in findings(out)]
    assert (("app/core/jobs.py", "ARC003") in found) is leak, (out, err)


def test_a_module_that_builds_the_app_with_the_entry_points_factory_is_wiring(tmp_path):
    # skyvern's ``library/embedded_server_factory.py`` runs the whole app in-process with
    # ``create_api_app()``: a composition root, as a ``bootstrap.py`` would be, so a router
    # reaching the facade of every repository through it is no leak.
    from conftest import cli, findings, write_example

    write_example(
        tmp_path,
        {
            "app/main.py": "from fastapi import FastAPI\n\n\ndef create_app():\n    return FastAPI()\n",
            "app/db/facade.py": "from app.repositories.users import UserRepo\n\n\nclass Database:\n    users = UserRepo\n",
            "app/repositories/users.py": "class UserRepo:\n    def get(self, session):\n        return session.execute('select 1')\n",
            "app/services/users.py": "from app.repositories.users import UserRepo\n",
            "app/sdk/embedded.py": (
                "from app.db.facade import Database\nfrom app.main import create_app\n\n\n"
                "def local():\n    return create_app(), Database()\n"
            ),
            "app/sdk/client.py": "from app.sdk.embedded import local\n\n\ndef connect():\n    return local()\n",
            "app/api/routes/copilot.py": (
                "from fastapi import APIRouter\n\nfrom app.sdk.client import connect\n\n"
                "router = APIRouter()\n\n\n@router.get('/')\ndef run():\n    return connect()\n"
            ),
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert code == 0, (out, err)
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert "app.sdk.embedded: builds the app with app.main's factory" in result.stderr + result.stdout
    # A helper the routers import that also starts the app (a script's ``dump_openapi``)
    # is shared code: the router's chain through it is followed.
    (tmp_path / "app/api/routes/copilot.py").write_text(
        "from fastapi import APIRouter\n\nfrom app.sdk.embedded import local\n\n"
        "router = APIRouter()\n\n\n@router.get('/')\ndef run():\n    return local()\n"
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [(f[0], f[3]) for f in findings(out)] == [("app/db/facade.py", "ARC003")], (out, err)


@pytest.mark.parametrize("strict", [False, True])
def test_a_name_the_router_only_hands_to_depends_is_a_provider(tmp_path, strict):
    # polar's ``order/auth.py`` and lnbits' ``decorators.py`` hold the providers that
    # routes declare as ``Depends(...)``: wiring, as the same code in ``deps.py`` is, and
    # routers under ``strict``. A name the route also calls itself is followed.
    from conftest import cli, findings, write_example

    files = {
        "app/api/routes/orders.py": (
            "from fastapi import APIRouter, Depends\n\nfrom app.core.auth import get_order, audit\n\n"
            "router = APIRouter()\nOrderDep = Depends(get_order)\n\n\n"
            "@router.get('/{order_id}')\ndef read(order=OrderDep, guard=Depends(dependency=get_order)):\n"
            "    return order\n"
        ),
        "app/core/auth.py": (
            "from fastapi import Depends\n\nfrom app.repositories.orders import find\n\n\n"
            "def get_order(order_id: int):\n    return find(order_id)\n\n\n"
            "def audit(order_id: int):\n    return find(order_id)\n"
        ),
        "app/services/orders.py": "from app.repositories.orders import find\n",
        "app/repositories/orders.py": "def find(order_id):\n    return order_id\n",
    }
    if strict:
        files["pyproject.toml"] = "[tool.archcheck]\nstrict = true\n"
    write_example(tmp_path, files)
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [(f[0], f[3]) for f in findings(out)] == ([("app/core/auth.py", "ARC003")] if strict else []), (out, err)
    # A dependency alias of the module it comes from (polar's ``auth.OrdersRead``).
    route = tmp_path / "app/api/routes/orders.py"
    route.write_text(
        "from fastapi import APIRouter\n\nfrom app.core import auth\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/')\ndef read(order: auth.OrderDep):\n    return order\n"
    )
    (tmp_path / "app/core/auth.py").write_text(
        files["app/core/auth.py"] + "\n\nOrderDep = Annotated[\n    int,\n    Depends(get_order),\n]\n"
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [(f[0], f[3]) for f in findings(out)] == ([("app/core/auth.py", "ARC003")] if strict else []), (out, err)
    route.write_text(files["app/api/routes/orders.py"])
    # Called by the route itself, the same name is the route's business.
    route = tmp_path / "app/api/routes/orders.py"
    route.write_text(route.read_text() + "\n\n@router.get('/audit/{order_id}')\ndef check(order_id: int):\n    return audit(order_id)\n")
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [(f[0], f[3]) for f in findings(out)] == [("app/core/auth.py", "ARC003")], (out, err)


SHARED = {
    # langflow's ``UUIDstr``: a type alias of no project class.
    "a type alias": ("UUIDstr = Annotated[str, AfterValidator(str)]\n", "UUIDstr", False),
    # polar's ``Schema``: the project's Pydantic base, no field of its own.
    "a fieldless base": ("class Schema(BaseModel):\n    model_config = {'frozen': True}\n", "Schema", False),
    "a schema": ("class UserOut(BaseModel):\n    name: str\n", "UserOut", True),
    "an alias of an alias of a schema": (
        "class UserOut(BaseModel):\n    name: str\n\n\nUserDoc = Annotated[UserOut, AfterValidator(str)]\n"
        "UserDocs = list[UserDoc]\n",
        "UserDocs",
        True,
    ),
    "a forward reference to a schema": (
        "UserRefs = list['UserOut']\n\n\nclass UserOut(BaseModel):\n    name: str\n",
        "UserRefs",
        True,
    ),
    # zenml's responses take their fields from a project base.
    "a fieldless schema over a project base": (
        "class UserBase(BaseModel):\n    name: str\n\n\nclass UserOut(UserBase):\n    pass\n",
        "UserOut",
        True,
    ),
    "an alias of a schema": (
        "class UserOut(BaseModel):\n    name: str\n\n\nUserDoc = Annotated[UserOut, AfterValidator(str)]\n",
        "UserDoc",
        True,
    ),
    # A recursive alias names itself, no class (review m, t6).
    "a recursive alias": ("JSON = dict[str, 'JSON'] | list['JSON'] | str | int | None\n", "JSON", False),
    "a recursive alias of a schema": (
        "class UserOut(BaseModel):\n    name: str\n\n\nTree = dict[str, 'Tree'] | list['Tree'] | UserOut\n",
        "Tree",
        True,
    ),
}


@pytest.mark.parametrize("helper", [False, True])
@pytest.mark.parametrize(("schemas", "name", "coupled"), list(SHARED.values()), ids=list(SHARED))
def test_a_model_may_share_type_aliases_and_fieldless_bases_with_the_schemas(
    tmp_path, schemas, name, coupled, helper
):
    # ARC004 at the model's own import, ARC003 at a helper's (polar's ``kit/address.py``
    # derives its column's value type from the toolkit's ``Schema``).
    from conftest import cli, findings, write_example

    header = "from typing import Annotated\n\nfrom pydantic import AfterValidator, BaseModel\n\n\n"
    table = "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    used = "Address" if helper else name
    imported = f"from {'app.kit.address' if helper else 'app.schemas.kit'} import {used}\n"
    table += f"\n\nclass User(Base):\n    __tablename__ = 'users'\n    kind = {used}\n"
    write_example(
        tmp_path,
        {
            "app/schemas/kit.py": header + schemas,
            "app/models/user.py": imported + table,
            "app/kit/address.py": f"from app.schemas.kit import {name}\n\n\nclass Address:\n    kind = {name}\n",
            "app/api/routers/users.py": ROUTES.replace("from app.services import runner\n", ""),
            "app/services/users.py": "",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    found = ("app/kit/address.py", "ARC003") if helper else ("app/models/user.py", "ARC004")
    assert [(f[0], f[3]) for f in findings(out)] == ([found] if coupled else []), (out, err)


def test_a_class_handed_to_depends_is_the_routes_object_not_a_provider(tmp_path):
    # ``manager=Depends(OrderManager)`` gives the route an ``OrderManager`` whose methods it
    # calls: its business, followed (review 70, t4).
    from conftest import cli, findings, write_example

    write_example(
        tmp_path,
        {
            "app/api/routes/orders.py": (
                "from fastapi import APIRouter, Depends\n\nfrom app.core.orders import OrderManager\n\n"
                "router = APIRouter()\n\n\n@router.post('/')\n"
                "def place(manager=Depends(OrderManager)):\n    return manager.place()\n"
            ),
            "app/core/orders.py": (
                "from app.repositories.orders import save\n\n\n"
                "class OrderManager:\n    def place(self):\n        return save()\n"
            ),
            "app/services/orders.py": "from app.repositories.orders import save\n",
            "app/repositories/orders.py": "def save():\n    return 1\n",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [(f[0], f[3]) for f in findings(out)] == [("app/core/orders.py", "ARC003")], (out, err)


PROVIDERS = {
    # ``Depends(deps.get_db)`` of ``from app.core import deps`` (review m, t5).
    "a module's attribute": (
        "from app.core import auth\n\n\n@router.get('/')\ndef read(order=Depends(auth.get_order)):\n    return order\n",
        "def get_order(order_id: int = 1):\n    return find(order_id)\n",
    ),
    # A guard object named as a constant is no class (t12).
    "a constant's object": (
        "from app.core.auth import ORDER_GUARD\n\n\n@router.get('/')\ndef read(order=Depends(ORDER_GUARD)):\n    return order\n",
        "class OrderGuard:\n    def __call__(self, order_id: int = 1):\n        return find(order_id)\n\n\nORDER_GUARD = OrderGuard()\n",
    ),
}


@pytest.mark.parametrize(("route", "auth"), list(PROVIDERS.values()), ids=list(PROVIDERS))
def test_what_a_route_hands_to_depends_is_a_provider(tmp_path, route, auth):
    from conftest import cli, findings, write_example

    write_example(
        tmp_path,
        {
            "app/api/routes/orders.py": "from fastapi import APIRouter, Depends\n\n" + route.replace("\n\n\n@", "\n\nrouter = APIRouter()\n\n\n@", 1),
            "app/core/auth.py": "from app.repositories.orders import find\n\n\n" + auth,
            "app/services/orders.py": "from app.repositories.orders import find\n",
            "app/repositories/orders.py": "def find(order_id):\n    return order_id\n",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert not findings(out), (out, err)


def test_a_class_dependencys_own_depends_are_providers(tmp_path):
    # FastAPI calls the providers of a class dependency's ``__init__`` too: a service
    # taking ``user=Depends(get_current_user)`` does not run it (review m, t1).
    from conftest import cli, findings, write_example

    write_example(
        tmp_path,
        {
            "app/api/routes/items.py": (
                "from fastapi import APIRouter, Depends\n\nfrom app.services.items import ItemService\n\n"
                "router = APIRouter()\n\n\n@router.get('/')\ndef read(service: ItemService = Depends()):\n"
                "    return service.list()\n"
            ),
            "app/services/items.py": (
                "from fastapi import Depends\n\nfrom app.core.auth import get_current_user\n"
                "from app.repositories.items import all_items\n\n\n"
                "class ItemService:\n    def __init__(self, user=Depends(get_current_user)):\n        self.user = user\n\n"
                "    def list(self):\n        return all_items()\n"
            ),
            "app/core/auth.py": "from app.api.deps import SessionDep\n\n\ndef get_current_user(session: SessionDep):\n    return session\n",
            "app/api/deps.py": "from typing import Annotated\n\nfrom fastapi import Depends\n\n\ndef get_session():\n    yield 1\n\n\nSessionDep = Annotated[int, Depends(get_session)]\n",
            "app/repositories/items.py": "def all_items():\n    return []\n",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert not findings(out), (out, err)


def test_provided_names_read_a_string_that_looks_like_code():
    # A string holding ``Depends(`` and an import-looking line (review 70, t15: KeyError).
    from archcheck.uses import provided_names

    text = 'USAGE = """Depends(\n    from app.core import load\n    load)"""\n\n\ndef f():\n    return load()\n'
    assert "load" not in provided_names(text)[0]


def test_mounting_a_router_runs_none_of_its_code(tmp_path):
    # DB-GPT's per-feature ``Serve.init_app`` mounts the feature's router; its services
    # take the component with ``Serve.get_instance()``: no service reaches the router.
    from conftest import cli, findings, write_example

    serve = (
        "from app.lib import Component\nfrom app.feat.api.endpoints import router\n\n\n"
        "class Serve(Component):\n    def init_app(self, app):\n        app.include_router({})\n"
    )
    files = {
        "app/lib.py": "from somewhere import Base\n\n\nclass Component(Base):\n    pass\n",
        "app/feat/api/endpoints.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/')\ndef read():\n    return 1\n",
        "app/feat/service/service.py": "from app.feat.serve import Serve\n\n\ndef storage():\n    return Serve.get_instance()\n",
        "app/feat/serve.py": serve.format("router, prefix='/feat'"),
    }
    write_example(tmp_path, files)
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert not findings(out), (out, err)
    # Calling the router module's code is using it.
    (tmp_path / "app/feat/serve.py").write_text(serve.format("router.routes[0].endpoint()"))
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [(f[0], f[3]) for f in findings(out)] == [("app/feat/serve.py", "ARC003")], (out, err)


@pytest.mark.parametrize(
    ("imported", "leak"),
    [("CSRF_ATTRIBUTE_NAME", False), ("Row", False), ("check_csrf", True)],
)
def test_a_chain_that_takes_only_values_of_a_layer_carries_no_dependency(tmp_path, imported, leak):
    # fief's ``forms.py`` takes the CSRF middleware's attribute name, polar's backoffice
    # helpers a type alias of a repository: values, which run none of the layer's code.
    from conftest import cli, findings, write_example

    write_example(
        tmp_path,
        {
            "app/api/routers/items.py": ROUTES.replace("from app.services import runner\n", "")
            + "\n\n@router.get('/')\ndef read():\n    return 1\n",
            "app/api/routers/csrf.py": (
                "from fastapi import APIRouter\n\nCSRF_ATTRIBUTE_NAME = 'csrftoken'\nRow = tuple[int, str]\n"
                "router = APIRouter()\n\n\ndef check_csrf(request):\n    return request\n"
            ),
            "app/core/forms.py": f"from app.api.routers.csrf import {imported}\n\n\ndef field():\n    return {imported}\n",
            "app/services/forms.py": "from app.core.forms import field\n\n\ndef render():\n    return field()\n",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert ([(f[0], f[3]) for f in findings(out)] == [("app/core/forms.py", "ARC003")]) is leak, (out, err)
