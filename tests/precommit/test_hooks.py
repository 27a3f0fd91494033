"""The shipped pre-commit hooks, run by the real `pre-commit` in a temporary git repository of a
project whose definitions import a third-party package (httpx): the hooks run in the project's
environment, pass while generated code is current, and fail with the diff when a definition
changes.

`language: system` hooks create no environment; the one thing cached across tests is the clone
of this repository that the remote-repo form makes (a session-wide PRE_COMMIT_HOME).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.build import REPO

VENV_BIN = Path(sys.executable).parent
# A PATH without the project's virtualenv: what a commit from an IDE or a fresh shell sees.
BARE_PATH = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin") if Path(p).is_dir())
ACTIVATED_PATH = os.pathsep.join([str(VENV_BIN), BARE_PATH])

DEFINITIONS = """
import httpx

from runner_gen import r


async def open_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="http://127.0.0.1:9")


async def close_client(client: httpx.AsyncClient) -> None:
    await client.aclose()


async def ping(input: str, *, client: httpx.AsyncClient) -> str:
    return f"{client.base_url}{input}"


client = r.resource("shop.http").init(open_client).dispose(close_client).build()
ping_task = r.task("shop.tasks.ping").dependencies(client=client).run(ping).build()
app = r.resource("shop").register(client, ping_task).build()
"""

# A change a developer makes: one more task. The generated wiring must follow.
ANOTHER_TASK = """

async def pong(input: str) -> str:
    return input


pong_task = r.task("shop.tasks.pong").run(pong).build()
app = r.resource("shop").register(client, ping_task, pong_task).build()
"""

LOCAL_CONFIG = """
repos:
  - repo: local
    hooks:
      - id: runner-gen-check
        name: runner-gen build --check
        entry: {entry}
        language: system
        pass_filenames: false
        always_run: true
"""

REMOTE_CONFIG = """
repos:
  - repo: {url}
    rev: {rev}
    hooks:
      - id: {hook}
"""


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def git(project: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return completed.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A committed project with current generated code."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "definitions.py").write_text(textwrap.dedent(DEFINITIONS))
    (tmp_path / "pyproject.toml").write_text(
        "[tool.runner-gen]\n"
        'apps = [{ root = "shop.definitions:app", package = "shop.generated" }]\n'
    )
    (tmp_path / ".gitignore").write_text(".venv\n__pycache__/\n")
    built = subprocess.run(
        [str(VENV_BIN / "runner-gen"), "build"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def configure(project: Path, config: str) -> None:
    (project / ".pre-commit-config.yaml").write_text(textwrap.dedent(config))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "project")


def pre_commit(project: Path, home: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    }
    env.update(PATH=path, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run(
        [str(VENV_BIN / "pre-commit"), "run", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )


def change_a_definition(project: Path) -> None:
    definitions = project / "shop" / "definitions.py"
    definitions.write_text(definitions.read_text() + ANOTHER_TASK)


def assert_fails_as_stale(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "runner-gen build --check" in output
    assert "Failed" in output
    assert "+++ shop/generated/wiring.py (would be generated)" in output
    assert "+    pong: Callable[[str], Awaitable[str]]  # shop.tasks.pong" in output
    assert "runner-gen: generated code is stale; run `runner-gen build` to update it" in output


def assert_passes(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "runner-gen build --check" in output
    assert "Passed" in output


@pytest.mark.timeout(300)
def test_local_system_hook_runs_in_the_active_environment(
    project: Path, pre_commit_home: Path
) -> None:
    configure(project, LOCAL_CONFIG.format(entry="runner-gen build --check"))
    assert_passes(pre_commit(project, pre_commit_home, ACTIVATED_PATH))
    change_a_definition(project)
    assert_fails_as_stale(pre_commit(project, pre_commit_home, ACTIVATED_PATH))
    # language: system builds nothing: no environment was created for the hook.
    assert not [p for p in pre_commit_home.rglob("*") if p.name.startswith("py_env-")]


def readme_recipe() -> str:
    """The README's recommended .pre-commit-config.yaml (its Pre-commit section's first block)."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Pre-commit\n")[1]
    return section.split("```yaml\n")[1].split("```")[0]


