"""Build fixture apps with the real generator into a temporary package and import them."""

from __future__ import annotations

import importlib
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from runner_gen.generator.build import AppOutput, generate, write
from runner_gen.generator.config import AppSpec, InitMode

REPO = Path(__file__).resolve().parents[2]
_OUTPUT_ROOT = Path(tempfile.mkdtemp(prefix="runner-gen-tests-"))
_BUILT: dict[str, ModuleType] = {}


def package_name(spec: str) -> str:
    return "gen_" + re.sub(r"\W", "_", spec)


def generate_files(spec: str, *, init_mode: InitMode = "sequential") -> AppOutput:
    """Generate (in memory) the package for ``spec``, named as the tests import it."""
    package = package_name(spec) + ("" if init_mode == "sequential" else f"_{init_mode}")
    [output] = generate(REPO, [AppSpec(spec, package, init_mode=init_mode)])
    return output


def build_app(spec: str, *, init_mode: InitMode = "sequential") -> ModuleType:
    """Generate ``spec`` into a temporary package and return its ``wiring`` module."""
    key = f"{spec} {init_mode}"
    if key not in _BUILT:
        output = generate_files(spec, init_mode=init_mode)
        output.package_dir = _OUTPUT_ROOT / output.spec.package
        write([output])
        if str(_OUTPUT_ROOT) not in sys.path:
            sys.path.insert(0, str(_OUTPUT_ROOT))
        _BUILT[key] = importlib.import_module(f"{output.spec.package}.wiring")
    return _BUILT[key]
