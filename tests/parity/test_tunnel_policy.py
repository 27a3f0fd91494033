"""Which of a tunneled task's middleware still run on the caller's side: none, unless the
task's ``tunnel_task_policy`` tag allow-lists them for the client (decided at build time).

Runner file (tag 5.5.0): src/__tests__/tunnel/tunnel.policy.test.ts. Runner's tests call
``rr.runTask(t.id, {v: 1})``; here ``app.run_task("<id>", 1)``, the generated lookup by id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.parity.apps import tunnel_policy as defs
from tests.support.build import build_app

wiring = build_app("tests.parity.apps.tunnel_policy:app")


@pytest.fixture
async def app() -> AsyncIterator[Any]:
    defs.reset()
    async with wiring.running() as running:
        yield running
    defs.reset()


@pytest.mark.parametrize(
    ("task", "ran", "runner_test"),
    [
        ("by_id", ["tp.mw.a"], "runs only whitelisted client middlewares when tunneled (by id)"),
        (
            "by_object",
            ["tp.mw.b"],
            "runs only whitelisted client middlewares when tunneled (by def object)",
        ),
        ("no_tag", [], "runs no local middlewares by default (no tag) when tunneled"),
        ("server_only", [], "runs no local middlewares when only server policy is specified"),
        ("empty", [], "runs no local middlewares when client whitelist is empty array"),
        ("shorthand", ["tp.mw.a"], "supports legacy shorthand { client: [...] }"),
        (
            "unconfigured",
            [],
            "runs no local middlewares when tag exists but has no config (unconfigured tag)",
        ),
        (
            "alias",
            ["tp.mw.b"],
            "supports deprecated globals.tags.tunnelPolicy alias with grouped config",
        ),
    ],
)
async def test_only_allow_listed_client_middleware_run_for_a_tunneled_task(
    app: Any, task: str, ran: list[str], runner_test: str
) -> None:
    task_id = f"tp.tasks.{task}"
    assert await app.run_task(task_id, 1) == "remote", runner_test
    assert [(middleware_id, task_id) for middleware_id in ran] == defs.CALLS, runner_test


async def test_the_same_middleware_run_around_a_task_that_is_not_tunneled() -> None:
    """The allow-list only filters tunneled tasks: a local task keeps its whole chain (the
    control for the tests above: the middleware do run when nothing routes the task)."""
    local = build_app("tests.parity.apps.tunnel_policy:local_app")
    defs.reset()
    async with local.running() as app:
        assert await app.run_task("tp.tasks.no_tag", 1) == "local-should-not-run"
    assert defs.CALLS == [("tp.mw.a", "tp.tasks.no_tag"), ("tp.mw.b", "tp.tasks.no_tag")]
