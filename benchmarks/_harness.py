"""A tiny timing harness: best-of-N per-operation cost, and ratio reports with targets.

Ratios, not absolute times: both sides are measured in one process, interleaved, so machine
load affects them alike.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    name: str
    subject_ns: float
    baseline_ns: float
    target: str  # e.g. "<= 1.5" or ">= 10"
    #: The median of per-round ratios (``compare_paired``); None: the ratio of the two times.
    paired: float | None = None

    @property
    def ratio(self) -> float:
        if self.paired is not None:
            return self.paired
        return self.subject_ns / self.baseline_ns

    def met(self) -> bool:
        op, _, bound = self.target.partition(" ")
        value = float(bound)
        return self.ratio <= value if op == "<=" else self.ratio >= value

    def line(self) -> str:
        verdict = "ok" if self.met() else "MISSED"
        return (
            f"{self.name:<58} {self.subject_ns:>10.0f} ns vs {self.baseline_ns:>10.0f} ns"
            f"  ratio {self.ratio:6.2f}  target {self.target:<7} {verdict}"
        )


def time_async(make_call: Callable[[], Awaitable[object]], ops: int, rounds: int = 7) -> float:
    """Best per-op nanoseconds of ``await make_call()`` over ``rounds`` loops of ``ops`` calls."""

    async def loop() -> float:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for _ in range(ops):
                await make_call()
            best = min(best, (time.perf_counter_ns() - start) / ops)
        return best

    return asyncio.run(loop())


def compare_async(
    name: str,
    subject: Callable[[], Awaitable[object]],
    baseline: Callable[[], Awaitable[object]],
    target: str,
    ops: int = 20_000,
    rounds: int = 7,
) -> Ratio:
    """Measure subject and baseline interleaved in one event loop; return the ratio."""

    async def run() -> tuple[float, float]:
        best_s = best_b = float("inf")
        for _ in range(rounds):
            for which in (0, 1):
                call = subject if which == 0 else baseline
                start = time.perf_counter_ns()
                for _ in range(ops):
                    await call()
                per_op = (time.perf_counter_ns() - start) / ops
                if which == 0:
                    best_s = min(best_s, per_op)
                else:
                    best_b = min(best_b, per_op)
        return best_s, best_b

    subject_ns, baseline_ns = asyncio.run(run())
    return Ratio(name, subject_ns, baseline_ns, target)


def compare_paired(
    name: str,
    subject: Callable[[], Awaitable[object]],
    baseline: Callable[[], Awaitable[object]],
    target: str,
    rounds: int = 101,
    burst_ns: int = 1_000_000,
) -> Ratio:
    """Like ``compare_async``, but robust to a shared, loaded machine: each round times a short
    burst (about ``burst_ns`` long) of the subject next to one of the baseline, alternating
    which goes first so drift in machine load cancels, and yields one ratio; the result is the
    median of those ratios, with the median times beside it. A burst slowed by another process
    moves one round's ratio, never the verdict, and the two sides are never taken from
    different moments (as the ratio of two separate minimums can be). A warm-up first runs
    both sides and sizes the bursts."""

    async def burst(call: Callable[[], Awaitable[object]], ops: int) -> float:
        start = time.perf_counter_ns()
        for _ in range(ops):
            await call()
        return (time.perf_counter_ns() - start) / ops

    async def run() -> tuple[list[float], list[float]]:
        warm = [await burst(subject, 200), await burst(baseline, 200)]
        subject_ops, baseline_ops = (max(20, int(burst_ns / per_op)) for per_op in warm)
        subjects: list[float] = []
        baselines: list[float] = []
        for index in range(rounds):
            if index % 2:
                baselines.append(await burst(baseline, baseline_ops))
                subjects.append(await burst(subject, subject_ops))
            else:
                subjects.append(await burst(subject, subject_ops))
                baselines.append(await burst(baseline, baseline_ops))
        return subjects, baselines

    subjects, baselines = asyncio.run(run())
    ratios = [s / b for s, b in zip(subjects, baselines, strict=True)]
    return Ratio(
        name, statistics.median(subjects), statistics.median(baselines), target,
        paired=statistics.median(ratios),
    )  # fmt: skip


def report(ratios: list[Ratio]) -> None:
    for ratio in ratios:
        print(ratio.line())
