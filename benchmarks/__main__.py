"""`python -m benchmarks [name ...]`: run every benchmark module (or the named ones), each in its
own process so one module's event loop, tracer provider or imports cannot skew another's."""

from __future__ import annotations

import subprocess
import sys

MODULES = (
    "core",
    "middleware",
    "lifecycle",
    "observability",
    "observability_generated",
    "client",
    "exposure",
    "redis",
    "examples_auth",
    "examples_http_api",
)


def main(names: list[str]) -> int:
    failed = 0
    for name in names or MODULES:
        print(f"\n== benchmarks.{name}", flush=True)
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}"])
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
