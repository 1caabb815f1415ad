"""Room for deep recursion: one run's work on a thread with a large stack.

Python accepts source nested thousands of levels deep (a 400-term union annotation, a
600-class inheritance chain, a 1,000-module star-import chain), and the standard
library's walkers over it (``ast.unparse``, ``NodeVisitor``) recurse, as do the index's
lookups through bases and star imports. Rather than a recursion limit hit at a depth no
test foresaw (an internal error), the whole run gets a stack sized for the deepest tree
``ast`` builds: the memory is reserved, and used only by a file that needs it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["with_deep_stack"]

T = TypeVar("T")

_STACK_BYTES = 512 * 1024 * 1024
_RECURSION_LIMIT = 60_000


def with_deep_stack(function: Callable[[], T]) -> T:
    """``function()``, run on a thread whose stack and recursion limit fit deep trees; run
    here when such a thread cannot be made (or this already is one)."""
    if getattr(_deep, "active", False):
        return function()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        _deep.active = True
        try:
            outcome.append(function())
        except BaseException as error:
            failure.append(error)

    previous_limit = sys.getrecursionlimit()
    try:
        previous_size = threading.stack_size(_STACK_BYTES)
    except (ValueError, RuntimeError):  # a platform that sets no thread stack size
        return function()
    try:
        thread = threading.Thread(target=target, name="archcheck", daemon=True)
        sys.setrecursionlimit(max(previous_limit, _RECURSION_LIMIT))
        try:
            thread.start()
        except RuntimeError:  # the stack could not be reserved
            sys.setrecursionlimit(previous_limit)
            return function()
    finally:
        threading.stack_size(previous_size)
    try:
        while thread.is_alive():
            thread.join(0.2)  # a short wait, so that Ctrl-C reaches this thread
    finally:
        sys.setrecursionlimit(previous_limit)
    if failure:
        raise failure[0]
    return outcome[0]


_deep = threading.local()
