"""Build fixture apps with the real generator into a temporary package and import them."""

from __future__ import annotations

import importlib
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from runner_gen.generator.build import AppOutput, generate, write
from runner_gen.generator.config import AppSpec

REPO = Path(__file__).resolve().parents[2]
_OUTPUT_ROOT = Path(tempfile.mkdtemp(prefix="runner-gen-tests-"))
_BUILT: dict[str, ModuleType] = {}


def package_name(spec: str) -> str:
    return "gen_" + re.sub(r"\W", "_", spec)


def generate_files(spec: str) -> AppOutput:
    """Generate (in memory) the package for ``spec``, named as the tests import it."""
    [output] = generate(REPO, [AppSpec(spec, package_name(spec))])
    return output


def build_app(spec: str) -> ModuleType:
    """Generate ``spec`` into a temporary package and return its ``wiring`` module."""
    if spec not in _BUILT:
        output = generate_files(spec)
        output.package_dir = _OUTPUT_ROOT / output.spec.package
        write([output])
        if str(_OUTPUT_ROOT) not in sys.path:
            sys.path.insert(0, str(_OUTPUT_ROOT))
        _BUILT[spec] = importlib.import_module(f"{output.spec.package}.wiring")
    return _BUILT[spec]
