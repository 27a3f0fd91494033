"""Custom tunnels: a resource tagged ``globals.tags.tunnel`` whose value runs tasks and carries
events, with Runner's modes and selectors, decided at build time.

Runner files (tag 5.5.0): src/__tests__/tunnel/tunnel.tag.test.ts, tunnels.exclusive-owner
.test.ts, src/__tests__/definers/phantom.task.test.ts ("is routed by tunnel middleware when
selected"). Runner's apps call the tasks from their root resource's init; here the test calls
them on the started app, through the same generated callables.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from runner_gen import emit_with_result
from runner_gen.generator.problems import BuildError
from runner_gen.runtime.custom_tunnel import TunnelClientContractError
from runner_gen.runtime.forwarding import REMOTE_FIRST_FALLBACK
from tests.parity.apps import custom_tunnels as defs
from tests.parity.apps.custom_tunnels import Tunnel, V
from tests.support.build import build_app, generate_files
from tests.support.log_capture import records_of

SPEC = "tests.parity.apps.custom_tunnels"
BAD = "tests.parity.apps.bad.custom_tunnels"


def wiring(name: str) -> ModuleType:
    return build_app(f"{SPEC}:{name}")


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


def problems(spec: str) -> dict[str, str]:
    with pytest.raises(BuildError) as caught:
        generate_files(spec)
    return {problem.code: problem.render() for problem in caught.value.problems}


# -- tasks -------------------------------------------------------------------------------------


async def test_selected_tasks_by_ids_run_through_the_tunnel() -> None:
    """tunnel.tag: "overrides selected tasks via ids array"."""
    async with wiring("by_ids").running() as app:
        assert await app.tasks.t1(V(v="A")) == "TUN:ct.tasks.t1:A"
        assert await app.tasks.t2(V(v="B")) == "ORIG2:B"
        tunnel: Tunnel = app.resources.tunnel_ids
        assert tunnel.tasks == ["ct.tasks.t1"]


async def test_a_predicate_selects_the_tasks() -> None:
    """tunnel.tag: "overrides tasks via filter function"."""
    async with wiring("by_filter").running() as app:
        assert await app.tasks.t1(V(v="A")) == "FT:ct.tasks.t1:A"
        assert await app.tasks.t2(V(v="B")) == "FT:ct.tasks.t2:B"
        assert await app.tasks.t3(V(v="C")) == "O3:C"


async def test_both_mode_routes_like_client() -> None:
    """tunnel.tag: "overrides selected tasks in 'both' mode"."""
    async with wiring("both").running() as app:
        assert await app.tasks.t1(V(v="A")) == "BOTH:ct.tasks.t1:A"
        assert await app.tasks.t2(V(v="B")) == "ORIG2:B"


async def test_task_definitions_select_as_their_ids() -> None:
    """tunnel.tag: "overrides tasks via task object definitions"; the tunnel's run receives
    the very definition registered (Runner passes the task definition)."""
    async with wiring("by_objects").running() as app:
        assert await app.tasks.t1(V(v="A")) == "OBJ:ct.tasks.t1:A"
        assert await app.tasks.t2(V(v="B")) == "ORIG2:B"


async def test_run_receives_the_registered_definition_bound_at_start() -> None:
    """Runner's tunnel ``run`` receives the task definition; here too (the very object), and
    the method is bound once at start: nothing is looked up on a call."""

    async def replaced(task: object, input: V) -> str:
        return "replaced"

    async with wiring("by_ids").running() as app:
        tunnel: Tunnel = app.resources.tunnel_ids
        tunnel.run = replaced  # type: ignore[method-assign]
        assert await app.tasks.t1(V(v="A")) == "TUN:ct.tasks.t1:A"
        assert tunnel.definitions == [defs.t1]


async def test_without_a_mode_nothing_is_routed() -> None:
    """tunnel.tag: "should default to none mode"."""
    output = generate_files(f"{SPEC}:default_none")
    assert output.model is not None
    assert dict(output.model.routing.task_tunnels) == {}
    async with wiring("default_none").running() as app:
        assert await app.tasks.t1(V(v="A")) == "ORIG1:A"
        assert app.resources.tunnel_none.tasks == []


async def test_server_mode_overrides_neither_tasks_nor_events() -> None:
    """tunnel.tag: "does not override in server mode (tasks/events)"."""
    async with wiring("server").running() as app:
        assert await app.tasks.t1(V(v="A")) == "ORIG1:A"
        assert await app.tasks.t2(V(v="B")) == "ORIG2:B"
        await app.events.e1(V(v="X"))
        tunnel: Tunnel = app.resources.tunnel_server
        assert (tunnel.tasks, tunnel.emitted) == ([], [])
    assert defs.HANDLED == ["e1:X"]


async def test_a_phantom_task_selected_by_a_custom_tunnel_runs_through_it() -> None:
    """phantom.task: "is routed by tunnel middleware when selected"."""
    async with wiring("routed_phantom").running() as app:
        assert await app.tasks.phantom(V(v="A")) == "TUN:ct.tasks.phantom:A"


# -- events ------------------------------------------------------------------------------------


async def test_selected_events_are_emitted_through_the_tunnel_and_local_hooks_run() -> None:
    """tunnel.tag: "routes selected events via ids and also runs local listeners" (mirror, the
    default delivery: local hooks first, then the tunnel)."""
    async with wiring("events_by_ids").running() as app:
        await app.events.e1(V(v="X"))
        await app.events.e2(V(v="Y"))
        tunnel: Tunnel = app.get_resource_value("ct.tunnel.events")
        assert [(event_id, v) for event_id, v, _ in tunnel.emitted] == [("ct.events.e1", "X")]
    assert defs.HANDLED == ["e1:X", "e2:Y"]


async def test_a_predicate_selects_the_events() -> None:
    """tunnel.tag: "routes events via function selector"."""
    async with wiring("events_by_filter").running() as app:
        await app.events.e1(V(v="7"))
        await app.events.e2(V(v="8"))
        assert [v for _, v, _ in app.resources.tunnel_fn.emitted] == ["7"]


async def test_event_definitions_select_as_their_ids() -> None:
    """tunnel.tag: "routes events when provided as object definitions"."""
    async with wiring("events_by_objects").running() as app:
        await app.events.e1(V(v="OK"))
        assert [v for _, v, _ in app.resources.tunnel_obj.emitted] == ["OK"]


async def test_remote_only_skips_local_hooks_and_emit_returns_the_final_payload() -> None:
    """delivery.modes with a custom tunnel: ``remote-only`` runs no local hook, and what
    ``emit`` returns replaces the payload (Runner: ``emission.data = remotePayload``)."""
    async with wiring("remote_only").running() as app:
        assert await app.tasks.emit_e1(V(v="sent")) == "from-remote"
        assert await emit_with_result(app.events.e1, V(v="again")) == V(v="from-remote")
        sent = [v for _, v, _ in app.resources.tunnel_remote_only.emitted]
        assert sent == ["sent", "again"]
    assert defs.HANDLED == []


# -- contract and misconfiguration -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_run", "Tunnel resource value must implement run(task, input) when tasks[] is"),
        ("no_emit", "Tunnel resource value must implement emit(event, payload) when events[]"),
    ],
)
async def test_a_value_without_run_or_emit_fails_the_start(name: str, message: str) -> None:
    """tunnel.tag: "enforces emit when events[] configured and run when tasks[] configured",
    when the build cannot see the value's type (the init returns ``Any``): the start fails
    with Runner's message and error id, naming the tunnel."""
    with pytest.raises(TunnelClientContractError) as caught:
        await wiring(name).start()
    assert message in str(caught.value)
    assert f'"ct.tunnel.{name}"' in str(caught.value)
    assert caught.value.id == "runner.errors.middleware.tunnel.clientContract"


