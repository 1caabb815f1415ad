"""The error family: everything archcheck refuses to do, as one-line messages.

Errors are not findings: a finding is a fact about the analysed project, an error means
archcheck could not analyse it (bad usage, broken config, nothing to check). Every entry
point translates them into its own form (exit code 2, a flake8 error) at the boundary.
"""

from __future__ import annotations

__all__ = ["ArchcheckError", "ConfigError", "ProjectError", "UsageError"]


class ArchcheckError(Exception):
    """Base of every error archcheck raises on purpose; ``str()`` is the one-line message."""

    exit_code = 2


class UsageError(ArchcheckError):
    """The command line asks for something that does not exist (unknown code, bad path)."""


class ProjectError(ArchcheckError):
    """The target holds nothing archcheck can analyse (no package, no layers)."""


class ConfigError(ArchcheckError):
    """A configuration file is unreadable or invalid; the message names the file and key
    (``file_error``: the file itself, missing or not TOML, before any table in it)."""

    def __init__(
        self, path: str, message: str, *, key: str | None = None, file_error: bool = False
    ) -> None:
        self.path = path
        self.key = key
        if file_error:
            where = path
        else:
            where = (
                f"{path}: [tool.archcheck]" if key is None else f"{path}: [tool.archcheck] {key}"
            )
        super().__init__(f"{where}: {message}")
