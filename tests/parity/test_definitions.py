"""Definition builders as Runner 5.5 defines them: middleware ``.with()``, tags, typed errors,
ids. Runner files (tag 5.5.0): src/__tests__/definers/middleware.with-config.test.ts,
tags.test.ts, tag.builder.test.ts, error.builder.test.ts, src/__tests__/errors/errors.test.ts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from runner_gen import globals, r
from runner_gen.definitions.errors import DefinitionError
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.middleware import RetryConfig
from tests.support.build import build_app


@dataclass(frozen=True)
class Limits:
    a: int | None = None
    b: int | None = None


async def passthrough(call: Any) -> Any:
    return await call.next(call.input)


task_mw = r.middleware.task("parity.mw.task").config_schema(Limits).run(passthrough).build()
resource_mw = (
    r.middleware.resource("parity.mw.resource").config_schema(Limits).run(passthrough).build()
)
MIDDLEWARE = pytest.mark.parametrize("middleware", [task_mw, resource_mw], ids=["task", "resource"])

# -- middleware .with() --------------------------------------------------------------------------


@MIDDLEWARE
def test_with_keeps_the_identity_of_a_config_object(middleware: Any) -> None:
    """middleware.with-config: "preserves config identity when base config is empty" (task and
    resource middleware): the same config object shares state (e.g. a concurrency limit)."""
    config = Limits(a=1)
    assert middleware.with_(config).config is config
    assert middleware.with_(config).config is config


@MIDDLEWARE
def test_with_twice_merges_the_configs(middleware: Any) -> None:
    """middleware.with-config: "merges config when calling .with() multiple times"."""
    first = middleware.with_(a=1)
    second = first.with_(b=2)
    assert second.config == Limits(a=1, b=2)
    assert first.config == Limits(a=1)  # builders are immutable
    assert second.middleware is middleware


def test_with_twice_on_a_built_in_keeps_earlier_fields() -> None:
    """middleware.with-config: merge, on the built-in retry middleware."""
    strategy = lambda attempt, error: 0  # noqa: E731
    merged = globals.middleware.task.retry.with_(retries=5).with_(delay_strategy=strategy)
    assert merged.config == RetryConfig(retries=5, delay_strategy=strategy)


def test_with_a_whole_config_object_replaces_the_previous_one() -> None:
    """middleware.with-config: "returns non-object config values as-is" (a complete config
    value is taken as given, not merged)."""
    replacement = Limits(b=3)
    assert task_mw.with_(a=1).with_(replacement).config is replacement


def test_merged_configs_are_validated() -> None:
    """A merged config goes through the schema like any other (Runner parses each .with())."""
    with pytest.raises(DefinitionError, match=r"parity\.mw\.task"):
        task_mw.with_(a=1).with_(c=2)


# -- tags --------------------------------------------------------------------------------------


class Perf(BaseModel):
    alert_above_ms: int


class Described(BaseModel):
    value: int
    other: str = "default"


def test_a_tag_has_its_id_and_optional_schema() -> None:
    """tags: "should create a tag with string id" / "without configuration" / "with validation
    schema"."""
    plain = r.tag("parity.tags.plain").build()
    assert plain.id == "parity.tags.plain"
    assert plain.default_config is None
    perf = r.tag("parity.tags.perf").config_schema(Perf).build()
    assert perf.with_(alert_above_ms=5).config == Perf(alert_above_ms=5)
    with pytest.raises(DefinitionError, match="Tag config validation failed"):
        perf.with_(alert_above_ms="soon")


def test_each_with_is_its_own_configured_tag() -> None:
    """tags: "should create a configured tag instance" / "should allow multiple configurations
    of the same tag"."""
    perf = r.tag("parity.tags.perf").config_schema(Perf).build()
    fast, slow = perf.with_(alert_above_ms=10), perf.with_(alert_above_ms=1000)
    assert (fast.tag, slow.tag) == (perf, perf)
    assert (fast.config.alert_above_ms, slow.config.alert_above_ms) == (10, 1000)


