"""An event emitter for tests: records what the code under test emits, runs no hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from runner_gen.runtime.emitting import EmitReport
from runner_gen.runtime.events import FailureMode

PayloadT = TypeVar("PayloadT")


@dataclass(frozen=True, slots=True)
class Recorded(Generic[PayloadT]):
    """One emission: the payload and the options it was emitted with."""

    payload: PayloadT
    failure_mode: FailureMode
    throw_on_error: bool
    report: bool


class Recorder(Generic[PayloadT]):
    """An ``Emitter[P]``: ``overrides={"events": {"user_registered": recorder}}`` hands every
    emission of that event to it (its hooks do not run), and ``recorder.payloads`` lists them.

    Give it ``fail_with`` to make emitting raise, as a failing hook would.
    """

    def __init__(self, *, fail_with: BaseException | None = None) -> None:
        self.emissions: list[Recorded[PayloadT]] = []
        self.fail_with = fail_with

    @property
    def payloads(self) -> list[PayloadT]:
        return [emission.payload for emission in self.emissions]

    async def __call__(
        self,
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
    ) -> None:
        self.emissions.append(Recorded(payload, failure_mode, throw_on_error, report=False))
        if self.fail_with is not None:
            raise self.fail_with

    async def report(
        self,
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
    ) -> EmitReport:
        self.emissions.append(Recorded(payload, failure_mode, throw_on_error, report=True))
        return EmitReport(0)
