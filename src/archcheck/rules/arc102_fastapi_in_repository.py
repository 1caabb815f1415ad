from __future__ import annotations

import ast

from archcheck.layers import REPOSITORIES
from archcheck.rules.base import Example, SyntaxRule
from archcheck.rules.frameworks import web_framework_of


def web_imports(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The fastapi / starlette modules one import statement names, in order."""
    if isinstance(node, ast.ImportFrom):
        names = [node.module] if node.level == 0 and node.module else []
    else:
        names = [alias.name for alias in node.names]
    return [name for name in names if web_framework_of(name)]


class FastapiInRepository(SyntaxRule):
    """A repository imports fastapi or starlette

    ## What it does
    Flags every import statement in the repositories layer that imports ``fastapi`` or
    ``starlette`` or any of their submodules: at module level, inside functions, and under
    ``if TYPE_CHECKING:`` alike. One finding per statement.

    ## Why is this bad?
    The data layer should not know it is being served over HTTP. Today's
    ``from fastapi import HTTPException``, ``Depends`` or ``Request`` in a repository is
    tomorrow's status code decided in the wrong place, a repository that cannot run in a
    worker or a migration script, and a test suite that needs the web stack to test SQL.

    ## Example
    ```python
    # app/repositories/user_repo.py
    from fastapi import Depends, HTTPException
    from sqlalchemy.orm import Session

    class UserRepository:
        def __init__(self, session: Session = Depends(get_session)):
            self.session = session
    ```

    ## Use instead
    ```python
    # app/repositories/user_repo.py
    from sqlalchemy.orm import Session

    class UserRepository:
        def __init__(self, session: Session):
            self.session = session

    # app/dependencies/repositories.py (HTTP tier) wires it up with Depends
    ```
    """

    code = "ARC102"
    name = "fastapi-in-repository"
    layers = (REPOSITORIES,)

    def visit_Import(self, node: ast.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._check(node)

    def _check(self, node: ast.Import | ast.ImportFrom) -> None:
        modules = web_imports(node)
        if modules:
            self.report(
                node,
                f"Repository imports {', '.join(modules)}; keep the web framework out of the "
                f"data layer: take plain arguments and raise domain exceptions",
            )

    valid = (
        Example(
            {
                "app/repositories/user_repo.py": (
                    "from sqlalchemy import select\n"
                    "from sqlalchemy.orm import Session\n"
                    "import fastapi_pagination_like_name  # another package\n"
                    "from . import fastapi  # a sibling module of the project named fastapi\n"
                    "\n"
                    "\n"
                    "class UserRepository:\n"
                    "    def __init__(self, session: Session):\n"
                    "        self.session = session\n"
                ),
                "app/repositories/fastapi.py": "",
                "app/services/user_service.py": "import fastapi\n",
                "app/api/routers/users.py": "from fastapi import APIRouter\n",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/repositories/user_repo.py": (
                    "from typing import TYPE_CHECKING\n"
                    "\n"
                    "import fastapi  # ARC102\n"
                    "import os, starlette.requests  # ARC102\n"
                    "from fastapi import Depends, HTTPException as HTTPError  # ARC102\n"
                    "from starlette.status import HTTP_404_NOT_FOUND  # ARC102\n"
                    "\n"
                    "if TYPE_CHECKING:\n"
                    "    from fastapi import Request  # ARC102\n"
                    "\n"
                    "\n"
                    "def paginate(items):\n"
                    "    from fastapi.encoders import jsonable_encoder  # ARC102\n"
                    "    return jsonable_encoder(items)\n"
                ),
                "app/services/user_service.py": "",
            }
        ),
    )
