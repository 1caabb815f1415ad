"""Reading a source file's bytes without trusting what sits at its path."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["UnreadableFile", "read_regular"]


class UnreadableFile(Exception):
    """Why a path's bytes were not read, in words for a report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_regular(path: Path, limit: int | None) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them.

    Opened without blocking and checked on the open descriptor, so a FIFO, a device or a
    link to ``/dev/zero`` named ``.py`` is refused instead of hanging or filling memory.
    """
    try:
        descriptor = os.open(
            path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        )
    except OSError as error:
        raise UnreadableFile(f"cannot read file: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFile("not a regular file")
        if limit is not None and status.st_size > limit:
            raise UnreadableFile(
                f"too large: {_megabytes(status.st_size)}, the limit is {_megabytes(limit)}"
            )
        try:
            data = file.read() if limit is None else file.read(limit + 1)
        except OSError as error:
            raise UnreadableFile(f"cannot read file: {error.strerror}") from None
    if limit is not None and len(data) > limit:  # grew since it was measured
        raise UnreadableFile(f"too large: over {_megabytes(limit)}")
    return data


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
