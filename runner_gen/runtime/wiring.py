"""Everything generated wiring needs at start, under one import (``as _rt``).

Only start-time names live here; per-call hot paths import what they use directly.
"""

from runner_gen.runtime.custom import custom_resource_layer, custom_task_layer
from runner_gen.runtime.health import HealthChecks
from runner_gen.runtime.info import DefinitionInfo, Next, TagUse
from runner_gen.runtime.lifecycle import Lifecycle
from runner_gen.runtime.main import run_main
from runner_gen.runtime.tags import Store, TagAccessor, TaggedResource, TaggedTask

__all__ = [
    "DefinitionInfo",
    "HealthChecks",
    "Lifecycle",
    "Next",
    "Store",
    "TagAccessor",
    "TagUse",
    "TaggedResource",
    "TaggedTask",
    "custom_resource_layer",
    "custom_task_layer",
    "run_main",
]
