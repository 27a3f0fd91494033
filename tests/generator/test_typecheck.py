"""mypy --strict accepts every generated package, and rejects a mis-wired one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner_gen.generator.build import write
from tests.support.build import REPO, generate_files

WELL_WIRED = [
    "tests.fixtures.apps.lifecycle:app",
    "tests.fixtures.apps.events:app",
    "tests.fixtures.apps.features:app",
    "tests.fixtures.apps.collisions:app",
    "tests.fixtures.apps.scoped:app",
    "tests.fixtures.apps.overridable:app",
    "tests.fixtures.remote.server:app",
    "tests.fixtures.remote.client_app:app",
    "tests.fixtures.tracing.server_app:app",
    "tests.fixtures.tracing.client_app:app",
    "tests.redis.apps.orders:app",
    "examples.caching.definitions:app",
]


def _generate_into(root: Path, spec: str) -> Path:
    output = generate_files(spec)
    output.package_dir = root / output.spec.package
    write([output])
    return output.package_dir


def _mypy(*targets: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MYPYPATH": str(targets[0].parent)}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *map(str, targets)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.timeout(300)
def test_generated_packages_pass_mypy_strict(tmp_path: Path) -> None:
    packages = [_generate_into(tmp_path, spec) for spec in WELL_WIRED]
    result = _mypy(*packages)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(300)
def test_a_dependency_wired_to_the_wrong_type_fails_mypy(tmp_path: Path) -> None:
    package = _generate_into(tmp_path, "tests.fixtures.apps.miswired:app")
    result = _mypy(package)
    assert result.returncode == 1
    assert 'Argument "db" to "_task_lookup" has incompatible type "Cache"; expected "Database"' in (
        result.stdout
    )


CONSUMER = """
from {package}.wiring import ResourceOverrides, running
from tests.fixtures.apps.overridable import Database


class NotADatabase:
    pass


async def good() -> None:
    async with running(overrides={{"resources": {{"database": Database()}}}}):
        pass


async def bad() -> None:
    async with running(overrides={{"resources": {{"database": NotADatabase()}}}}):
        pass


async def bad_task() -> None:
    async def register(name: int) -> int:
        return name

    async with running(overrides={{"tasks": {{"register": register}}}}):
        pass


def bad_typed_dict() -> ResourceOverrides:
    return ResourceOverrides(database=NotADatabase())
"""


@pytest.mark.timeout(300)
def test_overrides_are_type_checked_against_the_definitions_own_types(tmp_path: Path) -> None:
    package = _generate_into(tmp_path, "tests.fixtures.apps.overridable:app")
    consumer = tmp_path / "consumer.py"
    consumer.write_text(CONSUMER.format(package=package.name))
    result = _mypy(package, consumer)
    errors = [line for line in result.stdout.splitlines() if "consumer.py" in line]
    # The dict literals fail as a whole (the wrong database, the task taking an int); the
    # TypedDict form names the item and both types.
    assert [line.split(":")[1] for line in errors] == ["16", "24", "29"], result.stdout
    assert 'Argument "overrides" to "running" has incompatible type' in errors[0]
    assert 'Argument "overrides" to "running" has incompatible type' in errors[1]
    assert '"NotADatabase"' in errors[2]
    assert 'TypedDict item "database" has type "Database"' in errors[2]
