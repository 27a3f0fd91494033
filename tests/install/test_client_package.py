"""A consumer with only the billing client package and the runtime: no server code, no
definitions, no generator. The client wheel is built from the committed package
(examples/distributed/billing_client) and installed non-editable, with runner-gen-runtime[serve],
into a fresh venv; the consumer project lives outside the repo, calls a running billing service
(its own process, from the example copied out of the repo) and is type-checked by mypy --strict.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from pathlib import Path

import pytest

from tests.install.distributions import (
    REPO,
    Distributions,
    VirtualEnv,
    checked,
    new_venv,
    pinned,
    wheel_files,
    wheel_metadata,
)
from tests.install.services import copy_example, running_billing

pytestmark = [pytest.mark.install, pytest.mark.timeout(600)]

CLIENT_PROJECT = REPO / "examples" / "distributed" / "billing_client"
CONSUMER = Path(__file__).parent / "billing_consumer"

MISUSE = """\
from billing_client import AsyncClient
from billing_client.types import Payment, QuoteRequest, unknown_sku


async def misuse(client: AsyncClient) -> None:
    quote = await client.quote(Payment(order_id="o-1", amount_cents=1))
    print(quote.total)
    unknown_sku.throw(QuoteRequest(sku="lamp", quantity=1))
"""


@pytest.fixture(scope="module")
def client_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("client-source") / "billing_client"
    shutil.copytree(CLIENT_PROJECT, source, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("client-dist")
    build = [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(out)]
    checked([*build, str(source)])
    [wheel] = out.glob("billing_client-*.whl")
    return wheel


@pytest.fixture(scope="module")
def consumer_venv(
    distributions: Distributions, client_wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> VirtualEnv:
    """What `pip install billing-client` gives a consumer (plus mypy to check its code)."""
    venv = new_venv(tmp_path_factory.mktemp("consumer-venv") / "venv")
    venv.install(f"{distributions.runtime_wheel}[serve]", str(client_wheel), pinned("mypy"))
    return venv


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consumer") / "billing-consumer"
    shutil.copytree(CONSUMER, root, ignore=shutil.ignore_patterns("__pycache__"))
    assert not root.is_relative_to(REPO)
    return root


@pytest.fixture(scope="module")
def billing_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example("distributed", tmp_path_factory.mktemp("billing-server"))


def test_the_client_wheel_holds_its_package_and_requires_only_the_runtime(
    client_wheel: Path,
) -> None:
    assert wheel_files(client_wheel) == {
        "billing_client/__init__.py",
        "billing_client/client.py",
        "billing_client/py.typed",
        "billing_client/types.py",
    }
    metadata = wheel_metadata(client_wheel)
    requires = sorted(line for line in metadata.splitlines() if line.startswith("Requires-Dist"))
    assert requires == [
        "Requires-Dist: pydantic>=2.7",
        "Requires-Dist: runner-gen-runtime[serve]==0.1.0",
    ]


PROBE = """
import importlib.util as util, sys
import billing_client, billing_client.client
for name in ("examples", "jinja2", "libcst", "runner_gen.generator", "httpx"):
    print(name, "installed" if util.find_spec(name) else "absent")
print(sorted(m for m in sys.modules if m.split(".")[0] in ("examples", "jinja2", "libcst")))
"""


def test_the_consumer_has_neither_the_server_nor_the_generator(
    consumer_venv: VirtualEnv, consumer: Path
) -> None:
    result = consumer_venv.run("python", "-c", PROBE, cwd=consumer)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "examples absent",
        "jinja2 absent",
        "libcst absent",
        "runner_gen.generator absent",
        "httpx installed",
        "[]",
    ]


def test_the_consumer_calls_a_running_server_async_and_sync(
    serve_venv: VirtualEnv, billing_example: Path, consumer_venv: VirtualEnv, consumer: Path
) -> None:
    token = secrets.token_urlsafe(16)
    with running_billing(serve_venv, billing_example, token) as url:
        result = consumer_venv.run("python", "use_billing.py", url, token, cwd=consumer)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "async quote: billing_client.types.Quote 2 x book = 2500",
        "async error: billing_client.types.UnknownSku lamp 404",
        "sync payments: [('billing_client.types.Payment', 'o-1', 2500)]",
        "sync error: UnknownSku \"unknown SKU 'lamp'\"",
    ]


def test_a_wrong_token_is_the_runtimes_typed_refusal(
    serve_venv: VirtualEnv, billing_example: Path, consumer_venv: VirtualEnv, consumer: Path
) -> None:
    with running_billing(serve_venv, billing_example, secrets.token_urlsafe(16)) as url:
        result = consumer_venv.run("python", "use_billing.py", url, "wrong-token", cwd=consumer)
    assert result.returncode == 1
    assert result.stdout == ""
    [last] = result.stderr.strip().splitlines()[-1:]
    assert last.startswith("runner_gen.runtime.client.errors.RemoteError: ")
    assert "401" in last


def test_mypy_strict_passes_on_the_consumer(consumer_venv: VirtualEnv, consumer: Path) -> None:
    result = consumer_venv.run("mypy", "use_billing.py", cwd=consumer, timeout=540)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 1 source file" in result.stdout


def test_mypy_reports_a_deliberate_misuse_of_the_client(
    consumer_venv: VirtualEnv, consumer: Path
) -> None:
    (consumer / "misuse.py").write_text(MISUSE)
    try:
        result = consumer_venv.run("mypy", "misuse.py", cwd=consumer, timeout=540)
    finally:
        (consumer / "misuse.py").unlink()
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert errors == [
        'misuse.py:6: error: Argument 1 to "quote" of "AsyncClient" has incompatible type '
        '"Payment"; expected "QuoteRequest"  [arg-type]',
        'misuse.py:7: error: "Quote" has no attribute "total"  [attr-defined]',
        'misuse.py:8: error: Argument 1 to "throw" of "ErrorDefinition" has incompatible type '
        '"QuoteRequest"; expected "UnknownSku"  [arg-type]',
    ]
