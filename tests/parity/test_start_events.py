"""Events emitted while the app starts, ported from Runner 5.5's tests.

Runner file (tag 5.5.0): src/__tests__/models/DependencyProcessor.consistency.test.ts.
"""

from __future__ import annotations

import pytest

from runner_gen.generator.problems import BuildError
from tests.parity.apps import early_emit as defs
from tests.support.build import build_app, generate_files

wiring = build_app("tests.parity.apps.early_emit:app")


async def test_hook_dependencies_start_before_an_init_emits_their_event() -> None:
    """DependencyProcessor.consistency: "should initialize hook dependencies before early event
    emissions" -- the start order puts a hook's dependencies before every emitter of its
    event, whatever the registration order."""
    defs.SEEN.clear()
    async with wiring.running():
        assert defs.SEEN == [42]


def test_a_hook_depending_on_the_resource_emitting_its_event_is_refused() -> None:
    """DependencyProcessor.consistency: "should deliver events emitted while hook dependencies
    are still computing" -- Runner buffers such emissions until the hook's dependencies are
    ready; here the event's emitter needs the hook's dependencies first, so the build names the
    cycle (a documented difference)."""
    with pytest.raises(BuildError) as caught:
        generate_files("tests.parity.apps.bad.hook_depends_on_its_emitter:app")
    [problem] = caught.value.problems
    assert problem.code == "event_emission_cycle"
    cycle = "hook.buffer.hookA -> hook.buffer.emitter -> hook.buffer.event -> hook.buffer.hookA"
    assert cycle in problem.message
