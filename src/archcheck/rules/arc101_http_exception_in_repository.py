from __future__ import annotations

from archcheck.layers import REPOSITORIES
from archcheck.rules.base import Example
from archcheck.rules.web_framework import RaisesFrameworkException


class HttpExceptionInRepository(RaisesFrameworkException):
    """A repository raises an HTTP exception

    ## What it does
    Flags every ``raise`` in the repositories layer whose exception is one of FastAPI's
    or Starlette's (``HTTPException``, ``RequestValidationError``, ``WebSocketException``,
    ...): imported under any alias or reached through the module
    (``fastapi.HTTPException``, ``starlette.exceptions.HTTPException``), a subclass of one
    defined anywhere in the project, or a name bound to an instance (``err =
    HTTPException(404); raise err``, also a module-level ``NOT_FOUND =
    HTTPException(404)`` of any module). A module-level instance built in a repository
    (``credentials_exception = HTTPException(401)``) is a finding of its own, at its
    assignment.

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
    subject = "Repository"

    valid = (
        Example(
            {
                "app/repositories/user_repo.py": '''
                    from app.repositories.errors import NotFound


                    class HTTPException(Exception):
                        """Not the web framework's: a local name that happens to match."""


                    NOT_AN_HTTP_ERROR = HTTPException("bad id")


                    def get(session, user_id):
                        user = session.get("User", user_id)
                        if user is None:
                            raise NotFound(user_id)
                        if user_id < 0:
                            raise HTTPException("bad id")
                        return user


                    def reraise():
                        try:
                            return 1
                        except ValueError as exc:
                            raise LookupError("lost") from exc
                ''',
                "app/repositories/errors.py": """
                    class NotFound(LookupError):
                        pass
                """,
                "app/repositories/web.py": """
                    from fastapi import APIRouter  # ARC102
                    from fastapi.security import OAuth2PasswordBearer  # ARC102
                    from starlette.responses import JSONResponse  # ARC102

                    legacy = APIRouter()  # the framework's, but no exception
                    scheme = OAuth2PasswordBearer(tokenUrl="token")
                    EMPTY = JSONResponse({})
                """,
                "app/services/user_service.py": "",
                "app/api/routers/users.py": """
                    from fastapi import HTTPException
                    from fastapi.exceptions import RequestValidationError

                    NOT_FOUND = HTTPException(404)  # routers may


                    def read():
                        raise RequestValidationError([])
                """,
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/repositories/user_repo.py": """
                    import fastapi  # ARC102
                    import starlette.exceptions  # ARC102
                    from fastapi import HTTPException as HTTPError, status  # ARC102
                    from fastapi import WebSocketException  # ARC102
                    from fastapi.exceptions import HTTPException, RequestValidationError  # ARC102

                    from app.core.errors import NOT_FOUND, UserMissing

                    credentials_exception = HTTPException(status_code=401)  # ARC101


                    class UserRepository:
                        def get(self, user_id):
                            raise HTTPError(status.HTTP_404_NOT_FOUND)  # ARC101

                        def by_email(self, email):
                            raise fastapi.HTTPException(404, detail=email)  # ARC101

                        def by_name(self, name):
                            raise starlette.exceptions.HTTPException(404)  # ARC101

                        def delete(self, user_id):
                            err = HTTPException(status_code=409)
                            raise err  # ARC101

                        def missing(self, user_id):
                            raise UserMissing(user_id)  # ARC101

                        def gone(self):
                            raise NOT_FOUND  # ARC101

                        def check(self, token):
                            raise credentials_exception  # ARC101

                        def validate(self, data):
                            raise RequestValidationError([])  # ARC101

                        def stream(self):
                            raise WebSocketException(1008)  # ARC101

                        def lazy(self):
                            from fastapi import HTTPException as Lazy  # ARC102
                            raise Lazy  # ARC101
                """,
                "app/core/errors.py": """
                    from fastapi import HTTPException


                    class AppHTTPError(HTTPException):
                        pass


                    class UserMissing(AppHTTPError):
                        def __init__(self, user_id):
                            super().__init__(404, f"user {user_id} not found")


                    NOT_FOUND = HTTPException(status_code=404)
                """,
                "app/services/user_service.py": "",
            }
        ),
    )
