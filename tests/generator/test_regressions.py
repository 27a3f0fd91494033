"""Definitions that once miscompiled: each builds, type-checks (see test_typecheck) and runs."""

from __future__ import annotations

import httpx

from tests.fixtures.apps import collisions
from tests.fixtures.apps.collisions import Tasks, lifecycle
from tests.support.build import build_app

wiring = build_app("tests.fixtures.apps.collisions:app")


async def test_user_functions_named_like_generated_code_are_called_not_shadowed() -> None:
    collisions.CALLS.clear()
    async with wiring.running() as app:
        assert await app.tasks.report(2) == "report 2 of 3"  # run_report, under 4 middleware
        assert await app.tasks.store("x") == "stored x"  # a function called store
        assert await app.tasks.chain(lifecycle("up")) == lifecycle("up!")  # sync, under retry
        assert await app.tasks.start() == "user start"
        assert await app.tasks.app(Tasks(rows=1)) == Tasks(rows=2)
        assert app.resources.db == Tasks(rows=3)  # init_db, under two resource middleware
    assert collisions.CALLS[:2] == ["around col.db", "init_db"]
    assert collisions.CALLS[-1] == "close_db"


async def test_resource_middleware_wraps_resources_without_init() -> None:
    collisions.CALLS.clear()
    async with wiring.running() as app:
        assert app.resources.col is None
    # The everywhere middleware wrapped the app's resources, the root (no init) included, and
    # not the exposure, which is runner-gen's own code.
    assert "around col" in collisions.CALLS
    assert "around col.exposure" not in collisions.CALLS


async def test_an_exposure_that_allows_nothing_answers_403_for_every_id() -> None:
    async with wiring.running() as app:
        url = app.resources.exposure.url
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{url}/task/col.tasks.report",
                json={"input": 1},
                headers={"x-runner-token": "t"},
            )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
