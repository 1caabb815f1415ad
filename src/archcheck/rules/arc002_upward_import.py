from __future__ import annotations

from archcheck.layers import UPWARD, singular, violation
from archcheck.rules.base import Example, ImportContext, ImportEdge, ImportRule


class UpwardImport(ImportRule):
    """A lower layer imports a higher one

    ## What it does
    Flags every import statement that points up the stack routers -> services ->
    repositories -> models / schemas: a repository importing a service, a service importing
    a router, a model importing a repository, and so on.

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

    def check_import(self, edge: ImportEdge, context: ImportContext) -> str | None:
        if violation(edge.importer_layer, edge.imported_layer) != UPWARD:
            return None
        importer = singular(edge.importer_layer).capitalize()
        imported = singular(edge.imported_layer)
        return (
            f"{importer} imports {imported} {edge.imported}, a higher layer; "
            f"dependencies must point down the stack"
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
            }
        ),
    )
