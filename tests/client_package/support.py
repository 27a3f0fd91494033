"""Generate a standalone client package into a directory outside the repo, and import it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from runner_gen.generator.analysis import analyse
from runner_gen.generator.build import write_files
from runner_gen.generator.client_package import client_package_files
from runner_gen.generator.config import ClientSpec
from runner_gen.generator.load import load_app

REPO = Path(__file__).resolve().parents[2]
API = "tests.client_package.api:app"


def write_client_package(root: str, package: str, directory: Path) -> dict[Path, str]:
    client = ClientSpec(package, "unused", True, package.replace("_", "-"), "1.0.0")
    files = client_package_files(analyse(load_app(root, REPO)), client, directory, REPO)
    write_files(files)
    return files


def import_client_package(package: str, directory: Path) -> tuple[ModuleType, ModuleType]:
    """(client, types) of the package in ``directory``, imported as a consumer would."""
    sys.path.insert(0, str(directory))
    try:
        client = importlib.import_module(f"{package}.client")
        types = importlib.import_module(f"{package}.types")
    finally:
        sys.path.remove(str(directory))
    return client, types
