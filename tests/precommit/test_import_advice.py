"""When a definitions module cannot be imported, the fix names the real cause: a package the
environment lacks (typically: runner-gen runs outside the project's environment), a mistake in
the project's own imports, or an app root that does not exist."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runner_gen.generator.load import load_app
from runner_gen.generator.problems import BuildError, Problem


def _failure(project: Path, spec: str) -> Problem:
    with pytest.raises(BuildError) as caught:
        load_app(spec, project)
    [problem] = caught.value.problems
    assert problem.code == "import_failed"
    return problem


def _package(root: Path, name: str, definitions: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "definitions.py").write_text(definitions)


def test_a_third_party_package_the_environment_lacks(tmp_path: Path) -> None:
    _package(tmp_path, "advice_vendor", "import advice_sdk_not_installed.client\n")
    problem = _failure(tmp_path, "advice_vendor.definitions:app")
    assert problem.remediation is not None
    assert problem.remediation.startswith(
        f"'advice_sdk_not_installed' is not installed in the environment running runner-gen "
        f"({sys.executable})"
    )
    assert problem.source is not None
    assert problem.source.line == 1


def test_a_name_the_projects_own_package_lacks(tmp_path: Path) -> None:
    _package(tmp_path, "advice_own", "from advice_own import helpers_not_written\n")
    problem = _failure(tmp_path, "advice_own.definitions:app")
    assert "ImportError: cannot import name 'helpers_not_written'" in problem.message
    assert problem.remediation == "Fix the error above in your definition module."


def test_a_missing_module_of_a_project_package(tmp_path: Path) -> None:
    _package(tmp_path, "advice_mine", "import advice_mine.not_written\n")
    problem = _failure(tmp_path, "advice_mine.definitions:app")
    assert "No module named 'advice_mine.not_written'" in problem.message
    assert problem.remediation == "Fix the import above in your definition module."


def test_a_src_layout_project_not_installed_in_the_environment(tmp_path: Path) -> None:
    _package(tmp_path / "src", "advice_src", "")
    _package(tmp_path, "advice_app", "import advice_src\n")
    problem = _failure(tmp_path, "advice_app.definitions:app")
    assert problem.remediation == (
        "The project's own package 'advice_src' (src/advice_src) is not importable from the "
        f"environment running runner-gen ({sys.executable}): install the project there "
        "(`pip install -e .`)."
    )


def test_an_app_root_that_does_not_exist(tmp_path: Path) -> None:
    problem = _failure(tmp_path, "advice_nowhere.definitions:app")
    assert problem.remediation == (
        "Check the app's root (module:attribute) and that 'advice_nowhere.definitions' can be "
        f"imported from the project root ({tmp_path})."
    )
