"""Paths between entities: the shortest chain of links, a chain that respects time, and the
connecting network of several entities.

A **time-respecting** path only uses a link once it existed and before it ended: walking from
``a`` at time t, a link may be taken when it is last seen at or after t, and the walk is then at
``max(t, first seen)``. It answers "could this have passed from a to b in this order?", the
question behind a transfer of risk, money or goods.

>>> import networkx as nx
>>> G = nx.Graph()
>>> G.add_edge("a", "b", first_seen=1, last_seen=1)
>>> G.add_edge("b", "c", first_seen=5, last_seen=5)
>>> G.add_edge("a", "d", first_seen=1, last_seen=9); G.add_edge("d", "c", first_seen=0, last_seen=0)
>>> shortest_path(G, "a", "c") in (["a", "b", "c"], ["a", "d", "c"])
True
>>> time_respecting_path(G, "a", "c")
['a', 'b', 'c']
>>> sorted(connecting_network(G, ["b", "d"]).nodes)
['a', 'b', 'd']
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from typing import Any

import networkx as nx


def shortest_path(G: nx.Graph, source: Any, target: Any) -> list:
    """The fewest links from ``source`` to ``target`` (raises ``networkx.NetworkXNoPath``)."""
    return nx.shortest_path(G, source, target)


def time_respecting_path(G: nx.Graph, source: Any, target: Any, *, start: Any = None) -> list:
    """The path from ``source`` to ``target`` that arrives earliest, each link taken no earlier
    than the one before it (links need ``first_seen`` and ``last_seen``).

    Parameters
    ----------
    start : comparable, optional
        The moment the walk starts at ``source`` (no bound when None).

    Raises
    ------
    networkx.NetworkXNoPath
        When no path respects time.
    """
    for n in (source, target):
        if n not in G:
            raise nx.NodeNotFound(f"node {n!r} is not in the graph")
    counter = itertools.count()
    best: dict[Any, Any] = {source: start}
    previous: dict[Any, Any] = {}
    queue = [(0, start, next(counter), source)]
    done = set()
    while queue:
        _, t, _, u = heapq.heappop(queue)
        if u in done:
            continue
        done.add(u)
        if u == target:
            path = [u]
            while path[-1] != source:
                path.append(previous[path[-1]])
            return path[::-1]
        for v, data in G[u].items():
            first, last = data.get("first_seen"), data.get("last_seen")
            if v in done or (t is not None and last is not None and last < t):
                continue
            arrive = first if t is None else (t if first is None else max(t, first))
            if v not in best or (arrive is not None and (best[v] is None or arrive < best[v])):
                best[v] = arrive
                previous[v] = u
                heapq.heappush(queue, (0 if arrive is None else 1, arrive, next(counter), v))
    raise nx.NetworkXNoPath(f"no time-respecting path from {source!r} to {target!r}")


def connecting_network(G: nx.Graph, nodes: Iterable[Any], *, max_length: int | None = None) -> nx.Graph:
    """The union of the shortest paths between every pair of ``nodes`` (pairs further apart than
    ``max_length`` links are left unconnected): how a set of entities hangs together."""
    nodes = list(dict.fromkeys(nodes))
    for n in nodes:
        if n not in G:
            raise nx.NodeNotFound(f"node {n!r} is not in the graph")
    keep = set(nodes)
    for a, b in itertools.combinations(nodes, 2):
        try:
            path = nx.shortest_path(G, a, b)
        except nx.NetworkXNoPath:
            continue
        if max_length is None or len(path) - 1 <= max_length:
            keep.update(path)
    return G.subgraph(keep).copy()
