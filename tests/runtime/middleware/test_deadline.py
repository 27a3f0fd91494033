from __future__ import annotations

import asyncio

from runner_gen.runtime.middleware import current_deadline, deadline_scope


def test_no_deadline_by_default() -> None:
    assert current_deadline() is None


def test_a_scope_sets_the_deadline_and_restores_it() -> None:
    with deadline_scope(10.0) as effective:
        assert effective == current_deadline() == 10.0
    assert current_deadline() is None


def test_an_enclosing_sooner_deadline_wins_and_a_sooner_inner_one_narrows() -> None:
    with deadline_scope(10.0):
        with deadline_scope(20.0) as effective:
            assert effective == current_deadline() == 10.0
        with deadline_scope(5.0) as effective:
            assert effective == current_deadline() == 5.0
        assert current_deadline() == 10.0


async def test_child_tasks_inherit_it_and_siblings_do_not_see_each_others() -> None:
    async def observe(deadline: float) -> tuple[float | None, float | None]:
        with deadline_scope(deadline):
            inherited = await asyncio.create_task(read())
            await asyncio.sleep(0)
            return inherited, current_deadline()

    async def read() -> float | None:
        return current_deadline()

    results = await asyncio.gather(observe(1.0), observe(2.0))
    assert list(results) == [(1.0, 1.0), (2.0, 2.0)]
