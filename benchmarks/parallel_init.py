"""``init_mode = "parallel"`` against sequential start, on layered graphs of resources.

The app: N resources in 10 layers; each resource needs one resource of the layer before and
awaits ``LATENCY`` seconds in its init (a connection, a file, a remote call). Sequentially a
start costs about N x latency; in waves, about 10 x latency. With no latency (inits that never
suspend) the waves only add their own cost: the gather and one coroutine per resource.

Run: .venv/bin/python -m benchmarks.parallel_init [--sizes 100,1000,10000]
(exits 1 when a target is missed)
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks._harness import Ratio, report
from runner_gen.generator.build import generate, write
from runner_gen.generator.config import AppSpec, InitMode

LAYERS = 10
LATENCY = 0.002  # seconds each init awaits in the I/O-bound runs
IO_SIZES = (100, 1000)  # sequential I/O-bound starts of 10,000 would take 20 s each

_HEADER = '''"""A layered app for the parallel-init benchmark (generated)."""

from __future__ import annotations

import asyncio

from runner_gen import r

LATENCY = 0.0


async def leaf() -> int:
    if LATENCY:
        await asyncio.sleep(LATENCY)
    return 0


async def child(*, parent: int) -> int:
    if LATENCY:
        await asyncio.sleep(LATENCY)
    return parent + 1


async def close(value: int) -> None:
    pass

'''


def write_app(root: Path, size: int) -> str:
    """A package with ``size`` resources in ``LAYERS`` layers; returns its module name."""
    name = f"layered_{size}"
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    width = max(1, size // LAYERS)
    lines = [_HEADER]
    names: list[str] = []
    for index in range(size):
        layer, position = divmod(index, width)
        resource = f"res_{index}"
        if layer == 0:
            lines.append(
                f'{resource} = r.resource("layered.{index}").init(leaf).dispose(close).build()'
            )
        else:
            parent = f"res_{(layer - 1) * width + position % width}"
            lines.append(
                f'{resource} = r.resource("layered.{index}").dependencies(parent={parent})'
                ".init(child).dispose(close).build()"
            )
        names.append(resource)
    lines.append(f'app = r.resource("layered").register({", ".join(names)}).build()\n')
    (package / "definitions.py").write_text("\n".join(lines))
    return f"{name}.definitions"


def build(root: Path, module: str, init_mode: InitMode) -> ModuleType:
    package = f"{module.split('.')[0]}_{init_mode}"
    [output] = generate(root, [AppSpec(f"{module}:app", package, init_mode=init_mode)])
    output.package_dir = root / package
    write([output])
    return importlib.import_module(f"{package}.wiring")


def start_and_dispose_ns(wiring: ModuleType, rounds: int) -> float:
    """Best wall time of ``start()`` + ``dispose()``."""

    async def measure() -> float:
        best = float("inf")
        for _ in range(rounds):
            began = time.perf_counter_ns()
            app = await wiring.start()
            await app.dispose()
            best = min(best, time.perf_counter_ns() - began)
        return best

    return asyncio.run(measure())


def by_hand_ns(definitions: ModuleType, size: int, rounds: int) -> float:
    """The same waves written by hand: one gather per layer, then the disposers in reverse."""
    width = max(1, size // LAYERS)

    async def start_and_dispose() -> None:
        values: list[int] = []
        for first in range(0, size, width):
            count = min(width, size - first)
            if first == 0:
                values += await asyncio.gather(*(definitions.leaf() for _ in range(count)))
            else:
                parents = values[first - width : first]
                layer = (definitions.child(parent=parents[p % width]) for p in range(count))
                values += await asyncio.gather(*layer)
        for value in reversed(values):
            await definitions.close(value)

    async def measure() -> float:
        best = float("inf")
        for _ in range(rounds):
            began = time.perf_counter_ns()
            await start_and_dispose()
            best = min(best, time.perf_counter_ns() - began)
        return best

    return asyncio.run(measure())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    sizes = [int(size) for size in parser.parse_args(argv).sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="runner-gen-parallel-"))
    sys.path.insert(0, str(root))
    ratios: list[Ratio] = []
    for size in sizes:
        module = write_app(root, size)
        definitions: Any = importlib.import_module(module)  # the generated module, written above
        sequential = build(root, module, "sequential")
        parallel = build(root, module, "parallel")
        definitions.LATENCY = 0.0
        rounds = 7 if size < 10_000 else 3
        parallel_ns = start_and_dispose_ns(parallel, rounds)
        ratios.append(
            Ratio(
                f"{size} resources, no I/O: parallel start+dispose vs by hand",
                parallel_ns,
                by_hand_ns(definitions, size, rounds),
                "<= 1.5",
            )
        )
        # The price of waves when nothing suspends: a task per resource (asyncio.gather).
        ratios.append(
            Ratio(
                f"{size} resources, no I/O: parallel vs sequential start+dispose",
                parallel_ns,
                start_and_dispose_ns(sequential, rounds),
                "<= 6",
            )
        )
        if size in IO_SIZES:
            definitions.LATENCY = LATENCY
            # Ideal: LAYERS / size (10 waves instead of size inits one after another).
            bound = round(3 * LAYERS / size, 3)
            ratios.append(
                Ratio(
                    f"{size} resources, {LATENCY * 1000:.0f} ms I/O each: parallel vs sequential",
                    start_and_dispose_ns(parallel, 3),
                    start_and_dispose_ns(sequential, 1),
                    f"<= {bound}",
                )
            )
    missed = [ratio for ratio in ratios if not ratio.met()]
    report(missed + [ratio for ratio in ratios if ratio.met()])
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
