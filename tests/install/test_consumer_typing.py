"""A user's project, outside the repo, type-checked against the installed wheels.

The project (consumer_project/) uses ``r``, ``globals``, ``Emit``, ``Emission``, ``Logger``, a
typed error whose ``throw()`` must be ``NoReturn`` and a custom middleware. The installed
``runner-gen`` generates its package, mypy --strict passes on all of it, and a deliberate misuse
is reported: none of that works unless the wheels ship ``py.typed`` and the templates.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.install.distributions import REPO, VirtualEnv

pytestmark = [pytest.mark.install, pytest.mark.timeout(600)]

PROJECT = Path(__file__).parent / "consumer_project"

MISUSE = """\
from orders_app.definitions import out_of_stock
from orders_app.generated import running
from orders_app.models import NewOrder, Order
from runner_gen import Emit


async def misuse(emit: Emit[Order]) -> None:
    async with running() as app:
        await app.tasks.place("book")
    await emit(NewOrder(sku="pen", quantity=1))
    out_of_stock.throw(NewOrder(sku="pen", quantity=1))
"""


@pytest.fixture(scope="module")
def project(full_venv: VirtualEnv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consumer") / "orders-app"
    shutil.copytree(PROJECT, root)
    assert not root.is_relative_to(REPO)
    built = full_venv.run("runner-gen", "build", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    return root


def test_the_installed_cli_generates_the_users_package(
    full_venv: VirtualEnv, project: Path
) -> None:
    generated = project / "orders_app" / "generated"
    assert {path.name for path in generated.iterdir()} >= {"__init__.py", "wiring.py", "py.typed"}
    check = full_venv.run("runner-gen", "build", "--check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "up to date" in check.stdout


def test_runner_gen_resolves_to_the_installed_package(full_venv: VirtualEnv, project: Path) -> None:
    probe = "import runner_gen.generator; print(runner_gen.generator.__file__)"
    where = full_venv.run("python", "-c", probe, cwd=project)
    assert Path(where.stdout.strip()).is_relative_to(full_venv.root / "lib")


def test_mypy_strict_passes_on_the_users_project(full_venv: VirtualEnv, project: Path) -> None:
    result = full_venv.run("mypy", "orders_app", cwd=project, timeout=540)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
    assert "import-untyped" not in result.stdout


def test_mypy_reports_a_deliberate_misuse(full_venv: VirtualEnv, project: Path) -> None:
    misuse = project / "orders_app" / "misuse.py"
    misuse.write_text(MISUSE)
    try:
        result = full_venv.run("mypy", "orders_app", cwd=project, timeout=540)
    finally:
        misuse.unlink()
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert errors == [
        'orders_app/misuse.py:9: error: Argument 1 has incompatible type "str"; '
        'expected "NewOrder"  [arg-type]',
        'orders_app/misuse.py:10: error: Argument 1 to "__call__" of "Emitter" has '
        'incompatible type "NewOrder"; expected "Order"  [arg-type]',
        'orders_app/misuse.py:11: error: Argument 1 to "throw" of "ErrorDefinition" has '
        'incompatible type "NewOrder"; expected "OutOfStock"  [arg-type]',
    ]


def test_the_users_app_runs_on_the_installed_runtime(full_venv: VirtualEnv, project: Path) -> None:
    result = full_venv.run("python", "-m", "orders_app", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "placed 2 x book for 2500" in lines
    assert "refused: only 1 x book left (1 left)" in lines
