"""Link analysis: entity resolution of parties, the entity graph, its analyses and network risk.

The flow: :func:`resolve` groups party records into traders; :func:`build_graph` turns the
store's evidence into typed nodes and edges (``net_node``, ``net_edge``); the analyses are
networkx-style functions of a graph read with :func:`ego_from_store` or
:func:`graph_from_store`; :func:`risk_snapshots` spreads risk from known offenders point in time
and feeds the network indicators (:mod:`workbench.network.indicators`); :func:`export` writes
GraphML, GEXF, followthemoney entities or i2/Gephi CSV.

Names are imported lazily so that ``import workbench.network`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "resolve": "workbench.network.resolve",
    "decide": "workbench.network.decisions",
    "resolution_quality": "workbench.network.quality",
    "build_graph": "workbench.network.graph",
    "find_node": "workbench.network.subgraph",
    "ego_from_store": "workbench.network.subgraph",
    "graph_from_store": "workbench.network.subgraph",
    "known_offenders": "workbench.network.subgraph",
    "ego_network": "workbench.network.ego",
    "shortest_path": "workbench.network.paths",
    "time_respecting_path": "workbench.network.paths",
    "connecting_network": "workbench.network.paths",
    "centrality": "workbench.network.centrality",
    "communities": "workbench.network.communities",
    "address_hubs": "workbench.network.detectors",
    "phoenix_candidates": "workbench.network.detectors",
    "circular_trade": "workbench.network.detectors",
    "personalised_pagerank": "workbench.network.propagate",
    "risk_snapshots": "workbench.network.propagate",
    "store_risk": "workbench.network.risk",
    "export": "workbench.network.export",
    "network_summary": "workbench.network.summary",
    "NetworkView": "workbench.network.view",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.network' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
