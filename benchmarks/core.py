"""Core benchmarks (issue 2): task call overhead, start/dispose of 1,000 resources, build time.

Run: .venv/bin/python -m benchmarks.core
"""

from __future__ import annotations

import asyncio
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._generated import build
from benchmarks._harness import Ratio, compare_async, report

RESOURCES = 1_000


def task_call() -> list[Ratio]:
    from benchmarks.apps.call import Db, echo

    wiring = build("benchmarks.apps.call:app", "bench_call_generated")
    app = asyncio.run(wiring.start())
    db = Db()
    through_wiring = app.tasks.echo
    through_middleware = app.tasks.wrapped
    direct = compare_async(
        "task call via generated wiring vs direct await",
        lambda: through_wiring(1),
        lambda: echo(1, db=db),
        "<= 1.5",
    )
    three = compare_async(
        "task with 3 no-op custom middleware vs direct await",
        lambda: through_middleware(1),
        lambda: echo(1, db=db),
        "<= 3",
    )
    return [direct, three]


def _write_big_project(root: Path) -> None:
    package = root / "bigapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    lines = ["from runner_gen import r", ""]
    hand = ["import asyncio", "from bigapp.definitions import *  # noqa: F403", "", ""]
    hand.append("async def start_and_dispose() -> None:")
    for index in range(RESOURCES):
        needs = "*, dep: int" if index else ""
        lines += [
            f"async def open_{index}({needs}) -> int:",
            f"    return {index}",
            "",
            f"async def close_{index}(value: int) -> None:",
            "    return None",
            "",
        ]
        deps = f".dependencies(dep=r{index - 1})" if index else ""
        lines.append(
            f'r{index} = r.resource("big.r{index}"){deps}.init(open_{index})'
            f".dispose(close_{index}).build()"
        )
        call = f"open_{index}(dep=v{index - 1})" if index else f"open_{index}()"
        hand.append(f"    v{index} = await {call}")
    for index in reversed(range(RESOURCES)):
        hand.append(f"    await close_{index}(v{index})")
    registered = ", ".join(f"r{index}" for index in range(RESOURCES))
    lines.append(f'app = r.resource("big").register({registered}).build()')
    (package / "definitions.py").write_text("\n".join(lines) + "\n")
    (package / "handwritten.py").write_text("\n".join(hand) + "\n")
    (root / "pyproject.toml").write_text(
        '[tool.runner-gen]\napps = [{ root = "bigapp.definitions:app", '
        'package = "bigapp.generated" }]\n'
    )


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def big_app() -> list[str | Ratio]:
    root = Path(tempfile.mkdtemp(prefix="runner-gen-big-"))
    try:
        _write_big_project(root)
        cli = [sys.executable, "-m", "runner_gen.cli", "build"]
        build_seconds = _timed(cli, root)
        check_seconds = min(_timed([*cli, "--check"], root) for _ in range(5))
        sys.path.insert(0, str(root))
        wiring = importlib.import_module("bigapp.generated.wiring")
        handwritten = importlib.import_module("bigapp.handwritten")

        async def generated_cycle() -> None:
            app = await wiring.start()
            await app.dispose()

        ratio = compare_async(
            f"start + dispose of {RESOURCES} resources vs hand-written",
            generated_cycle,
            handwritten.start_and_dispose,
            "<= 1.5",
            ops=20,
            rounds=7,
        )
        return [
            f"runner-gen build of {RESOURCES} definitions: {build_seconds:.2f} s (target <= 5 s)",
            f"no-op runner-gen build --check: {check_seconds:.3f} s (target <= 0.5 s)",
            ratio,
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    results: list[str | Ratio] = [*task_call(), *big_app()]
    report([r for r in results if isinstance(r, Ratio)])
    for line in results:
        if isinstance(line, str):
            print(line)


if __name__ == "__main__":
    main()
