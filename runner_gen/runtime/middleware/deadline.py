"""The enclosing deadline of the current call, as an absolute time on the middleware clock.

The timeout middleware sets it (keeping a caller's shorter deadline), and retry reads it so a
backoff never sleeps past the time by which the caller has already given up. It is a contextvar,
so it follows the awaited call chain and child tasks, and never leaks between concurrent calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_DEADLINE: ContextVar[float | None] = ContextVar("runner_gen_deadline", default=None)


def current_deadline() -> float | None:
    """The absolute deadline the current call must finish by, or None when unbounded."""
    return _DEADLINE.get()


def narrow_deadline(deadline: float) -> Token[float | None]:
    """Make ``deadline`` current unless an enclosing one is sooner; pass the token to reset."""
    enclosing = _DEADLINE.get()
    if enclosing is not None and enclosing < deadline:
        deadline = enclosing
    return _DEADLINE.set(deadline)


def reset_deadline(token: Token[float | None]) -> None:
    """Restore the deadline that was current before the matching ``narrow_deadline``."""
    _DEADLINE.reset(token)


@contextmanager
def deadline_scope(deadline: float) -> Iterator[float]:
    """Run a block under ``deadline`` or a sooner enclosing one; yields the effective one."""
    enclosing = _DEADLINE.get()
    effective = deadline if enclosing is None or deadline < enclosing else enclosing
    token = _DEADLINE.set(effective)
    try:
        yield effective
    finally:
        reset_deadline(token)