@pytest.mark.timeout(300)
def test_the_readme_recipe_needs_no_activated_venv(project: Path, pre_commit_home: Path) -> None:
    # The project's venv at .venv (here: the one running these tests).
    (project / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    recipe = readme_recipe()
    assert "entry: .venv/bin/runner-gen build --check" in recipe
    configure(project, recipe)
    assert_passes(pre_commit(project, pre_commit_home, BARE_PATH))
    change_a_definition(project)
    assert_fails_as_stale(pre_commit(project, pre_commit_home, BARE_PATH))


@pytest.mark.timeout(300)
def test_without_the_environment_on_path_pre_commit_says_what_is_missing(
    project: Path, pre_commit_home: Path
) -> None:
    if shutil.which("runner-gen", path=BARE_PATH):  # pragma: no cover - a global install
        pytest.skip("runner-gen is installed outside the virtualenv on this machine")
    configure(project, LOCAL_CONFIG.format(entry="runner-gen build --check"))
    result = pre_commit(project, pre_commit_home, BARE_PATH)
    assert result.returncode == 1
    assert "Executable `runner-gen` not found" in result.stdout + result.stderr


@pytest.mark.timeout(300)
def test_a_package_missing_from_the_environment_is_named_as_the_cause(
    project: Path, pre_commit_home: Path
) -> None:
    definitions = project / "shop" / "definitions.py"
    definitions.write_text("import shop_vendor_sdk  # not installed\n" + definitions.read_text())
    configure(project, LOCAL_CONFIG.format(entry="runner-gen build --check"))
    result = pre_commit(project, pre_commit_home, ACTIVATED_PATH)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "shop/definitions.py:1: error[import_failed]: importing 'shop.definitions' failed:" in (
        output
    )
    assert "ModuleNotFoundError: No module named 'shop_vendor_sdk'" in output
    advice = "fix: 'shop_vendor_sdk' is not installed in the environment running runner-gen ("
    assert advice in output
    assert output.split(advice)[1].startswith(str(VENV_BIN))  # the interpreter that ran it
    assert "use the `language: system` hooks" in output
    assert "Fix the error above in your definition module" not in output


def _this_repository_at_head() -> str:
    """The commit the remote-repo form pins; the hooks file it holds is the one under test."""
    if not (REPO / ".git").exists():  # pragma: no cover - a source tree without git
        pytest.skip("this checkout is not a git repository")
    head = git(REPO, "rev-parse", "HEAD").strip()
    committed = git(REPO, "show", "HEAD:.pre-commit-hooks.yaml")
    assert committed == (REPO / ".pre-commit-hooks.yaml").read_text(), (
        "commit .pre-commit-hooks.yaml: pre-commit reads it from the pinned commit"
    )
    return head


@pytest.mark.timeout(300)
def test_remote_repo_form_by_commit_sha(project: Path, pre_commit_home: Path) -> None:
    rev = _this_repository_at_head()
    config = REMOTE_CONFIG.format(url=REPO.as_uri(), rev=rev, hook="runner-gen-check")
    configure(project, config)
    assert_passes(pre_commit(project, pre_commit_home, ACTIVATED_PATH))
    change_a_definition(project)
    assert_fails_as_stale(pre_commit(project, pre_commit_home, ACTIVATED_PATH))


@pytest.mark.timeout(300)
def test_remote_build_hook_regenerates_and_fails_the_commit_once(
    project: Path, pre_commit_home: Path
) -> None:
    rev = _this_repository_at_head()
    configure(project, REMOTE_CONFIG.format(url=REPO.as_uri(), rev=rev, hook="runner-gen-build"))
    change_a_definition(project)
    first = pre_commit(project, pre_commit_home, ACTIVATED_PATH)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert "wrote shop/generated/wiring.py" in first.stdout
    assert (
        "pong: Callable[[str], Awaitable[str]]"
        in (project / "shop" / "generated" / "wiring.py").read_text()
    )
    git(project, "add", "-A")
    second = pre_commit(project, pre_commit_home, ACTIVATED_PATH)
    assert second.returncode == 0, second.stdout + second.stderr
