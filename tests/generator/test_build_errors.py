"""Every build-time error names the definition, its file:line and a fix; nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from runner_gen.generator.config import AppSpec
from runner_gen.generator.problems import BuildError
from tests.support.build import REPO, generate_files

CASES = {
    "duplicate": "duplicate_registration",
    "missing_dependency": "dependency_not_found",
    "cycle": "circular_dependencies",
    "emission_cycle": "event_emission_cycle",
    "unregistered_event": "event_not_found",
    "unregistered_middleware": "middleware_not_registered",
    "wrong_tag_target": "tag_target_not_allowed",
    "invalid_id": "import_failed",
    "signature_mismatch": "run_signature_mismatch",
    "import_error": "import_failed",
    "unannotated": "missing_annotation",
    "lambda_run": "invalid_signature",
    "unmatched_allow_list": "selector_matches_nothing",
    "bare_middleware_needs_config": "middleware_config_missing",
    "scope_violation": "call_scope_violation",
    "custom_tunnel_contract": "tunnel_client_contract",
}


def _problems(name: str) -> BuildError:
    with pytest.raises(BuildError) as caught:
        generate_files(f"tests.fixtures.bad.{name}:app")
    return caught.value


@pytest.mark.parametrize(("name", "code"), sorted(CASES.items()))
def test_each_bad_definition_fails_with_its_error(
    name: str, code: str, snapshot: SnapshotAssertion
) -> None:
    error = _problems(name)
    assert code in {problem.code for problem in error.problems}
    rendered = error.render()
    assert f"tests/fixtures/bad/{name}.py:" in rendered  # where
    assert "no files were written" in rendered
    assert rendered == snapshot


def test_cycle_message_prints_the_path() -> None:
    [problem] = _problems("cycle").problems
    assert "bad.a -> bad.b -> bad.c -> bad.a" in problem.message


def test_signature_mismatch_names_missing_and_undeclared_parameters() -> None:
    [problem] = _problems("signature_mismatch").problems
    assert "missing keyword parameter(s) 'db'" in problem.message
    assert "undeclared keyword parameter(s) 'database', 'extra'" in problem.message
    assert problem.remediation is not None


def test_import_failure_shows_the_users_error_not_a_generator_traceback() -> None:
    [problem] = _problems("import_error").problems
    assert "NameError: name 'undefined_name' is not defined" in problem.message
    assert "tests/fixtures/bad/import_error.py" in problem.message
    assert "runner_gen/generator" not in problem.message


def test_invalid_id_is_reported_with_its_location() -> None:
    [problem] = _problems("invalid_id").problems
    assert "'bad\\ntask' contains the control character" in problem.message
    assert "invalid_id.py:8" in problem.message


def test_the_cli_exits_1_and_writes_no_file(tmp_path: Path) -> None:
    package_dir = tmp_path / "out_pkg"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "runner_gen.cli",
            "build",
            "tests.fixtures.bad.cycle:app",
            "--package",
            "out_pkg",
            "--project",
            str(REPO),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 1
    assert "error[circular_dependencies]" in result.stderr
    assert not package_dir.exists()
    assert not (REPO / "out_pkg").exists()


def test_a_bad_app_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    from runner_gen.generator.build import generate

    specs = [
        AppSpec("examples.quickstart.definitions:app", "never_written_ok"),
        AppSpec("tests.fixtures.bad.duplicate:app", "never_written_bad"),
    ]
    with pytest.raises(BuildError):
        generate(REPO, specs)
    assert not (REPO / "never_written_ok").exists()


def test_call_scoped_misuse_names_each_dependent_and_what_is_unsupported() -> None:
    problems = _problems("scope_violation").problems
    codes = sorted(problem.code for problem in problems)
    assert codes == ["call_scope_unsupported", "call_scope_violation", "call_scope_violation"]
    text = "\n".join(problem.message for problem in problems)
    assert 'Resource "bad.cache" depends on call-scoped resource "bad.uow"' in text
    assert 'Hook "bad.hooks.listen" depends on call-scoped resource "bad.uow"' in text
    assert 'Call-scoped resource "bad.uow" cannot have middleware' in text
