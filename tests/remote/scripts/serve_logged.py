"""serve.py with stdlib logging set up as a deployment would: one line per record on stderr,
with its level and logger name, so tests can read exactly what an operator sees.

Usage: python serve_logged.py <generated package>
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from typing import Any

from runner_gen.runtime.main import run_main


async def announce(app: Any) -> None:
    print(f"listening {app.resources.exposure.url}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    wiring: Any = importlib.import_module(f"{sys.argv[1]}.wiring")
    raise SystemExit(run_main(wiring.start, until=announce))
