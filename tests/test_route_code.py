"""Which code declares routes (``route_code.declares_routes``): the bytes answer where a
decorator starts a line of module-level code, the syntax tree everywhere else; both must
say what the code does."""
from __future__ import annotations

import textwrap

import pytest

from archcheck.route_code import declares_routes

CASES = {
    "a route at module level": ('@router.get("/")\ndef index():\n    return 1\n', True),
    "a route after the module's docstring": (
        '"""Users.\n\nThe endpoints.\n"""\n\n\n@router.post("/")\ndef create():\n    return 1\n',
        True,
    ),
    "a route shown in the module's docstring": (
        '"""How to declare one:\n\n@router.get("/")\ndef index():\n    ...\n"""\n',
        False,
    ),
    "a route shown in a docstring in single quotes": (
        "'''\n@router.get(\"/\")\ndef index(): ...\n'''\nX = 1\n",
        False,
    ),
    "a route on a class's method (a class-based view)": (
        'class Users:\n    @router.get("/")\n    def index(self):\n        return 1\n',
        True,
    ),
    "a library's router factory in a method": (
        "class Auth:\n"
        "    def get_logout_router(self):\n"
        "        router = APIRouter()\n\n"
        '        @router.post("/logout")\n'
        "        def logout():\n"
        "            return 1\n\n"
        "        return router\n",
        False,
    ),
    "a route on a router kept on the object (a class-based router)": (
        "class UsersRouter(BaseRouter):\n"
        "    def setup_routes(self):\n"
        '        @self.router.get("/users")\n'
        "        def users():\n"
        "            return 1\n",
        True,
    ),
    "a router at module level": ("router = APIRouter()\n", True),
    # DB-GPT's ``util/fastapi.py``: swaps the app's router for a subclass, declares none.
    "a router a function builds for the app": (
        "def replace_router(app, router=None):\n    if not router:\n"
        "        router = PriorityAPIRouter()\n    app.router = router\n    return app\n",
        False,
    ),
    "a router factory": (
        "def build_router():\n    router = APIRouter()\n    register(router)\n    return router\n",
        True,
    ),
    "a function that adds routes to the router it builds": (
        "def setup(app):\n    r = APIRouter()\n    r.add_api_route('/x', handler)\n    app.include_router(r)\n",
        True,
    ),
    "an app's route, not asked for": ('@app.get("/health")\ndef health():\n    return 1\n', False),
    "a comment": ('# @router.get("/")\nX = 1\n', False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_routes_are_what_the_code_declares(name):
    source, expected = CASES[name]
    assert declares_routes(textwrap.dedent(source).encode()) is expected


def test_an_apps_route_counts_where_asked():
    assert declares_routes(b'@app.get("/health")\ndef health():\n    return 1\n', on_app=True)
