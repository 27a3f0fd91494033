from __future__ import annotations

import subprocess
import sys

import runner_gen.runtime.middleware as middleware
from runner_gen.runtime.errors import RunnerError


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert middleware.__all__ == sorted(middleware.__all__)
    for name in middleware.__all__:
        assert getattr(middleware, name) is not None


def test_every_error_is_a_runner_error_with_a_distinct_runner_style_id() -> None:
    errors = [
        value
        for value in vars(middleware).values()
        if isinstance(value, type) and issubclass(value, RunnerError)
    ]
    assert len(errors) == 10
    ids = [error.id for error in errors]
    assert len(set(ids)) == len(ids)
    assert all(error_id.startswith("runner.errors.") for error_id in ids)


def test_importing_the_middleware_pulls_in_no_build_time_dependency() -> None:
    probe = (
        "import sys, runner_gen.runtime.middleware; "
        "banned = ('jinja2', 'libcst', 'click', 'runner_gen.generator', 'tenacity'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in banned "
        "or m.startswith('runner_gen.generator')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
