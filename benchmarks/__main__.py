"""`python -m benchmarks [name ...] [--option ...]`: run every benchmark module (or the named
ones), each in its own process so one module's event loop, tracer provider or imports cannot
skew another's. Options after the names go to each named module, e.g.
`python -m benchmarks scaling --sizes 100,1000`."""

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
    "scaling",
    "beyond",
    "parallel_init",
)


def main(argv: list[str]) -> int:
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:first_option], argv[first_option:]
    failed = 0
    for name in names or MODULES:
        print(f"\n== benchmarks.{name}", flush=True)
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *options])
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
