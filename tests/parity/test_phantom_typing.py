"""The generated method of a phantom task without schemas is typed as Runner types it.

Runner file (tag 5.5.0): src/__tests__/definers/phantom.task.builder.test.ts: a phantom task
is ``ITask<undefined, any>`` until its schemas narrow it. The builder's type is checked in
test_typing.py; this checks what the generator makes of it: ``app.tasks.bare()`` takes no
input and returns ``Any`` (it returned ``None`` before), checked by mypy on the generated app.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from runner_gen.generator.build import write
from tests.parity.test_lookup_typing import _mypy
from tests.support.build import generate_files

CHECK = """
    from __future__ import annotations

    from typing import Any, assert_type

    from {package}.wiring import App


    async def check(app: App) -> None:
        assert_type(await app.tasks.bare(), Any)
        assert_type(await app.run_task("remote.tasks.bare"), Any)
        await app.tasks.bare(1)
"""


@pytest.mark.timeout(300)
def test_a_bare_phantom_task_takes_no_input_and_returns_any(tmp_path: Path) -> None:
    output = generate_files("tests.parity.apps.bare_phantom:app")
    output.package_dir = tmp_path / output.spec.package
    write([output])
    (tmp_path / "phantom_check.py").write_text(
        textwrap.dedent(CHECK).format(package=output.spec.package)
    )
    result = _mypy(tmp_path, "phantom_check")
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    # Only the call with an input is refused (line 12): the result is Any, not None.
    assert [int(line.split(":")[1]) for line in errors] == [12], result.stdout + result.stderr
    assert "Too many arguments" in errors[0]
