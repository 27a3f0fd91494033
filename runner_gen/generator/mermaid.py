"""``runner-gen graph``: the dependency graph as Mermaid text, nodes numbered in init order."""

from __future__ import annotations

from pathlib import Path

from runner_gen.generator.analysis import analyse
from runner_gen.generator.config import AppSpec
from runner_gen.generator.load import load_app

_SHAPES = {
    "resource": ('["', '"]'),
    "task": ('("', '")'),
    "event": ('{{"', '"}}'),
    "hook": ('>"', '"]'),
    "tag": ('[/"', '"/]'),
}


def mermaid(project_root: Path, spec: AppSpec) -> str:
    model = analyse(load_app(spec.root, project_root))
    names = {node_id: f"n{position}" for position, node_id in enumerate(model.order)}
    lines = [f"%% {spec.root}: an arrow points from a definition to what it needs",
             "%% nodes are numbered in init order (resources start in this order)",
             "graph TD"]  # fmt: skip
    for position, node_id in enumerate(model.order, start=1):
        kind = model.nodes[node_id].kind
        opening, closing = _SHAPES.get(kind, ('["', '"]'))
        label = f"{position}. {node_id}<br/><i>{kind.replace('_', ' ')}</i>"
        lines.append(f"    {names[node_id]}{opening}{label}{closing}")
    for node_id in model.order:
        for needed in model.edges[node_id]:
            if needed in names:
                lines.append(f"    {names[node_id]} --> {names[needed]}")
    return "\n".join(lines) + "\n"
