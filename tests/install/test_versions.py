"""One version for both distributions: a release bumps them together."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from runner_gen import __version__
from tests.install.distributions import REPO, RUNTIME_PROJECT


def project_table(root: Path) -> dict[str, Any]:
    with (root / "pyproject.toml").open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return project


def test_both_distributions_and_the_package_share_one_version() -> None:
    full = project_table(REPO)
    runtime = project_table(RUNTIME_PROJECT)
    assert (full["name"], runtime["name"]) == ("runner-gen", "runner-gen-runtime")
    assert full["version"] == runtime["version"] == __version__


def test_runner_gen_pins_the_runtime_of_its_own_version_and_re_offers_its_extras() -> None:
    full = project_table(REPO)
    runtime = project_table(RUNTIME_PROJECT)
    assert f"runner-gen-runtime=={__version__}" in full["dependencies"]
    for extra in runtime["optional-dependencies"]:
        expected = [f"runner-gen-runtime[{extra}]=={__version__}"]
        assert full["optional-dependencies"][extra] == expected


def test_the_runtime_depends_on_pydantic_alone() -> None:
    runtime = project_table(RUNTIME_PROJECT)
    assert runtime["dependencies"] == ["pydantic>=2.7"]
