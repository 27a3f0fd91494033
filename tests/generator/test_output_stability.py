"""Generated output depends on what the definitions mean, not on where their text sits; and
it is written like any other file of the project."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

DEFINITIONS = '''
"""A small app."""

from runner_gen import r


async def open_db() -> dict[str, int]:
    return {"rows": 1}


db = r.resource("stab.db").init(open_db).build()


async def count(*, db: dict[str, int]) -> int:
    return db["rows"]


count_task = r.task("stab.tasks.count").dependencies(db=db).run(count).build()
app = r.resource("stab").register(db, count_task).build()
'''

PYPROJECT = """
[tool.runner-gen]
apps = [{ root = "stabapp.definitions:app", package = "stabapp.generated" }]
"""


def _project(root: Path, definitions: str) -> Path:
    package = root / "stabapp"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "definitions.py").write_text(definitions)
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def _build(root: Path, *, umask: int | None = None) -> dict[str, str]:
    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    result = subprocess.run(
        [sys.executable, "-m", "runner_gen.cli", "build", "--project", str(root)],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=set_umask,
    )
    assert result.returncode == 0, result.stderr
    generated = root / "stabapp" / "generated"
    return {path.name: path.read_text() for path in sorted(generated.glob("*.py"))}


def test_moving_definitions_and_editing_comments_or_bodies_changes_nothing(
    tmp_path: Path,
) -> None:
    before = _build(_project(tmp_path / "a", DEFINITIONS))
    edited = (
        DEFINITIONS.replace('"""A small app."""', '"""A small app.\n\nWith a longer docstring."""')
        .replace("async def open_db", "# a comment\n# and another\n\n\nasync def open_db")
        .replace('return db["rows"]', 'rows = db["rows"]  # a new body\n    return rows')
    )
    # Move the task's definition above the resource's (registration order is unchanged).
    task_lines = 'count_task = r.task("stab.tasks.count").dependencies(db=db).run(count).build()\n'
    edited = edited.replace(task_lines, "")
    edited = edited.replace("app = r.resource", task_lines + "app = r.resource")
    after = _build(_project(tmp_path / "b", edited))
    assert after == before
    assert "definitions.py:" not in before["wiring.py"]  # no line numbers anywhere


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664)])
def test_generated_files_get_the_umask_mode(tmp_path: Path, umask: int, mode: int) -> None:
    root = _project(tmp_path, DEFINITIONS)
    _build(root, umask=umask)
    for path in (root / "stabapp" / "generated").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == mode, path.name
