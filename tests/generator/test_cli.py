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
    assert "-    # demo.tasks.put" in stale.stdout
    assert "+    # demo.tasks.store" in stale.stdout
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


# -- the no-op check: answered from the manifests, importing nothing heavy ----------------------

HEAVY = ("click", "libcst", "jinja2", "pydantic", "runner_gen.generator.plan")


def _imported(stderr: str) -> set[str]:
    """Module names from `python -X importtime` output."""
    return {
        line.rpartition("|")[2].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize(
    "where",
    [[], ["--project", "PROJECT"], ["--project=PROJECT"]],
    ids=["cwd", "project-option", "project-equals"],
)
def test_a_current_check_imports_neither_click_nor_the_generator(
    project: Path, tmp_path_factory: pytest.TempPathFactory, where: list[str]
) -> None:
    assert cli(project, "build").returncode == 0
    elsewhere = tmp_path_factory.mktemp("elsewhere") if where else project
    options = [option.replace("PROJECT", str(project)) for option in where]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "runner_gen.cli", "build", "--check", *options],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "runner-gen: generated code is up to date\n"
    imported = _imported(result.stderr)
    assert "runner_gen.generator.manifest" in imported  # the fast path really ran
    assert not {name for name in imported if name.split(".")[0] in HEAVY or name in HEAVY}


def test_a_stale_check_still_reports_through_the_full_command(project: Path) -> None:
    assert cli(project, "build").returncode == 0
    (project / "demoapp" / "definitions.py").write_text(
        (project / "demoapp" / "definitions.py").read_text().replace("demo.store", "demo.kv")
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "runner_gen.cli", "build", "--check"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "+    # demo.kv" in result.stdout
    assert "click" in _imported(result.stderr)


def test_a_check_without_config_is_the_usual_clear_error(tmp_path: Path) -> None:
    result = cli(tmp_path, "build", "--check")
    assert result.returncode == 1
    assert "no pyproject.toml" in result.stderr
    assert result.stdout == ""


def test_options_the_fast_path_does_not_know_go_to_click(project: Path) -> None:
    assert cli(project, "build").returncode == 0
    version = cli(project, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("runner-gen, version ")
    unknown = cli(project, "build", "--check", "--bogus")
    assert unknown.returncode == 2
    assert "No such option '--bogus'" in unknown.stderr
    named = cli(project, "build", "--check", "demoapp.definitions:app")
    assert named.returncode == 0
    assert "up to date" in named.stdout


@pytest.mark.parametrize(
    ("args", "project"),
    [
        (["build", "--check"], "."),
        (["build", "--check", "--project", "p"], "p"),
        (["build", "--project=p", "--check"], "p"),
        (["build", "--project", "a", "--check", "--project", "b"], "b"),
        (["build"], None),
        (["build", "--check", "--project"], None),
        (["build", "--check", "--project="], None),
        (["build", "--check", "pkg.defs:app"], None),
        (["build", "--check", "--package", "x"], None),
        (["build", "--check", "--help"], None),
        (["graph", "--check"], None),
        ([], None),
    ],
)
def test_the_fast_path_takes_only_a_plain_check(args: list[str], project: str | None) -> None:
    from runner_gen.cli import _checked_project

    assert _checked_project(args) == (None if project is None else Path(project))


def test_a_changed_build_option_makes_the_check_stale(project: Path) -> None:
    """The no-op check answers from the manifest: it must notice an option that changes the
    output without changing any definition (init_mode here; openapi likewise)."""
    definitions = project / "demoapp" / "definitions.py"
    second = 'other = r.resource("demo.other").init(open_store).build()\n'
    text = definitions.read_text().replace("app = ", second + "app = ")
    definitions.write_text(text.replace("register(store,", "register(store, other,"))
    assert cli(project, "build").returncode == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'package = "demoapp.generated"', 'package = "demoapp.generated", init_mode = "parallel"'
        )
    )
    stale = cli(project, "build", "--check")
    assert stale.returncode == 1
    assert "generated code is stale" in stale.stderr
    assert cli(project, "build").returncode == 0
    assert cli(project, "build", "--check").returncode == 0
    manifest = (project / "demoapp" / "generated" / ".runner-gen.json").read_text()
    assert '"init_mode": "parallel"' in manifest


def test_an_unknown_init_mode_is_a_clear_error(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'package = "demoapp.generated"', 'package = "demoapp.generated", init_mode = "fast"'
        )
    )
    result = cli(project, "build")
    assert result.returncode == 1
    assert "init_mode must be one of sequential, parallel, got 'fast'" in result.stderr
    assert not (project / "demoapp" / "generated").exists()
