"""``runner_gen`` exports its public names lazily: each is the real object, and importing the
package alone (what every ``runner-gen`` command does first) imports neither the builders nor
pydantic."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import runner_gen


@pytest.mark.parametrize("name", sorted(set(runner_gen.__all__) - {"__version__"}))
def test_each_public_name_is_the_object_its_module_defines(name: str) -> None:
    module = importlib.import_module(runner_gen._EXPORTS[name])
    assert getattr(runner_gen, name) is getattr(module, name)
    assert name in dir(runner_gen)


def test_every_located_name_is_public() -> None:
    assert set(runner_gen._EXPORTS) == set(runner_gen.__all__) - {"__version__"}


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = runner_gen.nope  # type: ignore[attr-defined]


def test_importing_the_package_imports_no_builders_and_no_pydantic() -> None:
    script = (
        "import sys, runner_gen\n"
        "print(sorted(m for m in ('runner_gen.definitions.builders', 'pydantic') "
        "if m in sys.modules))\n"
        "from runner_gen import r, globals\n"
        "print('runner_gen.definitions.builders' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == ["[]", "True"]
