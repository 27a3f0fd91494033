"""The dependency graph: cycles with their paths, and a deterministic init order."""

from __future__ import annotations

from collections.abc import Iterable


class Graph:
    """Nodes are ids; an edge ``a -> b`` means ``a`` needs ``b`` first."""

    def __init__(self) -> None:
        self._order: dict[str, int] = {}
        self._edges: dict[str, dict[str, None]] = {}  # insertion-ordered sets

    def add_node(self, node: str) -> None:
        if node not in self._order:
            self._order[node] = len(self._order)
            self._edges[node] = {}

    def add_edge(self, node: str, needs: str) -> None:
        self.add_node(node)
        self.add_node(needs)
        self._edges[node][needs] = None

    def needs(self, node: str) -> list[str]:
        return list(self._edges[node])

    def cycles(self) -> list[list[str]]:
        """Each elementary cycle found by depth-first search, as a closed path ``[a, b, a]``."""
        found: list[list[str]] = []
        seen_keys: set[tuple[str, ...]] = set()
        state: dict[str, int] = {}  # 1: on the stack, 2: done
        stack: list[str] = []

        edge_lists = {node: list(needs) for node, needs in self._edges.items()}
        # Iterative depth-first search: definition graphs can be thousands deep.
        for root in self._order:
            if root in state:
                continue
            state[root] = 1
            stack.append(root)
            cursors = [0]
            while stack:
                node = stack[-1]
                edges = edge_lists[node]
                if cursors[-1] < len(edges):
                    needed = edges[cursors[-1]]
                    cursors[-1] += 1
                    if state.get(needed) == 1:
                        cycle = stack[stack.index(needed) :]
                        key = _rotation_key(cycle)
                        if key not in seen_keys:
                            seen_keys.add(key)
                            found.append([*cycle, needed])
                    elif needed not in state:
                        state[needed] = 1
                        stack.append(needed)
                        cursors.append(0)
                else:
                    state[node] = 2
                    stack.pop()
                    cursors.pop()
        return found

    def init_order(self) -> list[str]:
        """Runner's order: for each node in registration order, what it needs first
        (depth-first, in declaration order), then the node itself. Assumes no cycles."""
        order: list[str] = []
        done: set[str] = set()
        edge_lists = {node: list(needs) for node, needs in self._edges.items()}
        for root in self._order:
            if root in done:
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            on_stack = {root}
            while stack:
                node, cursor = stack[-1]
                edges = edge_lists[node]
                while cursor < len(edges) and edges[cursor] in done:
                    cursor += 1
                if cursor < len(edges):
                    stack[-1] = (node, cursor + 1)
                    needed = edges[cursor]
                    if needed not in on_stack:
                        stack.append((needed, 0))
                        on_stack.add(needed)
                    continue
                stack.pop()
                on_stack.discard(node)
                if node not in done:
                    done.add(node)
                    order.append(node)
        return order

    def nodes(self) -> Iterable[str]:
        return self._order


def _rotation_key(cycle: list[str]) -> tuple[str, ...]:
    start = cycle.index(min(cycle))
    return tuple(cycle[start:] + cycle[:start])
