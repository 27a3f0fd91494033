"""The generated client package: the committed billing package is exactly what the build makes
(golden files), and generated packages pass mypy --strict as top-level packages of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner_gen.generator.build import generate
from runner_gen.generator.config import read_apps
from tests.client_package.support import API, REPO, write_client_package

BILLING = REPO / "examples" / "distributed" / "billing_client"


def test_the_committed_billing_client_is_what_the_build_generates() -> None:
    [spec] = [spec for spec in read_apps(REPO) if spec.root == "examples.distributed.billing:app"]
    [output] = generate(REPO, [spec])
    on_disk = {
        path.relative_to(BILLING).as_posix()
        for path in BILLING.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert on_disk == {
        "pyproject.toml",
        "billing_client/__init__.py",
        "billing_client/client.py",
        "billing_client/py.typed",
        "billing_client/types.py",
    }
    assert {path.relative_to(BILLING).as_posix() for path in output.client_files} == on_disk
    for path, text in output.client_files.items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run runner-gen build"
    assert output.manifest.client_outputs.keys() == {
        f"examples/distributed/billing_client/{name}" for name in on_disk
    }


def test_the_billing_client_copies_its_types_and_imports_them_from_itself() -> None:
    types = (BILLING / "billing_client" / "types.py").read_text()
    client = (BILLING / "billing_client" / "client.py").read_text()
    pyproject = (BILLING / "pyproject.toml").read_text()
    for definition in ("class QuoteRequest(", "class Quote(", "class Payment(", "unknown_sku = ("):
        assert definition in types
    assert "class Receipt(" not in types  # shop's type: not in billing's API
    imports = [
        line for line in (types + client).splitlines() if line.startswith(("from", "import"))
    ]
    assert imports
    assert not [line for line in imports if "examples" in line]
    assert "from .types import Payment, Quote, QuoteRequest, unknown_sku" in client
    assert '"billing.errors.unknown_sku": unknown_sku.from_remote,' in client
    assert 'dependencies = [\n  "runner-gen-runtime[serve]==0.1.0",\n  "pydantic>=2.7",\n]' in (
        pyproject
    )
    assert 'packages = ["billing_client"]' in pyproject


@pytest.mark.timeout(300)
def test_generated_client_packages_pass_mypy_strict_on_their_own(tmp_path: Path) -> None:
    write_client_package(API, "storefront_client", tmp_path)
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-incremental",
            "--config-file", os.devnull,
            "-p", "storefront_client", "-p", "billing_client",
        ],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": f"{tmp_path}{os.pathsep}{BILLING}"},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 6 source files" in result.stdout


def test_the_requirements_are_the_runtime_pydantic_and_other_installed_packages() -> None:
    from runner_gen.generator.lower_client import requirements

    modules = {
        ".types",
        "json",
        "datetime",
        "pydantic",
        "typing_extensions",
        "hypothesis.strategies",
    }
    assert requirements(modules) == (
        "runner-gen-runtime[serve]==0.1.0",
        "pydantic>=2.7",
        "hypothesis",
    )
