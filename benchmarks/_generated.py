"""Generate a benchmark app into a temporary package and import its wiring."""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from runner_gen.generator.build import generate, write
from runner_gen.generator.config import AppSpec

REPO = Path(__file__).resolve().parent.parent


def build(spec: str, package: str) -> ModuleType:
    root = Path(tempfile.mkdtemp(prefix="runner-gen-bench-"))
    [output] = generate(REPO, [AppSpec(spec, package)])
    output.package_dir = root / package
    write([output])
    sys.path.insert(0, str(root))
    return importlib.import_module(f"{package}.wiring")
