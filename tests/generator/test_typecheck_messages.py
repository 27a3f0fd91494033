"""`build --typecheck`: each mypy error in generated code is reported at the definition it comes
from, restated in the definitions' terms (snapshots of every message).

All mis-wired apps are type-checked in one mypy run, as `runner-gen build --typecheck` checks
every configured app at once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from runner_gen.generator.build import generate
from runner_gen.generator.config import AppSpec, read_apps
from runner_gen.generator.problems import BuildError, Problem
from runner_gen.generator.typecheck import typecheck
from tests.support.build import REPO, package_name

FIXTURES = REPO / "tests" / "fixtures"
MISWIRED = {
    "miswired": "tests.fixtures.apps.miswired:app",
    "hooks": "tests.fixtures.typecheck.hooks:app",
    "tasks": "tests.fixtures.typecheck.tasks:app",
    "middleware": "tests.fixtures.typecheck.middleware:app",
    "lifecycle": "tests.fixtures.typecheck.lifecycle:app",
    "fallback": "tests.fixtures.typecheck.fallback:app",
}
# Mistakes the generated code does not expose to mypy yet (typed config locals, typed disposers,
# typed no-hook emitters): checked in the same run, expected to fail until it does.
PENDING = "tests.fixtures.typecheck.pending:app"


def _file_of(spec: str) -> Path:
    return REPO.joinpath(*spec.partition(":")[0].split(".")).with_suffix(".py")


@pytest.fixture(scope="module")
def reported() -> dict[str, list[Problem]]:
    """Every problem of one `--typecheck` run over all mis-wired apps, by app."""
    specs = {**MISWIRED, "pending": PENDING}
    outputs = generate(REPO, [AppSpec(spec, package_name(spec)) for spec in specs.values()])
    problems = typecheck(REPO, outputs)
    by_app: dict[str, list[Problem]] = {name: [] for name in specs}
    files = {_file_of(spec): name for name, spec in specs.items()}
    for problem in problems:
        assert problem.source is not None, problem.render()
        by_app[files[Path(problem.source.file).resolve()]].append(problem)
    return by_app


def _line_of(name: str, text: str) -> int:
    """The line of the fixture that contains ``text`` (where a definition is built)."""
    spec = MISWIRED.get(name, PENDING)
    lines = _file_of(spec).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def _at(problem: Problem) -> int:
    assert problem.source is not None
    return problem.source.line


def _rendered(problems: list[Problem]) -> str:
    # Generated line numbers belong to the templates, not to the message under test.
    text = BuildError(problems).render()
    return re.sub(r"(wiring\.py):\d+", r"\1:N", text)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(MISWIRED))
def test_each_mistake_is_reported_once_at_its_definition(
    name: str, reported: dict[str, list[Problem]], snapshot: SnapshotAssertion
) -> None:
    problems = reported[name]
    assert problems, f"mypy found nothing wrong in {name}"
    assert len({problem.render() for problem in problems}) == len(problems)
    assert _rendered(problems) == snapshot


def test_a_dependency_wired_to_the_wrong_resource_names_both_types(
    reported: dict[str, list[Problem]],
) -> None:
    [problem] = reported["miswired"]
    assert problem.code == "type_mismatch"
    assert _at(problem) == _line_of("miswired", 'r.task("mw.tasks.lookup")')
    assert problem.message == (
        'dependency "db" of task "mw.tasks.lookup" is wired to resource "mw.cache" (Cache), '
        "but lookup() expects Database"
    )
    assert problem.remediation is not None
    assert 'annotate "db" in lookup() as Cache' in problem.remediation


def test_hook_payload_and_hook_dependency(reported: dict[str, list[Problem]]) -> None:
    payload, dependency = reported["hooks"]
    assert _at(payload) == _line_of("hooks", 'r.hook("hk.hooks.welcome")')
    assert payload.message == (
        'hook "hk.hooks.welcome" listens to event "hk.order_placed" (payload OrderPlaced), '
        "but send_welcome() expects Emission[UserSignedUp]"
    )
    assert _at(dependency) == _line_of("hooks", 'r.hook("hk.hooks.record")')
    assert 'dependency "ledger" of hook "hk.hooks.record"' in dependency.message
    assert 'resource "hk.mailer" (Mailer), but record() expects Ledger' in dependency.message


def test_task_dependency_and_emit_payload(reported: dict[str, list[Problem]]) -> None:
    task, emit = reported["tasks"]
    assert _at(task) == _line_of("tasks", 'r.task("tk.tasks.quote")')
    # The parameter is renamed in generated code (`price` is also a function's name there);
    # the message names the dependency key.
    assert task.message == (
        'dependency "price" of task "tk.tasks.quote" is wired to task "tk.tasks.price" '
        "(input int, result float), but quote() expects Callable[[str], Awaitable[float]]"
    )
    assert task.remediation is not None
    assert "Callable[[int], Awaitable[float]]" in task.remediation
    assert _at(emit) == _line_of("tasks", 'r.task("tk.tasks.bill")')
    assert emit.message.endswith(
        'is wired to event "tk.invoice_issued" (payload Invoice), but bill() expects Emit[Receipt]'
    )


def test_a_middleware_dependency_is_reported_at_the_middleware(
    reported: dict[str, list[Problem]],
) -> None:
    [problem] = reported["middleware"]
    assert _at(problem) == _line_of("middleware", 'r.middleware.task("md.middleware')
    assert problem.message.startswith('dependency "counter" of task middleware "md.middleware')


def test_resource_functions_that_expect_another_value(
    reported: dict[str, list[Problem]],
) -> None:
    by_role = {
        p.message.split(" function of ")[0].split(", the ")[-1]: p for p in reported["lifecycle"]
    }
    health, dispose = by_role["health"], by_role["dispose"]
    line = _line_of("lifecycle", 'r.resource("lc.engine")')
    assert _at(health) == line
    assert _at(dispose) == line
    assert health.message.startswith("check_session(), the health function of resource")
    assert dispose.message.startswith("close_session(), the dispose function of resource")
    assert dispose.message.endswith("expects Session, but the resource's value is Engine")


def test_other_errors_keep_mypys_message_at_the_definition(
    reported: dict[str, list[Problem]],
) -> None:
    [problem] = reported["fallback"]
    assert problem.code == "type_error"
    assert _at(problem) == _line_of("fallback", 'r.resource("fb.queue")')
    assert 'in the code generated for resource "fb.queue"' in problem.message
    assert 'Argument 2 to "add" of "HealthChecks"' in problem.message
    assert "[arg-type]" in problem.message


@pytest.mark.timeout(300)
def test_every_configured_app_type_checks_clean() -> None:
    # The examples include an app generated inside another app's package.
    outputs = generate(REPO, read_apps(REPO))
    assert [problem.render() for problem in typecheck(REPO, outputs)] == []


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        pytest.param(
            'r.resource("pd.pool")',
            'the config of resource "pd.pool" is PoolSettings (its config schema), but '
            "open_pool() expects CacheSettings",
            id="resource-config",
        ),
        pytest.param(
            'r.resource("pd")',
            'the config of resource "pd" is AppSettings (its config schema), but start_app() '
            "expects OtherSettings",
            id="root-config",
        ),
        pytest.param(
            'r.resource("pd.pool")',
            'close_pool(), the dispose function of resource "pd.pool", expects CacheSettings, '
            "but the resource's value is Pool",
            id="disposer",
        ),
        pytest.param(
            'r.task("pd.tasks.notify")',
            'dependency "started" of task "pd.tasks.notify" is wired to event "pd.started" '
            "(payload Started), but notify() expects Emit[Stopped]",
            id="emit-without-hooks",
        ),
    ],
)
def test_config_schemas_disposers_and_hookless_emitters_are_checked(
    definition: str, message: str, reported: dict[str, list[Problem]]
) -> None:
    line = _line_of("pending", definition)
    found = {(p.source.line if p.source else 0, p.message) for p in reported["pending"]}
    assert (line, message) in found
    assert len(reported["pending"]) == 4  # each mistake once, nothing else
