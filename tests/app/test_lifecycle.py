"""Generated start()/dispose(): Runner's init order, reverse dispose, rollback on failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_gen.runtime.errors import DisposeError
from runner_gen.runtime.lifecycle import dispose_failures
from tests.fixtures.apps import lifecycle as defs
from tests.support.build import build_app

wiring = build_app("tests.fixtures.apps.lifecycle:app")


@pytest.fixture(autouse=True)
def clean_log() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


async def test_resources_start_in_dependency_order_with_registration_breaking_ties() -> None:
    app = await wiring.start()
    # Registered c, d, a, b: c needs b needs a, so Runner starts a, b, c, then d; the root last.
    assert defs.LOG == ["init a", "init b", "init c", "init d", "init root"]
    await app.dispose()


async def test_dispose_runs_in_reverse_order_of_init_completion() -> None:
    app = await wiring.start()
    defs.LOG.clear()
    await app.dispose()
    assert defs.LOG == ["dispose root", "dispose d", "dispose c", "dispose b", "dispose a"]


async def test_resource_values_are_wired_to_their_dependents() -> None:
    async with wiring.running() as app:
        root = app.resources.lc
        assert [used.name for used in root.uses] == ["c", "d"]
        assert app.resources.c.uses[0] is app.resources.b
        assert app.resources.b.uses[0] is app.resources.a


async def test_failing_init_disposes_what_started_in_reverse_and_reraises_the_original() -> None:
    defs.FAIL_INIT.add("c")
    with pytest.raises(RuntimeError, match="init c failed") as caught:
        await wiring.start()
    assert defs.LOG == ["init a", "init b", "init c failed", "dispose b", "dispose a"]
    assert dispose_failures(caught.value) == ()


async def test_a_failing_dispose_during_rollback_is_attached_not_substituted() -> None:
    defs.FAIL_INIT.add("d")
    defs.FAIL_DISPOSE.add("b")
    with pytest.raises(RuntimeError, match="init d failed") as caught:
        await wiring.start()
    # b's failure did not stop a from being disposed.
    assert defs.LOG[-3:] == ["dispose c", "dispose b failed", "dispose a"]
    [(resource_id, failure)] = dispose_failures(caught.value)
    assert resource_id == "lc.b"
    assert isinstance(failure, ValueError)
    assert any("lc.b" in note for note in caught.value.__notes__)


async def test_dispose_continues_past_failures_and_reports_all_of_them() -> None:
    app = await wiring.start()
    defs.FAIL_DISPOSE.update({"c", "a"})
    with pytest.raises(DisposeError) as caught:
        await app.dispose()
    assert [resource_id for resource_id, _ in caught.value.errors] == ["lc.c", "lc.a"]
    assert "dispose root" in defs.LOG
    assert "dispose b" in defs.LOG


async def test_running_disposes_even_when_the_body_raises() -> None:
    with pytest.raises(KeyError):
        async with wiring.running():
            raise KeyError("boom")
    assert defs.LOG[-1] == "dispose a"


async def test_dispose_twice_is_harmless() -> None:
    app = await wiring.start()
    await app.dispose()
    await app.dispose()
    assert defs.LOG.count("dispose a") == 1