def test_a_tags_base_config_is_extended_by_with() -> None:
    """tags: "should properly extend the tag data" (base {value: 2, other: "ss"} with
    {value: 123} is {value: 123, other: "ss"})."""
    tag = r.tag("parity.tags.ext").config({"value": 2, "other": "ss"}).build()
    assert tag.with_(value=123).config == {"value": 123, "other": "ss"}
    schema_tag = (
        r.tag("parity.tags.ext2")
        .config_schema(Described)
        .config(Described(value=2, other="ss"))
        .build()
    )
    assert schema_tag.with_(value=123).config == Described(value=123, other="ss")


def test_an_empty_config_is_kept_and_extracted() -> None:
    """tags Edge Cases: "should handle null/undefined config" (``with({})`` -> ``{}``)."""
    tag = r.tag("parity.tags.optional").config_schema(dict[str, str]).build()
    configured = tag.with_({})
    assert configured.config == {}
    assert tag.extract([configured]) == {}


def test_a_list_config_replaces_the_base_instead_of_merging() -> None:
    """tags: "should replace array configs instead of merging"."""
    tag = r.tag("parity.tags.list").config([1, 2]).build()
    assert tag.with_([3, 4]).config == [3, 4]


def test_extract_and_exists_on_a_list_of_tags() -> None:
    """tags: "should extract configured tag from tags array", "should extract config and check
    existense when tag is present", "should extract unconfigured tag from tags array"."""
    perf = r.tag("parity.tags.perf").config_schema(Perf).build()
    absent = r.tag("parity.tags.absent").build()
    plain = r.tag("parity.tags.plain").build()
    tags = [perf.with_(alert_above_ms=100), plain]
    assert perf.exists(tags)
    assert plain.exists(tags)
    assert not absent.exists(tags)
    assert perf.extract(tags) == Perf(alert_above_ms=100)
    assert plain.extract(tags) is None
    assert absent.extract(tags) is None


def test_extract_from_a_definition_and_from_anything_with_tags() -> None:
    """tags: "should extract configured tag from a taggable object (task.definition)", "should
    return null when taggable has no tags", "should work with a simple taggable carrying tags at
    root level"."""
    perf = r.tag("parity.tags.perf").config_schema(Perf).build()
    tagged = r.task("parity.tasks.tagged").tags(perf.with_(alert_above_ms=123)).run(int).build()
    untagged = r.task("parity.tasks.untagged").run(int).build()
    assert perf.extract(tagged) == Perf(alert_above_ms=123)
    assert perf.extract(untagged) is None

    @dataclass
    class Taggable:
        tags: tuple[Any, ...]

    assert perf.extract(Taggable((perf.with_(alert_above_ms=9),))) == Perf(alert_above_ms=9)


def test_tags_work_on_resources_events_and_middleware() -> None:
    """tags: "should work with resource metadata" / "event metadata" / "middleware metadata"."""
    audit = r.tag("parity.tags.audit").config({"level": "high"}).build()
    resource = r.resource("parity.res").tags(audit).build()
    event = r.event("parity.ev").tags(audit.with_(level="low")).build()
    middleware = r.middleware.task("parity.mw.tagged").tags(audit).run(passthrough).build()
    assert audit.extract(resource) == {"level": "high"}
    assert audit.extract(event) == {"level": "low"}
    assert audit.exists(middleware)


def test_a_tag_repeated_on_one_definition_is_refused() -> None:
    """Runner 5.5's ``duplicateTagIdOnDefinition``: a definition includes a tag id once."""
    audit = r.tag("parity.tags.audit").build()
    with pytest.raises(DefinitionError, match=r'declares duplicate tag "parity\.tags\.audit"'):
        r.task("parity.tasks.twice").tags(audit, audit.with_())


def test_tag_builder_with_exists_extract() -> None:
    """tag.builder: "supports meta, configSchema, and config; with/exists/extract work"."""
    tag = (
        r.tag("parity.tags.built")
        .meta(title="Built")
        .config_schema(Described)
        .config(Described(value=1))
        .build()
    )
    assert tag.meta == {"title": "Built"}
    configured = tag.with_(value=5)
    assert tag.exists([configured])
    assert tag.extract([configured]) == Described(value=5)


