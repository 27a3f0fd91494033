"""`runner-gen build --typecheck` on real (temporary) projects, run as a user runs it: errors at
the definitions, nothing written on failure, the project's own mypy settings for its modules,
strict checks for the generated code whatever they say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DEFINITIONS = """
from dataclasses import dataclass

from runner_gen import r


@dataclass
class Database:
    url: str


@dataclass
class Cache:
    size: int


async def open_database() -> Database:
    return Database("memory://")


async def open_cache() -> Cache:
    return Cache(16)


async def lookup(input: str, *, db: Database) -> str:
    return f"{db.url}/{input}"


database = r.resource("shop.database").init(open_database).build()
cache = r.resource("shop.cache").init(open_cache).build()
task = r.task("shop.tasks.lookup").dependencies(db=WIRED).run(lookup).build()
app = r.resource("shop").register(database, cache, task).build()
"""


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for these projects: the runtime and typeshed are analysed once. Each
    project has its own package name, so no project replays another's cached errors."""
    return tmp_path_factory.mktemp("mypy-cache")


def make_project(root: Path, *, wired: str, mypy: str = "", init: str = "") -> Path:
    package = re.sub(r"\W", "_", root.name).lower()
    (root / package).mkdir()
    (root / package / "__init__.py").write_text(init)
    definitions = textwrap.dedent(DEFINITIONS).replace("WIRED", wired)
    (root / package / "definitions.py").write_text(definitions)
    (root / "pyproject.toml").write_text(
        "[tool.runner-gen]\n"
        f'apps = [{{ root = "{package}.definitions:app", package = "{package}.generated" }}]\n'
        + mypy
    )
    return root / package


def cli(
    project: Path, mypy_cache: Path, *args: str, block_mypy: bool = False
) -> subprocess.CompletedProcess[str]:
    prelude = "import sys; sys.modules['mypy'] = None; " if block_mypy else ""
    code = f"{prelude}from runner_gen.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=project,
        env={**os.environ, "MYPY_CACHE_DIR": str(mypy_cache)},
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )


