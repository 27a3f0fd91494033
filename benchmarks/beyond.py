"""Issue 14's costs: a call with one call-scoped resource against a plain call, and test
overrides, which must cost nothing when absent.

Run: .venv/bin/python -m benchmarks.beyond (exits 1 when a target is missed)
"""

from __future__ import annotations

import asyncio
import sys

from benchmarks._generated import build
from benchmarks._harness import Ratio, compare_async, report
from benchmarks.apps.testing_and_scopes import begin, end, with_unit


def main() -> int:
    wiring = build("benchmarks.apps.testing_and_scopes:app", "bench_beyond_generated")
    plain_app = asyncio.run(wiring.start())
    replaced_app = asyncio.run(wiring.start(overrides={"resources": {}}))
    plain, scoped = plain_app.tasks.plain, plain_app.tasks.scoped
    replaced = replaced_app.tasks.plain
    db = plain_app.resources.db

    async def by_hand(input: int) -> int:
        unit = await begin(db=db)
        try:
            return await with_unit(input, unit=unit)
        finally:
            await end(unit)

    ratios: list[Ratio] = [
        # The floor is the user's own init and dispose: two more awaits per call.
        compare_async(
            "call-scoped resource: generated vs the same code by hand",
            lambda: scoped(1),
            lambda: by_hand(1),
            "<= 1.2",
        ),
        # dishka and wireup cost ~16x a plain call for a per-call (REQUEST-scoped) value.
        compare_async(
            "task call with one call-scoped resource vs a plain call",
            lambda: scoped(1),
            lambda: plain(1),
            "<= 2",
        ),
        # Overrides are applied at start: the call path of an app started with them is the
        # same code as without.
        compare_async(
            "task call of an app started with overrides vs without",
            lambda: replaced(1),
            lambda: plain(1),
            "<= 1.1",
        ),
    ]
    report(ratios)
    return 0 if all(ratio.met() for ratio in ratios) else 1


if __name__ == "__main__":
    sys.exit(main())
