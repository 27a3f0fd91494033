"""What the scaling benchmark runs inside a fresh process, one measurement each; prints JSON.

``python -m benchmarks._scaling_probe import-defs PROJECT MODULE...``
    wall and CPU seconds to import the definition modules, after the builders are imported;
``python -m benchmarks._scaling_probe import-generated PROJECT PACKAGE``
    the same for a generated package in a fresh process, and whether that imported the
    builders and pydantic;
``python -m benchmarks._scaling_probe start PROJECT PACKAGE OPS``
    best per-cycle ns of generated ``start()`` + ``dispose()`` and of the hand-written twin,
    interleaved in one event loop.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Any

BUILDERS = "runner_gen.definitions.builders"


def _timed_import(modules: list[str]) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    for module in modules:
        importlib.import_module(module)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def import_definitions(modules: list[str]) -> dict[str, Any]:
    # runner_gen's public names and what they pull in are the library's cost, not the app's.
    importlib.import_module("runner_gen.definitions.builtins")
    importlib.import_module("runner_gen.definitions.r")
    return _timed_import(modules)


def import_generated(package: str) -> dict[str, Any]:
    return {
        **_timed_import([package]),
        "builders": BUILDERS in sys.modules,
        "pydantic": "pydantic" in sys.modules,
    }


def start_and_dispose(package: str, ops: int) -> dict[str, Any]:
    from benchmarks._harness import compare_async

    wiring = importlib.import_module(f"{package}.generated.wiring")
    hand = importlib.import_module(f"{package}.hand")

    async def generated_cycle() -> None:
        app = await wiring.start()
        await app.dispose()

    ratio = compare_async("start", generated_cycle, hand.start_and_dispose, "<= 1.5", ops=ops)
    return {"generated_ns": ratio.subject_ns, "hand_ns": ratio.baseline_ns}


def main(argv: list[str]) -> None:
    what, project, *rest = argv
    sys.path.insert(0, project)
    if what == "import-defs":
        result = import_definitions(rest)
    elif what == "import-generated":
        result = import_generated(rest[0])
    elif what == "start":
        result = start_and_dispose(rest[0], int(rest[1]))
    else:
        raise SystemExit(f"unknown probe {what!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
