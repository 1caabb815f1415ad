"""The wiring layer (composition roots) as a project meets it: strict, and the picture."""
from __future__ import annotations

import shutil

from conftest import FIXTURES, cli, findings, write_example


def test_strict_counts_only_the_providers_as_routers(tmp_path):
    # The entry point seeds the database with a repository at startup and the container
    # builds services with theirs: both stay wiring under strict. The providers are the
    # HTTP tier's own code, so those that hand out or read repositories are ARC001, the
    # auth code's provider away from the routers as well.
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "arc003_composition_roots", project)
    assert cli(".", cwd=project)[0] == 0
    (project / "pyproject.toml").write_text("[tool.archcheck]\nstrict = true\n")
    code, out, _ = cli(".", cwd=project)
    assert code == 1
    assert {(f[0], f[1], f[3]) for f in findings(out)} == {
        ("app/api/dependencies.py", 1, "ARC001"),
        ("app/auth/dependencies.py", 4, "ARC001"),
    }


TASKS = {
    "app/api/routers/users.py": """\
from app.core.tasks import send_welcome


def register(email):
    send_welcome.delay(email)
""",
    "app/core/tasks.py": """\
from celery import Celery

from app.repositories import user_repo

celery = Celery()


@celery.task(name="welcome")
def send_welcome(email):
    user_repo.mark_welcomed(email)
""",
    "app/services/user_service.py": "",
    "app/repositories/user_repo.py": "def mark_welcomed(email):\n    pass\n",
}


def test_a_background_task_body_is_not_needed_by_whoever_enqueues_it(tmp_path):
    # The router only queues the task: its body runs in a worker, an entry point of its own.
    write_example(tmp_path, TASKS)
    assert cli("app", cwd=tmp_path)[0] == 0
    # Called directly, the task runs its body in the router's process: followed.
    router = tmp_path / "app/api/routers/users.py"
    router.write_text(router.read_text().replace("send_welcome.delay(email)", "send_welcome(email)"))
    assert [(f[0], f[1], f[3]) for f in findings(cli("app", cwd=tmp_path)[1])] == [("app/core/tasks.py", 3, "ARC003")]
    router.write_text(router.read_text().replace("send_welcome(email)", "send_welcome.delay(email)"))
    assert cli("app", cwd=tmp_path)[0] == 0
    # Code the router runs itself is followed as before: a helper beside the task.
    tasks = tmp_path / "app/core/tasks.py"
    tasks.write_text(tasks.read_text() + "\n\ndef welcomed(email):\n    return user_repo.mark_welcomed(email)\n")
    router.write_text(
        router.read_text().replace("send_welcome\n", "send_welcome, welcomed\n", 1) + "    return welcomed(email)\n"
    )
    code, out, _ = cli("app", cwd=tmp_path)
    assert code == 1
    assert [(f[0], f[1], f[3]) for f in findings(out)] == [("app/core/tasks.py", 3, "ARC003")]


def test_a_task_imported_inside_a_function_to_be_enqueued_is_not_needed_whole(tmp_path):
    # ``from app.core.tasks import send_welcome`` inside the handler (the usual way to
    # enqueue without an import cycle) runs the module, not the task: what the code reads
    # of the name says what is needed, here its registration alone. A router module is read
    # from its import statements, a module of no layer from its syntax tree: both agree.
    lazy = "def register(email):\n    from app.core.tasks import send_welcome\n\n    send_welcome.delay(email)\n"
    write_example(tmp_path, {**TASKS, "app/api/routers/users.py": lazy})
    assert cli("app", cwd=tmp_path)[0] == 0
    write_example(
        tmp_path,
        {
            **TASKS,
            "app/api/routers/users.py": "from app.core.welcome import register\n\n\ndef signup(email):\n    register(email)\n",
            "app/core/welcome.py": lazy,
        },
    )
    assert cli("app", cwd=tmp_path)[0] == 0
    # Called, the task runs its body in the caller's process: followed.
    welcome = tmp_path / "app/core/welcome.py"
    welcome.write_text(lazy.replace("send_welcome.delay(email)", "send_welcome(email)"))
    assert [(f[0], f[1], f[3]) for f in findings(cli("app", cwd=tmp_path)[1])] == [("app/core/tasks.py", 3, "ARC003")]


def test_providers_beside_routers_known_by_their_code_are_wiring(tmp_path):
    # Every layer but wiring configured, the routers named only by the config (``api/v1``
    # is no router name): the providers beside them are still found, from the routers'
    # code, and under strict the one that hands out a repository is ARC001.
    write_example(
        tmp_path,
        {
            "app/api/v1/users.py": (
                "from fastapi import APIRouter, Depends\n"
                "from app.api.dependencies import current_user\n\n"
                "router = APIRouter()\n\n\n"
                "@router.get('/me')\n"
                "def me(user=Depends(current_user)):\n"
                "    return user\n"
            ),
            "app/api/dependencies.py": "from app.crud import users\n\n\ndef current_user():\n    return users.get()\n",
            "app/crud/users.py": "def get():\n    return None\n",
            "app/services/users.py": "",
            "app/models/user.py": "",
            "app/schemas/user.py": "",
        },
        config=(
            "strict = true\n[tool.archcheck.layers]\nrouters = ['app.api.v1']\n"
            "services = ['app.services']\nrepositories = ['app.crud']\n"
            "models = ['app.models']\nschemas = ['app.schemas']"
        ),
    )
    code, out, _ = cli("app", cwd=tmp_path)
    assert {(f[0], f[1], f[3]) for f in findings(out)} == {("app/api/dependencies.py", 1, "ARC001")}
