"""Lift types, write the module somewhere outside the repo, import it as a client would."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import TypeAdapter, ValidationError

from runner_gen.generator.client_types import LiftedTypes

REPO = Path(__file__).resolve().parents[2]


def load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves forward references through sys.modules
    spec.loader.exec_module(module)
    return module


def write_and_load(lifted: LiftedTypes, directory: Path, name: str) -> ModuleType:
    path = directory / f"{name}.py"
    path.write_text(lifted.source, encoding="utf-8")
    return load_module(name, path)


def copy_of(lifted: LiftedTypes, module: ModuleType, original: type[Any]) -> Any:
    value: Any = module
    for part in lifted.names[(original.__module__, original.__qualname__)].split("."):
        value = getattr(value, part)
    return value


def outcome(adapter: TypeAdapter[Any], raw_json: str) -> tuple[str, object]:
    """What a client sees for ``raw_json``: the value re-serialized, or the validation errors."""
    try:
        value = adapter.validate_json(raw_json)
    except ValidationError as error:
        return "invalid", [(e["type"], e["loc"], e["msg"]) for e in error.errors()]
    return "valid", adapter.dump_json(value).decode()
