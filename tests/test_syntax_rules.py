"""The batched syntax pass and the syntax rules, beyond their own examples: strict gating,
one walk per file, scopes, and the styles a real codebase mixes."""
from __future__ import annotations

import ast
import textwrap

import pytest

from archcheck.engine import Options, check
from archcheck.names import symbols_of
from archcheck.scopes import Scopes
from conftest import markers, write_example

MODELS = {
    "app/db.py": (
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    ),
    "app/models/user.py": (
        "from app.db import Base\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
    ),
    "app/schemas/user.py": "from pydantic import BaseModel\nclass UserOut(BaseModel):\n    id: int\n",
    "app/services/user_service.py": "",
    "app/repositories/user_repo.py": "",
}


def run(tmp_path, monkeypatch, files, config="", **options):
    files = {path: textwrap.dedent(source) for path, source in files.items()}
    write_example(tmp_path, files, config)
    monkeypatch.chdir(tmp_path)
    report = check([tmp_path / "app"], Options(use_cache=False, **options))
    return report, {(f.path, f.line, f.code) for f in report.findings}


SERVICE = {
    "app/services/order_service.py": """\
        from fastapi import HTTPException  # ARC103
        def cancel(order):
            raise HTTPException(409)  # ARC103
    """,
    "app/repositories/order_repo.py": "",
}


def test_arc103_is_off_by_default(tmp_path, monkeypatch):
    report, found = run(tmp_path, monkeypatch, SERVICE)
    assert found == set()
    assert "ARC103" not in {rule.code for rule in report.rules}


@pytest.mark.parametrize(
    ("config", "options"),
    [("strict = true", {}), ("", {"select": ("ARC1",)}), ("", {"extend_select": ("ARC103",)})],
    ids=["strict", "select-prefix", "extend-select"],
)
def test_arc103_is_on_under_strict_or_when_selected(tmp_path, monkeypatch, config, options):
    _, found = run(tmp_path, monkeypatch, SERVICE, config, **options)
    assert found == markers(tmp_path)


def test_every_syntax_rule_reports_in_one_run(tmp_path, monkeypatch):
    # One batched pass serves all syntax rules: each still finds its own lines, in the
    # layers it reads, and nothing in the layers it does not (models, schemas).
    files = {
        **MODELS,
        "app/models/user.py": MODELS["app/models/user.py"] + "from fastapi import HTTPException\n",
        "app/schemas/user.py": MODELS["app/schemas/user.py"] + "def f(db):\n    db.commit()\n",
        "app/api/routers/users.py": """\
            from fastapi import APIRouter
            from sqlalchemy.orm import Session
            from app.models.user import User
            router = APIRouter()
            @router.get('/')
            def read(db: Session) -> User:  # ARC201
                return db.get(User, 1)  # ARC202
        """,
        "app/services/user_service.py": "from fastapi import HTTPException  # ARC103\n",
        "app/repositories/user_repo.py": """\
            from fastapi import HTTPException  # ARC102
            def get():
                raise HTTPException(404)  # ARC101
        """,
    }
    _, found = run(tmp_path, monkeypatch, files, "strict = true")
    assert found == markers(tmp_path)
    assert {code for _, _, code in found} == {"ARC101", "ARC102", "ARC103", "ARC201", "ARC202"}


def test_deeply_nested_expressions_do_not_hit_the_recursion_limit(tmp_path, monkeypatch):
    chain = " + ".join(["x"] * 1500)  # deeper than the recursion limit, within the parser's
    files = {
        "app/repositories/user_repo.py": f"def f(x):\n    return {chain}\n\n"
        "def g():\n    from fastapi import HTTPException  # ARC102\n    raise HTTPException(404)  # ARC101\n",
        "app/services/user_service.py": "",
    }
    _, found = run(tmp_path, monkeypatch, files)
    assert found == markers(tmp_path)


def test_findings_carry_their_scope(tmp_path, monkeypatch):
    files = {
        **MODELS,
        "app/repositories/user_repo.py": """\
            from fastapi import HTTPException  # ARC102
            class UserRepository:
                def get(self):
                    raise HTTPException(404)  # ARC101
        """,
        "app/api/routers/users.py": """\
            from fastapi import APIRouter
            from app.models.user import User
            router = APIRouter()
            @router.get('/')
            def read() -> User:  # ARC201
                ...
        """,
    }
    report, found = run(tmp_path, monkeypatch, files)
    assert found == markers(tmp_path)
    scopes = {f.code: f.scope for f in report.findings}
    assert scopes == {"ARC101": "UserRepository.get", "ARC102": None, "ARC201": "read"}


def test_local_names_shadow_module_names():
    tree = ast.parse(
        textwrap.dedent(
            """\
            from fastapi import HTTPException
            class Repo:
                HTTPException = ValueError
                def get(self, HTTPException):
                    return HTTPException
                def other(self):
                    import starlette.exceptions as exc
                    return HTTPException, exc.HTTPException
            """
        )
    )
    symbols = symbols_of(tree, "app.repo")
    scopes = Scopes(symbols)
    repo = tree.body[1]
    scopes.push(repo)
    scopes.bind(repo.body[0])
    assert scopes.qualify("HTTPException") is None  # the class body's own name
    scopes.push(repo.body[1])
    assert scopes.qualify("HTTPException") is None  # the parameter
    assert scopes.qualname == "Repo.get"
    scopes.pop()
    scopes.push(repo.body[2])
    scopes.bind(repo.body[2].body[0])
    # Methods do not see the class body's names: back to the module's import.
    assert scopes.qualify("HTTPException") == "fastapi.HTTPException"
    assert scopes.qualify("exc.HTTPException") == "starlette.exceptions.HTTPException"