# -- typed errors ------------------------------------------------------------------------------


class AppData(BaseModel):
    code: int
    message: str


def test_a_typed_error_without_format_renders_its_data_as_compact_json() -> None:
    """error.builder: "build() returns an ErrorHelper that can throw and type-narrow via is()"
    (message '{"code":123,"message":"Boom"}', name = id)."""
    app_error = r.error("tests.errors.app").data_schema(AppData).build()
    with pytest.raises(app_error.error_class) as caught:
        app_error.throw(AppData(code=123, message="Boom"))
    assert app_error.is_(caught.value)
    assert caught.value.id == "tests.errors.app"
    assert str(caught.value) == '{"code":123,"message":"Boom"}'
    plain = r.error("tests.errors.plain").build()
    assert str(plain.new({"z": 1, "a": "é"})) == '{"z":1,"a":"é"}'  # insertion order, as JS


def test_new_builds_the_error_with_format_http_code_and_remediation() -> None:
    """error.builder: "new() constructs a typed RunnerError without throwing"."""
    app_error = (
        r.error("tests.errors.new")
        .http_code(409)
        .format(lambda d: f"[{d['code']}] {d['message']}")
        .remediation(lambda d: f"Resolve conflict for code {d['code']}.")
        .build()
    )
    error = app_error.new({"code": 409, "message": "Conflict"})
    assert isinstance(error, RunnerError)
    assert (error.id, error.http_code) == ("tests.errors.new", 409)
    assert error.data == {"code": 409, "message": "Conflict"}
    assert error.remediation == "Resolve conflict for code 409."
    assert str(error) == "[409] Conflict\n\nRemediation: Resolve conflict for code 409."
    assert app_error.is_(error)


def test_the_data_schema_validates_data_on_new_and_throw() -> None:
    """error.builder: "applies dataSchema.parse on new() and create()" and "validates data via
    dataSchema.parse before throwing"."""
    app_error = r.error("tests.errors.schema").data_schema(AppData).build()
    # Untyped callers (and remote error envelopes) hand in plain dicts: the schema parses them.
    raw: Any = {"code": 1, "message": "m"}
    assert app_error.new(raw).data == AppData(code=1, message="m")
    bad: Any = {"code": "not a number", "message": "m"}
    with pytest.raises(ValidationError):
        app_error.throw(bad)


def test_is_matches_partial_data_shallowly() -> None:
    """error.builder: "supports shallow partial data matching in helper is(error, partialData)"."""
    app_error = r.error("tests.errors.partial").build()
    other = r.error("tests.errors.other").build()
    error = app_error.new({"code": 7, "kind": "x"})
    assert app_error.is_(error, {"code": 7})
    assert app_error.is_(error, {"code": 7, "kind": "x"})
    assert not app_error.is_(error, {"code": 8})
    assert not app_error.is_(error, {"missing": None})
    assert not other.is_(error)
    assert not app_error.is_(ValueError("plain"))
    model_error = r.error("tests.errors.model").data_schema(AppData).build()
    assert model_error.is_(model_error.new(AppData(code=1, message="m")), {"code": 1})


@pytest.mark.parametrize("code", [99, 600, 4.5])
def test_http_code_outside_100_599_or_not_an_integer_fails_fast(code: Any) -> None:
    """error.builder: "fails fast when httpCode is below range" / "above range" / "is not an
    integer"."""
    with pytest.raises(DefinitionError, match="integer from 100 to 599"):
        r.error("tests.errors.bad").http_code(code)


def test_an_error_takes_meta() -> None:
    """error.builder: "accepts meta in builder chain (smoke)"."""
    documented = r.error("tests.errors.meta").meta(title="Documented").build()
    assert documented.meta == {"title": "Documented"}


def test_http_code_is_on_the_definition_and_the_error() -> None:
    """error.builder: "supports httpCode in builder and exposes it on helper and thrown
    error"."""
    gone = r.error("tests.errors.gone").http_code(410).build()
    assert gone.http_code == 410
    assert gone.new({}).http_code == 410


