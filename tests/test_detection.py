"""Zero-config detection and the errors that keep a run from passing with nothing read:
a configured glob that matches no module, a PATH outside the configured roots."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from archcheck.detection import not_app
from conftest import FIXTURES, archcheck, cli, findings, write_example

# A router module's code: what makes a module a router wherever it lives.
ROUTER = "from fastapi import APIRouter\nrouter = APIRouter()\n"


def namespaces(root, *folders):
    """Make ``folders`` (written with ``__init__.py`` by ``write_example``) plain folders."""
    for folder in folders:
        (root / folder / "__init__.py").unlink()


def write_exactly(root, files):
    """Write exactly ``files``: no ``__init__.py`` beside them (``write_example`` adds them)."""
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)


def _project(tmp_path, fixture, config):
    shutil.copytree(FIXTURES / fixture, tmp_path / "p", ignore=shutil.ignore_patterns("*.txt"))
    (tmp_path / "p" / "pyproject.toml").write_text(config)
    return tmp_path / "p"


def test_a_layer_glob_with_a_typo_is_an_error_naming_it(tmp_path):
    config = '[tool.archcheck]\nroot = ["app"]\n[tool.archcheck.layers]\nrepositories = ["app.repository"]\n'
    project = _project(tmp_path, "anchored_tier_names", config)
    result = cli(".", "--no-cache", cwd=project)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.endswith(
        "pyproject.toml: [tool.archcheck] layers.repositories: 'app.repository' matches no module;"
        " did you mean app.repositories? (the modules are called app.api.*, app.models.*,"
        " app.repositories.*, app.server.*)\n"
    )


def test_globs_missing_the_src_package_are_an_error_saying_what_modules_are_called(tmp_path):
    config = '[tool.archcheck]\n[tool.archcheck.layers]\nrouters = ["app.api.v1"]\n'
    project = _project(tmp_path, "src_package_app", config)
    result = cli(".", "--no-cache", cwd=project)
    assert result.returncode == 2
    assert "'app.api.v1' matches no module; did you mean src.app.api.v1?" in result.stderr
    assert "no layers found" not in result.stderr


def test_a_path_outside_the_configured_root_is_an_error(tmp_path):
    project = _project(tmp_path, "tests_beside_app", '[tool.archcheck]\nroot = ["app"]\n')
    (project / "README.md").write_text("# app\n")
    for path in ("tests", "tests/api/routes/test_items.py", "README.md"):
        result = cli(path, "--no-cache", cwd=project)
        assert result.returncode == 2, path
        assert result.stdout == ""
    assert cli("tests", "--no-cache", cwd=project).stderr == (
        "archcheck: error: tests: outside the analysed roots (app, from `root` in the config)\n"
    )
    assert cli("README.md", "--no-cache", cwd=project).stderr == (
        "archcheck: error: README.md: not a Python file\n"
    )
    assert cli("app", "--no-cache", cwd=project).returncode == 0


def test_init_leaves_tests_out_and_shows_the_evidence(tmp_path):
    project = _project(tmp_path, "tests_beside_app", "")
    (project / "pyproject.toml").unlink()
    result = cli("init", "--dry-run", ".", cwd=project)
    assert result.returncode == 0
    assert "tests" not in result.stdout
    assert 'routers = ["app.api.routes"]' in result.stdout
    assert "app.api.routes: a folder named routes" in result.stderr


def test_init_names_the_code_that_made_a_router(tmp_path):
    project = _project(tmp_path, "src_package_app", "")
    (project / "pyproject.toml").unlink()
    result = cli("init", "--dry-run", ".", cwd=project)
    assert "src.app.api.v1: builds an APIRouter or declares routes" in result.stderr
    assert "src.app.main: the app entry point (a module)" in result.stderr
    assert '"src.app"' not in result.stdout


def test_files_named_like_no_module_are_one_warning_per_folder(tmp_path):
    # Migration scripts (``0001_initial.py``) cannot be imported by name: they are not
    # read, and a folder of them is named once, not once per script.
    write_example(
        tmp_path,
        {
            "app/api/routers/users.py": "from app.repositories import user_repo  # ARC001\n",
            "app/repositories/user_repo.py": "",
            "app/services/users.py": "",
            "app/db/migrations/0001_initial.py": "",
            "app/db/migrations/0002_users.py": "",
            "app/scripts/1-off.py": "",
        },
    )
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 1
    assert err.splitlines() == [
        "archcheck: warning: app/db/migrations/: 2 files not read: their names are not module "
        "names ('0001_initial', ...)",
        "archcheck: warning: app/scripts/1-off.py not read: '1-off' is not a module name",
    ]


def test_a_project_folder_stays_a_folder_of_packages_whatever_its_tests_import(tmp_path):
    # backend/ holds a pyproject.toml: it is where the app package sits, never a package
    # itself, even when a test beside it imports ``backend.app``.
    files = {
        "backend/pyproject.toml": "[project]\nname = 'backend'\n",
        "backend/app/__init__.py": "",
        "backend/app/main.py": "from app.api.routers import users\n",
        "backend/app/api/__init__.py": "",
        "backend/app/api/routers/__init__.py": "",
        "backend/app/api/routers/users.py": "from app.repositories import user_repo\n",
        "backend/app/services/__init__.py": "",
        "backend/app/services/user_service.py": "from app.repositories import user_repo\n",
        "backend/app/repositories/__init__.py": "",
        "backend/app/repositories/user_repo.py": "",
        "tests/test_smoke.py": "from backend.app.main import users\n",
    }
    write_exactly(tmp_path, files)
    result = cli(".", "--no-cache", cwd=tmp_path)
    assert result.stdout.startswith(
        "backend/app/api/routers/users.py:1:1: ARC001 Router imports repository app.repositories.user_repo"
    )


def test_a_checkout_named_like_its_package_is_where_the_package_sits(tmp_path):
    # shop/shop/: the checkout folder holds the package of its name and loose scripts.
    # ``from shop.repositories`` is the inner package's: the folder is no package
    # ``shop`` (whose modules would be ``shop.shop.*`` and whose imports would all miss).
    files = {
        "shop/main.py": "from shop.routers import items\n",
        "shop/cli.py": "print('cli')\n",
        "shop/shop/__init__.py": "",
        "shop/shop/routers/__init__.py": "",
        "shop/shop/routers/items.py": "from shop.repositories import item_repo\n",
        "shop/shop/repositories/__init__.py": "",
        "shop/shop/repositories/item_repo.py": "",
    }
    write_exactly(tmp_path, files)
    result = cli(".", "--no-cache", cwd=tmp_path / "shop")
    assert result.stdout.startswith(
        "shop/routers/items.py:1:1: ARC001 Router imports repository shop.repositories.item_repo"
    )
    assert "main.py not read: a top-level module of the app" in result.stderr


def test_a_folder_whose_code_imports_its_packages_by_their_own_names_is_a_source_root(tmp_path):
    # OpenHands' ``enterprise/``: an ``__init__.py`` nothing imports through, and code that
    # imports ``storage.database`` and ``server.*`` by their own names (the folder is on
    # sys.path). Read as package ``enterprise``, those imports resolved to nothing and the
    # routes' database work went unseen.
    files = {
        "proj/__init__.py": "",
        "proj/server/__init__.py": "",
        "proj/server/routes/__init__.py": "",
        "proj/server/routes/settings.py": (
            "from fastapi import APIRouter\n"
            "from storage import database\n"
            "from storage.user_settings import UserSettings\n"
            "session_maker = database.session_maker\n"
            "router = APIRouter()\n\n\n"
            "@router.post('/settings')\n"
            "def save(name: str):\n"
            "    with session_maker() as session:\n"
            "        session.add(UserSettings(name=name))\n"
        ),
        "proj/storage/__init__.py": "",
        "proj/storage/database.py": (
            "from sqlalchemy.orm import sessionmaker\nsession_maker = sessionmaker()\n"
        ),
        "proj/storage/user_settings.py": (
            "from sqlalchemy.orm import DeclarativeBase\n\n\n"
            "class Base(DeclarativeBase):\n    pass\n\n\n"
            "class UserSettings(Base):\n    __tablename__ = 'user_settings'\n"
        ),
    }
    write_exactly(tmp_path, files)
    result = cli("proj", "--no-cache", cwd=tmp_path)
    assert result.stdout.startswith("proj/server/routes/settings.py:11:9: ARC202 Route handler save runs session.add()"), result

    # A package with a ``stripe/`` of its own whose code imports the Stripe SDK (``import
    # stripe``) and its modules relatively stays a package: the import is not into it.
    write_example(
        tmp_path / "sdk",
        {
            "shop/main.py": "import stripe\nfrom .orders import router\n",
            "shop/common.py": "import stripe\nfrom .orders.repository import count\n",
            "shop/stripe/webhooks.py": "",
            "shop/orders/router.py": ROUTER + "from ..common import count\n\nN = count()\n",
            "shop/orders/service.py": "",
            "shop/orders/repository.py": "def count():\n    return 0\n",
        },
    )
    result = cli("shop", "--no-cache", cwd=tmp_path / "sdk")
    assert result.stdout.startswith(
        "shop/orders/router.py:3:1: ARC001 Router imports repository shop.orders.repository"
    ), result


def test_a_feature_named_router_makes_its_suffixed_siblings_layers(tmp_path):
    # private-gpt and OpenHands: ``chat/chat_router.py`` beside ``chat/chat_service.py`` and
    # ``chat/sql_chat_service.py``, which keeps its table with the service that queries it:
    # services all, not a model that imports its service (ARC002).
    write_example(
        tmp_path,
        {
            "app/chat/chat_router.py": ROUTER + "from app.chat.chat_service import ChatService\n",
            "app/chat/chat_service.py": (
                "from app.ingest import ingest_router  # ARC002\n\n\nclass ChatService:\n    pass\n"
            ),
            "app/chat/sql_chat_service.py": (
                "from sqlalchemy.orm import DeclarativeBase\n"
                "from app.chat.chat_service import ChatService\n\n\n"
                "class Base(DeclarativeBase):\n    pass\n\n\n"
                "class StoredChat(Base):\n    __tablename__ = 'chats'\n\n\n"
                "class SQLChatService(ChatService):\n    pass\n"
            ),
            "app/ingest/ingest_router.py": ROUTER,
            "app/ingest/ingest_service.py": "",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [line.split(": ")[0] for line in out.splitlines()[:-1]] == ["app/chat/chat_service.py:1:1"], (out, err)
    assert "ARC002 Service imports router app.ingest.ingest_router" in out

    # An LLM's ``model_router.py`` serves no route: neither a router nor a witness for the
    # ``embedding_service.py`` beside it, which a repository may then import.
    write_example(
        tmp_path / "llm",
        {
            "app/llm/model_router.py": (
                "from fastapi import HTTPException\n\n\ndef pick(name):\n"
                "    if not name:\n        raise HTTPException(404)\n    return name\n"
            ),
            "app/llm/embedding_service.py": "from app.llm.model_router import pick\n",
            "app/api/routers/items.py": ROUTER,
            "app/services/items.py": "",
            "app/repositories/messages.py": "from app.llm.embedding_service import pick\n",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path / "llm")
    assert out.startswith("All checks passed"), (out, err)

    # A suffix router that adds its handlers to a router built elsewhere serves routes.
    write_example(
        tmp_path / "added",
        {
            "app/chat/base.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
            "app/chat/chat_router.py": (
                "from app.chat.base import router\nfrom app.chat.chat_repository import find  # ARC001\n\n\n"
                "def list_chats():\n    return find()\n\n\nrouter.add_api_route('/chats', list_chats)\n"
            ),
            "app/chat/chat_service.py": "",
            "app/chat/chat_repository.py": "def find():\n    return []\n",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path / "added")
    assert out.startswith("app/chat/chat_router.py:2:1: ARC001"), (out, err)


def test_a_models_folder_of_another_orm_stays_models(tmp_path):
    # Tortoise models beside a Pydantic one name no SQLAlchemy, but they are an ORM's.
    write_example(
        tmp_path,
        {
            "app/api/routers/users.py": "from app.services import users\n",
            "app/services/users.py": "from app.repositories import users\n",
            "app/repositories/users.py": "from app.models.user import User\n",
            "app/models/user.py": (
                "from pydantic import BaseModel\n"
                "from tortoise.models import Model\n\n\n"
                "class User(Model):\n    pass\n\n\n"
                "class UserIn(BaseModel):\n    email: str\n"
            ),
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert 'models = ["app.models"]' in result.stdout
    assert "schemas" not in result.stdout


def test_pydantic_models_that_build_queries_in_their_methods_are_schemas(tmp_path):
    # ZenML's layout: ``models/`` holds Pydantic classes whose filter methods import
    # sqlalchemy inside the method (or name its types under TYPE_CHECKING), and the ORM
    # tables are in ``zen_stores/schemas/``. A module that imports the ORM at its top
    # (a column type beside the tables) keeps its folder models; a method named
    # ``save_to_registry(`` is no ``registry()`` of SQLAlchemy, and neither a class
    # ``DltColumn(`` nor a call ``is_relationship(`` is a column or a relationship.
    filters = (
        "from typing import TYPE_CHECKING\n"
        "from pydantic import BaseModel\n\n"
        "if TYPE_CHECKING:\n    from sqlalchemy.sql.elements import ColumnElement\n\n\n"
        "class UserFilter(BaseModel):\n    name: str\n\n"
        "    def conditions(self, table) -> 'ColumnElement[bool]':\n"
        "        from sqlmodel import and_, col\n\n"
        "        return and_(col(table.name) == self.name)\n\n"
        "    def save_to_registry(self):\n        return None\n\n\n"
        "class DltColumn(BaseModel):\n    is_table: bool = False\n\n\n"
        "def is_relationship(column: DltColumn) -> bool:\n    return column.is_table\n\n\n"
        "LINKED = is_relationship(DltColumn(is_table=True))\n"
    )
    tables = (
        "from sqlmodel import Field, SQLModel\n\n\n"
        "class UserSchema(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n"
    )
    files = {
        "app/api/routers/users.py": "from app.services import users\n",
        "app/services/users.py": "from app.repositories import users\n",
        "app/repositories/users.py": "from app.stores.schemas.user_schemas import UserSchema\n",
        "app/stores/schemas/user_schemas.py": tables,
        "app/models/user.py": filters,
    }
    write_example(tmp_path, files)
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert 'models = ["app.stores.schemas"]' in result.stdout
    assert 'schemas = ["app.models"]' in result.stdout

    # A filter that imports only a query's expressions at its top (keep's ``from sqlmodel
    # import col`` for a sort key) is Pydantic's still.
    files["app/models/sorting.py"] = (
        "from pydantic import BaseModel\nfrom sqlmodel import col, desc\n\n\n"
        "class UserSort(BaseModel):\n    field: str\n\n"
        "    def clause(self, table):\n        return desc(col(table.name))\n"
    )
    write_example(tmp_path / "sorting", files)
    result = cli("init", "--dry-run", "app", cwd=tmp_path / "sorting")
    assert 'schemas = ["app.models"]' in result.stdout, result.stdout

    column = "from pydantic import BaseModel\nfrom sqlalchemy.types import TypeDecorator\n\n\n"
    column += "class Payload(BaseModel):\n    body: str\n\n\nclass PayloadType(TypeDecorator):\n    pass\n"
    files["app/models/payload_type.py"] = column
    write_example(tmp_path / "mixed", files)
    result = cli("init", "--dry-run", "app", cwd=tmp_path / "mixed")
    assert 'models = ["app.models", "app.stores.schemas"]' in result.stdout


def test_a_root_name_inside_a_lower_layer_is_that_layer(tmp_path):
    # ``services/container.py`` runs Docker containers: a service, not a DI container; the
    # app's own ``container.py`` stays wiring.
    write_example(
        tmp_path,
        {
            "app/api/routers/deploy.py": ROUTER + "from app.services import container\n",
            "app/services/container.py": "from app.repositories import deployments\n",
            "app/repositories/deployments.py": "",
            "app/container.py": "from app.services import container\n",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert 'wiring = ["app.container"]' in result.stdout
    assert 'services = ["app.services"]' in result.stdout


def test_a_model_module_without_orm_code_is_not_models_when_tables_live_elsewhere(tmp_path):
    # The tables are kept under ``stores/schemas/`` (known by their classes); a CLI
    # command group named ``model.py`` names no ORM and is no model.
    tables = (
        "from sqlmodel import Field, SQLModel\n\n\n"
        "class UserSchema(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n"
    )
    write_example(
        tmp_path,
        {
            "app/api/routers/users.py": ROUTER + "from app.services import users\n",
            "app/services/users.py": "from app.repositories import users\n",
            "app/repositories/users.py": "from app.stores.schemas.user_schemas import UserSchema\n",
            "app/stores/schemas/user_schemas.py": tables,
            "app/cli/model.py": "import click\n\n\n@click.group()\ndef model():\n    pass\n",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert 'models = ["app.stores.schemas"]' in result.stdout


def test_a_folder_the_code_never_imports_is_no_root_of_a_source_root(tmp_path):
    # The root's code imports ``api``; ``build/`` holds a copy of it, never imported.
    shutil.copytree(FIXTURES / "root_init_namespace_api", tmp_path / "p")
    project = tmp_path / "p"
    shutil.copytree(project / "api", project / "build" / "lib" / "api")
    result = cli(".", "--no-cache", cwd=project)
    assert result.stdout == (FIXTURES / "root_init_namespace_api" / "expected.txt").read_text()


def test_found_folders_that_would_be_one_root_package_are_read_once_with_a_warning(tmp_path):
    # Two ``internal/`` folders without ``__init__.py`` (a Go module's, a vendored tool's)
    # would both be the root package ``internal``: the first is read, the other named in a
    # warning, and the app is checked.
    write_example(
        tmp_path,
        {
            "backend/app/api/routers/users.py": "from app.repositories import user_repo  # ARC001\n",
            "backend/app/repositories/user_repo.py": "",
            "backend/app/services/users.py": "",
            "tools/a/internal/_version.py": "VERSION = 1\n",
            "tools/b/internal/_version.py": "VERSION = 2\n",
        },
    )
    namespaces(tmp_path, "backend", "tools", "tools/a", "tools/b", "tools/a/internal", "tools/b/internal")
    code, out, err = cli(".", cwd=tmp_path)
    assert code == 1, err
    assert "backend/app/api/routers/users.py:1:1: ARC001" in out
    assert err.splitlines() == [
        "archcheck: warning: tools/b/internal/ not read: a folder nearer the top is the root "
        "package 'internal' (`root` in the config chooses)"
    ]
    # Named on the command line or configured, the clash is the user's to settle: an error.
    code, out, err = cli("tools/a/internal", "tools/b/internal", "backend/app", cwd=tmp_path)
    assert code == 2 and "two root packages named 'internal'" in err
    (tmp_path / "pyproject.toml").write_text(
        '[tool.archcheck]\nroot = ["backend/app", "tools/a/internal", "tools/b/internal"]\n'
    )
    code, out, err = cli(".", cwd=tmp_path)
    assert code == 2 and "two root packages named 'internal'" in err


def test_a_middleware_without_routers_is_no_http_tier(tmp_path):
    # A library's middleware module (opal-common) is no router: without routes there is no
    # HTTP tier, and a project with nothing else layered says so.
    write_example(tmp_path, {"lib/middleware.py": "def wrap(app):\n    return app\n", "lib/core.py": ""})
    code, out, err = cli("lib", cwd=tmp_path)
    assert code == 2 and "no layers found in lib" in err


def test_init_says_when_only_code_found_the_layers(tmp_path):
    write_example(
        tmp_path,
        {"app/web/items.py": ROUTER, "app/core.py": ""},
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert "app (package ./): layers found by their code, no layout by name" in result.stderr


def test_of_two_app_folders_found_the_one_nearest_the_top_is_read(tmp_path):
    # A second service's ``gateway/src/app`` beside ``src/app``: the app nearest the top is
    # checked, not left out with the other (dstack from its repository root).
    write_example(
        tmp_path,
        {
            "src/app/api/routers/users.py": "from app.repositories import user_repo  # ARC001\n",
            "src/app/repositories/user_repo.py": "",
            "src/app/services/users.py": "",
            "gateway/src/app/gateway/main.py": "",
            "examples/demo/run.py": "",
        },
    )
    namespaces(tmp_path, "src", "gateway", "gateway/src")
    code, out, err = cli(".", cwd=tmp_path)
    assert code == 1, err
    assert "src/app/api/routers/users.py:1:1: ARC001" in out
    assert "gateway/src/app/ not read: a folder nearer the top is the root package 'app'" in err


LAYER_FIRST_WITH_A_SERVICES_RESOURCE = {
    # A layer-first app whose resource is called ``services`` (a hosting API's): each layer
    # folder holds a ``services.py``, and none of them is a feature.
    "app/routers/users.py": "from app.repositories.users import find  # ARC001\n",
    "app/routers/services.py": "from app.services.services import listing\n",
    "app/services/users.py": "from app.repositories.users import find\n",
    "app/services/services.py": "from app.repositories.services import rows\n\ndef listing():\n    return rows()\n",
    "app/repositories/users.py": "def find():\n    return None\n",
    "app/repositories/services.py": "def rows():\n    return []\n",
    "app/schemas/users.py": "",
    "app/schemas/services.py": "",
}


def test_a_resource_named_like_a_layer_leaves_the_layers_their_folders(tmp_path):
    write_example(tmp_path, LAYER_FIRST_WITH_A_SERVICES_RESOURCE)
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 1, err
    assert out.splitlines()[0].startswith("app/routers/users.py:1:1: ARC001 Router imports repository")
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert "app (package ./): layer-first" in result.stderr
    assert 'repositories = ["app.repositories"]' in result.stdout


def test_a_module_named_models_that_serves_routes_is_a_router(tmp_path):
    # ``GET /models`` of an LLM app, in ``api/v1/models.py``.
    write_example(
        tmp_path,
        {
            "app/api/v1/models.py": (
                "from fastapi import APIRouter\n"
                "from app.repositories import model_repo  # ARC001\n"
                "router = APIRouter()\n\n"
                "@router.get('/models')\n"
                "def models():\n"
                "    return model_repo.names()\n"
            ),
            "app/repositories/model_repo.py": "def names():\n    return []\n",
            "app/services/models.py": "",
            "app/models/user.py": (
                "from sqlalchemy.orm import DeclarativeBase\n\n"
                "class Base(DeclarativeBase):\n    pass\n\n"
                "class User(Base):\n    __tablename__ = 'users'\n"
            ),
        },
    )
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 1, err
    assert out.startswith("app/api/v1/models.py:2:1: ARC001 Router imports repository app.repositories.model_repo")


def test_suffix_names_are_decided_the_same_whatever_the_hash_seed(tmp_path):
    # ``user_schemas`` counts only beside a router, service or repository that counts.
    write_example(
        tmp_path,
        {
            "app/users/user_schemas.py": "from pydantic import BaseModel\nfrom app.db.tables import User\n",
            "app/users/user_service.py": "",
            "app/db/tables.py": (
                "from sqlalchemy.orm import DeclarativeBase\n\n"
                "class Base(DeclarativeBase):\n    pass\n\n"
                "class User(Base):\n    __tablename__ = 'users'\n"
            ),
            "app/api/routes.py": ROUTER,
        },
    )
    seen = {
        archcheck("init", "--dry-run", "app", cwd=tmp_path, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(seen) == 1


def test_a_feature_models_module_of_sqlmodel_non_table_classes_stays_models(tmp_path):
    # ``auth/models.py`` holds only ``SQLModel`` payloads, ``users/models.py`` a table: the
    # written glob still covers every feature's models.
    write_example(
        tmp_path,
        {
            "app/users/models.py": "from sqlmodel import SQLModel\n\nclass User(SQLModel, table=True):\n    id: int\n",
            "app/users/router.py": ROUTER,
            "app/users/service.py": "",
            "app/auth/models.py": "from sqlmodel import SQLModel\n\nclass TokenPayload(SQLModel):\n    sub: str\n",
            "app/auth/router.py": ROUTER,
            "app/auth/service.py": "",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert 'models = ["app.**.models"]' in result.stdout, result.stderr


def test_feature_first_a_module_right_inside_a_layer_folder_is_that_layer(tmp_path):
    # dstack: ``server/routers/repos.py`` serves git repositories and ``services.py`` the
    # services it runs: routers both, as their folder says, not a repository and a service.
    files = {
        f"app/{feature}/{layer}.py": "" for feature in ("users", "orders") for layer in ("router", "service")
    }
    files["app/users/repository.py"] = "def find():\n    return None\n"
    files["app/orders/repository.py"] = ""
    for name in ("services", "users", "stats", "health", "logs", "runs"):
        files[f"app/admin/routers/{name}.py"] = ROUTER
    files["app/admin/routers/repos.py"] = (
        "from fastapi import APIRouter\n"
        "from app.users.repository import find  # ARC001\n"
        "router = APIRouter()\n"
    )
    write_example(tmp_path, files)
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 1, err
    assert out.splitlines()[0].startswith("app/admin/routers/repos.py:2:1: ARC001 Router imports repository")


def test_the_module_that_builds_the_app_is_wiring_whatever_its_name(tmp_path):
    # agenta's ``entrypoints/routers.py`` creates FastAPI(), builds the repositories and
    # services and includes the routers: a composition root, not a router.
    write_example(
        tmp_path,
        {
            "app/routers.py": (
                "from fastapi import FastAPI\n"
                "from app.repositories.users import UsersRepository\n"
                "from app.services.users import UsersService\n"
                "app = FastAPI()\n"
                "service = UsersService(UsersRepository())\n\n"
                "@app.get('/health')\n"  # a route of its own beside the wiring
                "def health():\n"
                "    return {}\n"
            ),
            "app/api/users.py": ROUTER,
            "app/repositories/users.py": "class UsersRepository:\n    pass\n",
            "app/services/users.py": "class UsersService:\n    def __init__(self, repo):\n        self.repo = repo\n",
        },
    )
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 0, out
    assert "app.routers: builds the FastAPI app" in cli("init", "--dry-run", "app", cwd=tmp_path).stderr


@pytest.mark.parametrize(
    ("factory", "service", "wiring"),
    [
        # An app factory of another name (fides' ``app_setup.py``, Skyvern's ``api_app.py``):
        # it builds the app and the router that includes the others, and seeds at startup.
        (
            "from fastapi import APIRouter, FastAPI\n"
            "from app.api.users import router as users\n"
            "from app.db.seed import load_samples\n"
            "API = APIRouter()\nAPI.include_router(users)\n\n\n"
            "def create_app():\n    app = FastAPI()\n    app.include_router(API)\n    load_samples()\n"
            "    return app\n",
            "",
            True,
        ),
        # A helper a service imports that happens to build an app is shared code.
        (
            "from fastapi import FastAPI\nfrom app.db.seed import load_samples\n\n"
            "app = FastAPI()\n\n\ndef stream(text):\n    load_samples()\n    return text\n",
            "from app.api_setup import stream\n",
            False,
        ),
        # A plugin class that serves something of its own is no app factory.
        (
            "from fastapi import FastAPI\nfrom app.db.seed import load_samples\n\n\n"
            "class Runner:\n    def build(self):\n        load_samples()\n        return FastAPI()\n",
            "",
            False,
        ),
    ],
)
def test_a_module_that_builds_the_app_by_code_is_wiring(factory, service, wiring, tmp_path):
    write_example(
        tmp_path,
        {
            "app/api_setup.py": factory,
            "app/main.py": "from app.api_setup import create_app\n",
            "app/api/users.py": ROUTER + "from app.api_setup import load_samples\n\nload_samples()\n",
            "app/services/users.py": service,
            "app/db/seed.py": "from app.repositories.users import add\n\n\ndef load_samples():\n    add()\n",
            "app/repositories/users.py": "def add():\n    pass\n",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert ("app.api_setup: builds the FastAPI app" in result.stderr) is wiring, result.stderr
    _code, out, _err = cli("app", "--no-cache", cwd=tmp_path)
    # Through a composition root, reaching the seed's repository is no leak.
    assert ("app/db/seed.py:1:1: ARC003" in out) is not wiring, out


def test_a_sub_app_named_app_deep_in_the_routers_is_a_factory(tmp_path):
    # ``api/admin/app.py`` builds the admin sub-app that ``main`` mounts: no entry point by
    # name (it is not at the top), an app factory by code, so wiring.
    write_example(
        tmp_path,
        {
            "app/api/admin/app.py": (
                "from fastapi import FastAPI\nfrom app.api.admin import panel\n"
                "from app.repositories.user_repository import UserRepository\n\n\n"
                "def build():\n    sub = FastAPI()\n    sub.include_router(panel.router)\n"
                "    sub.state.repository = UserRepository\n    return sub\n\n\nadmin_app = build()\n"
            ),
            "app/api/admin/panel.py": ROUTER,
            "app/api/users.py": ROUTER + "from app.api.admin.app import admin_app\n\nADMIN = admin_app\n",
            "app/main.py": "from app.api.admin.app import admin_app\n",
            "app/services/user_service.py": "from app.repositories.user_repository import UserRepository\n",
            "app/repositories/user_repository.py": "class UserRepository:\n    pass\n",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert "app.api.admin.app: builds the FastAPI app" in result.stderr, result.stderr
    _code, out, _err = cli("app", "--no-cache", cwd=tmp_path)
    assert out.startswith("All checks passed"), out


def test_a_test_tree_the_config_names_itself_is_the_configs(tmp_path):
    # An exam platform's ``api/tests/`` feature, its router named in the config: checked.
    write_example(
        tmp_path,
        {
            "app/api/tests/router.py": ROUTER + "from app.repositories.tests_repo import find  # ARC001\n",
            "app/services/tests_service.py": "",
            "app/repositories/tests_repo.py": "def find():\n    return None\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.archcheck]\nroot = "app"\n[tool.archcheck.layers]\nwiring = []\n'
        'routers = ["app.api.tests.router"]\nservices = ["app.services"]\n'
        'repositories = ["app.repositories"]\nmodels = []\nschemas = []\n'
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert out.startswith("app/api/tests/router.py:3:1: ARC001"), (out, err)


@pytest.mark.parametrize("glob", ["app.api.models", "app.*.models"])
def test_a_glob_the_config_gives_a_layer_is_not_also_a_detected_layers(glob, tmp_path):
    # ``api/models`` re-exports the API's Pydantic responses: the config says schemas, and
    # the models layer it leaves to detection must not claim the same glob (on a tie the
    # higher layer won: a false ARC004 on every re-export).
    write_example(
        tmp_path,
        {
            "app/routers/users.py": ROUTER,
            "app/services/users.py": "",
            "app/schemas/responses.py": "class UserResponse:\n    pass\n",
            "app/api/models/__init__.py": "from app.schemas.responses import UserResponse\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.archcheck]\nroot = "app"\n[tool.archcheck.layers]\nrouters = ["app.routers"]\n'
        f'services = ["app.services"]\nschemas = ["app.schemas", "{glob}"]\n'
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert code == 0, (out, err)


def test_pydantic_classes_that_import_a_service_at_module_level_are_no_schemas(tmp_path):
    # An AI app's invocation nodes: Pydantic classes under ``model``, run with a service's
    # context. Business code in no layer, not an API contract importing upwards; a method's
    # lazy import of a service stays a schema's ARC002.
    write_example(
        tmp_path,
        {
            "app/api/routers/nodes.py": ROUTER,
            "app/services/context.py": "ROLE = \"user\"\n\n\nclass Context:\n    pass\n",
            "app/invocations/model.py": (
                "from pydantic import BaseModel\n\nfrom app.services.context import Context\n\n\n"
                "class LoadModel(BaseModel):\n    name: str\n\n"
                "    def invoke(self, context: Context):\n        return context\n"
            ),
            "app/payments/models.py": (
                "from pydantic import BaseModel\n\n\nclass Payment(BaseModel):\n    amount: int\n\n"
                "    def settle(self):\n        from app.services.context import Context  # ARC002\n\n"
                "        return Context()\n"
            ),
            # A constant of the services, and an example in the docstring: still a schema.
            "app/users/models.py": (
                '"""Users.\n\nfrom app.services.context import Context\n"""\n'
                "from pydantic import BaseModel\n\nfrom app.services.context import ROLE  # ARC002\n\n\n"
                "class User(BaseModel):\n    role: str = ROLE\n"
            ),
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert out.splitlines()[:-1] == [
        "app/payments/models.py:8:9: ARC002 Schema imports service app.services.context, a "
        "higher layer; dependencies must point down the stack",
        "app/users/models.py:7:1: ARC002 Schema imports service app.services.context, a "
        "higher layer; dependencies must point down the stack",
    ], (out, err)


def test_a_models_package_that_re_exports_pydantic_classes_is_schemas(tmp_path):
    # ``models/__init__.py`` only re-exports the shared API's responses: no ORM anywhere,
    # and no model importing schemas (it was a false ARC004 per re-export).
    write_example(
        tmp_path,
        {
            "app/api/routers/users.py": ROUTER,
            "app/services/users.py": "",
            "app/schemas/responses.py": (
                "from pydantic import BaseModel\n\n\nclass UserResponse(BaseModel):\n    id: int\n"
            ),
            "app/models/__init__.py": "from app.schemas.responses import UserResponse\n",
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert code == 0, (out, err)
    _code, out, err = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert "app.models: under models, defines Pydantic models and no ORM class" in out + err


@pytest.mark.parametrize(
    "models",
    [
        # An AI app's ``models/`` of PyTorch networks, configured by its Pydantic schemas.
        {
            "app/models/unet.py": (
                "import torch\n\nfrom app.schemas.config import Config\n\n\n"
                "class UNet(torch.nn.Module):\n    def __init__(self, config: Config):\n"
                "        super().__init__()\n"
            ),
        },
        # An LLM provider's ``models.py``: a registry of model entries built from schemas.
        {
            "app/providers/openai/models.py": (
                "from app.schemas.config import Config\n\n"
                "MODEL_ENTRIES = [Config(depth=1)]\n\n\ndef entries():\n    return MODEL_ENTRIES\n"
            ),
        },
    ],
)
def test_a_models_node_that_holds_no_model_is_no_models_layer(models, tmp_path):
    # No table, no ORM anywhere: no model importing schemas.
    write_example(
        tmp_path,
        {
            "app/api/routers/images.py": ROUTER,
            "app/services/images.py": "",
            "app/schemas/config.py": (
                "from pydantic import BaseModel\n\n\nclass Config(BaseModel):\n    depth: int\n"
            ),
            **models,
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert code == 0, (out, err)


def test_a_models_folder_with_a_plain_class_beside_its_networks_stays_models(tmp_path):
    write_example(
        tmp_path,
        {
            "app/api/routers/images.py": ROUTER,
            "app/services/predictor.py": "",
            "app/models/net.py": "import torch\n\n\nclass Net(torch.nn.Module):\n    pass\n",
            "app/models/user.py": (
                "from dataclasses import dataclass\n\nfrom app.services import predictor  # ARC002\n\n\n"
                "@dataclass\nclass User:\n    name: str\n"
            ),
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert out.splitlines()[:-1] == [
        "app/models/user.py:3:1: ARC002 Model imports service app.services.predictor, a higher "
        "layer; dependencies must point down the stack"
    ], (out, err)


def test_a_table_re_exported_beside_pydantic_modules_leaves_them_schemas(tmp_path):
    write_example(
        tmp_path,
        {
            "app/api/routers/users.py": ROUTER,
            "app/services/users.py": "",
            "app/db/tables.py": (
                "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\n"
                "class User(Base):\n    __tablename__ = 'users'\n"
            ),
            "app/models/__init__.py": "from app.db.tables import User  # ARC004\n",
            "app/models/user.py": "from pydantic import BaseModel\n\n\nclass UserOut(BaseModel):\n    id: int\n",
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert out.splitlines()[:-1] == [
        "app/models/__init__.py:1:1: ARC004 Schema imports ORM model app.db.tables.User; declare "
        "the fields on the schema (share a non-table base if needed)"
    ], (out, err)


def test_a_configured_double_star_glob_leaves_detected_nodes_their_layers(tmp_path):
    # ``routers = ["app.api.**"]`` names the HTTP tier loosely: the providers beside the
    # routers stay wiring, so building a repository there is no ARC001.
    write_example(
        tmp_path,
        {
            "app/api/users.py": ROUTER + "from app.api.deps import get_repo\n",
            "app/api/deps.py": "from app.repositories.users import UserRepo\n\n\ndef get_repo():\n    return UserRepo()\n",
            "app/services/users.py": "",
            "app/repositories/users.py": "class UserRepo:\n    pass\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.archcheck]\nroot = "app"\n[tool.archcheck.layers]\nrouters = ["app.api.**"]\n'
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert code == 0, (out, err)


def test_a_module_named_for_routers_with_no_web_code_is_no_router(tmp_path):
    # ``db/views.py`` of SQL views and ``endpoints.py`` of URLs: a service may import them.
    write_example(
        tmp_path,
        {
            "app/db/views.py": "ACTIVE_USERS = 'create view active_users as select 1'\n",
            "app/providers/endpoints.py": "ALLOWED = ('https://api.example.com',)\n",
            "app/providers/router.py": ROUTER,
            "app/providers/service.py": "from app.providers.endpoints import ALLOWED\nfrom app.db.views import ACTIVE_USERS\n",
            "app/providers/repository.py": "",
            "app/users/router.py": ROUTER,
            "app/users/service.py": "",
        },
    )
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 0, out


@pytest.mark.parametrize(
    ("endpoints", "router"),
    [
        # A skeleton, defining nothing yet: the feature's router to be.
        ("", True),
        ('"""The orders endpoints."""\n', True),
        # URL guards for the provider feature's service: code of another kind.
        ("def endpoint_host(url):\n    return url.split('/')[2]\n", False),
        ("class GuardedEndpoint:\n    url: str\n", False),
        # Guards whose docstring speaks of routes: still code of another kind.
        ('"""Which hosts the provider routes requests to."""\n\ndef allowed(url):\n    return True\n', False),
        # Handlers added to a router made elsewhere: the feature's router.
        (
            "from app.core.routing import router\n\n\ndef orders():\n    return []\n\n\n"
            "router.add_api_route('/orders', orders)\n",
            True,
        ),
    ],
)
def test_a_module_named_for_routers_that_defines_code_but_no_routes_is_no_router(
    tmp_path, endpoints, router
):
    write_example(
        tmp_path,
        {
            "app/providers/endpoints.py": endpoints,
            "app/providers/service.py": "from app.providers import endpoints\n",
            "app/providers/dtos.py": "",
            "app/providers/adapters.py": "",
            "app/users/router.py": ROUTER,
            "app/users/service.py": "",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert ("endpoints" in result.stdout) is router, result.stdout


@pytest.mark.parametrize(
    ("routes", "router"),
    [
        # jesse's ``routes/``: the (exchange, symbol) routes of a trading strategy.
        ("class Route:\n    def __init__(self, exchange, symbol):\n        self.symbol = symbol\n", False),
        # A package of route modules, and an empty skeleton: the routers' place.
        ("from fastapi import APIRouter\n\nrouter = APIRouter()\n", True),
        # Handlers that the app registers itself (``main.py``'s ``app.add_api_route``).
        ("def list_items():\n    return []\n", "registered"),
        ("", True),
    ],
)
def test_a_package_named_for_routers_whose_code_is_no_web_code_is_no_router(tmp_path, routes, router):
    main = (
        "from fastapi import FastAPI\nfrom app.routes import list_items\n\napp = FastAPI()\n"
        "app.add_api_route('/items', list_items)\n"
    )
    if router == "registered":
        router = True
    else:
        main = ""
    write_example(
        tmp_path,
        {
            "app/main.py": main,
            "app/routes/__init__.py": routes,
            "app/routes/helpers.py": "",
            "app/services/reports.py": "from app.routes import helpers\n",
            "app/api/routers/stats.py": ROUTER,
            "app/repositories/stats.py": "",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert ("app.routes" in result.stdout) is router, result.stdout
    code, out, _err = cli("app", cwd=tmp_path)
    assert (code == 1 and "ARC002" in out) is router, out


@pytest.mark.parametrize(
    ("routers", "router"),
    [
        # dstack's ``utils/routers.py``: response helpers, no route.
        ("from fastapi import HTTPException\n\n\ndef error(msg):\n    return HTTPException(400, msg)\n", False),
        ("from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\ndef error(msg):\n    return msg\n", True),
        # Routes on the app itself (review 70, t13).
        ("from app.main import app\n\n\n@app.get('/')\ndef error():\n    return 1\n", True),
    ],
)
def test_a_module_named_for_routers_that_declares_no_route_is_no_router(tmp_path, routers, router):
    write_example(
        tmp_path,
        {
            "app/utils/routers.py": routers,
            "app/services/users.py": "from app.utils.routers import error\n",
            "app/api/routers/users.py": ROUTER,
            "app/repositories/users.py": "",
        },
    )
    code, out, _err = cli("app", "--no-cache", cwd=tmp_path)
    assert ("ARC002 Service imports router app.utils.routers" in out) is router, out


def test_a_repository_known_by_its_code_is_followed_by_arc003_once_the_config_names_it(tmp_path):
    # fixtures/repositories_by_code: zero-config, no chain to app.database.vendor, whose
    # queries alone make it a repository; named in the config, the helper's import is one.
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "repositories_by_code", project)
    zero = cli(".", cwd=project)
    assert "ARC003" not in zero.stdout and "ARC001" in zero.stdout, zero.stdout
    (project / "pyproject.toml").write_text(
        '[tool.archcheck.layers]\nrepositories = ["app.database.spool", "app.database.vendor"]\n'
    )
    configured = cli(".", cwd=project)
    assert [(f[0], f[1], f[3]) for f in findings(configured.stdout) if f[3] == "ARC003"] == [
        ("app/core/exports.py", 7, "ARC003")
    ], configured.stdout


def test_what_a_repository_known_by_its_code_imports_is_no_link(tmp_path):
    # fides' ``db/system.py``: its queries make it a repository (the router's import is
    # ARC001), and its import of ``crud`` is a repository's, not a helper's ARC003.
    write_example(
        tmp_path,
        {
            "app/api/v1/endpoints/system.py": (
                "from fastapi import APIRouter\n\nfrom app.db.system import create_system, q1\n\n"
                "router = APIRouter()\n\n\n@router.post('/system')\ndef create(data: dict):\n"
                "    return create_system(q1(None), data)\n"
            ),
            "app/service/system_service.py": "from app.db.crud import create_resource\n",
            "app/db/crud.py": "def create_resource(data, session):\n    session.add(data)\n    session.commit()\n",
            "app/db/system.py": (
                "from app.db.crud import create_resource\n\n\n"
                + QUERY.format(n=1)
                + QUERY.format(n=2)
                + "def create_system(session, data):\n    return create_resource(data, session)\n"
            ),
        },
    )
    _code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [(f[0], f[1], f[3]) for f in findings(out)] == [
        ("app/api/v1/endpoints/system.py", 3, "ARC001")
    ], (out, err)


QUERY = "def q{n}(db):\n    return db.execute('select {n}')\n\n\n"
PLAIN = "def p{n}(x):\n    return x\n\n\n"
PROVIDER_OF_SESSIONS = (
    "def get_db():\n    db = SessionLocal()\n    db.execute('set search_path to app')\n"
    "    try:\n        yield db\n    finally:\n        db.close()\n\n\n"
)


@pytest.mark.parametrize(
    ("path", "code", "repository"),
    [
        ("app/db/users.py", QUERY.format(n=1) + QUERY.format(n=2) + PLAIN.format(n=3), True),
        ("app/storage/users.py", QUERY.format(n=1) + QUERY.format(n=2), True),
        # Half is enough; one query is not, nor a third of the functions.
        ("app/db/users.py", QUERY.format(n=1) + PLAIN.format(n=2), False),
        ("app/db/users.py", QUERY.format(n=1) + QUERY.format(n=2) + PLAIN.format(n=3) * 3, False),
        # A provider opens the request's session (and sets it up): no query of its own.
        ("app/db/session.py", PROVIDER_OF_SESSIONS + QUERY.format(n=1), False),
        # What the module offers decides, through its own helpers: a public ``search``
        # over private queries and private text helpers.
        (
            "app/db/search.py",
            "def search(db, q):\n    return _find(db, _terms(q)), _count(db)\n\n\n"
            "def _find(db, terms):\n    return db.execute(terms)\n\n\n"
            "def _count(db):\n    return db.execute('select count(*) from items')\n\n\n"
            + "".join(f"def _terms{n}(q):\n    return q.split()\n\n\n" for n in ("", 2, 3)),
            True,
        ),
        # Statement builders run nothing: a library of queries, whoever runs them.
        (
            "app/db/users.py",
            "from sqlalchemy import select\n\n\n"
            + "def by_id(model, i):\n    return select(model).where(model.id == i)\n\n\n" * 2,
            False,
        ),
        # The database's setup: the engine, get_db, a health check and create_all.
        (
            "app/db/session.py",
            "from sqlalchemy import create_engine\n\nengine = create_engine('sqlite://')\n\n\n"
            + PROVIDER_OF_SESSIONS
            + QUERY.format(n=1)
            + QUERY.format(n=2),
            False,
        ),
        # No data word in its name: the same queries in ``app/core/users.py``.
        ("app/core/users.py", QUERY.format(n=1) + QUERY.format(n=2), False),
    ],
)
def test_a_module_named_for_data_whose_functions_run_the_database_is_a_repository(
    tmp_path, path, code, repository
):
    module = path[:-3].replace("/", ".")
    write_example(
        tmp_path,
        {
            path: code,
            "app/api/routers/users.py": ROUTER + f"import {module}\n",
            "app/services/user_service.py": "",
            "app/repositories/items.py": "",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert (f"{module}: runs the database" in result.stderr) is repository, result.stderr
    _code, out, _err = cli("app", cwd=tmp_path)
    assert ("ARC001" in out) is repository, out


@pytest.mark.parametrize(("below", "repository"), [({}, True), ({"app/database/adapters/users.py": ""}, False)])
def test_a_leaf_package_of_queries_is_a_repository(tmp_path, below, repository):
    # khoj's database/adapters/__init__.py: 2 380 lines of queries in a package's
    # __init__. A package with modules below it is left to them: its glob would take them.
    write_example(
        tmp_path,
        {
            "app/database/adapters/__init__.py": QUERY.format(n=1) + QUERY.format(n=2),
            **below,
            "app/api/routers/users.py": ROUTER + "from app.database.adapters import q1\n",
            "app/services/user_service.py": "from app.database.adapters import q2\n",
        },
    )
    _code, out, _err = cli("app", cwd=tmp_path)
    assert ("ARC001" in out) is repository, out


@pytest.mark.parametrize(
    ("imported", "finding"),
    [
        ("from app.database import get_db", False),  # the request's session
        ("from app.database import Status", False),  # an enum kept beside the queries
        ("from app.database import get_db, find_items", True),
        # What the module hands out of a class of queries.
        ("from app.database import items", True),
        ("from app import database", True),
    ],
)
def test_an_import_of_none_of_a_code_repositorys_queries_is_no_finding(tmp_path, imported, finding):
    # A ``database.py`` of get_db and queries: a router that takes only get_db for its
    # Depends (or an enum) uses no data access; one that takes a query, or the module, does.
    write_example(
        tmp_path,
        {
            "app/database.py": (
                "import enum\n\n\nclass Status(enum.Enum):\n    OPEN = 1\n\n\n"
                + PROVIDER_OF_SESSIONS
                + QUERY.format(n=1).replace("q1", "find_items")
                + QUERY.format(n=2)
                + "class Items:\n    def all(self, db):\n        return db.query('items')\n\n\n"
                + "items = Items()\n"
            ),
            "app/api/routers/items.py": ROUTER + imported + "\n",
            "app/services/item_service.py": "from app.database import find_items\n",
        },
    )
    _code, out, _err = cli("app", cwd=tmp_path)
    assert ("ARC001" in out) is finding, out


@pytest.mark.parametrize(("name", "finding"), [("get_db", False), ("find_items", True)])
def test_a_name_a_package_re_exports_from_a_code_repository_counts_by_what_it_is(tmp_path, name, finding):
    write_example(
        tmp_path,
        {
            "app/db/__init__.py": "from app.db.manager import find_items, get_db\n",
            "app/db/manager.py": PROVIDER_OF_SESSIONS
            + QUERY.format(n=1).replace("q1", "find_items")
            + QUERY.format(n=2),
            "app/api/routers/items.py": ROUTER + f"from app.db import {name}\n",
            "app/services/item_service.py": "from app.db.manager import find_items\n",
        },
    )
    _code, out, _err = cli("app", cwd=tmp_path)
    assert ("ARC001" in out) is finding, out


@pytest.mark.parametrize(
    ("code", "wiring"),
    [
        # tiled's structures/container.py: a data structure; a statistics bootstrap.
        ("from dataclasses import dataclass\n\n\n@dataclass\nclass Container:\n    keys: list\n", False),
        ("import random\n\n\ndef resample(xs):\n    return random.choices(xs, k=len(xs))\n", False),
        # Containers: one that builds a service, one over a factories module, one of a DI
        # library's providers.
        ("from app.services.orders import OrderService\n\nservice = OrderService()\n", True),
        ("from app.core.factories import order_service\n\nservice = order_service()\n", True),
        ("from dependency_injector import containers\n\n\nclass Container(containers.DeclarativeContainer):\n    pass\n", True),
    ],
)
@pytest.mark.parametrize("name", ["container", "bootstrap"])
def test_a_container_or_bootstrap_is_wiring_where_it_composes(tmp_path, name, code, wiring):
    write_example(
        tmp_path,
        {
            f"app/core/{name}.py": code,
            "app/core/factories.py": "from app.services.orders import OrderService\n\n\ndef order_service():\n    return OrderService()\n",
            "app/api/routers/orders.py": ROUTER,
            "app/services/orders.py": "class OrderService:\n    pass\n",
            "app/repositories/orders.py": "",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert (f'"app.core.{name}"' in result.stdout) is wiring, result.stdout


def test_alembic_migrations_are_in_no_layer_whatever_their_folder_is_called(tmp_path):
    # SkyPilot's sky/schemas/db/: its env.py imports the models' Base, no schema's ARC004.
    write_example(
        tmp_path,
        {
            "app/schemas/db/env.py": "from alembic import context\nfrom app.models.user import Base\n\ncontext.configure(target_metadata=Base.metadata)\n",
            "app/schemas/user.py": "from pydantic import BaseModel\n\n\nclass UserOut(BaseModel):\n    id: int\n",
            "app/models/user.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
            "app/api/routers/users.py": ROUTER,
        },
    )
    code, out, _err = cli("app", cwd=tmp_path)
    assert code == 0, out


@pytest.mark.parametrize("configured", [False, True])
def test_a_cache_over_a_repository_is_a_service_and_configured_services_are_the_configs(tmp_path, configured):
    # services/cache.py that uses a repository is a service; configured services are all
    # the config's, infrastructure names or not.
    files = {
        "app/services/cache.py": "from app.repositories.items import all_items\n",
        "app/services/db.py": "engine = None\n",
        "app/repositories/items.py": "from app.services.cache import cached\nfrom app.services.db import engine\n\n\ndef all_items():\n    return []\n",
        "app/api/routers/items.py": ROUTER,
    }
    if configured:
        files["pyproject.toml"] = '[tool.archcheck.layers]\nservices = ["app.services.*"]\n'
    write_example(tmp_path, files)
    _code, out, _err = cli("app", cwd=tmp_path)
    found = sorted((f[0], f[1], f[3]) for f in findings(out))
    expected = [("app/repositories/items.py", 1, "ARC002")]
    if configured:
        expected.append(("app/repositories/items.py", 2, "ARC002"))
    assert found == expected, out


@pytest.mark.parametrize(
    "tables",
    [
        "from django.db import models\n\n\nclass Note(models.Model):\n    text = models.TextField()\n",
        "from piccolo.columns import Varchar\nfrom piccolo.table import Table\n\n\nclass Note(Table):\n    text = Varchar()\n",
        "import peewee\n\n\nclass Note(peewee.Model):\n    text = peewee.TextField()\n",
    ],
)
def test_active_record_tables_in_a_schemas_module_are_models(tmp_path, tables):
    # An active-record ORM's tables name only their base: found by their import, as
    # SQLAlchemy's are by their words (review 63, t6).
    write_example(
        tmp_path,
        {
            "app/schemas/tables.py": tables,
            "app/schemas/api.py": "from pydantic import BaseModel\n\nfrom app.schemas.tables import Note\n\n\nclass NoteOut(BaseModel):\n    text: str\n",
            "app/api/routers/notes.py": ROUTER,
            "app/services/notes.py": "",
        },
    )
    _code, out, _err = cli("app", cwd=tmp_path)
    assert [(f[0], f[1], f[3]) for f in findings(out)] == [("app/schemas/api.py", 3, "ARC004")], out


def test_infrastructure_in_a_services_folder_is_in_no_layer(tmp_path):
    # jesse's services/db.py holds the connection every model imports, beside the
    # logger and the order service: a model importing the service is still ARC002.
    write_example(
        tmp_path,
        {
            "app/services/db.py": "database = None\n",
            "app/services/logger.py": "def info(message):\n    print(message)\n",
            "app/services/order_service.py": "from app.repositories.orders import save\n",
            "app/repositories/orders.py": "from app.services.db import database\nfrom app.services import logger\n\n\ndef save(order):\n    logger.info(order)\n",
            "app/models/order.py": "from app.services.db import database\nfrom app.services.order_service import save\n",
            "app/api/routers/orders.py": ROUTER,
        },
    )
    code, out, _err = cli("app", cwd=tmp_path)
    assert [(f[0], f[1], f[3]) for f in findings(out)] == [("app/models/order.py", 2, "ARC002")], out
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert "app.services.db, app.services.logger (tests, docs" in result.stderr, result.stderr


PROVIDER = (
    "from fastapi import Depends\n"
    "from app.account.repository import AccountRepository\n\n\n"
    "class AccountGuard:\n"
    "    def __call__(self, session=None):\n"
    "        return AccountRepository(session).get()\n\n\n"
    "AuthorizeAccount = Depends(AccountGuard())\n"
)


@pytest.mark.parametrize(("service", "wiring"), [("", True), ("from app.authz.dependencies import AccountGuard\n", False)])
def test_a_provider_away_from_the_routers_is_wiring_unless_a_lower_layer_imports_it(
    tmp_path, service, wiring
):
    # ``authz/dependencies.py`` holds guards that the account endpoints depend on: a
    # composition root like ``auth/dependencies.py`` beside ``auth/endpoints.py``, and its
    # repository is no leak. A service that imports it makes it shared code instead: a
    # route that runs the guard itself then reaches the repository (one that declares
    # the dependency alias never does: FastAPI calls the provider).
    write_example(
        tmp_path,
        {
            "app/authz/dependencies.py": PROVIDER,
            "app/authz/policies.py": "",
            "app/account/endpoints.py": (
                "from fastapi import APIRouter\n"
                "from app.authz.dependencies import AccountGuard, AuthorizeAccount\n\n"
                "router = APIRouter()\n\n\n"
                "@router.get('/')\n"
                "def read(account=AuthorizeAccount):\n"
                "    return account\n\n\n"
                "@router.get('/check')\n"
                "def check():\n"
                "    return AccountGuard()()\n"
            ),
            "app/account/service.py": service,
            "app/account/repository.py": "class AccountRepository:\n    def __init__(self, session):\n        pass\n\n    def get(self):\n        return 1\n",
            "app/order/endpoints.py": ROUTER,
            "app/order/service.py": "",
            "app/order/repository.py": "",
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert ("app.authz.dependencies" in result.stdout) is wiring, result.stdout
    code, out, _ = cli("app", cwd=tmp_path)
    assert ("ARC003" in out) is not wiring, out


def test_a_dependencies_module_that_provides_no_layer_is_infrastructure(tmp_path):
    # Engines, ``get_db`` and base classes: it declares no dependency and builds no service
    # or repository, so a repository may import it; a provider that builds them is wiring,
    # and a repository importing that is ARC002.
    write_example(
        tmp_path,
        {
            "app/dependencies.py": "class BaseRepository:\n    pass\n\ndef get_db():\n    yield None\n",
            "app/users/router.py": "from fastapi import APIRouter\nfrom app.dependencies import get_db\nrouter = APIRouter()\n",
            "app/users/service.py": "",
            "app/users/repository.py": "from app.dependencies import BaseRepository\n",
            "app/items/router.py": ROUTER,
            "app/items/service.py": "",
            "app/items/repository.py": "",
        },
    )
    code, out, err = cli("app", cwd=tmp_path)
    assert code == 0, out
    (tmp_path / "app" / "dependencies.py").write_text(
        "from app.users.service import UserService\n\nclass BaseRepository:\n    pass\n"
    )
    (tmp_path / "app" / "users" / "service.py").write_text("class UserService:\n    pass\n")
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert "app/users/repository.py:1:1: ARC002 Repository imports wiring module app.dependencies" in out


def test_a_migration_tree_is_left_out_whatever_its_depth(tmp_path):
    # One database's migrations among several: ``migrations/core/env.py``.
    write_example(
        tmp_path,
        {
            "app/db/migrations/core/env.py": "",
            "app/db/migrations/core/old_models.py": "from app.schemas.user import UserOut\n",
            "app/models/user.py": "",
            "app/schemas/user.py": "class UserOut:\n    pass\n",
            "app/api/routers/users.py": ROUTER,
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert "left out      app.db.migrations" in result.stderr


def test_a_routes_module_that_serves_on_the_app_stays_a_router(tmp_path):
    # ``app = FastAPI()`` (or the app imported from main) with ``@app.get`` handlers: it
    # serves routes, so it is no composition root and its queries are ARC202.
    write_example(
        tmp_path,
        {
            "app/routes.py": (
                "from fastapi import FastAPI\n"
                "app = FastAPI()\n\n"
                "@app.get('/users')\n"
                "def users(db=None):\n"
                "    return db.query(object)  # ARC202\n"
            ),
            "app/api/routes.py": (
                "from app.main import app\n\n"
                "@app.get('/items')\n"
                "def items(s=None):\n"
                "    return s.query(object)  # ARC202\n"
            ),
            "app/main.py": "app = None\n",
            "app/services/users.py": "",
        },
    )
    for path in ("app/routes.py", "app/api/routes.py"):  # the sessions: by their names
        text = (tmp_path / path).read_text().replace("db=None", "db: Session = None").replace(
            "s=None", "s: Session = None"
        )
        (tmp_path / path).write_text("from sqlalchemy.orm import Session\n" + text)
    code, out, err = cli("app", cwd=tmp_path)
    assert [line.split(":")[0] for line in out.splitlines()[:-1]] == ["app/api/routes.py", "app/routes.py"]


def test_a_versions_module_makes_no_migration_tree():
    # A ``versions`` package holds revisions; a ``versions.py`` module is app code.
    assert not_app("app", ["app.migrations.runner", "app.migrations.versions"]) == set()
    assert not_app("app", ["app.migrations.versions.rev1"]) == {"app.migrations"}


def test_the_source_root_sample_takes_every_folder_before_one_fills_it(tmp_path):
    # Whether a folder is a source root is told from a sample of its files: a tool folder
    # listed first with more files than the sample holds must not be all the sample says,
    # a virtualenv is not the app, and the sample is the same on every file system.
    from archcheck.project import sampled_sources

    for i in range(300):
        write_example(tmp_path, {f"a_cli/commands/c{i}.py": "from a_cli import x\n"})
    write_example(
        tmp_path,
        {
            "routers/users.py": "from services import users\n",
            "services/users.py": "from repositories import users\n",
            ".venv/lib/site.py": "import os\n",
        },
    )
    sample = list(sampled_sources(tmp_path))
    assert len(sample) == 200
    assert tmp_path / "routers" / "users.py" in sample
    assert tmp_path / "services" / "users.py" in sample
    assert not any(".venv" in path.parts for path in sample)
    assert sample == list(sampled_sources(tmp_path))


def test_a_workspace_member_named_for_its_distribution_is_searched_for_packages(tmp_path):
    # uv, Poetry and Hatch workspaces keep members in folders named for the distribution
    # (``packages/app-ee/``, no module name), the import package one level below: from the
    # repository root it is read like the app beside it, never skipped in silence.
    write_example(
        tmp_path,
        {
            "app/cases/router.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
            "app/cases/service.py": "from app.cases import repository\n",
            "app/cases/repository.py": "from sqlalchemy import select\n",
            "packages/app-ee/app_ee/admin/router.py": (
                "from fastapi import APIRouter\nfrom app.cases.repository import select\n"
            ),
            # ``uv init --package`` puts the import package under ``src/``.
            "packages/app-ops/src/app_ops/router.py": (
                "from fastapi import APIRouter\nfrom app.cases.repository import select\n"
            ),
            # A member's examples are no more read than the repository's own.
            "packages/app-ops/examples/fastapi/demo/router.py": (
                "from fastapi import APIRouter\nfrom demo.repository import select\n"
            ),
            "packages/app-ops/examples/fastapi/demo/repository.py": "select = None\n",
        },
    )
    namespaces(
        tmp_path,
        "packages",
        "packages/app-ee",
        "packages/app-ops",
        "packages/app-ops/src",
        "packages/app-ops/examples",
        "packages/app-ops/examples/fastapi",
    )
    (tmp_path / "pyproject.toml").write_text("[tool.uv.workspace]\nmembers = ['packages/*']\n")
    for member in ("app-ee", "app-ops"):
        (tmp_path / "packages" / member / "pyproject.toml").write_text(f"[project]\nname = '{member}'\n")
    code, out, err = cli(".", "--no-cache", cwd=tmp_path)
    assert (code, err) == (1, ""), out
    assert [line.split(": ARC")[0] for line in out.splitlines()[:-1]] == [
        "packages/app-ee/app_ee/admin/router.py:2:1",
        "packages/app-ops/src/app_ops/router.py:2:1",
    ]


def test_members_named_like_modules_are_searched_and_a_package_missed_is_named(tmp_path):
    # jupyverse: ``plugins/auth/`` and ``api/auth/`` hold a project each (its build config,
    # the package under ``src/``), named like modules; ``api/`` is a group of them, not a
    # namespace package. A package deeper than discovery looks is named in a warning, not
    # skipped in silence.
    write_example(
        tmp_path,
        {
            "plugins/auth/src/fps_auth/routes.py": (
                "from fastapi import APIRouter\nfrom fps_auth.repositories.users import find  # ARC001\n"
                "router = APIRouter()\n"
            ),
            "plugins/auth/src/fps_auth/services/users.py": "",
            "plugins/auth/src/fps_auth/repositories/users.py": "def find():\n    return None\n",
            "api/api/src/jupyverse_api/app.py": "X = 1\n",
            "api/auth/src/jupyverse_auth/models.py": "X = 1\n",
            "vendor/a/b/c/deep_pkg/routes.py": "X = 1\n",
        },
    )
    namespaces(
        tmp_path, "plugins", "plugins/auth", "plugins/auth/src", "api", "api/api", "api/api/src",
        "api/auth", "api/auth/src", "vendor", "vendor/a", "vendor/a/b", "vendor/a/b/c",
    )  # fmt: skip
    for member in ("", "plugins/auth", "api/api", "api/auth"):
        (tmp_path / member / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    # Not the app, and never followed: a test tree named otherwise (its ``conftest.py``), a
    # virtual environment's packages, a symbolic link back up the tree.
    write_example(tmp_path, {"e2e-tests/system/test_login.py": "", "env311/lib/pkg/mod.py": ""})
    (tmp_path / "e2e-tests" / "system" / "conftest.py").write_text("")
    (tmp_path / "env311" / "pyvenv.cfg").write_text("")
    (tmp_path / "vendor" / "a" / "up").symlink_to("..", target_is_directory=True)
    code, out, err = cli(".", "--no-cache", cwd=tmp_path)
    assert out.startswith("plugins/auth/src/fps_auth/routes.py:2:1: ARC001"), (out, err)
    assert err.splitlines() == [
        "archcheck: warning: vendor/a/b/c/deep_pkg/ not read: a package deeper than archcheck "
        "looks for root packages (pass its folder, or set `root` in the config)"
    ], err


def test_a_repository_the_routers_import_as_from_package_import_module_is_kept(tmp_path):
    # Of several repositories, detection keeps those the routers import (a worker's own
    # folder is no alternative layer): ``from app import chat_repository`` imports the
    # module ``app.chat_repository``, and a sibling of a used repository is one too.
    write_example(
        tmp_path,
        {
            "app/routes/chats.py": (
                "from fastapi import APIRouter\n"
                "from app import chat_repository\n"
                "from app.user_chat_repository import UserChatRepository\n"
                "router = APIRouter()\n"
            ),
            "app/chat_repository.py": "class ChatRepository:\n    pass\n",
            "app/user_chat_repository.py": "class UserChatRepository:\n    pass\n",
            "app/audit_repository.py": "class AuditRepository:\n    pass\n",
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [line.split(": ARC")[0] for line in out.splitlines()[:-1]] == [
        "app/routes/chats.py:2:1",
        "app/routes/chats.py:3:1",
    ], (out, err)
    assert 'repositories = ["app.audit_repository", "app.chat_repository"' in cli(
        "init", "--dry-run", "app", cwd=tmp_path
    ).stdout


def test_two_repositories_named_by_suffix_are_the_data_layer_of_a_flat_package(tmp_path):
    # ``user_repository.py`` and ``task_repository.py`` at the package's top, routers found
    # by their code: the repositories are a layer though no sibling is named for another
    # one (one alone, like a lone ``cache_service.py``, may be a client of something).
    write_example(
        tmp_path,
        {
            "app/api/v1/users.py": (
                "from fastapi import APIRouter\n"
                "from app.user_repository import UserRepository\n"
                "router = APIRouter()\n"
            ),
            "app/user_repository.py": "class UserRepository:\n    pass\n",
            "app/task_repository.py": "class TaskRepository:\n    pass\n",
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert out.splitlines()[:-1] == [
        "app/api/v1/users.py:2:1: ARC001 Router imports repository app.user_repository; "
        "call a service instead"
    ], (out, err)


def test_a_verb_before_the_suffix_names_an_action_not_a_layer(tmp_path):
    # A workflow's GitHub nodes (``github_get_repository.py``, ``github_list_repositories.py``)
    # act on repositories of code: no data layer for the router that runs them to bypass.
    write_example(
        tmp_path,
        {
            "app/api/v1/nodes.py": (
                "from fastapi import APIRouter\n"
                "from app.nodes.github_get_repository import GetRepository\n"
                "router = APIRouter()\n"
            ),
            "app/services/nodes.py": "",
            "app/nodes/github_get_repository.py": "class GetRepository:\n    pass\n",
            "app/nodes/github_list_repositories.py": "class ListRepositories:\n    pass\n",
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert code == 0, (out, err)


@pytest.mark.parametrize(
    ("client", "layer"),
    [
        # zenml's ``code_repositories``: clients of GitHub, no data layer.
        ("import json\n\n\nclass GitHubRepository:\n    def files(self):\n        return json.loads('[]')\n", False),
        # The same name over the models, a store's library or a statement keeps data.
        ("from app.models.project import Project\n\n\nclass GitHubRepository:\n    pass\n", True),
        ("import pymongo\n\n\nclass GitHubRepository:\n    pass\n", True),
        ("from sqlalchemy import select\n\n\nclass GitHubRepository:\n    pass\n", True),
        ("class GitHubRepository:\n    def get(self, session):\n        return session.execute('select 1')\n", True),
        # SQLAlchemy's session type alone is handed on by code of any layer.
        ("from sqlalchemy.orm import Session\n\n\nclass GitHubRepository:\n    def files(self, session: Session):\n        return []\n", False),
    ],
)
def test_a_repository_a_compound_name_alone_says_keeps_data(tmp_path, client, layer):
    write_example(
        tmp_path,
        {
            "app/api/routers/projects.py": ROUTER,
            "app/services/projects.py": "",
            "app/core/source.py": "from app.code_repositories.github import GitHubRepository\n\n\ndef files():\n    return GitHubRepository().files()\n",
            "app/code_repositories/__init__.py": "from app.code_repositories.github import GitHubRepository\n",
            "app/code_repositories/github.py": client,
            "app/models/project.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
            "app/api/routers/files.py": (
                "from fastapi import APIRouter\nfrom app.core.source import files\n\n"
                "router = APIRouter()\n\n\n@router.get('/')\ndef read():\n    return files()\n"
            ),
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert (code == 1 and "ARC003 Repository app.code_repositories.github" in out) is layer, (out, err)


def test_settings_and_log_formats_in_a_services_folder_are_in_no_layer(tmp_path):
    # bisheng's ``common/services/config_service.py`` (its settings) and ``metric_log.py``
    # (a log line's format), which the database's setup reads: no service the models reach.
    write_example(
        tmp_path,
        {
            "app/common/services/config_service.py": "class ConfigService:\n    url = 'sqlite://'\n\n\nsettings = ConfigService()\n",
            "app/common/services/metric_log.py": "def record(ms):\n    print(ms)\n",
            "app/common/services/user_service.py": "from app.user.repository import find\n",
            "app/core/database.py": (
                "from app.common.services.config_service import settings\n"
                "from app.common.services.metric_log import record\n\n\n"
                "def get_session():\n    record(1)\n    return settings.url\n"
            ),
            "app/user/repository.py": "from app.core.database import get_session\n\n\ndef find():\n    return get_session()\n",
            "app/user/models.py": (
                "from app.core.database import get_session\nfrom app.common.services.user_service import find  # ARC002\n"
                "from app.common.services.db_connection import database\n"
            ),
            "app/user/router.py": ROUTER,
            # A connection's name is infrastructure's too (review m, t4: jesse's peewee database).
            "app/common/services/db_connection.py": "database = object()\n",
            # A business service whose name has one such word is a service (review 70, t8).
            "app/common/services/user_settings.py": "def theme(user):\n    return user\n",
            "app/user/prefs.py": "",
        },
    )
    (tmp_path / "app/user/repository.py").write_text(
        "from app.core.database import get_session\nfrom app.common.services.user_settings import theme\n\n\n"
        "def find():\n    return get_session()\n"
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert sorted((f[0], f[1], f[3]) for f in findings(out)) == [
        ("app/user/models.py", 2, "ARC002"),
        ("app/user/repository.py", 2, "ARC002"),
    ], (out, err)


def test_a_module_named_app_that_serves_routes_on_a_router_is_a_router(tmp_path):
    # frigate's ``api/app.py``: 30 routes on an ``APIRouter``, the FastAPI app built beside
    # it. Named for the app it serves, it is no entry point; ``api/main.py`` that only
    # gathers the routers stays wiring.
    write_example(
        tmp_path,
        {
            "web/api/app.py": (
                "from fastapi import APIRouter\n\nfrom web.repositories.users import count\n\n"
                "router = APIRouter()\n\n\n@router.get('/stats')\ndef stats():\n    return count()\n"
            ),
            "web/api/main.py": (
                "from fastapi import APIRouter\n\nfrom web.api import app\nfrom web.repositories import users\n\n"
                "api_router = APIRouter()\napi_router.include_router(app.router)\n"
            ),
            "web/server.py": (
                "from fastapi import FastAPI\n\nfrom web.api.main import api_router\n\n"
                "server = FastAPI()\nserver.include_router(api_router)\n"
            ),
            "web/services/users.py": "from web.repositories.users import count\n",
            "web/repositories/users.py": "def count():\n    return 0\n",
        },
    )
    _code, out, err = cli("web", "--no-cache", cwd=tmp_path)
    assert out.splitlines()[:-1] == [
        "web/api/app.py:3:1: ARC001 Router imports repository web.repositories.users; call a "
        "service instead (web.services.users uses it)"
    ], (out, err)


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("github_get_repository", None),
        ("gitlab_list_repositories", None),
        ("get_repository", "repositories"),  # no subject: a layer's own module
        ("user_search_repository", "repositories"),  # a noun: the search's repository
        ("search_service", "services"),
        ("sync_service", "services"),
        ("export_router", "routers"),
    ],
)
def test_which_suffixed_names_are_layers(name, layer):
    from archcheck.layer_names import layer_of_name

    assert layer_of_name(name) == layer


def test_a_module_whose_classes_derive_from_a_services_class_is_a_service(tmp_path):
    # ``management.py`` holds the feature's service, named for what it manages and marked by
    # its base class. As a service its imports of other services are fine; the chain from
    # a schema is reported once, at the first link into the services layer.
    write_example(
        tmp_path,
        {
            "app/service.py": "class BaseService:\n    pass\n",
            "app/audit/service.py": (
                "from app.service import BaseService\n\n\nclass AuditService(BaseService):\n"
                "    def record(self):\n        pass\n"
            ),
            "app/workflow/management.py": (
                "from app.audit.service import AuditService\n"
                "from app.service import BaseService as Base\n\n\n"
                "class WorkflowsService(Base):\n"
                "    def publish(self):\n        AuditService().record()\n"
            ),
            "app/workflow/common.py": (
                "from app.workflow.management import WorkflowsService\n\n\n"
                "def is_step(name):\n    return name == WorkflowsService.publish.__name__\n"
            ),
            "app/workflow/schemas.py": (
                "from pydantic import BaseModel\nfrom app.workflow.common import is_step\n\n\n"
                "class Event(BaseModel):\n    name: str = ''\n    step: bool = is_step('x')\n"
            ),
            "app/workflow/router.py": (
                "from fastapi import APIRouter\n"
                "from app.workflow.management import WorkflowsService\n"
                "router = APIRouter()\n"
            ),
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [line.split(" Service ")[0] for line in out.splitlines()[:-1]] == [
        "app/workflow/common.py:1:1: ARC003"
    ], (out, err)
    assert "app.workflow.management: WorkflowsService derives from a service's class" in cli(
        "init", "--dry-run", "app", cwd=tmp_path
    ).stderr + cli("init", "--dry-run", "app", cwd=tmp_path).stdout


def test_a_router_in_a_folder_named_models_is_a_router(tmp_path):
    # ``api/models/views.py`` serves the LLM models an AI app offers: route code makes it a
    # router whatever its folder says, and a ``models`` folder of nothing but routers is a
    # feature of that name, not the models (nor, being Pydantic, the schemas) layer.
    write_example(
        tmp_path,
        {
            "app/api/models/__init__.py": "from .views import router\n",
            "app/api/models/views.py": (
                "from fastapi import APIRouter\nfrom pydantic import BaseModel\n"
                "from app.services.llm import list_models\n\n"
                "router = APIRouter()\n\n\nclass ModelOut(BaseModel):\n    name: str\n\n\n"
                "@router.get('/models')\ndef models() -> list[ModelOut]:\n    return list_models()\n"
            ),
            "app/services/llm.py": "def list_models():\n    return []\n",
            "app/schemas/item.py": "from pydantic import BaseModel\n\n\nclass Item(BaseModel):\n    id: int\n",
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert (code, out, err) == (0, "All checks passed (8 files).\n", ""), (out, err)
    config = cli("init", "--dry-run", "app", cwd=tmp_path).stdout
    assert 'routers = ["app.api.models.views"]' in config and "app.api.models\"" not in config


def test_only_a_module_derives_into_the_services_not_a_package_nor_a_generic_base_missed(tmp_path):
    # A package's ``__init__`` whose class subclasses a service would make every module
    # below it a service (a helper the repositories use, ARC002): only modules count. A
    # generic base (``BaseService[int]``) is the class subscripted.
    write_example(
        tmp_path,
        {
            "app/services/base.py": (
                "from typing import Generic, TypeVar\nT = TypeVar('T')\n\n\n"
                "class BaseService(Generic[T]):\n    pass\n"
            ),
            "app/workflow/__init__.py": (
                "from app.services.base import BaseService\n\n\nclass WorkflowService(BaseService):\n    pass\n"
            ),
            "app/workflow/slugs.py": "def slug(text):\n    return text\n",
            "app/repositories/user_repo.py": "from app.workflow.slugs import slug\n",
            "app/jobs/management.py": (
                "import app.services.base\n\n\nclass JobsService(app.services.base.BaseService[int]):\n    pass\n"
            ),
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert code == 0, (out, err)
    config = cli("init", "--dry-run", "app", cwd=tmp_path).stdout
    assert '"app.jobs.management"' in config and '"app.workflow"' not in config


def test_a_router_a_method_builds_and_returns_makes_no_router_module(tmp_path):
    # fastapi-users' ``get_logout_router``: a class's method builds a router for the app to
    # mount; the module is auth code the services may import. A class-based view's
    # decorated methods are routes all the same.
    factory = (
        "from fastapi import APIRouter\n\n\nclass Users:\n"
        "    def get_logout_router(self) -> APIRouter:\n"
        "        router = APIRouter()\n\n"
        "        @router.post('/logout')\n        def logout():\n            pass\n\n"
        "        return router\n\n\ndef lookup(email):\n    return email\n"
    )
    view = (
        "from app.web.base import router\nfrom app.repositories.users import find\n\n\n"
        "class UserView:\n    @router.get('/users')\n    def list(self):\n        return find()\n"
    )
    write_example(
        tmp_path,
        {
            "app/auth/users.py": factory,
            "app/web/base.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
            "app/web/users.py": view,
            "app/services/orgs.py": "from app.auth.users import lookup\n",
            "app/repositories/users.py": "def find():\n    return []\n",
        },
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [line.split(": ARC")[0] for line in out.splitlines()[:-1]] == ["app/web/users.py:2:1"], (out, err)
    # A controller that builds its router in ``__init__`` and registers its methods is the
    # module's router, as before.
    (tmp_path / "app/web/users.py").write_text(
        "from fastapi import APIRouter\nfrom app.repositories.users import find\n\n\n"
        "class UserController:\n    def __init__(self):\n"
        "        self.router = APIRouter()\n        self.router.add_api_route('/', self.list)\n\n"
        "    def list(self):\n        return find()\n"
    )
    code, out, err = cli("app", "--no-cache", cwd=tmp_path)
    assert [line.split(": ARC")[0] for line in out.splitlines()[:-1]] == ["app/web/users.py:2:1"], (out, err)


def test_end_to_end_test_apps_are_no_roots_and_no_layers(tmp_path):
    # ``cypress/e2e/<case>/main.py``, ``app/e2e/``: tiny apps that drive the real one in
    # end-to-end tests; like ``tests/``, not the app's code.
    write_example(
        tmp_path,
        {
            "app/routers/items.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
            "app/e2e/routers/flows.py": "from app.repositories.items import find\n",
            "app/repositories/items.py": "def find():\n    return []\n",
            "app/services/items.py": "",
            "cypress/e2e/login/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        },
    )
    namespaces(tmp_path, "cypress", "cypress/e2e", "cypress/e2e/login")
    code, out, err = cli(".", "--no-cache", cwd=tmp_path)
    assert (code, err) == (0, ""), out
    assert 'root = ["app"]' in cli("init", "--dry-run", ".", cwd=tmp_path).stdout


SERVICE = "from app.repositories import users\n\n\nclass {name}:\n    def get(self):\n        return users\n"


@pytest.mark.parametrize(
    ("files", "services"),
    [
        # A *Service class over the repositories, under its subject's name, and a class
        # derived from it.
        (
            {
                "app/cases/dispute_case.py": SERVICE.format(name="DisputeCaseService"),
                "app/cases/faiss.py": (
                    "from app.cases.dispute_case import DisputeCaseService\n\n\n"
                    "class FaissService(DisputeCaseService):\n    pass\n"
                ),
            },
            ["app.cases.dispute_case", "app.cases.faiss", "app.services"],
        ),
        # The repositories only for type checkers, or only in a docstring: no service.
        (
            {
                "app/core/cache.py": (
                    "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                    "    from app.repositories import users\n\n\nclass CacheService:\n    pass\n"
                ),
                "app/core/generic.py": (
                    '"""\nclass UserService(Base):\nfrom app.repositories import users\n"""\n'
                ),
            },
            ["app.services"],
        ),
        # Beside HTTP code, in test support, or imported by a repository: no service.
        (
            {
                "app/core/auth.py": "from fastapi import Depends\n" + SERVICE.format(name="AuthService"),
                "app/testing/fakes.py": SERVICE.format(name="FakeUserService"),
                "app/core/security.py": SERVICE.format(name="LoginService") + "\n\ndef hash_password(p):\n    return p\n",
                "app/repositories/users.py": "from app.core.security import hash_password\n",
            },
            ["app.services"],
        ),
    ],
)
def test_a_service_class_over_the_repositories_makes_a_module_a_service(files, services, tmp_path):
    write_example(
        tmp_path,
        {
            "app/api/routers/users.py": ROUTER + "from app.services import users\n",
            "app/services/users.py": "from app.repositories import users\n",
            "app/repositories/users.py": "",
            **files,
        },
    )
    result = cli("init", "--dry-run", "app", cwd=tmp_path)
    assert f"services = {json.dumps(services)}" in result.stdout.replace("', '", '", "')
