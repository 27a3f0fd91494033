"""Random valid apps, written as definition modules, for the generator fuzz tests.

Every name an app can choose (ids, functions, dependency keys, types) is drawn from a pool
that holds the names generated code itself uses, so a generator that invents a name, or
shadows one, miscompiles here.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field

from hypothesis import strategies as st

#: Names generated code uses, names of its imports and runtime helpers, and builtins.
NAME_POOL = (
    "run_report", "init_db", "chain", "layer", "store", "tasks", "events", "health",
    "resources", "lifecycle", "start", "running", "main", "config", "value", "emit",
    "emission", "payload", "info", "next_", "run", "init", "push_disposer", "error", "app",
    "untyped", "default_config", "partial", "cast", "Any", "Final", "TYPE_CHECKING",
    "Awaitable", "Callable", "AsyncIterator", "asynccontextmanager", "App", "Tasks",
    "Resources", "Events", "APP_ID", "res_db", "task_x", "emit_x", "mw_retry", "log_x",
    "cfg_x", "ctx_x", "tag_x", "_rt", "_task_x", "_event_x", "_init_x", "TaskCall",
    "ResourceCall", "Emission", "fallback_task", "list", "input", "type", "id", "dict",
    "Store", "Lifecycle", "Next", "DefinitionInfo", "value_2", "config_2", "layer_2",
    "run_task", "emit_event", "get_resource_value", "get_resource_config", "dispose",
    "skip_drain", "Lookup", "overload", "Literal", "Journal", "journal", "CURRENT_JOURNAL",
    "journaled", "without_input", "as_journaled", "custom_task_layer", "configs", "call",
    "InputT", "OutputT", "ValueT", "_lookup", "probes",
)  # fmt: skip

_IDENTIFIERS = [n for n in NAME_POOL if n.isidentifier() and not keyword.iskeyword(n)]
_BUILTINS = (
    ("retry", "globals.middleware.retry.task", ""),
    ("retry", "globals.middleware.retry.task", "retries=1"),
    ("timeout", "globals.middleware.timeout.task", ""),
    ("timeout", "globals.middleware.timeout.task", "ttl=2000"),
    ("circuit_breaker", "globals.middleware.task.circuitBreaker", ""),
    ("cache", "globals.middleware.task.cache", ""),
    ("concurrency", "globals.middleware.task.concurrency", "limit=4"),
    ("rate_limit", "globals.middleware.task.rateLimit", "window_ms=60000, max=1000"),
)


@dataclass
class Resource:
    id: str
    function: str
    type: str
    deps: list[tuple[str, int]]  # (key, resource index)
    dispose: bool
    middleware: list[int] = field(default_factory=list)  # resource middleware (0: retry)


@dataclass
class Task:
    id: str
    function: str
    takes_input: bool
    deps: list[tuple[str, str, int]]  # (key, kind, index) with kind resource/task/event/tag/ctx
    builtins: list[int]
    custom: list[int]
    tag: bool
    is_async: bool


@dataclass
class Hook:
    id: str
    function: str
    event: int
    order: int
    deps: list[tuple[str, int]]  # resources


@dataclass
class Middleware:
    id: str
    function: str
    has_config: bool
    deps: list[tuple[str, int]]  # resources
    everywhere: bool


@dataclass
class App:
    prefix: str
    resources: list[Resource]
    tasks: list[Task]
    events: list[str]
    hooks: list[Hook]
    middleware: list[Middleware]
    exposed: list[int] | None  # task indexes an exposure allows; None: no exposure
    with_tag: bool
    with_context: bool


def _unique(draw: st.DrawFn, taken: set[str], count: int) -> list[str]:
    names = []
    for _ in range(count):
        base = draw(st.sampled_from(_IDENTIFIERS))
        name, n = base, 2
        while name in taken or keyword.iskeyword(name):
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names.append(name)
    return names


def _keys(draw: st.DrawFn, count: int, types: frozenset[str]) -> list[str]:
    """Dependency keys (keyword parameter names): unique within one function, and never a type
    name of the app (a parameter shadowing the class it returns is a bug in the user's code)."""
    return _unique(draw, {"self", "input", "emission", "call", "config", "value", *types}, count)


@st.composite
def apps(draw: st.DrawFn, prefix: str = "fz") -> App:
    taken: set[str] = set()
    n_resources = draw(st.integers(1, 5))
    n_tasks = draw(st.integers(0, 5))
    n_events = draw(st.integers(0, 2))
    n_middleware = draw(st.integers(0, 2))
    functions = _unique(draw, taken, n_resources + n_tasks + n_middleware + 6)
    types = _unique(draw, taken, n_resources)
    type_names = frozenset(types)
    ids = _unique(draw, set(), n_resources + n_tasks + n_events + n_middleware + 6)
    resources = []
    for index in range(n_resources):
        keys = _keys(draw, index, type_names)
        deps = [(key, target) for key, target in zip(keys, range(index), strict=False)]
        deps = draw(st.lists(st.sampled_from(deps), unique=True, max_size=2)) if deps else []
        resources.append(
            Resource(
                f"{prefix}.{ids.pop()}", functions.pop(), types.pop(), deps,
                draw(st.booleans()), draw(st.lists(st.just(0), max_size=1)),
            )
        )  # fmt: skip
    with_tag = draw(st.booleans())
    with_context = draw(st.booleans())
    middleware = []
    for _ in range(n_middleware):
        [key] = _keys(draw, 1, type_names)
        deps = [(key, draw(st.integers(0, n_resources - 1)))] if draw(st.booleans()) else []
        middleware.append(
            Middleware(
                f"{prefix}.middleware.{ids.pop()}", functions.pop(), draw(st.booleans()), deps,
                draw(st.booleans()),
            )
        )  # fmt: skip
    events = [f"{prefix}.events.{ids.pop()}" for _ in range(n_events)]
    tasks: list[Task] = []
    for index in range(n_tasks):
        # A task may depend on the tag or carry it, not both (Runner's rule); and one that
        # carries it depends on no task (task -> tag -> tagged task -> task is a real cycle).
        carries = with_tag and draw(st.booleans())
        candidates: list[tuple[str, int]] = [("resource", i) for i in range(n_resources)]
        if not carries:
            candidates += [("task", i) for i in range(index) if tasks[i].takes_input]
        candidates += [("event", i) for i in range(n_events)]
        if with_tag and not carries:
            candidates.append(("tag", 0))
        if with_context:
            candidates.append(("ctx", 0))
        chosen = draw(st.lists(st.sampled_from(candidates), unique=True, max_size=3))
        keys = _keys(draw, len(chosen), type_names)
        builtins = st.lists(
            st.integers(0, len(_BUILTINS) - 1), unique_by=lambda i: _BUILTINS[i][1], max_size=3
        )
        custom = st.lists(st.integers(0, max(n_middleware - 1, 0)), unique=True, max_size=2)
        tasks.append(
            Task(
                f"{prefix}.tasks.{ids.pop()}",
                functions.pop(),
                draw(st.booleans()),
                [(key, kind, target) for key, (kind, target) in zip(keys, chosen, strict=True)],
                draw(builtins),
                draw(custom) if n_middleware else [],
                carries,
                draw(st.booleans()),
            )
        )
    hooks = []
    hook_functions = _unique(draw, taken, 4)
    for event in range(n_events):
        for _ in range(draw(st.integers(0, 2))):
            [key] = _keys(draw, 1, type_names)
            deps = [(key, draw(st.integers(0, n_resources - 1)))] if draw(st.booleans()) else []
            hooks.append(
                Hook(
                    f"{prefix}.hooks.{ids.pop()}", hook_functions.pop(), event,
                    draw(st.integers(-1, 2)), deps,
                )
            )  # fmt: skip
            if not hook_functions:
                break
    exposed = None
    with_exposure = draw(st.booleans())
    if tasks and with_exposure:
        exposed = draw(st.lists(st.integers(0, n_tasks - 1), unique=True))
    return App(prefix, resources, tasks, events, hooks, middleware, exposed, with_tag, with_context)


def render(app: App) -> str:
    """The definition module's source."""
    out = [
        '"""A generated fuzz app."""',
        "",
        "from __future__ import annotations",
        "",
        "# Everything this module binds itself starts with _fz_ (no pool name does), so the",
        "# names the app draws from the pool are the only ones that can collide.",
        "import collections.abc as _fz_abc",
        "import dataclasses as _fz_dc",
        "",
        "import runner_gen as _fz_rg",
        "from runner_gen.remote import http_exposure as _fz_http_exposure",
        "",
        "_FZ_LOG: list[str] = []",
        "",
        "",
        "@_fz_dc.dataclass",
        "class _FzTagConfig:",
        "    weight: int = 1",
        "",
        "",
        "@_fz_dc.dataclass",
        "class _FzMiddlewareConfig:",
        "    label: str = 'm'",
        "",
        "",
        f"_fz_tag = _fz_rg.r.tag('{app.prefix}.tag').config_schema(_FzTagConfig).build()",
        f"_fz_context = _fz_rg.r.async_context('{app.prefix}.context').schema(int).build()",
    ]
    for resource in app.resources:
        out += ["", "", "@_fz_dc.dataclass", f"class {resource.type}:", "    name: str"]
    for index, resource in enumerate(app.resources):
        params = ", ".join(f"{key}: {app.resources[t].type}" for key, t in resource.deps)
        star = f"*, {params}" if params else ""
        out += [
            "", "",
            f"async def {resource.function}({star}) -> {resource.type}:",
            f"    _FZ_LOG.append('init {resource.id}')",
            f"    return {resource.type}({resource.id!r})",
        ]  # fmt: skip
        if resource.dispose:
            out += [
                "", "",
                f"async def {resource.function}_close(value: {resource.type}) -> None:",
                f"    _FZ_LOG.append('dispose {resource.id}')",
            ]  # fmt: skip
        deps = ", ".join(f"{key}=_fz_res_{t}" for key, t in resource.deps)
        chain = f"_fz_rg.r.resource('{resource.id}').init({resource.function})"
        if deps:
            chain += f".dependencies({deps})"
        if resource.dispose:
            chain += f".dispose({resource.function}_close)"
        if resource.middleware:
            chain += ".middleware(_fz_rg.globals.middleware.resource.retry)"
        out += ["", f"_fz_res_{index} = {chain}.build()"]
    for index, middleware in enumerate(app.middleware):
        arguments = ["call: _fz_rg.TaskCall"]
        if middleware.has_config:
            arguments.append("config: _FzMiddlewareConfig")
        if middleware.deps:
            arguments.append("*")
            arguments += [f"{key}: {app.resources[t].type}" for key, t in middleware.deps]
        out += [
            "", "",
            f"async def {middleware.function}({', '.join(arguments)}) -> object:",
            "    return await call.next(call.input)",
        ]  # fmt: skip
        chain = f"_fz_rg.r.middleware.task('{middleware.id}').run({middleware.function})"
        if middleware.has_config:
            chain += ".config_schema(_FzMiddlewareConfig)"
        if middleware.deps:
            chain += (
                ".dependencies(" + ", ".join(f"{k}=_fz_res_{t}" for k, t in middleware.deps) + ")"
            )
        if middleware.everywhere:
            chain += ".everywhere(lambda task: True)"
        out += ["", f"_fz_mw_{index} = {chain}.build()"]
    for index, event in enumerate(app.events):
        out += ["", f"_fz_event_{index} = _fz_rg.r.event('{event}').payload_schema(int).build()"]
    for index, hook in enumerate(app.hooks):
        params = ", ".join(f"{key}: {app.resources[t].type}" for key, t in hook.deps)
        star = f", *, {params}" if params else ""
        out += [
            "", "",
            f"async def {hook.function}(emission: _fz_rg.Emission[int]{star}) -> None:",
            f"    _FZ_LOG.append('hook {hook.id}')",
        ]  # fmt: skip
        deps = ", ".join(f"{key}=_fz_res_{t}" for key, t in hook.deps)
        chain = f"_fz_rg.r.hook('{hook.id}').on(_fz_event_{hook.event}).order({hook.order})"
        if deps:
            chain += f".dependencies({deps})"
        out += ["", f"_fz_hook_{index} = {chain}.run({hook.function}).build()"]
    for index, task in enumerate(app.tasks):
        out += _task(app, index, task)
    registered = [f"_fz_res_{i}" for i in range(len(app.resources))]
    registered += [f"_fz_mw_{i}" for i in range(len(app.middleware))]
    registered += [f"_fz_event_{i}" for i in range(len(app.events))]
    registered += [f"_fz_hook_{i}" for i in range(len(app.hooks))]
    registered += [f"_fz_task_{i}" for i in range(len(app.tasks))]
    registered += ["_fz_tag", "_fz_context"]
    if app.exposed is not None:
        allowed = tuple(app.tasks[i].id for i in app.exposed)
        out += [
            "",
            f"_fz_exposure = _fz_http_exposure('{app.prefix}.exposure')"
            f".with_(tokens=('t',), allow_task_ids={allowed!r})",
        ]
        registered.append("_fz_exposure")
    root = f"_fz_rg.r.resource('{app.prefix}').register({', '.join(registered)}).build()"
    out += ["", f"_fz_app = {root}", ""]
    return "\n".join(out)


def _task(app: App, index: int, task: Task) -> list[str]:
    params = []
    deps = []
    uses = []
    for key, kind, target in task.deps:
        if kind == "resource":
            params.append(f"{key}: {app.resources[target].type}")
            deps.append(f"{key}=_fz_res_{target}")
        elif kind == "task":
            params.append(f"{key}: _fz_abc.Callable[[int], _fz_abc.Awaitable[int]]")
            deps.append(f"{key}=_fz_task_{target}")
            uses.append(f"    await {key}(1)")
        elif kind == "event":
            params.append(f"{key}: _fz_rg.Emit[int]")
            deps.append(f"{key}=_fz_event_{target}")
            uses.append(f"    await {key}(2)")
        elif kind == "tag":
            params.append(f"{key}: _fz_rg.TagAccessor[_FzTagConfig]")
            deps.append(f"{key}=_fz_tag")
        else:
            params.append(f"{key}: _fz_rg.AsyncContext[int]")
            deps.append(f"{key}=_fz_context")
    signature = ["input: int"] if task.takes_input else []
    if params:
        signature += ["*", *params]
    keyword = "async def" if task.is_async or uses else "def"
    lines = [
        "", "",
        f"{keyword} {task.function}({', '.join(signature)}) -> int:",
        *uses,
        f"    return {'input + 1' if task.takes_input else '7'}",
    ]  # fmt: skip
    chain = f"_fz_rg.r.task('{task.id}').run({task.function})"
    if deps:
        chain += f".dependencies({', '.join(deps)})"
    middleware = [
        f"_fz_rg.globals.middleware.task.{_BUILTINS[i][0]}"
        + (f".with_({_BUILTINS[i][2]})" if _BUILTINS[i][2] else "")
        for i in task.builtins
    ]
    middleware += [f"_fz_mw_{i}" for i in task.custom if not app.middleware[i].everywhere]
    if middleware:
        chain += f".middleware({', '.join(middleware)})"
    if task.tag:
        chain += ".tags(_fz_tag.with_(weight=2))"
    return [*lines, "", f"_fz_task_{index} = {chain}.build()"]
