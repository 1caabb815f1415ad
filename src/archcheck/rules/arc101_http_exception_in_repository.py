from __future__ import annotations

import ast

from archcheck.layers import REPOSITORIES
from archcheck.rules.base import Example, SyntaxRule
from archcheck.rules.frameworks import http_exception_raised


class HttpExceptionInRepository(SyntaxRule):
    """A repository raises an HTTP exception

    ## What it does
    Flags every ``raise`` in the repositories layer whose exception is FastAPI's or
    Starlette's ``HTTPException``: imported under any alias or reached through the module
    (``fastapi.HTTPException``, ``fastapi.exceptions.HTTPException``,
    ``starlette.exceptions.HTTPException``), a subclass of it defined anywhere in the
    project, or a name bound to an instance (``err = HTTPException(404); raise err``,
    also a module-level ``NOT_FOUND = HTTPException(404)`` imported from elsewhere).

    ## Why is this bad?
    A repository answers questions about stored data; which HTTP status a missing row
    becomes is the router's decision. A repository that raises ``HTTPException`` cannot be
    reused from a CLI, a worker or a test without dragging the web framework along, and
    the status code gets decided two layers away from the endpoint that returns it.

    ## Example
    ```python
    # app/repositories/user_repo.py
    from fastapi import HTTPException

    class UserRepository:
        def get(self, user_id: int) -> User:
            user = self.session.get(User, user_id)
            if user is None:
                raise HTTPException(status_code=404, detail="user not found")
            return user
    ```

    ## Use instead
    ```python
    # app/repositories/user_repo.py
    class UserRepository:
        def get(self, user_id: int) -> User | None:
            return self.session.get(User, user_id)

    # app/services/user_service.py: raise UserNotFound(user_id) when it is None
    # app/api/routers/users.py: except UserNotFound: raise HTTPException(404, ...)
    ```
    """

    code = "ARC101"
    name = "http-exception-in-repository"
    layers = (REPOSITORIES,)

    def visit_Raise(self, node: ast.Raise) -> None:
        raised = http_exception_raised(node, self.scopes, self.index)
        if raised is not None:
            self.report(
                node,
                f"Repository raises HTTP exception {raised}; raise a domain exception and "
                f"map it to an HTTP status in the router",
            )

    valid = (
        Example(
            {
                "app/repositories/user_repo.py": (
                    "from app.repositories.errors import NotFound\n"
                    "\n"
                    "\n"
                    "class HTTPException(Exception):\n"
                    "    '''Not the web framework's: a local name that happens to match.'''\n"
                    "\n"
                    "\n"
                    "def get(session, user_id):\n"
                    "    user = session.get('User', user_id)\n"
                    "    if user is None:\n"
                    "        raise NotFound(user_id)\n"
                    "    if user_id < 0:\n"
                    "        raise HTTPException('bad id')\n"
                    "    return user\n"
                    "\n"
                    "\n"
                    "def reraise():\n"
                    "    try:\n"
                    "        return 1\n"
                    "    except ValueError as exc:\n"
                    "        raise LookupError('lost') from exc\n"
                ),
                "app/repositories/errors.py": "class NotFound(LookupError):\n    pass\n",
                "app/services/user_service.py": "",
                "app/api/routers/users.py": (
                    "from fastapi import HTTPException\n"
                    "\n"
                    "def read():\n"
                    "    raise HTTPException(404)  # routers may\n"
                ),
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/repositories/user_repo.py": (
                    "import fastapi  # ARC102\n"
                    "import starlette.exceptions  # ARC102\n"
                    "from fastapi import HTTPException as HTTPError, status  # ARC102\n"
                    "from fastapi.exceptions import HTTPException  # ARC102\n"
                    "\n"
                    "from app.core.errors import NOT_FOUND, UserMissing\n"
                    "\n"
                    "\n"
                    "class UserRepository:\n"
                    "    def get(self, user_id):\n"
                    "        raise HTTPError(status.HTTP_404_NOT_FOUND)  # ARC101\n"
                    "\n"
                    "    def by_email(self, email):\n"
                    "        raise fastapi.HTTPException(404, detail=email)  # ARC101\n"
                    "\n"
                    "    def by_name(self, name):\n"
                    "        raise starlette.exceptions.HTTPException(404)  # ARC101\n"
                    "\n"
                    "    def delete(self, user_id):\n"
                    "        err = HTTPException(status_code=409)\n"
                    "        raise err  # ARC101\n"
                    "\n"
                    "    def missing(self, user_id):\n"
                    "        raise UserMissing(user_id)  # ARC101\n"
                    "\n"
                    "    def gone(self):\n"
                    "        raise NOT_FOUND  # ARC101\n"
                    "\n"
                    "    def lazy(self):\n"
                    "        from fastapi import HTTPException as Lazy  # ARC102\n"
                    "        raise Lazy  # ARC101\n"
                ),
                "app/core/errors.py": (
                    "from fastapi import HTTPException\n"
                    "\n"
                    "\n"
                    "class AppHTTPError(HTTPException):\n"
                    "    pass\n"
                    "\n"
                    "\n"
                    "class UserMissing(AppHTTPError):\n"
                    "    def __init__(self, user_id):\n"
                    "        super().__init__(404, f'user {user_id} not found')\n"
                    "\n"
                    "\n"
                    "NOT_FOUND = HTTPException(status_code=404)\n"
                ),
                "app/services/user_service.py": "",
            }
        ),
    )
