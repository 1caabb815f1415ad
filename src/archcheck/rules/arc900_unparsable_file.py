from __future__ import annotations

from archcheck.rules.base import Example, Rule


class UnparsableFile(Rule):
    """A file could not be read or parsed as Python; the rest is still checked

    ## What it does
    Reports each file of the analysed packages that cannot be decoded (bad bytes for its
    declared encoding) or parsed (a syntax error), at the line where parsing failed. The
    file is left out of the import graph and of the syntax rules, and every other file is
    checked as usual.

    ## Why is this bad?
    archcheck cannot see the imports of a file it cannot parse, so a leak in it would go
    unreported; and Python cannot import it either.

    ## Example
    ```python
    # app/api/routers/users.py
    def list_users(:
        ...
    ```

    ## Use instead
    ```python
    # app/api/routers/users.py
    def list_users():
        ...
    ```
    """

    code = "ARC900"
    name = "unparsable-file"

    @staticmethod
    def message(reason: str) -> str:
        return f"File could not be parsed ({reason}); it was left out of the checks"

    valid = (
        Example(
            {
                "app/services/user_service.py": '''
                    def f():
                        return 1
                ''',
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/services/user_service.py": '''
                    def f(:  # ARC900
                        return 1
                ''',
                "app/api/routers/users.py": "from app.repositories import user_repo  # ARC001\n",
                "app/repositories/user_repo.py": "",
            }
        ),
    )
