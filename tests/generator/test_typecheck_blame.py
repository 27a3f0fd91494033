"""How mypy's messages about generated code are traced to definitions, for the shapes the
end-to-end tests cannot produce yet (see the xfail tests in test_typecheck_messages.py): the
mypy messages below are the ones mypy prints for those shapes, located in the real generated
module of the `pending` fixture."""

from __future__ import annotations

import pytest

from runner_gen.definitions.source import Source
from runner_gen.generator.build import AppOutput
from runner_gen.generator.generated_regions import GeneratedModule, Origin
from runner_gen.generator.mypy_output import MypyError, parse
from runner_gen.generator.problems import Problem
from runner_gen.generator.typecheck_blame import blame
from tests.support.build import generate_files

PENDING = "tests.fixtures.typecheck.pending:app"


@pytest.fixture(scope="module")
def pending() -> AppOutput:
    return generate_files(PENDING)


def _module(output: AppOutput) -> GeneratedModule:
    assert output.model is not None
    factories = {name: node_id for name, node_id, _ in output.provenance}
    return GeneratedModule(output.files["wiring.py"], frozenset(output.model.nodes), factories)


def _line_after(output: AppOutput, comment: str) -> int:
    """A line of the block that starts with ``# <comment> (``."""
    lines = output.files["wiring.py"].splitlines()
    start = next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f"# {comment} ("))
    return start + 1


def _blame(output: AppOutput, line: int, message: str) -> Problem:
    module = _module(output)
    assert output.model is not None
    error = MypyError("wiring.py", line, message, "arg-type")
    return blame(error, module.origin(line), output.model, module.factories, Source("w.py", line))


def test_a_config_the_init_does_not_expect(pending: AppOutput) -> None:
    line = _line_after(pending, "pd.pool")
    for message in (
        'Argument 1 to "open_pool" has incompatible type "PoolSettings"; expected "CacheSettings"',
        'Incompatible types in assignment (expression has type "PoolSettings", variable has '
        'type "CacheSettings")',
    ):
        problem = _blame(pending, line, message)
        assert problem.code == "type_mismatch"
        assert problem.message == (
            'the config of resource "pd.pool" is PoolSettings (its config schema), but '
            "open_pool() expects CacheSettings"
        )
        assert problem.remediation is not None
        assert "annotate the config parameter of open_pool() as PoolSettings" in (
            problem.remediation
        )


def test_an_unknown_argument_of_a_user_function_keeps_mypys_words(pending: AppOutput) -> None:
    line = _line_after(pending, "pd.pool")
    problem = _blame(
        pending, line, 'Argument 1 to "somewhere_else" has incompatible type "A"; expected "B"'
    )
    assert problem.code == "type_error"
    assert problem.message.startswith('in the code generated for resource "pd.pool" (w.py:')
    assert problem.message.endswith('expected "B"  [arg-type]')


def test_a_parameter_that_is_no_dependency_keeps_mypys_words(pending: AppOutput) -> None:
    line = _line_after(pending, "pd.tasks.notify")
    message = 'Argument "nothing" to "_task_notify" has incompatible type "A"; expected "B"'
    problem = _blame(pending, line, message)
    assert problem.code == "type_error"
    assert 'task "pd.tasks.notify"' in problem.message


def test_a_line_outside_every_definition_is_reported_at_the_root(pending: AppOutput) -> None:
    problem = _blame(pending, 1, 'Module "x" has no attribute "Y"')
    assert problem.code == "type_error"
    assert problem.source is not None
    assert problem.source.file.endswith("pending.py")
    assert problem.message.startswith("in generated code (w.py:1), mypy reports:")


def test_mypy_output_notes_belong_to_the_error_before_them() -> None:
    errors, other = parse(
        "/p/a.py:3: note: stray note before any error\n"
        '/p/a.py:4: error: Name "x" is not defined  [name-defined]\n'
        "/p/a.py:4: note: Did you mean y?\n"
        "mypy: can't read file\n"
        "/p/b.py:1: error: No code here\n"
    )
    assert [(e.file, e.line, e.code) for e in errors] == [
        ("/p/a.py", 4, "name-defined"),
        ("/p/b.py", 1, None),
    ]
    assert errors[0].verbatim() == (
        'Name "x" is not defined  [name-defined]\n  note: Did you mean y?'
    )
    assert other == ["mypy: can't read file"]


def test_a_hook_is_found_by_its_function_when_no_comment_names_it() -> None:
    # Only the emitter's factory is known (as when a template drops the hooks' comments).
    output = generate_files("tests.fixtures.typecheck.hooks:app")
    assert output.model is not None
    factory = next(name for name, node_id, _ in output.provenance if node_id == "hk.order_placed")
    origin = Origin("hk.order_placed", "hk.order_placed", factory)
    message = (
        'Argument 1 to "send_welcome" has incompatible type "Emission[OrderPlaced]"; '
        'expected "Emission[UserSignedUp]"'
    )
    error = MypyError("wiring.py", 1, message, "arg-type")
    problem = blame(error, origin, output.model, {factory: "hk.order_placed"}, Source("w.py", 1))
    assert problem.message.startswith('hook "hk.hooks.welcome" listens to event "hk.order_placed"')
