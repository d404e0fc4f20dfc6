"""Communities: groups of entities more linked among themselves than to the rest (Louvain).

>>> import networkx as nx
>>> G = nx.barbell_graph(5, 0)
>>> [sorted(c) for c in communities(G)]
[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
"""

from __future__ import annotations

from typing import Any

import networkx as nx


def communities(G: nx.Graph, *, seed: int = 0, resolution: float = 1.0, weight: str | None = None,
                min_size: int = 1) -> list[set[Any]]:
    """Louvain communities of ``G``, largest first (ties by smallest member), seeded so a re-run
    gives the same groups; communities smaller than ``min_size`` are left out."""
    found = nx.community.louvain_communities(G, seed=seed, resolution=resolution, weight=weight)
    kept = [set(c) for c in found if len(c) >= min_size]
    return sorted(kept, key=lambda c: (-len(c), min(str(n) for n in c)))


def membership(groups: list[set[Any]]) -> dict[Any, int]:
    """node -> community number (0 is the largest)."""
    return {n: i for i, c in enumerate(groups) for n in c}
