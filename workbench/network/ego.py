"""Ego networks: what lies within k links of one or more entities, by type and by date.

>>> import networkx as nx
>>> G = nx.Graph()
>>> G.add_nodes_from([("a", {"type": "party"}), ("x", {"type": "address"}), ("b", {"type": "party"}),
...                   ("c", {"type": "party"})])
>>> G.add_edge("a", "x", first_seen=1, last_seen=5); G.add_edge("x", "b", first_seen=2, last_seen=2)
>>> G.add_edge("b", "c", first_seen=9, last_seen=9)
>>> sorted(ego_network(G, "a", hops=2))
['a', 'b', 'x']
>>> sorted(ego_network(G, "a", hops=3, until=5))
['a', 'b', 'x']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx


def _edge_ok(data: dict, edge_types: set[str] | None, since: Any, until: Any) -> bool:
    if edge_types is not None and not set(str(data.get("edge_type", "")).split(",")) & edge_types:
        return False
    if until is not None and data.get("first_seen") is not None and not data["first_seen"] < until:
        return False
    if since is not None and data.get("last_seen") is not None and not data["last_seen"] >= since:
        return False
    return True


def ego_network(
    G: nx.Graph,
    centers: Any | Iterable[Any],
    *,
    hops: int = 2,
    node_types: Sequence[str] | None = None,
    edge_types: Sequence[str] | None = None,
    since: Any = None,
    until: Any = None,
    hub_degree: int | None = None,
    expand: Iterable[Any] = (),
) -> nx.Graph:
    """The subgraph within ``hops`` links of ``centers``.

    Parameters
    ----------
    G : networkx.Graph
        Nodes may carry ``type``; edges ``edge_type`` (comma-separated), ``first_seen``, ``last_seen``.
    centers : node or iterable of nodes
    hops : int
        How many links out.
    node_types, edge_types : sequences of str, optional
        Only nodes and edges of these types are walked through (all when None).
    since, until : comparable, optional
        Only edges seen in [since, until): last seen on or after ``since``, first seen before ``until``.
    hub_degree : int, optional
        Nodes with more neighbours than this are kept but not expanded (unless in ``expand``).
    expand : iterable of nodes
        Hubs to expand anyway.

    Returns
    -------
    networkx.Graph
        A copy holding the nodes reached and the edges among them that pass the filters.
    """
    centers = [centers] if centers in G else list(centers)
    for c in centers:
        if c not in G:
            raise nx.NodeNotFound(f"node {c!r} is not in the graph")
    etypes = set(edge_types) if edge_types else None
    wide_open = set(centers) | set(expand)
    reached = set(centers)
    frontier = list(centers)
    for _ in range(hops):
        nxt = []
        for u in frontier:
            if hub_degree is not None and G.degree(u) > hub_degree and u not in wide_open:
                continue
            for v, data in G[u].items():
                if v in reached or not _edge_ok(data, etypes, since, until):
                    continue
                if node_types is not None and G.nodes[v].get("type") not in node_types:
                    continue
                reached.add(v)
                nxt.append(v)
        frontier = nxt
    H = nx.Graph()
    H.add_nodes_from((n, G.nodes[n]) for n in reached)
    H.add_edges_from((u, v, d) for u, v, d in G.subgraph(reached).edges(data=True) if _edge_ok(d, etypes, since, until))
    return H
