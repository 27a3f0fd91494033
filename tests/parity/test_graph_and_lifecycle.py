"""Graph validation (Runner's run-time checks, made build errors here) and the lifecycle.

Runner files (tag 5.5.0): src/__tests__/errors/errors.test.ts, src/__tests__/run/run.dry-run
.test.ts, run.rollback-and-unhook.test.ts, run.behavioral.test.ts, src/__tests__/models/
Store.dispose.regression.test.ts, src/__tests__/tunnel/tunnel.tag.test.ts and
tunnels.exclusive-owner.test.ts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_gen.generator.problems import BuildError
from runner_gen.runtime.errors import DisposeError
from tests.fixtures.apps import lifecycle as lifecycle_defs
from tests.support.build import build_app, generate_files

lifecycle = build_app("tests.fixtures.apps.lifecycle:app")


def problem_codes(spec: str) -> dict[str, str]:
    with pytest.raises(BuildError) as caught:
        generate_files(spec)
    return {problem.code: problem.message for problem in caught.value.problems}


@pytest.mark.parametrize(
    ("fixture", "code", "runner_test"),
    [
        ("duplicate", "duplicate_registration", 'Errors: "should throw duplicateRegistration'),
        ("cycle", "circular_dependencies", 'Errors: "should throw circularDependencies error"'),
        ("unregistered_event", "event_not_found", 'Errors: "should throw eventNotFound error"'),
        (
            "emission_cycle",
            "event_emission_cycle",
            'Errors: "should throw EventEmissionCycleError on A->B->A via hooks (dry-run)"',
        ),
        (
            "missing_dependency",
            "dependency_not_found",
            'Errors: "should throw when a task depends on a non-registered resource"; dry-run '
            '"e) depending on an unregistered item throws on run()"',
        ),
        (
            "unregistered_middleware",
            "middleware_not_registered",
            'Errors: "should throw error when a task depends on a non-registered middleware"',
        ),
    ],
)
def test_graph_errors_runner_raises_at_run_fail_the_build(
    fixture: str, code: str, runner_test: str
) -> None:
    """Runner raises these from run() (also in dry-run); here they stop the build, naming the
    definition and its file:line. Ports errors.test.ts and run.dry-run.test.ts cases."""
    codes = problem_codes(f"tests.fixtures.bad.{fixture}:app")
    assert code in codes, runner_test


def test_circular_dependency_message_lists_the_cycle_as_runner_does() -> None:
    """Errors: "should throw circularDependencies error" (Runner: "Circular dependencies
    detected:" then "a -> b -> a"); dry-run "d) circular dependencies still throw"."""
    message = problem_codes("tests.fixtures.bad.cycle:app")["circular_dependencies"]
    assert message.startswith("Circular dependencies detected")
    assert "bad.a -> bad.b -> bad.c -> bad.a" in message


def test_a_tunnel_selecting_a_missing_task_or_event_fails_the_build() -> None:
    """tunnel.tag: "throws when tasks includes a missing string id" and "throws when events
    includes a missing id" (Runner fails startup with tunnelTaskNotFound/EventNotFound)."""
    codes = problem_codes("tests.parity.apps.unknown_tunnel_ids:app")
    assert 'Task "remote.tasks.missing" not found' in codes["tunnel_task_not_found"]
    assert 'Event "remote.events.missing" not found' in codes["tunnel_event_not_found"]


def test_a_glob_selecting_nothing_is_only_a_warning() -> None:
    """Globs are an extension (Runner selects by id, definition or predicate): one that matches
    nothing warns instead of failing."""
    [warning] = generate_files("tests.parity.apps.glob_tunnel:app").warnings
    assert 'pattern "other.*"' in warning


def test_an_id_with_glob_characters_is_selected_exactly_by_escaping_them() -> None:
    """Runner accepts any string id; selectors here read ``*?[`` as a glob (divergence 30), so
    ``nodes.tasks.fan*out`` is selected alone as ``nodes.tasks.fan[*]out`` (the unescaped
    pattern would also take ``nodes.tasks.fan-and-out``)."""
    output = generate_files("tests.parity.apps.glob_char_ids:app")
    assert not output.warnings
    assert output.model is not None
    routing = output.model.routing
    assert dict(routing.task_tunnels) == {"nodes.tasks.fan*out": "gc.tunnels.nodes"}
    assert routing.exposures["gc.exposure"].task_ids == (
        "nodes.tasks.fan*out",
        "nodes.tasks.fan-and-out",
    )


def test_two_tunnels_owning_one_task_fail_the_build() -> None:
    """tunnels.exclusive-owner: "throws when two tunnels try to own the same task"."""
    codes = problem_codes("tests.fixtures.routing.conflict:app")
    assert "tunnel_ownership_conflict" in codes


@pytest.fixture
def clean_log() -> Iterator[None]:
    lifecycle_defs.reset()
    yield
    lifecycle_defs.reset()


@pytest.mark.usefixtures("clean_log")
async def test_resources_initialise_sequentially_in_dependency_order() -> None:
    """run.behavioral: "defaults to sequential resource initialization"."""
    app = await lifecycle.start()
    await app.dispose()
    assert lifecycle_defs.LOG[:5] == ["init a", "init b", "init c", "init d", "init root"]


@pytest.mark.usefixtures("clean_log")
async def test_a_failed_init_rolls_back_what_started_and_skips_the_rest() -> None:
    """run.rollback-and-unhook: "rolls back initialized resources on init error and skips
    uninitialized"."""
    lifecycle_defs.FAIL_INIT.add("c")
    with pytest.raises(RuntimeError, match="init c failed"):
        await lifecycle.start()
    assert lifecycle_defs.LOG == ["init a", "init b", "init c failed", "dispose b", "dispose a"]


@pytest.mark.usefixtures("clean_log")
async def test_disposal_continues_after_a_disposer_throws() -> None:
    """Store.dispose.regression: "continues disposing resources after a disposer throws"; run
    .behavioral: "should handle disposal failure cascading"."""
    app = await lifecycle.start()
    lifecycle_defs.FAIL_DISPOSE.add("c")
    # Runner rethrows a single failure as is (`rejects.toThrow("failing dispose")`): so does
    # runner-gen, with a note naming the resource.
    with pytest.raises(ValueError, match=r"^dispose c failed") as caught:
        await app.dispose()
    assert not isinstance(caught.value, DisposeError)
    assert caught.value.__notes__ == ['Resource "lc.c" failed to dispose (app "lc").']
    assert lifecycle_defs.LOG[-4:] == ["dispose d", "dispose c failed", "dispose b", "dispose a"]


@pytest.mark.usefixtures("clean_log")
async def test_several_disposal_failures_are_reported_together() -> None:
    """Store.dispose.regression: "aggregates multiple disposal failures" (Runner: an
    AggregateError "One or more resources failed to dispose." in dispose order)."""
    app = await lifecycle.start()
    lifecycle_defs.FAIL_DISPOSE.update({"c", "a"})
    with pytest.raises(DisposeError) as caught:
        await app.dispose()
    assert [resource_id for resource_id, _ in caught.value.errors] == ["lc.c", "lc.a"]
    assert [str(error) for _, error in caught.value.errors] == [
        "dispose c failed",
        "dispose a failed",
    ]
