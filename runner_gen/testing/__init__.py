"""Testing a generated app without a second build.

- ``start(overrides={...})`` / ``running(overrides={...})``: every generated app takes typed
  overrides of resource values, tasks and event emitters, and a clock for the built-in
  middleware (see the generated ``Overrides``);
- ``FakeClock``: time that moves only when the test says so (``await clock.advance(5)``);
- ``Recorder``: an event emitter that records what a task emits, to assert on it;
- ``runner_gen.testing.pytest_plugin``: ``fake_clock`` and ``recorder`` fixtures
  (``pytest_plugins = ["runner_gen.testing.pytest_plugin"]`` in a conftest).

A guide with a worked example: docs/testing.md.
"""

from runner_gen.testing.clock import FakeClock, settle
from runner_gen.testing.recorder import Recorded, Recorder

__all__ = ["FakeClock", "Recorded", "Recorder", "settle"]
