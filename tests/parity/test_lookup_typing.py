"""The lookup methods are typed per id: mypy knows each id's input, result, payload, value and
config, and rejects an unknown id or a wrong input (Runner's RunResult API, typed better than
TypeScript's string overload, which returns ``Promise<any>``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runner_gen.generator.build import write
from tests.support.build import REPO, generate_files

SPEC = "tests.parity.apps.lookup_app:app"

WELL_TYPED = """
    from __future__ import annotations

    from typing import assert_type

    from runner_gen import EmitReport, Journal
    from tests.parity.apps.lookup_app import Counter, Label, Ping, acc, double_task, ping
    from {package}.wiring import App


    async def check(app: App) -> None:
        assert_type(await app.run_task("helpers.double", 21), int)
        assert_type(await app.run_task("rr.options.noInputTask"), str)
        assert_type(await app.run_task("rr.options.noInputTask", None, journal=Journal()), str)
        assert_type(await app.run_task("journal.outerTask", True), list[str] | None)
        assert_type(await app.emit_event("helpers.ping", Ping(n=1)), None)
        assert_type(await app.emit_event("helpers.ping", Ping(n=1), report=True), EmitReport)
        assert_type(await app.emit_event(ping, Ping(n=1), report=True), EmitReport)
        assert_type(app.get_resource_value("helpers.acc"), Counter)
        assert_type(app.get_resource_value("helpers.app"), str)
        assert_type(app.get_resource_value(acc), Counter)
        assert_type(app.get_resource_config("helpers.acc"), Label)
        assert_type(app.get_resource_config(acc), Label)
        assert_type(await app.run_task(double_task, 21), int)
"""

MISTYPED = """
    from __future__ import annotations

    from tests.parity.apps.lookup_app import Ping
    from {package}.wiring import App


    async def check(app: App) -> None:
        await app.run_task("helpers.nope", 1)
        await app.run_task("helpers.double", "21")
        await app.emit_event("helpers.ping", 3)
        app.get_resource_value("helpers.double")
        await app.emit_event("helpers.ping", Ping(n=1), report=False, journal=None)
"""


def _mypy(root: Path, module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "-m", module],
        cwd=REPO,
        env={**os.environ, "MYPYPATH": f"{root}{os.pathsep}{REPO}"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("lookup_typing")
    output = generate_files(SPEC)
    output.package_dir = root / output.spec.package
    write([output])
    return root, output.spec.package


@pytest.mark.timeout(300)
def test_lookup_methods_have_each_ids_types(generated: tuple[Path, str]) -> None:
    root, package = generated
    (root / "lookup_well_typed.py").write_text(textwrap.dedent(WELL_TYPED).format(package=package))
    result = _mypy(root, "lookup_well_typed")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(300)
def test_an_unknown_id_or_a_wrong_input_is_a_type_error(generated: tuple[Path, str]) -> None:
    root, package = generated
    (root / "lookup_mistyped.py").write_text(textwrap.dedent(MISTYPED).format(package=package))
    result = _mypy(root, "lookup_mistyped")
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    # One error per bad call, each on its own line (9 to 13 of the module).
    assert sorted({int(line.split(":")[1]) for line in errors}) == [9, 10, 11, 12, 13], errors
    assert all(line.endswith("[call-overload]") for line in errors), errors
    assert 'No overload variant of "run_task" of "App" matches argument types "str", "int"' in (
        result.stdout
    )