@pytest.mark.parametrize(
    ("app", "member"),
    [
        ("missing_run", "must implement run(task, input)"),
        ("missing_emit", "emit(event, payload)"),
        ("no_init", "must implement run(task, input)"),
    ],
)
def test_a_value_type_without_run_or_emit_fails_the_build(app: str, member: str) -> None:
    """tunnel.tag: "enforces emit when events[] configured and run when tasks[] configured",
    when the init's return type shows the method is missing: a build error at the tunnel."""
    rendered = problems(f"{BAD}:{app}")["tunnel_client_contract"]
    assert member in rendered
    assert f'"bad.tunnel.{app}"' in rendered
    assert "tests/parity/apps/bad/custom_tunnels.py:" in rendered


@pytest.mark.parametrize(
    ("app", "code", "text"),
    [
        # tunnel.tag: "throws when tasks includes a missing string id" (server mode: Runner
        # resolves the selectors before it looks at the mode)
        ("missing_task_id", "tunnel_task_not_found", 'Task "bad.tasks.unknown" not found'),
        # tunnel.tag: "throws when tasks includes an unregistered task object"
        ("unregistered_task", "tunnel_task_not_found", 'Task "bad.tasks.unregistered" not'),
        # tunnel.tag: "throws when events includes a missing id"
        ("missing_event_id", "tunnel_event_not_found", 'Event "bad.events.unknown" not found'),
    ],
)
def test_selectors_naming_nothing_registered_fail_the_build(app: str, code: str, text: str) -> None:
    rendered = problems(f"{BAD}:{app}")[code]
    assert text in rendered
    assert "tests/parity/apps/bad/custom_tunnels.py:" in rendered


