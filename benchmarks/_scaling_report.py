"""Curves with their log-log exponents, goals with verdicts, and the tables that print them."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field


@dataclass
class Curve:
    """One measured quantity at several sizes."""

    name: str
    unit: str  # "s", "MiB", "ms", "x", "us"
    points: dict[int, float] = field(default_factory=dict)

    def add(self, size: int, value: float) -> None:
        self.points[size] = value

    def sizes(self) -> list[int]:
        return sorted(self.points)

    def steps(self) -> list[float | None]:
        """The log-log slope from each size to the next: 1 is linear, 2 quadratic."""
        sizes = self.sizes()
        return [_slope(a, self.points[a], b, self.points[b]) for a, b in itertools.pairwise(sizes)]

    def exponent(self) -> float | None:
        """Least-squares slope of log(value) on log(size) over every point."""
        pairs = [(math.log(s), math.log(v)) for s, v in self.points.items() if v > 0]
        if len(pairs) < 2:
            return None
        mean_x = sum(x for x, _ in pairs) / len(pairs)
        mean_y = sum(y for _, y in pairs) / len(pairs)
        spread = sum((x - mean_x) ** 2 for x, _ in pairs)
        if spread == 0:
            return None
        return sum((x - mean_x) * (y - mean_y) for x, y in pairs) / spread


def _slope(size_a: int, a: float, size_b: int, b: float) -> float | None:
    if a <= 0 or b <= 0 or size_a == size_b:
        return None
    return math.log(b / a) / math.log(size_b / size_a)


@dataclass
class Goal:
    """A target from issue 10; ``measured`` is None when the run skipped that size."""

    name: str
    measured: float | None
    target: float
    unit: str
    at_most: bool = True

    def met(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured <= self.target if self.at_most else self.measured >= self.target

    def line(self) -> str:
        verdict = {None: "not measured", True: "ok", False: "MISSED"}[self.met()]
        measured = "-" if self.measured is None else _number(self.measured)
        op = "<=" if self.at_most else ">="
        target = f"{op} {_number(self.target)} {self.unit}"
        return f"{self.name:<62} {measured:>9} {self.unit:<4} {target:<14} {verdict}"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def curve_table(title: str, curves: list[Curve]) -> str:
    """One row a curve: its value at each size, the step exponents and the fitted one."""
    curves = [curve for curve in curves if curve.points]
    if not curves:
        return ""
    sizes = sorted({size for curve in curves for size in curve.points})
    head = f"{title:<44} {'unit':<4}" + "".join(f"{size:>10,}" for size in sizes)
    lines = [head + "   exponent: steps; fit", "-" * (len(head) + 26)]
    for curve in curves:
        cells = "".join(
            f"{_number(curve.points[size]) if size in curve.points else '-':>10}" for size in sizes
        )
        steps = " ".join("?" if step is None else f"{step:.2f}" for step in curve.steps())
        fit = curve.exponent()
        fitted = "" if fit is None else f"; fit {fit:.2f}"
        lines.append(f"{curve.name:<44} {curve.unit:<4}{cells}   {steps}{fitted}")
    return "\n".join(lines)


def goal_table(goals: list[Goal]) -> str:
    """Missed goals first, then the met ones, then those this run did not measure."""
    order = {False: 0, True: 1, None: 2}
    ranked = sorted(goals, key=lambda goal: order[goal.met()])
    head = f"{'goal (issue 10, point 8)':<62} {'measured':>9} {'':<4} {'target':<14} verdict"
    return "\n".join([head, "-" * len(head), *(goal.line() for goal in ranked)])
