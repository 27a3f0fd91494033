"""pytest fixtures for testing generated apps: ``pytest_plugins = [
"runner_gen.testing.pytest_plugin"]`` in a conftest.

- ``fake_clock``: a ``FakeClock`` (pass it as ``overrides={"clock": fake_clock}``);
- ``recorder``: a factory of ``Recorder`` s, one per event to capture.

An app fixture is a few lines with the generated ``running``::

    @pytest.fixture
    async def app(fake_clock: FakeClock) -> AsyncIterator[App]:
        async with running(overrides={"resources": {"db": FakeDb()}, "clock": fake_clock}) as app:
            yield app
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from runner_gen.testing.clock import FakeClock
from runner_gen.testing.recorder import Recorder


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> Callable[[], Recorder[Any]]:
    return Recorder
