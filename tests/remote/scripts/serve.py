"""Serve a generated app until SIGTERM/SIGINT; print its exposure URL once listening.

Usage: python serve.py <generated package>  (the package must be importable)
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any

from runner_gen.runtime.main import run_main


async def announce(app: Any) -> None:
    print(f"listening {app.resources.exposure.url}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    wiring: Any = importlib.import_module(f"{sys.argv[1]}.wiring")
    code = run_main(wiring.start, until=announce)
    print(f"exit {code}", flush=True)
    raise SystemExit(code)