def _line(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


@pytest.mark.timeout(300)
def test_a_wrong_wire_fails_the_build_at_the_definition_and_writes_nothing(
    tmp_path: Path, mypy_cache: Path
) -> None:
    package = make_project(tmp_path, wired="cache")
    result = cli(tmp_path, mypy_cache, "build", "--typecheck")
    assert result.returncode == 1, result.stdout + result.stderr
    line = _line(package / "definitions.py", 'r.task("shop.tasks.lookup")')
    assert result.stderr.splitlines()[:2] == [
        f'{package.name}/definitions.py:{line}: error[type_mismatch]: dependency "db" of task '
        '"shop.tasks.lookup" is wired to resource "shop.cache" (Cache), but lookup() expects '
        "Database",
        '  fix: annotate "db" in lookup() as Cache, or wire it to a resource of the expected type',
    ]
    assert "runner-gen: 1 error; no files were written." in result.stderr
    assert not (package / "generated").exists()


@pytest.mark.timeout(300)
def test_a_well_wired_app_is_written_once_mypy_accepts_it(tmp_path: Path, mypy_cache: Path) -> None:
    package = make_project(tmp_path, wired="database")
    built = cli(tmp_path, mypy_cache, "build", "--typecheck")
    assert built.returncode == 0, built.stdout + built.stderr
    assert (package / "generated" / "wiring.py").is_file()
    assert built.stdout.splitlines()[-1] == "runner-gen: mypy found no errors in the generated code"
    checked = cli(tmp_path, mypy_cache, "build", "--check", "--typecheck")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == (
        "runner-gen: generated code is up to date and mypy found no errors in it\n"
    )


@pytest.mark.timeout(300)
def test_check_reports_the_stale_diff_and_the_type_error_together(
    tmp_path: Path, mypy_cache: Path
) -> None:
    package = make_project(tmp_path, wired="database")
    assert cli(tmp_path, mypy_cache, "build").returncode == 0
    definitions = package / "definitions.py"
    definitions.write_text(definitions.read_text().replace("db=database", "db=cache"))
    before = (package / "generated" / "wiring.py").read_text()
    result = cli(tmp_path, mypy_cache, "build", "--check", "--typecheck")
    assert result.returncode == 1
    removed = [line for line in result.stdout.splitlines() if line.startswith("-    ")]
    added = [line for line in result.stdout.splitlines() if line.startswith("+    ")]
    assert any("_task_lookup(db=resources.database)" in line for line in removed)
    assert any("_task_lookup(db=resources.cache)" in line for line in added)
    assert "generated code is stale" in result.stderr
    assert 'error[type_mismatch]: dependency "db" of task "shop.tasks.lookup"' in result.stderr
    assert (package / "generated" / "wiring.py").read_text() == before


@pytest.mark.timeout(300)
def test_the_projects_settings_apply_to_its_modules_and_strict_to_generated_code(
    tmp_path: Path, mypy_cache: Path
) -> None:
    # A lenient project: untyped functions allowed, wrong argument types not reported. Its own
    # module has an untyped helper (allowed there) and one error mypy still reports.
    lenient = '[tool.mypy]\ndisallow_untyped_defs = false\ndisable_error_code = ["arg-type"]\n'
    package = make_project(tmp_path, wired="cache", mypy=lenient)
    definitions = package / "definitions.py"
    definitions.write_text(
        definitions.read_text()
        + "\n\ndef untyped_helper(value):\n    return value\n\n\nLIMIT: int = 'ten'\n"
    )
    result = cli(tmp_path, mypy_cache, "build", "--typecheck")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    name = package.name
    assert errors == [
        f"{name}/definitions.py:{_line(definitions, 'LIMIT: int')}: error[type_error]: "
        'Incompatible types in assignment (expression has type "str", variable has type "int")'
        "  [assignment]",
        f"{name}/definitions.py:{_line(definitions, 'r.task(')}: error[type_mismatch]: "
        'dependency "db" of task "shop.tasks.lookup" is wired to resource "shop.cache" (Cache), '
        "but lookup() expects Database",
    ]


@pytest.mark.timeout(300)
def test_a_project_that_silences_its_generated_code_is_told_so(
    tmp_path: Path, mypy_cache: Path
) -> None:
    name = re.sub(r"\W", "_", tmp_path.name).lower()
    silencing = (
        f'[tool.mypy]\n[[tool.mypy.overrides]]\nmodule = "{name}.generated.*"\n'
        "ignore_errors = true\n"
    )
    package = make_project(tmp_path, wired="cache", mypy=silencing)
    result = cli(tmp_path, mypy_cache, "build", "--typecheck")
    assert result.returncode == 1
    assert (
        f"error[typecheck_silenced]: mypy did not check {name}.generated, "
        f"{name}.generated.wiring: the project's mypy configuration silences the generated "
        "code (ignore_errors)"
    ) in result.stderr
    assert not (package / "generated").exists()


@pytest.mark.timeout(300)
def test_an_error_in_a_parent_package_is_reported_in_the_project(
    tmp_path: Path, mypy_cache: Path
) -> None:
    package = make_project(tmp_path, wired="database", init="VERSION: int = '1'\n")
    result = cli(tmp_path, mypy_cache, "build", "--typecheck")
    assert result.returncode == 1
    assert f"{package.name}/__init__.py:1: error[type_error]: Incompatible types" in (result.stderr)
    assert "runner-gen-typecheck-" not in result.stderr  # never the staged copy


def test_without_mypy_the_build_says_to_install_it(tmp_path: Path, mypy_cache: Path) -> None:
    package = make_project(tmp_path, wired="database")
    result = cli(tmp_path, mypy_cache, "build", "--typecheck", block_mypy=True)
    assert result.returncode == 1
    assert "error[mypy_missing]: --typecheck runs mypy, which is not installed" in result.stderr
    assert "fix: install it where runner-gen runs: `pip install mypy`" in result.stderr
    assert not (package / "generated").exists()


def test_a_mypy_that_cannot_run_is_reported_as_such(tmp_path: Path, mypy_cache: Path) -> None:
    make_project(tmp_path, wired="database", mypy='[tool.mypy]\nplugins = ["no_such_plugin"]\n')
    result = cli(tmp_path, mypy_cache, "build", "--typecheck")
    assert result.returncode == 1
    assert "error[typecheck_failed]: mypy could not check the generated code (exit 2)" in (
        result.stderr
    )
    assert 'Error importing plugin "no_such_plugin"' in result.stderr
