"""Everything generated wiring needs at start, under one import (``as _rt``).

Only start-time names live here; per-call hot paths import what they use directly.
"""

from runner_gen.runtime.custom import custom_resource_layer, custom_task_layer
from runner_gen.runtime.emitting import EmitReport, HookCall, bind_emitter, emitter, run_hooks
from runner_gen.runtime.errors import HookError
from runner_gen.runtime.events import OUTSIDE, READY_SOURCE
from runner_gen.runtime.health import HealthChecks
from runner_gen.runtime.info import DefinitionInfo, Next, TagUse
from runner_gen.runtime.lifecycle import Lifecycle
from runner_gen.runtime.main import run_main
from runner_gen.runtime.tags import Store, TagAccessor, TaggedResource, TaggedTask

__all__ = [
    "OUTSIDE",
    "READY_SOURCE",
    "DefinitionInfo",
    "EmitReport",
    "HealthChecks",
    "HookCall",
    "HookError",
    "Lifecycle",
    "Next",
    "Store",
    "TagAccessor",
    "TagUse",
    "TaggedResource",
    "TaggedTask",
    "bind_emitter",
    "custom_resource_layer",
    "custom_task_layer",
    "emitter",
    "run_hooks",
    "run_main",
]
