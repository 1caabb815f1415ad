from __future__ import annotations

from collections.abc import Sequence

from archcheck.layers import UPWARD, plural, rank, singular
from archcheck.rules.base import Example, ImportContext, ImportEdge, ImportHit, ImportRule


class UpwardImport(ImportRule):
    """A lower layer imports a higher one

    ## What it does
    Flags every import statement that points up the stack routers -> services ->
    repositories -> models / schemas: a repository importing a service, a service importing
    a router, a model importing a repository, and so on. A statement that imports several
    such modules is one finding naming them all.

    ## Why is this bad?
    Dependencies must point down. A repository that imports a service can no longer be
    reused or tested without the business layer, and the two soon import each other; a
    service that imports a router drags HTTP into business logic.

    ## Example
    ```python
    # app/repositories/user_repo.py
    from app.services.user_service import normalise_email
    ```

    ## Use instead
    ```python
    # app/repositories/user_repo.py: take the value ready-made from the caller, or move
    # the shared helper into a module of no layer (app/core/emails.py) both may import.
    from app.core.emails import normalise_email
    ```
    """

    code = "ARC002"
    name = "upward-import"

    def check_statement(
        self, edges: Sequence[ImportEdge], context: ImportContext
    ) -> ImportHit | None:
        upward = tuple(edge for edge in edges if edge.violation == UPWARD)
        if not upward:
            return None
        by_layer: dict[str, list[str]] = {}
        for edge in sorted(upward, key=lambda e: (rank(e.imported_layer), e.imported_layer)):
            by_layer.setdefault(edge.imported_layer, []).append(edge.imported)
        importer = singular(upward[0].importer_layer).capitalize()
        imported = " and ".join(
            f"{singular(layer) if len(modules) == 1 else plural(layer)} {', '.join(modules)}"
            for layer, modules in by_layer.items()
        )
        higher = "a higher layer" if len(by_layer) == 1 else "higher layers"
        return ImportHit(
            f"{importer} imports {imported}, {higher}; dependencies must point down the stack",
            upward,
        )

    valid = (
        Example(
            {
                "app/services/user_service.py": "from app.repositories import user_repo\n",
                "app/repositories/user_repo.py": "from app.core.emails import normalise\n",
                "app/core/emails.py": """
                    def normalise(email):
                        return email.lower()
                """,
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/api/routers/users.py": "",
                "app/services/user_service.py": "from app.api.routers import users  # ARC002\n",
                "app/repositories/user_repo.py": """
                    def find():
                        from app.services.user_service import rule  # ARC002
                """,
                "app/models/user.py": "import app.repositories.user_repo  # ARC002\n",
                "app/schemas/user.py": (
                    "from app.services import order_service, user_service  # ARC002\n"
                ),
                "app/services/order_service.py": "",
            }
        ),
    )
