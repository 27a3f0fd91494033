"""The `r` builders: immutable, validated where written, with errors that point at the line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from runner_gen import globals, r
from runner_gen.definitions.defaults import default_config
from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.kinds import OptionalDependency, dependencies_of
from runner_gen.runtime.errors import ContextError, RunnerError


class Config(BaseModel):
    url: str
    pool: int = 5


async def make() -> int:
    return 1


def test_builders_are_immutable() -> None:
    base = r.task("t.base")
    with_run = base.run(make)
    assert id(base) != id(with_run)
    with pytest.raises(DefinitionError, match="has no run function"):
        base.build()
    assert with_run.build().run is make


def test_definitions_record_where_they_were_written() -> None:
    task = r.task("t.where").run(make).build()
    assert task.source.file.endswith("test_builders.py")
    assert str(task.source).startswith("tests/definitions/test_builders.py:")


@pytest.mark.parametrize("bad", ["", "new\nline", "nul\x00", "tab\tbed", "del\x7f"])
def test_invalid_ids_are_rejected_at_the_call(bad: str) -> None:
    with pytest.raises(DefinitionError, match="id") as caught:
        r.task(bad)
    assert "test_builders.py" in str(caught.value)


def test_non_string_id_is_rejected() -> None:
    with pytest.raises(DefinitionError, match="non-empty string"):
        r.resource(42)  # type: ignore[arg-type]


def test_dependencies_must_be_definitions() -> None:
    with pytest.raises(
        DefinitionError, match=r'Dependency "db" of Task "t\.deps" is not a definition'
    ):
        r.task("t.deps").dependencies(db="not a definition")  # type: ignore[arg-type]


def test_dependencies_merge_and_function_form_is_exclusive() -> None:
    a = r.resource("t.a").init(make).build()
    b = r.resource("t.b").init(make).build()
    task = r.task("t.merge").dependencies(a=a).dependencies(b=b).run(make).build()
    assert set(dependencies_of(task)) == {"a", "b"}
    with pytest.raises(DefinitionError, match="keywords or one function"):
        r.task("t.both").dependencies(lambda: {"a": a}, b=b)
    lazy = r.task("t.lazy").dependencies(lambda: {"a": a})
    with pytest.raises(DefinitionError, match="already has function-form"):
        lazy.dependencies(b=b)


def test_function_form_dependencies_are_checked_when_resolved() -> None:
    task = r.task("t.lazy_bad").dependencies(lambda: {"x": 3}).run(make).build()  # type: ignore[dict-item]
    with pytest.raises(DefinitionError, match='Dependency "x"'):
        dependencies_of(task)


def test_register_accepts_only_definitions() -> None:
    with pytest.raises(DefinitionError, match="registers something that is not a definition"):
        r.resource("t.app").register("nope")  # type: ignore[arg-type]


def test_middleware_kinds_cannot_be_swapped() -> None:
    resource_mw = r.middleware.resource("t.rmw").run(make).build()
    task_mw = r.middleware.task("t.tmw").run(make).build()
    with pytest.raises(DefinitionError, match="task middleware is expected"):
        r.task("t.x").middleware(resource_mw)  # type: ignore[arg-type]
    with pytest.raises(DefinitionError, match="resource middleware is expected"):
        r.resource("t.y").middleware(task_mw)  # type: ignore[arg-type]


def test_tags_must_be_tags() -> None:
    with pytest.raises(DefinitionError, match="tag that is not a tag"):
        r.task("t.tagged").tags("nope")  # type: ignore[arg-type]


def test_functions_must_be_callable() -> None:
    with pytest.raises(DefinitionError, match="must be a function"):
        r.task("t.call").run(3)  # type: ignore[call-overload]


def test_hooks_need_on_and_run() -> None:
    with pytest.raises(DefinitionError, match=r"missing \.on\(\) and \.run\(\)"):
        r.hook("t.hook").build()
    event = r.event("t.event").build()
    with pytest.raises(DefinitionError, match=r"missing \.run"):
        r.hook("t.hook").on(event).build()
    with pytest.raises(DefinitionError, match='takes events, or "\\*" alone'):
        r.hook("t.hook").on("everything")  # type: ignore[arg-type]
    star = r.hook("t.star").on("*").run(make).build()
    assert star.on == "*"


def test_custom_middleware_needs_run() -> None:
    with pytest.raises(DefinitionError, match="has no run function"):
        r.middleware.task("t.mw").build()
    with pytest.raises(DefinitionError, match="has no run function"):
        r.middleware.resource("t.mw").build()


def test_resource_config_is_validated_at_with() -> None:
    resource = r.resource("t.db").config_schema(Config).init(make).build()
    assert resource.with_(url="x").config == Config(url="x")
    instance = Config(url="y")
    assert resource.with_(instance).config is instance
    with pytest.raises(DefinitionError, match=r"Resource config validation failed for t\.db: url"):
        resource.with_(pool=2)
    with pytest.raises(TypeError, match="not both"):
        resource.with_(instance, url="z")


def test_with_on_a_resource_without_schema_is_an_error() -> None:
    bare = r.resource("t.bare").init(make).build()
    with pytest.raises(DefinitionError, match="has no config schema"):
        bare.with_(url="x")


def test_default_config_validates_the_schema_against_no_fields() -> None:
    @dataclass
    class Defaults:
        size: int = 3

    assert default_config(r.resource("t.d").config_schema(Defaults).build()) == Defaults()
    assert default_config(r.resource("t.none").build()) is None
    with pytest.raises(DefinitionError, match="url"):
        default_config(r.resource("t.req").config_schema(Config).build())


def test_builtin_middleware_configs_are_checked_by_their_constructor() -> None:
    assert globals.middleware.task.timeout.with_(ttl=10).config.ttl == 10
    with pytest.raises(DefinitionError, match="Middleware config validation failed"):
        globals.middleware.task.retry.with_(unknown=1)


def test_tags_carry_default_or_given_config_and_targets() -> None:
    plain = r.tag("t.plain").config({"a": 1}).build()
    assert plain.with_().config == {"a": 1}
    typed = r.tag("t.typed").config_schema(Config).for_("tasks").build()
    assert typed.targets == frozenset({"tasks"})
    with pytest.raises(DefinitionError, match="Tag config validation failed"):
        typed.with_(pool="many")


def test_optional_wraps_every_dependency_kind() -> None:
    items: list[Any] = [
        r.resource("t.o1").build(),
        r.task("t.o2").run(make).build(),
        r.event("t.o3").build(),
        r.tag("t.o4").build(),
        r.async_context("t.o5").build(),
        r.error("t.o6").build(),
    ]
    for item in items:
        wrapped = item.optional()
        assert isinstance(wrapped, OptionalDependency)
        assert wrapped.target is item


def test_meta_is_merged_and_read_only() -> None:
    task = r.task("t.meta").meta(title="A").meta(description="B").run(make).build()
    assert dict(task.meta) == {"title": "A", "description": "B"}
    with pytest.raises(TypeError):
        task.meta["title"] = "C"  # type: ignore[index]


def test_overrides_must_target_definitions_and_carry_an_implementation() -> None:
    task = r.task("t.target").run(make).build()
    assert r.override(task, make).target is task
    with pytest.raises(DefinitionError, match="cannot override"):
        r.override("t.target", make)
    with pytest.raises(DefinitionError, match="needs an implementation"):
        r.override(task)
    resource = r.resource("t.res").init(make).build()
    assert r.override(resource, dispose=make).dispose is make
    with pytest.raises(DefinitionError, match=r"accepts only r\.override"):
        r.resource("t.app").overrides(task)  # type: ignore[arg-type]


class NotFound(BaseModel):
    what: str


def test_typed_errors_have_ids_codes_messages_and_remediation() -> None:
    not_found = (
        r.error("app.errors.not_found")
        .data_schema(NotFound)
        .http_code(404)
        .format(lambda data: f"{data.what} not found")
        .remediation(lambda data: f"create {data.what} first")
        .build()
    )
    error = not_found.new(NotFound(what="user"))
    assert isinstance(error, RunnerError)
    assert error.id == "app.errors.not_found"
    assert error.http_code == 404
    assert error.message == "user not found\n\nRemediation: create user first"  # as Runner
    assert str(error) == "user not found\n\nRemediation: create user first"
    assert not_found.is_(error)
    assert not not_found.is_(ValueError())
    with pytest.raises(not_found.error_class):
        not_found.throw(NotFound(what="x"))
    plain = r.error("app.errors.plain").build().new({"b": 2, "a": 1})
    assert plain.message == '{"b":2,"a":1}'  # Runner's JSON.stringify(data)
    with pytest.raises(DefinitionError, match="integer from 100 to 599"):
        r.error("app.errors.bad").http_code(99)


def test_async_context_validates_provided_values_against_its_schema() -> None:
    user = r.async_context("t.user").schema(int).build()
    with user.provide(3):
        assert user.use() == 3
    with pytest.raises(ContextError), user.provide("not a number"):  # type: ignore[call-overload]
        pass  # pragma: no cover - provide raises before the body
    assert user.require().middleware is globals.middleware.task.require_context


def test_a_resource_may_set_its_own_dispose_timeout() -> None:
    pool = r.resource("app.pool").init(make).dispose_timeout(15).build()
    assert pool.dispose_timeout == 15.0
    assert r.resource("app.cache").init(make).build().dispose_timeout is None


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), True, "10"])
def test_a_dispose_timeout_must_be_positive_seconds(bad: Any) -> None:
    with pytest.raises(DefinitionError, match=r'dispose_timeout of Resource "app\.pool"') as raised:
        r.resource("app.pool").dispose_timeout(bad)
    assert raised.value.source is not None
    assert "test_builders.py" in str(raised.value.source)
