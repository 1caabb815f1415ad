from __future__ import annotations

from collections.abc import Sequence

from archcheck.layers import BYPASS, SERVICES
from archcheck.rules.base import Example, ImportContext, ImportEdge, ImportHit, ImportRule

_NAMED = 3


class RouterImportsRepository(ImportRule):
    """A router imports a repository directly, bypassing the services layer

    ## What it does
    Flags every import statement in the routers layer (endpoints, plus the HTTP tier around
    them: dependencies, middleware, the app entry point) that imports a repository module,
    lazy imports inside functions included, or takes a repository's names from a package
    of no layer that re-exports them (``from app.persistence import UserRepository``,
    where ``persistence/__init__.py`` imports it from ``persistence/repository.py``; ``import
    app.persistence`` is the package's import, and a chain through it ARC003's). A
    statement that imports several repositories is one finding naming them all. The message names up to three service modules that
    already use the repository (of several, any one), and counts the rest.

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

    def check_statement(
        self, edges: Sequence[ImportEdge], context: ImportContext
    ) -> ImportHit | None:
        bypassing = tuple(edge for edge in edges if edge.violation == BYPASS)
        if not bypassing:
            return None
        repositories = [edge.imported for edge in bypassing]
        noun = "repository" if len(repositories) == 1 else "repositories"
        message = f"Router imports {noun} {', '.join(repositories)}; call a service instead"
        by_user: dict[str, int] = {}  # service -> how many of the repositories it imports
        for repository in repositories:
            for user in context.importers_in_layer(repository, SERVICES):
                by_user[user] = by_user.get(user, 0) + 1
        users = sorted(by_user)
        if len(users) > _NAMED:  # a message is one line: name a few, count the rest
            named = f"{', '.join(users[:_NAMED])} and {len(users) - _NAMED} more"
        else:
            named = ", ".join(users)
        if len(repositories) == 1:
            what = "it"
        elif all(count == len(repositories) for count in by_user.values()):
            what = "them"
        else:
            what = "some of them"
        if users:
            message += f" ({named} {'uses' if len(users) == 1 else 'use'} {what})"
        return ImportHit(message, bypassing)

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
                    from app.repositories import order_repo, user_repo  # ARC001


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
        Example(
            {
                # A feature's persistence package re-exports its repository and its table.
                "app/podcasts/persistence/__init__.py": """
                    from .models import Podcast
                    from .repository import PodcastRepository

                    __all__ = ["Podcast", "PodcastRepository"]
                """,
                "app/podcasts/persistence/models.py": """
                    from sqlalchemy.orm import DeclarativeBase


                    class Base(DeclarativeBase):
                        pass


                    class Podcast(Base):
                        __tablename__ = "podcasts"
                """,
                "app/podcasts/persistence/repository.py": """
                    class PodcastRepository:
                        pass
                """,
                "app/podcasts/routes.py": """
                    from app.podcasts.persistence import Podcast
                    from app.podcasts.persistence import (  # ARC001
                        PodcastRepository as Repository,
                    )

                    REPOSITORY = Repository
                """,
                "app/podcasts/service.py": "from app.podcasts.persistence import PodcastRepository\n",
            }
        ),
    )
