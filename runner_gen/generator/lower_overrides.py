"""Typed overrides for tests, applied at start without a second build.

``start(overrides={"resources": {"db": fake}, "tasks": {...}, "events": {...}, "clock": c})``:
the generated ``ResourceOverrides`` / ``TaskOverrides`` / ``EventOverrides`` TypedDicts give each
key the definition's own type, so mypy checks a fake against the real type (or the Protocol the
init function returns). An overridden resource is not initialised or disposed (the fake is the
test's); an overridden task is replaced whole (middleware included); an overridden event's
emitter receives the emissions instead of its hooks. When no overrides are given, start() pays
one truth test per overridable definition, and calls pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from runner_gen.generator.ir import (
    Assign,
    Branch,
    Call,
    Const,
    Contains,
    Declare,
    Expr,
    Key,
    Member,
    OverridesIR,
    Ref,
    Statement,
)

GROUPS = ("resources", "tasks", "events")


@dataclass
class OverrideTracker:
    """What lowering made overridable, and the locals start() reads the overrides from."""

    members: dict[str, list[Member]] = field(default_factory=lambda: {g: [] for g in GROUPS})
    locals: dict[str, str] = field(default_factory=dict)  # group (or "clock") -> local name


def replaced(
    tracker: OverrideTracker,
    allocate: Callable[[str], str],
    group: str,
    member: Member,
    replacing: str,
) -> tuple[Expr, Expr]:
    """(condition, value): ``replacing and "<attr>" in replaced_<group>``, and the entry."""
    local = tracker.locals.get(group)
    if local is None:
        local = allocate(f"replaced_{group}")
        tracker.locals[group] = local
    tracker.members[group].append(member)
    condition = Contains(member.attr, Ref(local))  # an empty mapping when nothing is replaced
    return condition, Key(Ref(local), member.attr)  # Any: the target local carries the type


def unless_replaced(
    tracker: OverrideTracker,
    allocate: Callable[[str], str],
    group: str,
    member: Member,
    replacing: str,
    target: str,
    body: list[Statement],
) -> Branch:
    """``if <replaced>: target = <override> else: <body>``."""
    condition, value = replaced(tracker, allocate, group, member, replacing)
    return Branch(condition, (Assign(target, value),), tuple(body))


def declared(target: str, member: Member) -> Declare:
    """``target: <type>``: the local an override may fill is typed by the definition."""
    return Declare(target, member.type)


def overrides_ir(
    tracker: OverrideTracker,
    overrides_param: str,
    replacing: str,
    helper: Callable[[str], Expr],
) -> OverridesIR:
    """The TypedDicts' members and start()'s setup statements for what was used: each group as
    a plain mapping (``_rt.replacements``), the clock (``_rt.clock_of``)."""
    given = Ref(overrides_param)
    setup: list[Statement] = []
    for group in GROUPS:
        local = tracker.locals.get(group)
        if local is not None:
            setup.append(Assign(local, Call(helper("replacements"), (given, Const(group)))))
    clock_local = tracker.locals.get("clock")
    if clock_local is not None:
        setup.append(Assign(clock_local, Call(helper("clock_of"), (given,))))
    return OverridesIR(
        resources=tuple(tracker.members["resources"]),
        tasks=tuple(tracker.members["tasks"]),
        events=tuple(tracker.members["events"]),
        setup=tuple(setup),
    )
