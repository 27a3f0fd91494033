"""Custom task middleware layers reuse their ``TaskCall`` only when nothing else can see it."""

from __future__ import annotations

import asyncio
from typing import Any

from runner_gen.runtime.custom import TaskCall, custom_task_layer
from runner_gen.runtime.info import DefinitionInfo

INFO = DefinitionInfo("tests.custom")


async def echo(input: Any) -> Any:
    await asyncio.sleep(0)  # suspend, so concurrent calls overlap
    return input


async def test_a_call_object_the_middleware_keeps_is_never_changed() -> None:
    kept: list[TaskCall] = []

    async def keep(call: TaskCall) -> Any:
        kept.append(call)
        return await call.next(call.input)

    layer = custom_task_layer(keep, INFO, echo)
    assert [await layer(n) for n in range(3)] == [0, 1, 2]
    assert [call.input for call in kept] == [0, 1, 2]
    assert len({id(call) for call in kept}) == 3


async def test_concurrent_calls_see_their_own_input_until_they_finish() -> None:
    async def check(call: TaskCall) -> Any:
        before = call.input
        result = await call.next(call.input)
        assert call.input == before  # another call started meanwhile: not this object
        return result

    layer = custom_task_layer(check, INFO, echo)
    assert list(await asyncio.gather(*(layer(n) for n in range(5)))) == [0, 1, 2, 3, 4]


async def test_a_call_object_held_by_an_exception_is_not_reused() -> None:
    async def fail(call: TaskCall) -> Any:
        raise ValueError(call.input)

    layer = custom_task_layer(fail, INFO, echo)
    errors: list[ValueError] = []
    for n in range(2):
        try:
            await layer(n)
        except ValueError as error:
            errors.append(error)  # the traceback still holds the first call's frame
    assert [error.args[0] for error in errors] == [0, 1]
    first = errors[0].__traceback__
    assert first is not None
    frame = first.tb_next.tb_frame if first.tb_next else first.tb_frame
    assert frame.f_locals["call"].input == 0


async def test_call_objects_are_reused_once_released() -> None:
    seen: list[int] = []

    async def record(call: TaskCall) -> Any:
        seen.append(id(call))
        return await call.next(call.input)

    layer = custom_task_layer(record, INFO, echo)
    for n in range(3):
        await layer(n)
    assert len(set(seen)) == 1  # one object served the three sequential calls
