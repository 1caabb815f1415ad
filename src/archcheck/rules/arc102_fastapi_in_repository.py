from __future__ import annotations

from archcheck.layers import REPOSITORIES
from archcheck.rules.base import Example
from archcheck.rules.web_framework import ImportsWebFramework


class FastapiInRepository(ImportsWebFramework):
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
    subject = "Repository"
    advice = (
        "keep the web framework out of the data layer: take plain arguments and raise "
        "domain exceptions"
    )

    valid = (
        Example(
            {
                "app/repositories/user_repo.py": """
                    from sqlalchemy import select
                    from sqlalchemy.orm import Session
                    import fastapi_pagination_like_name  # another package
                    from . import fastapi  # a sibling module of the project named fastapi


                    class UserRepository:
                        def __init__(self, session: Session):
                            self.session = session
                """,
                "app/repositories/fastapi.py": "",
                "app/services/user_service.py": "import fastapi\n",
                "app/api/routers/users.py": "from fastapi import APIRouter\n",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/repositories/user_repo.py": """
                    from typing import TYPE_CHECKING

                    import fastapi  # ARC102
                    import os, starlette.requests  # ARC102
                    from fastapi import Depends, HTTPException as HTTPError  # ARC102
                    from starlette.status import HTTP_404_NOT_FOUND  # ARC102

                    if TYPE_CHECKING:
                        from fastapi import Request  # ARC102


                    def paginate(items):
                        from fastapi.encoders import jsonable_encoder  # ARC102
                        return jsonable_encoder(items)
                """,
                "app/services/user_service.py": "",
            }
        ),
    )
