"""A failed resource init, and the app's error boundary, ported from Runner 5.5's tests.

Runner files (tag 5.5.0): src/__tests__/models/DependencyProcessor.consistency.test.ts
("should annotate Error failures with resourceId and cause", "should keep existing resourceId
and cause when present", "should annotate dependency-triggered resource initialization errors",
"should rethrow non-Error resource init failures with a helpful message"),
src/__tests__/run/run.shutdown-hooks.test.ts and run.rollback-and-unhook.test.ts
(onUnhandledError wired into run, the safety nets removed on dispose).

Runner mutates the message of the error it rethrows; runner-gen keeps the exception's type and
message (callers catch what the resource raised) and adds ``resource_id`` and a note.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from runner_gen.runtime.unhandled import UnhandledError
from tests.parity.apps import init_failures as defs
from tests.support.build import build_app

broken = build_app("tests.parity.apps.init_failures:app")
via_dependency = build_app("tests.parity.apps.init_failures:app_via_dependency")
keeps_id = build_app("tests.parity.apps.init_failures:app_keeps_id")


def recorder() -> tuple[list[UnhandledError], Callable[[UnhandledError], None]]:
    seen: list[UnhandledError] = []

    def handler(info: UnhandledError) -> None:
        seen.append(info)
        defs.EVENTS.append(f"reported {info.kind} {info.source}")

    return seen, handler


async def test_a_failed_init_names_its_resource_and_keeps_its_type() -> None:
    """ "should annotate Error failures with resourceId and cause"."""
    defs.EVENTS.clear()
    seen, handler = recorder()
    with pytest.raises(defs.Boom) as caught:
        await broken.start(on_unhandled_error=handler)
    error = caught.value
    assert str(error) == "boom"
    assert error.resource_id == "init.broken"  # type: ignore[attr-defined]
    assert 'Resource "init.broken" initialization failed.' in error.__notes__
    # Reported before the rollback disposed what had started.
    assert defs.EVENTS == [
        "init first",
        "init broken",
        "reported resourceInit init.broken",
        "dispose first",
    ]
    assert seen == [UnhandledError(error, "resourceInit", "init.broken")]


async def test_an_existing_resource_id_is_kept() -> None:
    """ "should keep existing resourceId and cause when present"."""
    seen, handler = recorder()
    with pytest.raises(defs.BoomWithResource) as caught:
        await keeps_id.start(on_unhandled_error=handler)
    assert caught.value.resource_id == "somewhere.else"
    assert not getattr(caught.value, "__notes__", [])
    assert [(info.kind, info.source) for info in seen] == [("resourceInit", "somewhere.else")]


async def test_a_failure_reached_through_a_dependency_names_the_failing_resource() -> None:
    """ "should annotate dependency-triggered resource initialization errors"."""
    seen, handler = recorder()
    with pytest.raises(defs.Boom) as caught:
        await via_dependency.start(on_unhandled_error=handler)
    assert caught.value.resource_id == "init.broken"  # type: ignore[attr-defined]
    assert [info.source for info in seen] == ["init.broken"]


async def test_by_default_the_failure_is_logged_then_raised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ "should rethrow non-Error resource init failures with a helpful message": Runner's default
    onUnhandledError logs the failure; the start still fails with it."""
    with pytest.raises(defs.Boom):
        await broken.start()
    printed = capsys.readouterr()
    logged = printed.out + printed.err
    assert "Boom: boom" in logged
    assert "init.broken" in logged
    assert "resourceInit" in logged


async def test_a_failing_handler_does_not_hide_the_init_failure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def failing(info: UnhandledError) -> None:
        raise RuntimeError("reporter down")

    with pytest.raises(defs.Boom):
        await broken.start(on_unhandled_error=failing)
    assert "[runner] Failed to report unhandled error." in capsys.readouterr().err


async def _unretrieved_failure(message: str) -> None:
    """A task whose exception nobody retrieves: the event loop reports it when it is freed."""

    async def fail() -> None:
        raise ValueError(message)

    task = asyncio.get_running_loop().create_task(fail())
    await asyncio.wait({task})  # waits without retrieving the exception
    del task  # freed without anyone reading its exception


async def _until(condition: Callable[[], bool], rounds: int = 1000) -> bool:
    for _ in range(rounds):
        if condition():
            return True
        await asyncio.sleep(0)
    return condition()


async def test_the_error_boundary_reports_what_nobody_handled_while_the_app_runs() -> None:
    """run.shutdown-hooks: "installs process safety nets and calls onUnhandledError";
    run.rollback-and-unhook: "unhooks process safety nets on dispose()"."""
    app_module = build_app("tests.parity.apps.run_app:app")
    seen: list[UnhandledError] = []
    app = await app_module.start(on_unhandled_error=seen.append)
    try:
        await _unretrieved_failure("lost while running")
        assert await _until(lambda: bool(seen))
        [info] = seen
        assert (info.kind, info.source) == ("process", "unhandledRejection")
        assert str(info.error) == "lost while running"
    finally:
        await app.dispose()
    previous: list[dict[str, object]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: previous.append(context))
    try:
        await _unretrieved_failure("lost after dispose")
        assert await _until(lambda: bool(previous))
    finally:
        loop.set_exception_handler(None)
    assert len(seen) == 1  # the app's handler is gone with the app


async def test_without_the_error_boundary_the_loop_keeps_its_handler() -> None:
    app_module = build_app("tests.parity.apps.run_app:app")
    seen: list[UnhandledError] = []
    previous: list[dict[str, object]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: previous.append(context))
    try:
        async with app_module.running(on_unhandled_error=seen.append, error_boundary=False):
            await _unretrieved_failure("not the app's")
            assert await _until(lambda: bool(previous))
    finally:
        loop.set_exception_handler(None)
    assert seen == []


def test_main_reports_a_failed_init_to_the_handler_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The generated ``main()`` takes the same handler as ``start()``."""
    defs.EVENTS.clear()
    seen, handler = recorder()
    with pytest.raises(SystemExit) as exited:
        broken.main(on_unhandled_error=handler)
    assert exited.value.code == 1
    assert [(info.kind, info.source) for info in seen] == [("resourceInit", "init.broken")]
    assert defs.EVENTS[-1] == "dispose first"  # the rollback ran after the report
    assert "boom" in capsys.readouterr().err