def test_http_clients_and_other_sessions_are_not_database_sessions(tmp_path, monkeypatch):
    files = {
        **MODELS,
        "app/api/routers/proxy.py": """\
            import httpx
            import requests
            from aiohttp import ClientSession
            from fastapi import APIRouter, Depends, Request
            from app.services.user_service import get_user_service

            router = APIRouter()

            @router.get('/proxy')
            async def proxy(request: Request, service=Depends(get_user_service)):
                async with httpx.AsyncClient() as client:
                    await client.get('https://example.org')
                async with ClientSession() as session:
                    await session.get('https://example.org')
                with requests.Session() as session:
                    session.delete('https://example.org')
                request.session.get('user')
                service.get(1)
                return {}
        """,
    }
    _, found = run(tmp_path, monkeypatch, files)
    assert found == set()


def test_routes_registered_every_way(tmp_path, monkeypatch):
    files = {
        **MODELS,
        "app/api/base.py": "from fastapi import APIRouter\nclass Versioned(APIRouter):\n    pass\n",
        "app/api/routers/__init__.py": "from fastapi import APIRouter\napi_router = APIRouter()\n",
        # Registered from another module: reported at that module's add_api_route call.
        "app/api/routers/external.py": "from app.models.user import User\ndef legacy() -> User:\n    ...\n",
        "app/api/routers/users.py": """\
            from fastapi import FastAPI
            from sqlalchemy.orm import Session
            from app.api.base import Versioned
            from app.api.routers import api_router
            from app.api.routers.external import legacy
            from app.models.user import User
            from app.schemas.user import UserOut
            import app.models.user as m

            v2 = Versioned()

            @v2.get('/a')
            def a() -> 'list[m.User]':  # ARC201
                ...

            @api_router.post('/b', response_model=UserOut)
            def b() -> User:
                ...

            def build(app: FastAPI):
                @app.get('/c')
                def c(db: Session):
                    return db.get(User, 1)  # ARC202

                @app.get('/d', response_model=UserOut)
                def d():
                    return User()
                return c, d

            def e():
                return User()

            def f() -> User:  # ARC201
                ...

            api_router.add_api_route('/e', e, response_model=UserOut)
            api_router.add_api_route('/f', f)
            api_router.add_api_route('/legacy', legacy, response_model=User)  # ARC201
            api_router.add_api_route('/legacy2', legacy, response_model=UserOut)
        """,
    }
    _, found = run(tmp_path, monkeypatch, files)
    expected = markers(tmp_path)
    # ``build.c`` visibly returns ``session.get(User, ...)``: ARC201 at its def line.
    expected.add(("app/api/routers/users.py", 22, "ARC201"))
    assert found == expected


def test_session_sources(tmp_path, monkeypatch):
    files = {
        **MODELS,
        "app/core/database.py": """\
            from collections.abc import AsyncIterator
            from typing import Annotated, TypeAlias
            from fastapi import Depends
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
            from sqlalchemy.orm import scoped_session, sessionmaker

            SessionLocal = sessionmaker()
            AsyncLocal = async_sessionmaker()
            db_session = scoped_session(SessionLocal)

            async def session_provider() -> AsyncIterator[AsyncSession]:
                async with AsyncLocal() as session:
                    yield session

            def get_cache():
                return {}

            def get_db():
                yield SessionLocal()

            AsyncDB: TypeAlias = Annotated[AsyncSession, Depends(session_provider)]
        """,
        "app/api/routers/items.py": """\
            from typing import Annotated, Optional
            from fastapi import APIRouter, Depends
            from sqlalchemy import text
            from app.core import database
            from app.core.database import AsyncDB, SessionLocal, db_session, get_cache, session_provider
            from app.core.database import get_db
            from app.services.user_service import ItemRepository

            router = APIRouter()

            @router.get('/1')
            async def one(db: AsyncDB):
                await db.execute(text('select 1'))  # ARC202

            @router.get('/2')
            async def two(db: Annotated[object, Depends(session_provider)]):
                await db.flush()  # ARC202

            @router.get('/3')
            async def three(s=Depends(session_provider), cache=Depends(get_cache)):
                cache.delete('k')
                await s.rollback()  # ARC202

            @router.get('/4')
            def four():
                db_session.query(int)  # ARC202
                with SessionLocal.begin() as s:
                    s.merge(1)  # ARC202
                s2 = database.SessionLocal()
                s2.add_all([])  # ARC202

            @router.get('/5')
            def five(s: Optional['Session'] = None):
                s.commit()  # a name we cannot resolve: not a session

            @router.get('/6')
            def six(repo: Annotated[ItemRepository, Depends(get_db)], s=Depends(get_db)):
                repo.get(1)  # named like a session provider, but typed as something else
                s.get(int, 1)  # ARC202
        """,
    }
    _, found = run(tmp_path, monkeypatch, files)
    assert found == markers(tmp_path)


@pytest.mark.parametrize(
    "statement",
    [
        "session.execute(delete(User).where(User.id == 1))",
        "session.execute(\n        delete(User)\n        .where(User.id == 1)\n    )",
        "(session.execute(delete(User)), session.commit())",
    ],
    ids=["one-line", "wrapped", "two-calls"],
)
def test_arc202_reports_a_statement_once_however_it_is_formatted(tmp_path, monkeypatch, statement):
    router = f"""\
from fastapi import APIRouter
from sqlalchemy import delete
from sqlalchemy.orm import Session
from app.models.user import User

router = APIRouter()


@router.delete("/users")
def purge(session: Session):
    {statement}
"""
    report, _ = run(tmp_path, monkeypatch, {**MODELS, "app/api/routers/users.py": router})
    assert [(f.line, f.code) for f in report.findings] == [(11, "ARC202")]
