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
    And,
    Assign,
    Attr,
    Branch,
    Call,
    Const,
    Contains,
    Dict,
    Expr,
    IfElse,
    IsNotNone,
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
    condition = And(Ref(replacing), Contains(member.attr, Ref(local)))
    return condition, Key(Ref(local), member.attr)


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


def overrides_ir(
    tracker: OverrideTracker,
    overrides_param: str,
    replacing: str,
    group_types: dict[str, str],
    clock: Expr | None,
) -> OverridesIR:
    """The TypedDicts' members and start()'s setup statements for what was used."""
    given = Ref(overrides_param)
    setup: list[Statement] = []
    if tracker.locals:
        setup.append(Assign(replacing, IsNotNone(given)))
    for group in GROUPS:
        local = tracker.locals.get(group)
        if local is None:
            continue
        entry = Call(Attr(given, "get"), (Const(group), Dict(())))
        value = IfElse(entry, IsNotNone(given), Dict(()))
        setup.append(Assign(local, value, group_types[group]))
    clock_local = tracker.locals.get("clock")
    if clock_local is not None and clock is not None:
        entry = Call(Attr(given, "get"), (Const("clock"), clock))
        setup.append(Assign(clock_local, IfElse(entry, IsNotNone(given), clock)))
    return OverridesIR(
        resources=tuple(tracker.members["resources"]),
        tasks=tuple(tracker.members["tasks"]),
        events=tuple(tracker.members["events"]),
        setup=tuple(setup),
    )
