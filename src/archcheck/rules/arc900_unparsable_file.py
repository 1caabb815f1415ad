from __future__ import annotations

from collections.abc import Sequence

from archcheck.rules.base import Example, Rule

_NAMED = 3  # dependent files named in the message; the rest are counted


class UnparsableFile(Rule):
    """A file could not be read or parsed as Python; the rest is still checked

    ## What it does
    Reports each file of the analysed packages that cannot be read (a file that is not
    regular, or larger than 2 MB), decoded (bad bytes for its declared encoding) or parsed
    (a syntax error, nesting deeper than Python accepts), at the line where parsing failed.
    Its import statements are still read one by one wherever its bytes can be read, so the
    import rules see its imports and the modules that import it; the syntax rules cannot
    run on it. Every other file is checked as usual, but the names the broken file defines
    are unknown to them: when the syntax checks of other files asked about one (a
    `SessionDep` alias in `app/api/deps.py`), the message ends by naming those files (three,
    then how many more), whose findings that needed it may be missing.

    ## Why is this bad?
    archcheck cannot see the imports of a file it cannot parse, so a leak in it would go
    unreported, nor what it defines, so a query run through a session alias it declares
    would go unreported in every router using it; and Python cannot import it either.

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
    def message(reason: str, *, imports_read: bool = False, dependents: Sequence[str] = ()) -> str:
        """``dependents``: the files whose syntax checks asked about names the file
        defines (sorted); the findings they lost must not pass unnoticed."""
        if imports_read:
            text = f"File could not be parsed ({reason}); only its import statements were checked"
        else:
            text = f"File could not be parsed ({reason}); it was left out of the checks"
        if not dependents:
            return text
        shown = list(dependents[:_NAMED])
        if len(dependents) > _NAMED:
            shown.append(f"{len(dependents) - _NAMED} more")
        files = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        return f"{text}; the syntax checks of {files} could not resolve names from it"

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
