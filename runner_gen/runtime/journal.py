"""The execution journal: typed per-call state that a task and its middleware share.

Runner 5.5's ``ExecutionJournal``: one journal per task call, written and read with typed keys
(``JournalKey[int]("retry.attempt")``); setting a key twice fails unless ``override=True``.

A function asks for the journal by declaring a keyword-only ``journal: Journal`` parameter (a
task's run function, a custom task middleware). The generator sees that at build time and gives
only those tasks' chains a journal: an outermost entry creates it (or takes a forwarded one) and
holds it in :data:`CURRENT_JOURNAL` for the call, so every layer of the chain, built-in ones
included, shares it. Chains where nothing asks for it get no entry, no allocation, no lookup.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import partial
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.info import Next

T = TypeVar("T")
InputT = TypeVar("InputT")


class JournalKey(Generic[T]):
    """A typed slot of a journal: ``JournalKey[int]("retry.attempt")``. Keys with the same id
    share the slot, as in Runner."""

    __slots__ = ("id",)

    def __init__(self, id: str) -> None:
        self.id = id

    def __repr__(self) -> str:
        return f"JournalKey({self.id!r})"


class JournalDuplicateKeyError(RunnerError):
    """``journal.set`` on a key that already has a value, without ``override=True``."""

    id = "runner.errors.journal.duplicateKey"

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f'Journal key "{key_id}" already exists. Use override=True to overwrite.',
            remediation=f'Either pass override=True when calling journal.set() for key "{key_id}", '
            "or use a different key name to avoid conflicts.",
            data={"keyId": key_id},
        )
        self.key_id = key_id


class Journal:
    """One task call's journal (Runner's ``ExecutionJournal``)."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def set(self, key: JournalKey[T], value: T, *, override: bool = False) -> None:
        """Store ``value`` under ``key``; a second set of one key raises unless ``override``."""
        if not override and key.id in self._values:
            raise JournalDuplicateKeyError(key.id)
        self._values[key.id] = value

    def get(self, key: JournalKey[T]) -> T | None:
        """The value under ``key``, or None when it was never set."""
        return cast("T | None", self._values.get(key.id))

    def has(self, key: JournalKey[Any]) -> bool:
        return key.id in self._values

    def __repr__(self) -> str:
        return f"Journal({self._values!r})"


#: The journal of the task call running in this context; set only by journaled chains.
CURRENT_JOURNAL: ContextVar[Journal] = ContextVar("runner_gen.journal")


def current_journal() -> Journal:
    """The journal of the running task call (for helpers a journaled task calls); raises
    ``LookupError`` outside a journaled chain."""
    return CURRENT_JOURNAL.get()


class JournaledNext(Protocol):
    """A journaled chain's entry: the input, and optionally a journal to forward."""

    def __call__(self, input: Any, journal: Journal | None = None, /) -> Awaitable[Any]: ...


def journaled(chain: Next) -> JournaledNext:
    """The outermost layer of a chain whose task or middleware use the journal: a fresh journal
    per call (or the forwarded one) for everything the call runs, restored afterwards.

    It is a coroutine so the journal is set when the call runs, in the caller's task: creating
    two calls before awaiting them (``gather``) still gives each its own journal.
    """

    async def entry(input: Any, journal: Journal | None = None, /) -> Any:
        token = CURRENT_JOURNAL.set(Journal() if journal is None else journal)
        try:
            return await chain(input)
        finally:
            CURRENT_JOURNAL.reset(token)

    _ENTRIES.add(entry)
    return entry


#: Every journaled entry, so ``forward_journal`` can tell a task that has a journal.
_ENTRIES: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()


@overload
def forward_journal(task: Callable[[], Awaitable[T]], /, *, journal: Journal) -> Awaitable[T]: ...
@overload
def forward_journal(
    task: Callable[[InputT], Awaitable[T]], input: InputT, /, *, journal: Journal
) -> Awaitable[T]: ...
def forward_journal(task: Callable[..., Awaitable[Any]], *args: Any, journal: Journal) -> Any:
    """Call ``task`` (a dependency) so that it runs with ``journal`` instead of a fresh one:
    Runner's ``task(input, { journal })``. A task whose chain has no journal cannot see one,
    so it is simply called."""
    input = args[0] if args else None
    if task in _ENTRIES:
        return task(input, journal)
    if isinstance(task, partial) and task.func in _ENTRIES and task.args == (None,):
        return task.func(None, journal)  # a task without input: partial(entry, None)
    return task(*args)