def test_a_task_owned_by_a_custom_and_an_http_tunnel_fails_with_runners_message() -> None:
    """tunnels.exclusive-owner: "throws when two tunnels try to own the same task"."""
    rendered = problems(f"{BAD}:conflict")["tunnel_ownership_conflict"]
    assert (
        'Task "bad.tasks.need_run" is already tunneled by resource "bad.tunnel.custom". '
        'Resource "bad.tunnel.http" cannot tunnel it again. Ensure each task is owned by a '
        "single tunnel client."
    ) in rendered


def test_a_server_mode_tunnel_owns_nothing() -> None:
    """Runner checks ownership only where it overrides (client/both): a server-mode tunnel
    selecting the same task as a client one is no conflict."""
    output = generate_files(f"{BAD}:server_and_client")
    assert output.model is not None
    assert dict(output.model.routing.task_tunnels) == {"bad.tasks.need_run": "bad.tunnel.client"}


def test_an_event_selected_by_two_tunnels_is_forwarded_by_the_first_with_a_warning() -> None:
    """Runner installs one interceptor per tunnel, so both would carry the emission; here an
    event has one forwarder: the build says which one, instead of dropping the second quietly."""
    output = generate_files(f"{BAD}:two_event_tunnels")
    assert output.model is not None
    [(owner, _, _)] = output.model.routing.event_tunnels.values()
    assert owner == "bad.tunnel.events_first"
    [warning] = output.warnings
    assert 'event "bad.events.need_emit" is also selected by tunnel "bad.tunnel.events_first"' in (
        warning
    )
    assert "tests/parity/apps/bad/custom_tunnels.py:" in warning


def test_an_unknown_mode_is_refused_where_the_tag_is_attached() -> None:
    rendered = problems("tests.parity.apps.bad.tunnel_mode:app")["import_failed"]
    assert "mode must be one of client, server, both, none, not 'clients'" in rendered
    assert "tests/parity/apps/bad/tunnel_mode.py:5" in rendered


async def test_a_task_without_input_and_an_event_without_payload_go_through_the_tunnel() -> None:
    async with wiring("no_payload").running() as app:
        assert await app.tasks.ping() == "tunnel-pong"
        await app.events.bare(None)
        tunnel = app.get_resource_value("ct.tunnel.bare")
        assert tunnel.calls == [("ct.tasks.ping", None), ("ct.events.bare", None)]
    assert defs.HANDLED == ["bare:None"]  # mirror: the local hook ran too


async def test_a_failing_remote_first_emit_logs_runners_warning_and_runs_local_hooks() -> None:
    """delivery.modes' remote-first fallback, with a custom tunnel whose emit raises."""
    with records_of("runner_gen.tunnel") as records:
        async with wiring("no_payload").running() as app:
            await app.events.e1(V(v="X"))
    assert defs.HANDLED == ["e1:X"]
    [record] = [r for r in records if r.getMessage() == REMOTE_FIRST_FALLBACK]
    assert getattr(record, "source_id", None) == "ct.tunnel.down"
    assert record.exc_info is not None
