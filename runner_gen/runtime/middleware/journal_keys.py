"""The journal keys the built-in middleware write (Runner 5.5's ``journalKeys``, same ids).

A built-in writes them only in chains that have a journal: the generator marks those at build
time (``DefinitionInfo.journaled``, set when the task's run function or one of its custom
middleware takes ``journal``), and ``wrap`` then picks a layer that writes them. Every other
chain gets the plain layer: no journal lookup, no write, no allocation per call.

Read them from a task or a custom middleware that takes the journal::

    async def run(input: None, *, journal: Journal) -> str:
        attempt = journal.get(RETRY_ATTEMPT)  # int | None: 0 on the first attempt
"""

from __future__ import annotations

from typing import Final

from runner_gen.runtime.journal import JournalKey

#: retry: the running attempt, 0 for the first (set before it starts).
RETRY_ATTEMPT: Final = JournalKey[int]("globals.middleware.retry.attempt")
#: retry: the error that caused the latest retry (unset on the first attempt).
RETRY_LAST_ERROR: Final = JournalKey[Exception]("globals.middleware.retry.lastError")
#: cache: True when the result came from the cache (or from a concurrent call computing the
#: same key), False when this call ran the task.
CACHE_HIT: Final = JournalKey[bool]("globals.middleware.task.cache.hit")
#: fallback: False until the call fails, then True while the fallback answers.
FALLBACK_ACTIVE: Final = JournalKey[bool]("globals.middleware.task.fallback.active")
#: fallback: the error the fallback answered (set only once it is active).
FALLBACK_ERROR: Final = JournalKey[Exception]("globals.middleware.task.fallback.error")
#: rate_limit: calls left in the current window after this one.
RATE_LIMIT_REMAINING: Final = JournalKey[int]("globals.middleware.task.rateLimit.remaining")
#: rate_limit: when the current window ends, on the middleware clock (seconds; Runner: epoch ms).
RATE_LIMIT_RESET_TIME: Final = JournalKey[float]("globals.middleware.task.rateLimit.resetTime")
#: rate_limit: the configured ``max`` per window.
RATE_LIMIT_LIMIT: Final = JournalKey[int]("globals.middleware.task.rateLimit.limit")
# Keys whose value type lives with its middleware are defined there (all are exported from
# runner_gen.runtime.middleware): CIRCUIT_BREAKER_STATE and CIRCUIT_BREAKER_FAILURES in
# circuit_breaker.py (beside CircuitState), TIMEOUT_ABORT in timeout.py (beside TimeoutAbort).
