"""A TypeScript client typed from the billing document: openapi-typescript (pinned in
node/package-lock.json) generates the types, and ``tsc --strict`` accepts node/usage.ts, whose
``@ts-expect-error`` lines must each be an error. Without node or npm, or when the install fails,
the test skips outside CI and fails in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.build import REPO

NODE_DIR = Path(__file__).parent / "node"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message}; CI requires it", pytrace=False)
    pytest.skip(message)


def tools() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        unavailable("node and npm are needed to type-check TypeScript against the document")
    bin_dir = NODE_DIR / "node_modules" / ".bin"
    if not (bin_dir / "tsc").exists() or not (bin_dir / "openapi-typescript").exists():
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if installed.returncode != 0:
            unavailable(f"npm ci failed in {NODE_DIR}: {installed.stderr[-2000:]}")
    return bin_dir


@pytest.mark.service
def test_typescript_types_generated_from_the_document_check_a_client(tmp_path: Path) -> None:
    bin_dir = tools()
    document = REPO / "examples" / "distributed" / "billing.openapi.json"
    generated = subprocess.run(
        [str(bin_dir / "openapi-typescript"), str(document), "-o", str(tmp_path / "billing.ts")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    shutil.copy(NODE_DIR / "usage.ts", tmp_path / "usage.ts")
    flags = ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext"]
    checked = subprocess.run(
        [str(bin_dir / "tsc"), *flags, "usage.ts"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Without the expectations, each marked line is a type error: the types have teeth.
    usage = (NODE_DIR / "usage.ts").read_text(encoding="utf-8")
    marked = [line for line in usage.splitlines() if line.strip().startswith("// @ts-expect")]
    kept = [line for line in usage.splitlines() if line not in marked]
    (tmp_path / "usage.ts").write_text("\n".join(kept) + "\n", encoding="utf-8")
    unchecked = subprocess.run(
        [str(bin_dir / "tsc"), *flags, "usage.ts"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    errors = [line for line in unchecked.stdout.splitlines() if "error TS" in line]
    assert len(errors) == len(marked) == 3, unchecked.stdout
