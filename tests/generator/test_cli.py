"""The CLI on a real (temporary) project: build, no-op build, --check and graph."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DEFINITIONS = """
from runner_gen import r


async def open_store() -> dict[str, int]:
    return {}


async def put(input: str, *, store: dict[str, int]) -> int:
    store[input] = len(input)
    return len(store)


store = r.resource("demo.store").init(open_store).build()
put_task = r.task("demo.tasks.put").dependencies(store=store).run(put).build()
app = r.resource("demo").register(store, put_task).build()
"""

PYPROJECT = """
[tool.runner-gen]
apps = [{ root = "demoapp.definitions:app", package = "demoapp.generated" }]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "demoapp").mkdir()
    (tmp_path / "demoapp" / "__init__.py").write_text("")
    (tmp_path / "demoapp" / "definitions.py").write_text(textwrap.dedent(DEFINITIONS))
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    return tmp_path


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner_gen.cli", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_build_writes_the_package_and_a_second_build_does_nothing(project: Path) -> None:
    first = cli(project, "build")
    assert first.returncode == 0, first.stderr
    generated = project / "demoapp" / "generated"
    assert {p.name for p in generated.iterdir()} >= {"__init__.py", "wiring.py", "py.typed"}
    second = cli(project, "build")
    assert second.returncode == 0
    assert "nothing to do" in second.stdout


def test_the_generated_app_runs(project: Path) -> None:
    assert cli(project, "build").returncode == 0
    script = (
        "import asyncio\n"
        "from demoapp.generated import running\n"
        "async def go():\n"
        "    async with running() as app:\n"
        "        print(await app.tasks.put('ab'), await app.tasks.put('cde'))\n"
        "asyncio.run(go())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "1 2"


def test_check_passes_when_current_and_fails_with_a_diff_when_stale(project: Path) -> None:
    assert cli(project, "build").returncode == 0
    current = cli(project, "build", "--check")
    assert current.returncode == 0
    assert "up to date" in current.stdout

    wiring = project / "demoapp" / "generated" / "wiring.py"
    before = wiring.read_text()
    definitions = project / "demoapp" / "definitions.py"
    definitions.write_text(definitions.read_text().replace("demo.tasks.put", "demo.tasks.store"))
    stale = cli(project, "build", "--check")
    assert stale.returncode == 1
    assert "-        # demo.tasks.put" in stale.stdout
    assert "+        # demo.tasks.store" in stale.stdout
    assert "run `runner-gen build`" in stale.stderr
    assert wiring.read_text() == before  # --check writes nothing


def test_check_notices_a_hand_edited_generated_file(project: Path) -> None:
    assert cli(project, "build").returncode == 0
    wiring = project / "demoapp" / "generated" / "wiring.py"
    wiring.write_text(wiring.read_text() + "\n# edited by hand\n")
    result = cli(project, "build", "--check")
    assert result.returncode == 1
    assert "-# edited by hand" in result.stdout


def test_check_fails_when_the_package_was_never_built(project: Path) -> None:
    result = cli(project, "build", "--check")
    assert result.returncode == 1
    assert "is missing" in result.stdout


def test_a_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = cli(tmp_path, "build")
    assert result.returncode == 1
    assert "no pyproject.toml" in result.stderr


def test_graph_prints_mermaid_in_init_order(project: Path) -> None:
    result = cli(project, "graph")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "graph TD" in lines
    assert any("1. demo.store" in line for line in lines)
    assert any("2. demo.tasks.put" in line for line in lines)
    assert any("3. demo<br/>" in line for line in lines)
    assert "    n1 --> n0" in lines  # the task needs the store


def test_graph_of_a_bad_app_reports_the_error(project: Path) -> None:
    (project / "demoapp" / "definitions.py").write_text("raise RuntimeError('broken')\n")
    result = cli(project, "graph")
    assert result.returncode == 1
    assert "RuntimeError: broken" in result.stderr
