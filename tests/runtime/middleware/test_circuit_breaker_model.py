"""The breaker against a pure model, driven by Hypothesis through random call histories.

Each call blocks on a gate the machine resolves later (success, failure or cancellation), so
calls overlap freely: late results from before a trip, concurrent probes, hung probes.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware import (
    CircuitBreakerConfig,
    CircuitBreakerMiddleware,
    CircuitOpenError,
    CircuitState,
)

from .fakes import settle

THRESHOLD = 3
RESET = 1.0


@dataclass(frozen=True)
class Model:
    """What the breaker must do, as pure transitions over call ids.

    A result counts only if its call belongs to the current period: while CLOSED, a call
    admitted since the circuit last closed; while HALF_OPEN, the current probe. Anything else
    (a call from before a trip, a probe whose lease ran out) is ignored.
    """

    state: CircuitState = CircuitState.CLOSED
    failures: int = 0
    blocked_until: float = 0.0
    probe: int | None = None
    period: int = 0

    def admit(self, now: float) -> tuple[Model, float | None]:
        """The next model, and the retry_after of a rejection (None: admitted)."""
        if self.state is CircuitState.CLOSED:
            return self, None
        if now < self.blocked_until:
            return self, self.blocked_until - now
        return self, None

    def start_probe(self, call: int, now: float) -> Model:
        return dataclasses.replace(
            self,
            state=CircuitState.HALF_OPEN,
            probe=call,
            blocked_until=now + RESET,
            period=self.period + 1,
        )

    def counts(self, call: int, period: int) -> bool:
        if self.state is CircuitState.CLOSED:
            return period == self.period
        return self.state is CircuitState.HALF_OPEN and call == self.probe

    def succeeded(self, call: int, period: int) -> Model:
        if not self.counts(call, period):
            return self
        if self.state is CircuitState.CLOSED:
            return dataclasses.replace(self, failures=0)
        return Model(CircuitState.CLOSED, 0, self.blocked_until, None, self.period + 1)

    def failed(self, call: int, period: int, now: float) -> Model:
        if not self.counts(call, period):
            return self
        failures = self.failures + 1 if self.state is CircuitState.CLOSED else self.failures
        if self.state is CircuitState.CLOSED and failures < THRESHOLD:
            return dataclasses.replace(self, failures=failures)
        return Model(CircuitState.OPEN, failures, now + RESET, None, self.period + 1)

    def cancelled(self, call: int) -> Model:
        if self.state is CircuitState.HALF_OPEN and call == self.probe:
            return dataclasses.replace(self, probe=None, period=self.period + 1)
        return self


class ManualClock:
    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:  # the breaker never sleeps
        raise AssertionError("unexpected sleep")


@dataclass
class Call:
    task: asyncio.Task[Any]
    gate: asyncio.Future[Any]
    period: int


class BreakerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock()
        self.middleware = CircuitBreakerMiddleware(clock=self.clock)
        config = CircuitBreakerConfig(failure_threshold=THRESHOLD, reset_timeout=int(RESET * 1000))
        self.chain = self.middleware.wrap(self.gated, DefinitionInfo("app.model"), config)
        self.model = Model()
        self.calls: dict[int, Call] = {}
        self.next_id = 0
        self.released_probe_at: float | None = None

    @staticmethod
    async def gated(gate: asyncio.Future[Any]) -> Any:
        return await gate

    async def call(self, gate: asyncio.Future[Any]) -> Any:
        return await self.chain(gate)

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        for call in self.calls.values():
            call.task.cancel()
        self.run(settle())
        self.loop.close()

    @rule()
    def start_call(self) -> None:
        now = self.clock.time
        model, retry_after = self.model.admit(now)
        call_id = self.next_id
        self.next_id += 1
        gate: asyncio.Future[Any] = self.loop.create_future()
        task = self.loop.create_task(self.call(gate))
        self.run(settle())
        if retry_after is not None:
            assert task.done()
            error = task.exception()
            assert isinstance(error, CircuitOpenError)
            assert error.retry_after == pytest.approx(retry_after)
            return
        assert not task.done(), "an admitted call must reach the task"
        if model.state is not CircuitState.CLOSED:
            model = model.start_probe(call_id, now)
        self.model = model
        self.calls[call_id] = Call(task, gate, model.period)

    def finish(self, data: st.DataObject) -> tuple[int, Call]:
        call_id = data.draw(st.sampled_from(sorted(self.calls)))
        return call_id, self.calls.pop(call_id)

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def succeed(self, data: st.DataObject) -> None:
        call_id, call = self.finish(data)
        call.gate.set_result(call_id)
        assert self.run(call.task) == call_id
        self.model = self.model.succeeded(call_id, call.period)

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def fail(self, data: st.DataObject) -> None:
        call_id, call = self.finish(data)
        error = ValueError(call_id)
        call.gate.set_exception(error)
        self.run(settle())
        assert call.task.exception() is error
        self.model = self.model.failed(call_id, call.period, self.clock.time)

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        call_id, call = self.finish(data)
        call.task.cancel()
        self.run(settle())
        assert call.task.cancelled()
        model = self.model.cancelled(call_id)
        if model is not self.model:
            model = dataclasses.replace(model, blocked_until=self.clock.time)
        self.model = model

    @rule(seconds=st.sampled_from([0.25, 0.5, 1.0, 1.5]))
    def advance(self, seconds: float) -> None:
        self.clock.time += seconds

    @invariant()
    def matches_the_model(self) -> None:
        snapshot = self.middleware.snapshot("app.model")
        assert snapshot.state is self.model.state
        assert snapshot.failures == self.model.failures

    @invariant()
    def at_most_one_probe_in_flight(self) -> None:
        if self.model.state is CircuitState.HALF_OPEN and self.model.probe is not None:
            assert self.model.probe in self.calls or self.clock.time >= self.model.blocked_until


TestBreakerAgainstModel = BreakerMachine.TestCase
TestBreakerAgainstModel.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
