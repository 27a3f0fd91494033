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


def _write_big_app(root: Path, tasks: int) -> None:
    """An app with ``tasks`` tasks of distinct types: too many to type each id."""
    package = root / "bigids"
    package.mkdir()
    (package / "__init__.py").write_text("")
    lines = ["from runner_gen import r", ""]
    for index in range(tasks):
        lines += [
            f"class In{index}:",
            "    pass",
            "",
            f"async def run_{index}(value: In{index}) -> int:",
            f"    return {index}",
            "",
            f'task_{index} = r.task("big.t{index}").run(run_{index}).build()',
        ]
    registered = ", ".join(f"task_{index}" for index in range(tasks))
    lines.append(f'app = r.resource("big").register({registered}).build()')
    (package / "defs.py").write_text("\n".join(lines) + "\n")


@pytest.mark.timeout(300)
def test_beyond_the_budget_ids_are_still_checked_but_untyped(tmp_path: Path) -> None:
    """With more ids of distinct types than mypy can compare cheaply (``OVERLAP_BUDGET``), one
    overload takes any of them: an unknown id is still a type error; the definition form keeps
    its types."""
    from runner_gen.generator.build import generate
    from runner_gen.generator.config import AppSpec

    _write_big_app(tmp_path, 120)
    [output] = generate(tmp_path, [AppSpec("bigids.defs:app", "bigids.generated")])
    write([output])
    wiring_text = (tmp_path / "bigids" / "generated" / "wiring.py").read_text()
    assert wiring_text.count("def run_task(") == 4  # one for every id, two definition forms, impl
    (tmp_path / "big_check.py").write_text(
        textwrap.dedent(
            """
            from typing import Any, assert_type

            from bigids.defs import In3, task_3
            from bigids.generated.wiring import App


            async def check(app: App) -> None:
                assert_type(await app.run_task("big.t3", In3()), Any)
                assert_type(await app.run_task(task_3, In3()), int)
                await app.run_task("big.nope", In3())
            """
        )
    )
    result = _mypy(tmp_path, "big_check")
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert "big_check.py:11:" in errors[0]
    assert 'No overload variant of "run_task"' in errors[0]
