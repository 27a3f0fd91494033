"""Session fixtures: the distributions are built once, each venv is made once per session."""

from __future__ import annotations

import pytest

from tests.install.distributions import (
    Distributions,
    VirtualEnv,
    build_distributions,
    new_venv,
    pinned,
)


@pytest.fixture(scope="session")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> Distributions:
    return build_distributions(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def full_venv(distributions: Distributions, tmp_path_factory: pytest.TempPathFactory) -> VirtualEnv:
    """What `pip install runner-gen mypy` gives a user: both distributions, no extras."""
    venv = new_venv(tmp_path_factory.mktemp("full") / "venv")
    venv.install(str(distributions.runtime_wheel), str(distributions.full_wheel), pinned("mypy"))
    return venv


@pytest.fixture(scope="session")
def runtime_venv(
    distributions: Distributions, tmp_path_factory: pytest.TempPathFactory
) -> VirtualEnv:
    """What `pip install runner-gen-runtime` gives an app that serves nothing over HTTP."""
    venv = new_venv(tmp_path_factory.mktemp("runtime") / "venv")
    venv.install(str(distributions.runtime_wheel))
    return venv


@pytest.fixture(scope="session")
def serve_venv(
    distributions: Distributions, tmp_path_factory: pytest.TempPathFactory
) -> VirtualEnv:
    """What `pip install 'runner-gen-runtime[serve]'` gives a service or a client."""
    venv = new_venv(tmp_path_factory.mktemp("serve") / "venv")
    venv.install(f"{distributions.runtime_wheel}[serve]")
    return venv
