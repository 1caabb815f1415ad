from __future__ import annotations

from archcheck.layers import BYPASS, SERVICES, violation
from archcheck.rules.base import Example, ImportContext, ImportEdge, ImportRule

_NAMED = 3


class RouterImportsRepository(ImportRule):
    """A router imports a repository directly, bypassing the services layer

    ## What it does
    Flags every import statement in the routers layer (endpoints, plus the HTTP tier around
    them: dependencies, middleware, the app entry point) that imports a repository module,
    lazy imports inside functions included. The message names up to three service modules
    that already use that repository, and counts the rest.

    ## Why is this bad?
    Services are a closed layer: they hold the business rules and the transaction
    boundaries. A router that talks to a repository skips both, so the same rule ends up
    written twice (or not at all) and the endpoint can no longer be tested against a fake
    service.

    ## Example
    ```python
    # app/api/routers/users.py
    from app.repositories.user_repo import UserRepository

    @router.get("/users/{user_id}")
    def read_user(user_id: int, db: Session = Depends(get_session)):
        return UserRepository(db).get(user_id)
    ```

    ## Use instead
    ```python
    # app/api/routers/users.py
    from app.services.user_service import UserService

    @router.get("/users/{user_id}", response_model=UserOut)
    def read_user(user_id: int, db: Session = Depends(get_session)):
        return UserService(db).get_user(user_id)
    ```
    """

    code = "ARC001"
    name = "router-imports-repository"

    def check_import(self, edge: ImportEdge, context: ImportContext) -> str | None:
        if violation(edge.importer_layer, edge.imported_layer) != BYPASS:
            return None
        message = f"Router imports repository {edge.imported}; call a service instead"
        users = context.importers_in_layer(edge.imported, SERVICES)
        if len(users) > _NAMED:  # a message is one line: name a few, count the rest
            named = f"{', '.join(users[:_NAMED])} and {len(users) - _NAMED} more"
        else:
            named = ", ".join(users)
        if users:
            message += f" ({named} {'uses' if len(users) == 1 else 'use'} it)"
        return message

    valid = (
        Example(
            {
                "app/api/routers/users.py": "from app.services import user_service\n",
                "app/services/user_service.py": "from app.repositories import user_repo\n",
                "app/repositories/user_repo.py": "from app.models.user import User\n",
                "app/models/user.py": "",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/api/routers/users.py": """
                    from app.repositories import user_repo  # ARC001
                    import app.repositories.order_repo as orders  # ARC001
                    from ...repositories.user_repo import UserRepository  # ARC001


                    def handler():
                        from app.repositories import order_repo  # ARC001
                """,
                "app/services/user_service.py": "from app.repositories import user_repo\n",
                "app/repositories/user_repo.py": """
                    class UserRepository:
                        pass
                """,
                "app/repositories/order_repo.py": "",
            }
        ),
        Example(
            {
                "app/dependencies/auth.py": "from app.repositories.user_repo import find  # ARC001\n",
                "app/services/user_service.py": "",
                "app/repositories/user_repo.py": """
                    def find():
                        pass
                """,
            },
            config="strict = true",  # a provider is wiring, part of the routers only in strict
        ),
    )
