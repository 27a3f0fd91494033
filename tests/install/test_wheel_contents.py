"""What each distribution ships: the runtime owns the package, the full one adds the build tool."""

from __future__ import annotations

import tarfile

import pytest

from runner_gen import __version__
from tests.install.distributions import Distributions, wheel_files, wheel_metadata

pytestmark = [pytest.mark.install, pytest.mark.timeout(300)]

BUILD_TOOL = (
    "runner_gen/generator/",
    "runner_gen/templates/",
    "runner_gen/cli.py",
    "runner_gen/cli_commands.py",
)


def requirements(metadata: str) -> set[str]:
    return {
        line.removeprefix("Requires-Dist: ")
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ") and "extra ==" not in line
    }


def test_the_runtime_wheel_owns_the_package_and_its_types(distributions: Distributions) -> None:
    files = wheel_files(distributions.runtime_wheel)
    for required in (
        "runner_gen/__init__.py",
        "runner_gen/py.typed",
        "runner_gen/definitions/r.py",
        "runner_gen/runtime/wiring.py",
        "runner_gen/runtime/client/async_transport.py",
        "runner_gen/errors.py",
    ):
        assert required in files
    assert not [name for name in files if name.startswith(BUILD_TOOL)]
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    assert requirements(wheel_metadata(distributions.runtime_wheel)) == {"pydantic>=2.7"}


def test_the_full_wheel_adds_only_the_build_tool(distributions: Distributions) -> None:
    files = wheel_files(distributions.full_wheel)
    assert files
    assert all(name.startswith(BUILD_TOOL) for name in files), sorted(files)
    assert "runner_gen/templates/wiring.py.jinja" in files
    assert "runner_gen/generator/build.py" in files
    # Shipping runner_gen/__init__.py twice would let one distribution's uninstall break the other.
    assert not files & wheel_files(distributions.runtime_wheel)
    metadata = wheel_metadata(distributions.full_wheel)
    assert {
        f"runner-gen-runtime=={__version__}",
        "jinja2>=3.1",
        "libcst>=1.4",
        "click>=8.1",
        "ruff>=0.9",
    } == requirements(metadata)
    assert f"Requires-Dist: runner-gen-runtime[serve]=={__version__}; extra == 'serve'" in metadata


def test_each_sdist_holds_what_its_wheel_was_built_from(distributions: Distributions) -> None:
    for sdist, wheel in (
        (distributions.runtime_sdist, distributions.runtime_wheel),
        (distributions.full_sdist, distributions.full_wheel),
    ):
        with tarfile.open(sdist) as archive:
            names = {name.partition("/")[2] for name in archive.getnames()}
        assert wheel_files(wheel) <= names
        assert "pyproject.toml" in names
        assert not [name for name in names if name.startswith(("tests/", "examples/"))]