def test_remediation_is_appended_static_or_computed_and_exposed() -> None:
    """error.builder remediation: "appends static remediation advice to message and
    toString()", "supports data-dependent remediation function", "exposes remediation as a
    property", "remediation property is undefined when not provided", "omits remediation from
    message when not provided", "appends remediation label even when remediation is an empty
    string"."""
    static = r.error("t.e.s").format(lambda d: f"Error code {d}").remediation("Restart.").build()
    assert str(static.new(42)) == "Error code 42\n\nRemediation: Restart."
    assert static.new(42).remediation == "Restart."
    dynamic = r.error("t.e.d").format(str).remediation(lambda d: f"Provide {d!r}.").build()
    assert "Remediation: Provide 'email'." in str(dynamic.new("email"))
    bare = r.error("t.e.n").format(lambda d: f"Error {d}").build()
    assert str(bare.new(1)) == "Error 1"
    assert bare.new(1).remediation is None
    empty = r.error("t.e.e").format(lambda d: f"Error {d}").remediation("").build()
    assert str(empty.new(5)) == "Error 5\n\nRemediation: "


# -- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("odd", ["billing/charge now", "a:b#1", "ünï", "app..x", ".lead"])
def test_ids_runner_accepts_are_accepted(odd: str) -> None:
    """Runner 5.5 accepts any string id (observed: "a/b", "with space", "weird:id#1", "ünï",
    "app..x", ".lead" all register and run); Node tasks with such ids can be declared here."""
    assert r.task(odd).run(int).build().id == odd
    assert r.task.phantom(odd).build().id == odd


async def test_an_app_with_slash_and_space_ids_builds_and_runs() -> None:
    """The generator derives Python names from any id (``billing/charge now`` becomes
    ``app.tasks.billing_charge_now``)."""
    wiring = build_app("tests.parity.apps.odd_ids:app")
    async with wiring.running() as app:
        assert await app.tasks.billing_charge_now(1) == 2
    assert wiring.APP_ID == "odd app"


# Runner 5.5's ids (src/globals/middleware/*.middleware.ts, src/globals/globalMiddleware.ts):
# they appear in logs, dispose-failure messages and tunnel middleware policies.
RUNNER_MIDDLEWARE_IDS = {
    "retry": "globals.middleware.retry.task",
    "timeout": "globals.middleware.timeout.task",
    "circuit_breaker": "globals.middleware.task.circuitBreaker",
    "rate_limit": "globals.middleware.task.rateLimit",
    "require_context": "globals.middleware.task.requireContext",
    "cache": "globals.middleware.task.cache",
    "concurrency": "globals.middleware.task.concurrency",
    "debounce": "globals.middleware.task.debounce",
    "throttle": "globals.middleware.task.throttle",
    "fallback": "globals.middleware.task.fallback",
}


@pytest.mark.parametrize(("attribute", "runner_id"), sorted(RUNNER_MIDDLEWARE_IDS.items()))
def test_built_in_task_middleware_carry_runners_ids(attribute: str, runner_id: str) -> None:
    """run.middleware / tunnel.policy name built-ins by these ids."""
    assert getattr(globals.middleware.task, attribute).id == runner_id


def test_built_in_resource_middleware_carry_runners_ids() -> None:
    assert globals.middleware.resource.retry.id == "globals.middleware.retry.resource"
    assert globals.middleware.resource.timeout.id == "globals.middleware.timeout.resource"


def test_generated_names_stay_readable_under_runners_ids() -> None:
    """The ids end in ``task`` or camelCase; the generated slots keep the Python names."""
    wiring = build_app("tests.fixtures.apps.features:app")
    source = Path(wiring.__file__ or "").read_text(encoding="utf-8")
    assert "state.mw_resource_retry = RetryMiddleware(" in source
    assert "state.mw_require_context = RequireContextMiddleware(" in source
    assert "mw_task" not in source
    assert "mw_resource =" not in source
    assert '("globals.middleware.retry.resource", state.mw_resource_retry.dispose' in source
