"""Static types of the Runner-parity API, checked by mypy (assert_type) and run by pytest.

Runner files (tag 5.5.0): src/__tests__/definers/phantom.task.builder.test.ts (a phantom task is
``ITask<undefined, any>`` until its schemas narrow it), tags.test.ts (``extract`` returns the
tag's config type or undefined), middleware.with-config.test.ts (``.with`` again keeps the
config type).
"""

from __future__ import annotations

from typing import Any, assert_type

from pydantic import BaseModel

from runner_gen import MiddlewareAttachment, Task, globals, r
from runner_gen.runtime.middleware import RetryConfig


class Perf(BaseModel):
    alert_above_ms: int


def test_a_phantom_task_without_schemas_takes_no_input_and_returns_any() -> None:
    """phantom.task.builder: the builder's defaults are Runner's ``<undefined, any>``."""
    bare = r.task.phantom("remote.tasks.bare").build()
    assert_type(bare, Task[None, Any])
    typed = r.task.phantom("remote.tasks.sum").input_schema(int).result_schema(str).build()
    assert_type(typed, Task[int, str])
    assert (bare.phantom, typed.phantom) == (True, True)


def test_tag_extract_is_typed_by_the_tags_config() -> None:
    """tags: "should extract configured tag from a taggable object" -- typed ``Perf | None``."""
    perf = r.tag("typing.tags.perf").config_schema(Perf).build()
    task = r.task("typing.tasks.t").tags(perf.with_(alert_above_ms=1)).run(int).build()
    extracted = perf.extract(task)
    assert_type(extracted, Perf | None)
    assert extracted == Perf(alert_above_ms=1)
    assert_type(perf.exists(task), bool)


def test_with_on_a_configured_middleware_keeps_its_config_type() -> None:
    """middleware.with-config: "merges config when calling .with() multiple times"."""
    merged = globals.middleware.task.retry.with_(retries=1).with_(retries=2)
    assert_type(merged, MiddlewareAttachment[RetryConfig])
    assert merged.config.retries == 2
