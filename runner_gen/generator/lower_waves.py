"""start()'s order of blocks: one after another, or in waves (``init_mode = "parallel"``).

Sequentially, each resource's block is framed by a marker naming the resource whose init runs,
so a failed start can say which resource failed (Runner's ``resourceId``) without a try block
per resource.

In waves, a resource whose start awaits (an async init, middleware, a server) runs in a wave
with the others that need nothing still starting: its block becomes a function of its own, and
the wave calls them together through the runtime's ``init_wave``. A block's wave is one more
than the latest wave among the awaiting blocks it needs (through any chain of dependencies);
blocks that do not await (tasks, events, sync inits) run between waves, as soon as what they
need has started, in their sequential order. The root starts last, as in Runner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from runner_gen.generator.ir import (
    Assign,
    Await,
    Block,
    Chunk,
    Const,
    Do,
    Param,
    Ref,
    Tuple,
    awaits,
    call,
    referenced,
)
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node


class InitMarker:
    """``state.initializing = "<id>"`` before a resource's block, ``None`` after it."""

    def __init__(self, low: Lowering) -> None:
        self._low = low
        self.attribute: str | None = None
        self._target = ""

    def around(self, node: Node, block: Block) -> Block:
        if node.kind != "resource":
            return block
        if self.attribute is None:
            self._target, _ = self._low.slot("initializing", "str | None")
            self.attribute = self._target.rpartition(".")[2]
        body = (
            Assign(self._target, Const(node.id)),
            *block.body,
            Assign(self._target, Const(None)),
        )
        return Block(block.comment, body)


def function_of(name: str, blocks: tuple[Block, ...], candidates: Mapping[str, str]) -> Chunk:
    """A module-level function running ``blocks``, taking the start() locals they use."""
    used = referenced(statement for block in blocks for statement in block.body)
    params = tuple(Param(local, kind) for local, kind in candidates.items() if local in used)
    return Chunk(name, params, blocks)


def in_waves(
    low: Lowering,
    started: Sequence[tuple[Node, Block]],
    marker: InitMarker,
    candidates: Mapping[str, str],
) -> tuple[list[Block], tuple[Chunk, ...]]:
    """start()'s blocks with concurrent waves, and the functions the waves call."""
    model = low.model
    awaiting = {
        node.id for node, block in started if node.kind == "resource" and awaits(block.body)
    }
    awaiting.discard(model.root_id)
    wave: dict[str, int] = {}
    for node_id in model.order:  # dependencies first
        wave[node_id] = max(
            (
                wave[need] + (need in awaiting)
                for need in model.edges.get(node_id, ())
                if need in wave
            ),
            default=0,
        )
    last = max((wave[node_id] for node_id in awaiting), default=0)
    blocks: list[Block] = []
    functions: list[Chunk] = []
    root: list[Block] = []
    for number in range(last + 1):
        together: list[tuple[Node, Block]] = []
        for node, block in started:
            if node.id == model.root_id:
                if number == 0:
                    root.append(marker.around(node, block))
            elif wave[node.id] == number and node.id not in awaiting:
                blocks.append(marker.around(node, block))
            elif wave[node.id] == number:
                together.append((node, block))
        if len(together) == 1:
            blocks.append(marker.around(*together[0]))
        elif together:
            blocks.append(_wave(low, together, functions, candidates))
    for node, block in started:
        # What needs the last wave's resources and is not a resource that awaits.
        if node.id != model.root_id and wave[node.id] > last:
            blocks.append(marker.around(node, block))
    return blocks + root, tuple(functions)


def _wave(
    low: Lowering,
    together: list[tuple[Node, Block]],
    functions: list[Chunk],
    candidates: Mapping[str, str],
) -> Block:
    inits = []
    for node, block in together:
        function = function_of(low.local(f"_init_{low.attrs[node.id]}"), (block,), candidates)
        functions.append(function)
        arguments = {param.name: Ref(param.name) for param in function.params}
        inits.append(Tuple((Const(node.id), call(Ref(function.name), **arguments))))
    ids = ", ".join(node.id for node, _ in together)
    start_together = Do(Await(call(low.rt("init_wave"), Tuple(tuple(inits)))))
    return Block(f"started together: {ids}", (start_together,))
