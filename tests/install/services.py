"""Examples copied out of the repo, and the billing service started from one of them."""

from __future__ import annotations

import select
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.install.distributions import REPO, VirtualEnv, isolated_env


def copy_example(name: str, root: Path) -> Path:
    (root / "examples").mkdir(exist_ok=True)
    shutil.copy(REPO / "examples" / "__init__.py", root / "examples")
    shutil.copytree(
        REPO / "examples" / name,
        root / "examples" / name,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return root


def read_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            return process.stdout.readline().strip()
        assert process.poll() is None, "the billing service exited before it listened"
    raise AssertionError("the billing service did not print its URL in time")


@contextmanager
def running_billing(venv: VirtualEnv, example_root: Path, token: str) -> Iterator[str]:
    """The billing service of examples/distributed in its own process; yields its URL, then
    stops it with SIGTERM and asserts it exited cleanly."""
    with subprocess.Popen(
        [str(venv.python), "-m", "examples.distributed.serve_billing"],
        cwd=example_root,
        # The service reads its token from the environment only (it refuses to start without).
        env={**isolated_env(venv), "BILLING_TOKEN": token},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            url = read_line(server, time.monotonic() + 60)
            assert url.startswith("http://127.0.0.1:")
            yield url
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
        assert code == 0
