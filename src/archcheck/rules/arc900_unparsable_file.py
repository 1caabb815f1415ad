from __future__ import annotations

from archcheck.rules.base import Example, Rule


class UnparsableFile(Rule):
    """A file could not be read or parsed as Python; the rest is still checked

    ## What it does
    Reports each file of the analysed packages that cannot be read (a file that is not
    regular, or larger than 2 MB), decoded (bad bytes for its declared encoding) or parsed
    (a syntax error, nesting deeper than Python accepts), at the line where parsing failed.
    Its import statements are still read one by one wherever its bytes can be read, so the
    import rules see its imports and the modules that import it; the syntax rules cannot
    run on it. Every other file is checked as usual.

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
    def message(reason: str, *, imports_read: bool = False) -> str:
        if imports_read:
            return f"File could not be parsed ({reason}); only its import statements were checked"
        return f"File could not be parsed ({reason}); it was left out of the checks"

    valid = (
        Example(
            {
                "app/services/user_service.py": """
                    def f():
                        return 1
                """,
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/services/user_service.py": """
                    def f(:  # ARC900
                        return 1
                """,
                "app/api/routers/users.py": "from app.repositories import user_repo  # ARC001\n",
                "app/repositories/user_repo.py": "",
            }
        ),
    )
