"""Who sits in the middle: degree, betweenness, PageRank and eigenvector centrality.

PageRank goes through networkx's backend dispatch, so an installed GraphBLAS backend
(``graphblas-algorithms``) runs it when asked with ``backend="graphblas"``; betweenness has no
GraphBLAS version and is estimated from ``k`` sampled sources on large graphs.

>>> import networkx as nx
>>> top = centrality(nx.star_graph(4), "degree")
>>> top[0]
(0, 1.0)
"""

from __future__ import annotations

from typing import Any

import networkx as nx

MEASURES = ("degree", "betweenness", "pagerank", "eigenvector")
EXACT_BETWEENNESS = 5_000
"""Largest graph (nodes) whose betweenness is computed exactly; larger ones are sampled."""


def centrality(G: nx.Graph, measure: str = "degree", *, limit: int | None = None, seed: int = 0,
               backend: str | None = None, weight: str | None = None) -> list[tuple[Any, float]]:
    """(node, score) of the most central nodes, highest first (ties by node).

    Parameters
    ----------
    measure : {'degree', 'betweenness', 'pagerank', 'eigenvector'}
    limit : int, optional
        How many to return (all when None).
    seed : int
        Seed of the sampled betweenness on large graphs.
    backend : str, optional
        A networkx backend for PageRank (``"graphblas"``).
    weight : str, optional
        Edge attribute used as weight (``"weight"`` counts evidence rows).
    """
    if measure not in MEASURES:
        raise ValueError(f"measure {measure!r}: use one of {', '.join(MEASURES)}")
    if G.number_of_nodes() == 0:
        return []
    if measure == "degree":
        scores = nx.degree_centrality(G)
    elif measure == "betweenness":
        k = None if G.number_of_nodes() <= EXACT_BETWEENNESS else min(500, G.number_of_nodes())
        scores = nx.betweenness_centrality(G, k=k, seed=seed, weight=None)
    elif measure == "pagerank":
        scores = nx.pagerank(G, weight=weight, backend=backend) if backend else nx.pagerank(G, weight=weight)
    else:
        scores = nx.eigenvector_centrality_numpy(G, weight=weight)
    ranked = sorted(((n, float(s)) for n, s in scores.items()), key=lambda x: (-x[1], str(x[0])))
    return ranked[:limit] if limit else ranked
