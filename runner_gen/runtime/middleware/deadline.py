"""The enclosing deadline of the current call, as an absolute time on the middleware clock.

The timeout middleware sets it (keeping a caller's shorter deadline), and retry reads it to tell
a timeout of the caller's own budget (not retried) from a per-attempt one (retried). It is a
contextvar, so it follows the awaited call chain and child tasks, and never leaks between
concurrent calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The variable itself, for the timeout middleware's per-call path (set and reset directly,
#: without a context manager). Everyone else reads ``current_deadline()``.
DEADLINE: ContextVar[float | None] = ContextVar("runner_gen_deadline", default=None)


def current_deadline() -> float | None:
    """The absolute deadline the current call must finish by, or None when unbounded."""
    return DEADLINE.get()


@contextmanager
def deadline_scope(deadline: float) -> Iterator[float]:
    """Run a block under ``deadline`` or a sooner enclosing one; yields the effective one.

    For a total budget that is not a timeout middleware (a request handler, a test).
    """
    enclosing = DEADLINE.get()
    effective = deadline if enclosing is None or deadline < enclosing else enclosing
    token = DEADLINE.set(effective)
    try:
        yield effective
    finally:
        DEADLINE.reset(token)
