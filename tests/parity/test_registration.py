"""What gets registered and applied: tags, configured global middleware, a global middleware's
own dependencies, override precedence, and the emission cycles the build still refuses.

Runner files (tag 5.5.0): src/__tests__/definers/tags.test.ts, src/__tests__/run/
run.middleware.test.ts, src/__tests__/definers/optional-dependencies.test.ts,
src/__tests__/run/run.overrides.test.ts, src/__tests__/errors/errors.test.ts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_gen.generator.problems import BuildError
from tests.parity.apps import registration as defs
from tests.support.build import build_app, generate_files

wiring = build_app("tests.parity.apps.registration:app")


@pytest.fixture(autouse=True)
def clean_log() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


def problems_of(spec: str) -> dict[str, str]:
    with pytest.raises(BuildError) as caught:
        generate_files(spec)
    return {problem.code: problem.message for problem in caught.value.problems}


def test_an_unregistered_tag_fails_the_build() -> None:
    """tags: "should throw an exception if you are using an unregistered tag"."""
    problems = problems_of("tests.parity.apps.bad.unregistered_tag:app")
    assert problems["tag_not_registered"].startswith(
        'Tag "test.tag" not registered. Did you forget to register it inside a resource?'
    )
    assert 'carried by Resource "test.resource"' in problems["tag_not_registered"]


async def test_a_configured_middleware_registered_everywhere_applies_with_its_config() -> None:
    """run.middleware: "should allow configured middleware to be global for tasks", "should
    allow configured middleware to be global for resources" (the root included)."""
    async with wiring.running() as app:
        assert await app.tasks.global_() == "ok"
        assert app.resources.app == "root with Sub"
    assert "global:user" in defs.CALLS
    assert "res.sub:X" in defs.CALLS
    assert "app:X" in defs.CALLS
    assert not any(call.endswith(":default") for call in defs.CALLS)


async def test_a_global_middleware_leaves_out_the_task_it_depends_on() -> None:
    """optional-dependencies: "global middleware exclusion detects optional-wrapped dependency
    on target task" -- with the predicate leaving the target out, there is no cycle; every
    other task is wrapped and sees the target."""
    async with wiring.running() as app:
        assert await app.tasks.target() == "x"
        assert await app.tasks.global_() == "ok"
    arounds = [call for call in defs.CALLS if call.startswith("around")]
    assert arounds == ["around task.global (target present: True)"]


def test_a_global_middleware_wrapping_its_own_dependency_is_a_cycle() -> None:
    """As in Runner (which reports circularDependencies): the build names the cycle and says
    how to leave the task out."""
    with pytest.raises(BuildError) as caught:
        generate_files("tests.parity.apps.bad.global_middleware_on_its_dependency:app")
    [problem] = caught.value.problems
    assert problem.code == "circular_dependencies"
    assert "cycle.target -> cycle.everywhere -> cycle.target" in problem.message
    assert problem.remediation is not None
    assert '"cycle.everywhere" applies everywhere' in problem.remediation


async def test_the_override_nearest_the_root_wins() -> None:
    """run.overrides: "should choose precedence when two overrides target the same id" and
    "should have an override priority, the deeper you are, the less priority you have"."""
    async with wiring.running() as app:
        assert await app.tasks.same() == "Root"


async def test_of_two_overrides_in_one_resource_the_last_listed_wins() -> None:
    """run.overrides: Runner applies a resource's overrides in order, so the last one wins."""
    async with wiring.running() as app:
        assert await app.tasks.twice() == "last"


def test_wildcard_hooks_emitting_each_others_events_fail_the_build() -> None:
    """Two ``"*"`` hooks each emitting an event the other hears: Runner leaves ``"*"`` hooks out
    of its dry-run check and stops the loop at run time; here each event's emitter would need
    the other's first, so the build says so."""
    problems = problems_of("tests.parity.apps.bad.wildcard_emission_cycle:app")
    message = problems["event_emission_cycle"]
    assert "wild.left" in message
    assert "wild.right" in message
    assert "listens to every event" in message
