"""run_main: signals, exit codes, forced exit, start failure, and the error boundary."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runner_gen.runtime.errors import DisposeError
from runner_gen.runtime.lifecycle import Lifecycle
from runner_gen.runtime.main import (
    EXIT_FAILED,
    EXIT_OK,
    install_error_boundary,
    run_main,
    spawn,
)

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "scripts" / "lifecycle_app.py"
# In-process tests use a signal pytest does not care about; the subprocess tests use the real ones.
SHUTDOWN = signal.SIGUSR1


def send_shutdown_signal() -> None:
    os.kill(os.getpid(), SHUTDOWN)


async def forever() -> None:
    await asyncio.Event().wait()


@dataclass
class RecordingApp:
    lines: list[str] = field(default_factory=list)
    dispose_error: BaseException | None = None

    async def dispose(self) -> None:
        self.lines.append("dispose")
        if self.dispose_error is not None:
            raise self.dispose_error


@pytest.fixture(autouse=True)
def shutdown_signal_restored() -> Iterator[None]:
    before = signal.getsignal(SHUTDOWN)
    yield
    assert signal.getsignal(SHUTDOWN) is before, "run_main must restore the signal handler"


# -- in process ---------------------------------------------------------------------------------


def test_until_returning_disposes_the_app_and_exits_zero() -> None:
    app = RecordingApp()

    async def start() -> RecordingApp:
        return app

    async def until(running: RecordingApp) -> None:
        running.lines.append("ran")

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_OK
    assert app.lines == ["ran", "dispose"]


def test_a_signal_while_running_cancels_until_and_disposes() -> None:
    app = RecordingApp()

    async def start() -> RecordingApp:
        return app

    async def until(running: RecordingApp) -> None:
        send_shutdown_signal()
        try:
            await forever()
        except asyncio.CancelledError:
            running.lines.append("until cancelled")
            raise

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_OK
    assert app.lines == ["until cancelled", "dispose"]


def test_without_until_the_app_runs_until_the_signal(capfd: pytest.CaptureFixture[str]) -> None:
    app = RecordingApp()

    async def start() -> RecordingApp:
        asyncio.get_running_loop().call_later(0.01, send_shutdown_signal)
        return app

    assert run_main(start, shutdown_signals=(SHUTDOWN,)) == EXIT_OK
    assert app.lines == ["dispose"]
    assert "received SIGUSR1; shutting down gracefully" in capfd.readouterr().err


def test_a_failed_start_exits_one_and_prints_the_original_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    disposed: list[str] = []

    async def open_database() -> None:
        raise ConnectionError("db unreachable")

    async def start() -> RecordingApp:
        lifecycle = Lifecycle("app")
        try:
            lifecycle.on_dispose("app.config", lambda: disposed.append("app.config"))
            await open_database()
        except BaseException as error:
            await lifecycle.rollback(error)
            raise
        raise AssertionError("unreachable")

    assert run_main(start, shutdown_signals=(SHUTDOWN,)) == EXIT_FAILED
    err = capsys.readouterr().err
    assert disposed == ["app.config"]
    assert "the app failed to start" in err
    assert "in open_database" in err
    assert "ConnectionError: db unreachable" in err
    assert "_started" not in err  # the runtime's own frames are cut from the traceback


def test_a_signal_during_start_rolls_back_and_exits_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    disposed: list[str] = []

    async def start() -> RecordingApp:
        lifecycle = Lifecycle("app")
        try:
            lifecycle.on_dispose("app.db", lambda: disposed.append("app.db"))
            send_shutdown_signal()
            await forever()  # a slow resource init
        except BaseException as error:
            await lifecycle.rollback(error)
            raise
        raise AssertionError("unreachable")

    assert run_main(start, shutdown_signals=(SHUTDOWN,)) == EXIT_OK
    assert disposed == ["app.db"]
    assert "start was interrupted by a signal" in capsys.readouterr().err


def test_a_failed_rollback_after_a_signal_during_start_exits_one() -> None:
    def broken_close() -> None:
        raise OSError("socket stuck")

    async def start() -> RecordingApp:
        lifecycle = Lifecycle("app")
        try:
            lifecycle.on_dispose("app.db", broken_close)
            send_shutdown_signal()
            await forever()
        except BaseException as error:
            await lifecycle.rollback(error)
            raise
        raise AssertionError("unreachable")

    assert run_main(start, shutdown_signals=(SHUTDOWN,)) == EXIT_FAILED


def test_a_start_that_completes_despite_the_signal_is_disposed_at_once() -> None:
    app = RecordingApp()

    async def start() -> RecordingApp:
        send_shutdown_signal()
        try:
            await forever()
        except asyncio.CancelledError:
            app.lines.append("start ignored the cancellation")
        return app

    async def until(running: RecordingApp) -> None:
        raise AssertionError("must not run: shutdown was already requested")

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_OK
    assert app.lines == ["start ignored the cancellation", "dispose"]


def test_a_second_signal_during_start_rollback_does_not_cut_it_short(
    capfd: pytest.CaptureFixture[str],
) -> None:
    progress: list[str] = []

    async def hanging_close() -> None:
        progress.append("closing db")
        send_shutdown_signal()
        await forever()

    async def start() -> RecordingApp:
        lifecycle = Lifecycle("app", dispose_timeout=0.05)
        try:
            lifecycle.on_dispose("app.cache", lambda: progress.append("closing cache"))
            lifecycle.on_dispose("app.db", hanging_close)
            send_shutdown_signal()
            await forever()
        except BaseException as error:
            await lifecycle.rollback(error)
            raise
        raise AssertionError("unreachable")

    # The hung close is abandoned at its timeout and the rollback goes on: a dispose failure.
    assert run_main(start, shutdown_signals=(SHUTDOWN,)) == EXIT_FAILED
    assert progress == ["closing db", "closing cache"]
    assert "received SIGUSR1 again" in capfd.readouterr().err


@dataclass
class DrainingApp:
    """Disposal waits for in-flight work until ``skip_drain`` (what a second signal calls)."""

    lines: list[str] = field(default_factory=list)
    skipped: asyncio.Event = field(default_factory=asyncio.Event)

    async def dispose(self) -> None:
        self.lines.append("draining")
        send_shutdown_signal()  # the operator loses patience
        await self.skipped.wait()
        self.lines.append("disposed")

    def skip_drain(self) -> None:
        self.lines.append("drain skipped")
        self.skipped.set()


def test_a_second_signal_skips_the_drain_disposes_and_exits_128_plus_the_signal() -> None:
    app = DrainingApp()

    async def start() -> DrainingApp:
        return app

    async def until(running: DrainingApp) -> None:
        send_shutdown_signal()
        await forever()

    code = run_main(start, shutdown_signals=(SHUTDOWN,), until=until)

    assert code == 128 + SHUTDOWN
    assert app.lines == ["draining", "drain skipped", "disposed"]


def test_a_failed_dispose_exits_one(capsys: pytest.CaptureFixture[str]) -> None:
    app = RecordingApp(dispose_error=DisposeError([("app.db", OSError("socket stuck"))]))

    async def start() -> RecordingApp:
        return app

    async def until(running: RecordingApp) -> None:
        return None

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_FAILED
    assert "dispose failed: DisposeError: 1 resource(s) failed to dispose: app.db" in (
        capsys.readouterr().err
    )


def test_a_single_dispose_failure_is_printed_with_the_note_naming_its_resource(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failure = OSError("socket stuck")
    failure.add_note('Resource "app.db" failed to dispose (app "app").')
    app = RecordingApp(dispose_error=failure)

    async def start() -> RecordingApp:
        return app

    async def until(running: RecordingApp) -> None:
        return None

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "dispose failed: OSError: socket stuck" in err
    assert 'Resource "app.db" failed to dispose (app "app").' in err


def test_a_dispose_that_cancels_itself_counts_as_failed() -> None:
    app = RecordingApp(dispose_error=asyncio.CancelledError())

    async def start() -> RecordingApp:
        return app

    async def until(running: RecordingApp) -> None:
        return None

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_FAILED


def test_a_failing_until_still_disposes_and_exits_one(capsys: pytest.CaptureFixture[str]) -> None:
    app = RecordingApp()

    async def start() -> RecordingApp:
        return app

    async def until(running: RecordingApp) -> None:
        raise RuntimeError("worker crashed")

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_FAILED
    assert app.lines == ["dispose"]
    err = capsys.readouterr().err
    assert "RuntimeError: worker crashed" in err


def test_an_until_that_is_cancelled_on_its_own_is_a_normal_stop() -> None:
    app = RecordingApp()

    async def start() -> RecordingApp:
        return app

    async def until(running: RecordingApp) -> None:
        raise asyncio.CancelledError

    assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_OK
    assert app.lines == ["dispose"]


# -- error boundary ------------------------------------------------------------------------------


def error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "runner_gen.errors"]


def test_a_failing_spawned_task_is_logged_with_its_task_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def send_email() -> None:
        raise TimeoutError("smtp timed out")

    async def start() -> RecordingApp:
        return RecordingApp()

    async def until(app: RecordingApp) -> None:
        task = spawn(send_email(), task_id="app.tasks.send_email")
        assert task.get_name() == "runner-task:app.tasks.send_email"
        await asyncio.wait({task})

    with caplog.at_level(logging.ERROR):
        assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_OK

    [record] = error_records(caplog)
    assert getattr(record, "task_id", None) == "app.tasks.send_email"
    assert "'app.tasks.send_email'" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], TimeoutError)


async def test_spawn_keeps_the_task_alive_and_logs_nothing_on_success_or_cancel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done = asyncio.Event()

    async def work() -> int:
        await asyncio.sleep(0)
        done.set()
        return 7

    spawn(work(), task_id="app.tasks.work")  # no reference kept by the caller
    gc.collect()
    await done.wait()
    cancelled = spawn(forever(), task_id="app.tasks.forever")
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.wait({cancelled})

    assert error_records(caplog) == []


def test_an_unretrieved_task_error_is_logged_with_the_task_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fail() -> None:
        raise KeyError("lost")

    async def start() -> RecordingApp:
        return RecordingApp()

    async def until(app: RecordingApp) -> None:
        loop = asyncio.get_running_loop()
        task = loop.create_task(fail(), name="runner-task:app.tasks.orphan")
        await asyncio.wait({task})
        del task
        gc.collect()  # asyncio reports an unretrieved exception when the task is freed

    with caplog.at_level(logging.ERROR):
        assert run_main(start, shutdown_signals=(SHUTDOWN,), until=until) == EXIT_OK

    [record] = error_records(caplog)
    assert getattr(record, "task_id", None) == "app.tasks.orphan"
    assert "Task exception was never retrieved" in record.getMessage()


async def test_a_failing_callback_is_logged_without_a_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    install_error_boundary(loop)
    try:
        ran = asyncio.Event()

        def callback() -> None:
            ran.set()
            raise ZeroDivisionError("in a callback")

        loop.call_soon(callback)
        await ran.wait()
        await asyncio.sleep(0)
        plain_task = loop.create_task(forever(), name="plain")
        loop.call_exception_handler({"message": "custom report", "task": plain_task})
        plain_task.cancel()
    finally:
        loop.set_exception_handler(previous)

    first, second = error_records(caplog)
    assert getattr(first, "task_name", "?") is None
    assert isinstance(first.exc_info and first.exc_info[1], ZeroDivisionError)
    assert getattr(second, "task_name", None) == "plain"
    assert getattr(second, "task_id", "?") is None
    assert "custom report (asyncio task 'plain'): no exception" in second.getMessage()


# -- real processes, real signals ----------------------------------------------------------------


class AppProcess:
    """The lifecycle_app.py script in a subprocess, read line by line."""

    def __init__(self, mode: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []

    def wait_for_line(self, expected: str) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if self.lines[-1] == expected:
                return
        raise AssertionError(f"process ended before printing {expected!r}: {self.lines}")

    def signal(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    def finish(self) -> tuple[int, list[str], str]:
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, self.lines + out.splitlines(), err


@pytest.fixture
def app_process() -> Iterator[type[AppProcess]]:
    started: list[AppProcess] = []

    class Tracked(AppProcess):
        def __init__(self, mode: str) -> None:
            super().__init__(mode)
            started.append(self)

    yield Tracked
    for each in started:
        if each.process.poll() is None:
            each.process.kill()
            each.process.communicate()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_process_signal_drains_in_flight_then_disposes_in_reverse_and_exits_zero(
    app_process: type[AppProcess], sig: signal.Signals
) -> None:
    app = app_process("clean")
    app.wait_for_line("ready")
    app.signal(sig)

    code, lines, err = app.finish()

    assert code == 0, err
    assert lines[-4:] == ["request done", "dispose server", "dispose cache", "dispose db"]
    assert f"received {sig.name}" in err


def test_process_failing_disposer_exits_one_after_disposing_the_rest(
    app_process: type[AppProcess],
) -> None:
    app = app_process("failing-dispose")
    app.wait_for_line("ready")
    app.signal(signal.SIGTERM)

    code, lines, err = app.finish()

    assert code == 1
    assert lines[-2:] == ["dispose server", "dispose db"]
    assert "RuntimeError: cache refused to close" in err  # logged with its traceback
    assert "'demo.cache' failed to dispose" in err


def test_process_start_failure_rolls_back_and_exits_one(app_process: type[AppProcess]) -> None:
    app = app_process("start-fails")

    code, lines, err = app.finish()

    assert code == 1
    assert lines == ["init db", "init cache", "init server", "dispose cache", "dispose db"]
    assert "ConnectionError: server port taken" in err
    assert 'in open_resource\n    raise ConnectionError("server port taken")' in err
    assert "runner_gen/runtime/main.py" not in err


def test_process_signal_during_start_rolls_back_and_exits_zero(
    app_process: type[AppProcess],
) -> None:
    app = app_process("slow-start")
    app.wait_for_line("init server")
    app.signal(signal.SIGINT)

    code, lines, err = app.finish()

    assert code == 0, err
    assert lines[-2:] == ["dispose cache", "dispose db"]
    assert "ready" not in lines
