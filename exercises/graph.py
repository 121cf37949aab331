"""Pure functions over the progression graph (no ORM): cycle detection and walking.

Nodes are any hashable ids (primary keys in the admin, slugs in the loader)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def _adjacency(edges: Iterable[tuple[Node, Node]]) -> dict[Node, list[Node]]:
    graph: dict[Node, list[Node]] = defaultdict(list)
    for easier, harder in edges:
        graph[easier].append(harder)
    return graph


def find_path(edges: Iterable[tuple[Node, Node]], start: Node, goal: Node) -> list[Node] | None:
    """The nodes of one path ``start`` → … → ``goal`` along the edges, or None."""
    graph = _adjacency(edges)
    parents: dict[Node, Node | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = [node]
            while parents[path[-1]] is not None:
                path.append(parents[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in parents:
                parents[nxt] = node
                queue.append(nxt)
    return None


def would_create_cycle(
    edges: Sequence[tuple[Node, Node]], new_edge: tuple[Node, Node]
) -> list[Node] | None:
    """If adding ``easier → harder`` closes a cycle, the cycle's nodes (first = last), else None."""
    easier, harder = new_edge
    if easier == harder:
        return [easier, harder]
    back = find_path(edges, harder, easier)
    if back is None:
        return None
    return [easier, *back]


def find_cycle(edges: Iterable[tuple[Node, Node]]) -> list[Node] | None:
    """One cycle of the graph as its nodes (first = last), or None when the graph is acyclic."""
    graph = _adjacency(edges)
    WHITE, GREY, BLACK = 0, 1, 2
    colour: dict[Node, int] = defaultdict(int)
    nodes = list(graph)
    for root in nodes:
        if colour[root] != WHITE:
            continue
        stack: list[tuple[Node, Iterable[Node]]] = [(root, iter(graph.get(root, ())))]
        path = [root]
        colour[root] = GREY
        while stack:
            node, children = stack[-1]
            for child in children:
                if colour[child] == GREY:
                    return [*path[path.index(child) :], child]
                if colour[child] == WHITE:
                    colour[child] = GREY
                    stack.append((child, iter(graph.get(child, ()))))
                    path.append(child)
                    break
            else:
                colour[node] = BLACK
                stack.pop()
                path.pop()
    return None
