"""Lazy exports for public modules (PEP 562).

A public module lists where each of its names is defined; the defining module is imported on
first access. Importing one part of runner_gen (a generated client, the exposure) then costs
that part only, not every definition kind, built-in and middleware. Each public module also
imports its names under ``TYPE_CHECKING``, so type checkers see every name statically.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(
    module: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``module``, whose ``exports`` map name -> home module."""

    def __getattr__(name: str) -> object:
        home = exports.get(name)
        if home is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[module], name, value)  # later lookups do not come back here
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[module])) | set(exports))

    return __getattr__, __dir__
