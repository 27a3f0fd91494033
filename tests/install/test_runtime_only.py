"""runner-gen-runtime alone runs generated apps and clients: no jinja2, libcst, click or mypy.

Fresh venvs get the runtime wheel (and, for HTTP, its ``serve`` extra), nothing else; examples'
definitions and generated packages are copied next to them, outside the repo.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.install.distributions import VirtualEnv, isolated_env
from tests.install.services import copy_example, read_line

pytestmark = [pytest.mark.install, pytest.mark.timeout(300)]

CLIENT_SCRIPT = Path(__file__).parent / "use_billing_client.py"

PROBE = """
import importlib.metadata as metadata, importlib.util as util
for name in ("jinja2", "libcst", "click", "mypy", "runner_gen.generator", "uvicorn", "httpx"):
    print(name, "installed" if util.find_spec(name) else "absent")
"""

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, runner_gen
for module in pkgutil.walk_packages(runner_gen.__path__, "runner_gen."):
    try:
        importlib.import_module(module.name)
    except ImportError as error:  # a missing extra: directly, or re-raised with advice
        cause = error if error.name else error.__cause__
        print(module.name, getattr(cause, "name", None), str(error).replace(chr(10), " "))
"""


@pytest.fixture(scope="module")
def quickstart_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example("quickstart", tmp_path_factory.mktemp("quickstart"))


@pytest.fixture(scope="module")
def distributed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example("distributed", tmp_path_factory.mktemp("distributed"))
    shutil.copy(CLIENT_SCRIPT, root)
    return root


def test_the_bare_runtime_has_no_build_tool_type_checker_or_server(
    runtime_venv: VirtualEnv, quickstart_dir: Path
) -> None:
    result = runtime_venv.run("python", "-c", PROBE, cwd=quickstart_dir)
    assert result.stdout.splitlines() == [
        "jinja2 absent",
        "libcst absent",
        "click absent",
        "mypy absent",
        "runner_gen.generator absent",
        "uvicorn absent",
        "httpx absent",
    ]
    assert not runtime_venv.script("runner-gen").exists()


def test_a_generated_app_runs_in_process_on_the_bare_runtime(
    runtime_venv: VirtualEnv, quickstart_dir: Path
) -> None:
    result = runtime_venv.run("python", "-m", "examples.quickstart", cwd=quickstart_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "registered Ada as user 1" in lines
    assert "users: 2" in lines
    assert "database open after dispose: False" in lines


def test_every_runtime_module_imports_or_names_its_missing_extra(
    runtime_venv: VirtualEnv, quickstart_dir: Path
) -> None:
    result = runtime_venv.run("python", "-c", IMPORT_EVERY_MODULE, cwd=quickstart_dir)
    assert result.returncode == 0, result.stderr
    missing = {line.split()[1].split(".")[0] for line in result.stdout.splitlines()}
    # The extras' packages, and nothing else: never jinja2, libcst or click.
    # pytest: only runner_gen.testing.pytest_plugin, for a project's own tests.
    assert missing == {
        "httpx",
        "uvicorn",
        "redis",
        "prometheus_client",
        "opentelemetry",
        "pytest",
    }, result.stdout
    assert "serving an exposure needs uvicorn: pip install" in result.stdout


def test_with_serve_click_comes_from_uvicorn_only(
    serve_venv: VirtualEnv, distributed_dir: Path
) -> None:
    result = serve_venv.run("python", "-c", PROBE, cwd=distributed_dir)
    assert result.stdout.splitlines() == [
        "jinja2 absent",
        "libcst absent",
        "click installed",
        "mypy absent",
        "runner_gen.generator absent",
        "uvicorn installed",
        "httpx installed",
    ]
    probe = "import importlib.metadata as m; print(m.requires('uvicorn'))"
    requires = serve_venv.run("python", "-c", probe, cwd=distributed_dir)
    assert "'click" in requires.stdout


def test_the_distributed_example_runs_on_the_runtime_alone(
    serve_venv: VirtualEnv, distributed_dir: Path
) -> None:
    result = serve_venv.run("python", "-m", "examples.distributed", cwd=distributed_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("billing listening at http://127.0.0.1:")
    assert "billing refused: unknown SKU 'lamp' (HTTP 404)" in lines
    assert lines[-1] == "billing stopped gracefully (exit code 0)"


def test_generated_clients_call_a_running_app(
    serve_venv: VirtualEnv, distributed_dir: Path
) -> None:
    with subprocess.Popen(
        [str(serve_venv.python), "-m", "examples.distributed.serve_billing"],
        cwd=distributed_dir,
        # The service reads its token from the environment only (it refuses to start without).
        env={**isolated_env(serve_venv), "BILLING_TOKEN": "dev-billing-token"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            url = read_line(server, time.monotonic() + 60)
            assert url.startswith("http://127.0.0.1:")
            result = serve_venv.run("python", CLIENT_SCRIPT.name, url, cwd=distributed_dir)
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "async quote: 2 x book = 2500",
        "async error: UnknownSku lamp 404",
        "sync payments: [('o-1', 2500)]",
        "sync error: UnknownSku lamp 404",
    ]
    assert code == 0


CLIENT_IMPORT_PROBE = """
import sys
import examples.distributed.billing_generated.client
print(sorted(name for name in sys.modules if name.split(".")[0] == "uvicorn")[:1])
print(sorted(name for name in sys.modules if name.endswith(("_generated.wiring", ".billing"))))
"""


def test_importing_a_generated_client_loads_neither_the_server_nor_its_definitions(
    serve_venv: VirtualEnv, distributed_dir: Path
) -> None:
    result = serve_venv.run("python", "-c", CLIENT_IMPORT_PROBE, cwd=distributed_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "[]"]
