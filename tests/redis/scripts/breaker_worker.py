"""One process using a shared Redis circuit breaker.

Usage: breaker_worker.py URL PREFIX MODE THRESHOLD RESET_MS.
``trip``: calls a failing task THRESHOLD times (opening the circuit), prints the failures seen.
``probe``: calls a healthy task once, prints whether it was rejected and whether it ran.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware.errors import CircuitOpenError
from runner_gen.runtime.redis import RedisCircuitBreakerConfig, RedisCircuitBreakerMiddleware


async def main(url: str, prefix: str, mode: str, threshold: int, reset_ms: int) -> None:
    middleware = RedisCircuitBreakerMiddleware()
    ran = 0

    async def task(input: Any) -> Any:
        nonlocal ran
        ran += 1
        if mode == "trip":
            raise RuntimeError("downstream is down")
        return input

    config = RedisCircuitBreakerConfig(
        failure_threshold=threshold, reset_timeout=reset_ms, url=url, prefix=prefix
    )
    chain = middleware.wrap(task, DefinitionInfo("mp.tasks.charge"), config)
    outcome: dict[str, Any] = {"mode": mode}
    if mode == "trip":
        for _ in range(threshold):
            try:
                await chain(None)
            except RuntimeError:
                outcome["failures"] = outcome.get("failures", 0) + 1
    else:
        try:
            await chain("probe")
            outcome["rejected"] = False
        except CircuitOpenError as error:
            outcome["rejected"] = True
            outcome["retry_after"] = error.retry_after
    outcome["ran"] = ran
    print(json.dumps(outcome), flush=True)
    await middleware.dispose()


if __name__ == "__main__":
    url, prefix, mode, threshold, reset_ms = sys.argv[1:6]
    asyncio.run(main(url, prefix, mode, int(threshold), int(reset_ms)))
