"""The network on screen: an interactive ipysigma view in the notebook, coloured by risk (or
type), sized by centrality, where clicking an entity lists its declarations.

What the view shows is computed by pure functions (:func:`view_data`, :func:`declarations_of`)
that import no widget library; :class:`NetworkView` only holds the widgets (ipysigma and
ipywidgets are imported when it is made).

>>> import networkx as nx
>>> G = nx.Graph([("party:a", "address:x"), ("party:b", "address:x")])
>>> nx.set_node_attributes(G, {"party:a": "party", "party:b": "party", "address:x": "address"}, "type")
>>> data = view_data(G, risk={"party:a": 12.0})
>>> data.nodes["party:a"]["risk"], data.nodes["party:b"]["risk"], round(data.nodes["address:x"]["centrality"], 2)
(12.0, 0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import networkx as nx

from workbench.store.sql import rows


def view_data(G: nx.Graph, *, risk: Mapping[Any, float] | None = None) -> nx.Graph:
    """A copy of ``G`` with what the view encodes: ``risk`` (0 when unknown), ``centrality``
    (degree centrality within the shown graph) and ``kind`` (the node type)."""
    H = G.copy()
    cent = nx.degree_centrality(H) if H.number_of_nodes() > 1 else {n: 1.0 for n in H}
    for n, data in H.nodes(data=True):
        data["risk"] = float((risk or {}).get(n, 0.0))
        data["centrality"] = float(cent.get(n, 0.0))
        data["kind"] = data.get("type", "")
        data.pop("attrs", None)
        for key in ("first_seen", "last_seen"):
            if data.get(key) is not None:
                data[key] = str(data[key])
    for _, _, data in H.edges(data=True):
        for key in ("first_seen", "last_seen"):
            if data.get(key) is not None:
                data[key] = str(data[key])
    return H


def risk_of(con: duckdb.DuckDBPyConnection, nodes: list[str]) -> dict[str, float]:
    """The latest stored network risk score of each node (``net_risk``), where there is one."""
    return dict(rows(con, """
        select node_id, arg_max(score, as_of) from net_risk where node_id in (select unnest($n::VARCHAR[]))
        group by node_id""", {"n": nodes}))


def declarations_of(con: duckdb.DuckDBPyConnection, node_id: str, limit: int = 50) -> list[dict]:
    """The latest declarations naming the party (any record of its entity) as importer,
    exporter or declarant: what a click on a party shows."""
    cols = ["declaration_id", "lodged_at", "role", "importer_id", "exporter_id", "country_origin", "office_code"]
    found = rows(con, """
        with recs as (
            select p.party_id from (select distinct party_id from party) p
            left join net_entity_member m using (party_id)
            where 'party:' || coalesce(m.entity_id, p.party_id) = $n or 'person:' || coalesce(m.entity_id, p.party_id) = $n)
        select declaration_id, lodged_at,
               case when importer_id in (select party_id from recs) then 'importer'
                    when exporter_id in (select party_id from recs) then 'seller' else 'declarant' end,
               importer_id, exporter_id, country_origin, office_code
        from declaration_current
        where importer_id in (select party_id from recs) or exporter_id in (select party_id from recs)
           or declarant_id in (select party_id from recs)
        order by lodged_at desc limit $limit""", {"n": node_id, "limit": limit})
    return [dict(zip(cols, r)) for r in found]


class NetworkView:
    """An ipysigma view of a graph beside a table of the clicked entity's declarations.

    ``view = NetworkView(G, db=path, risk=scores)``; ``display(view.widget)``. Colour shows risk
    when scores are given (else the node type), size shows centrality.
    """

    def __init__(self, G: nx.Graph, *, db: Any = None, risk: Mapping[Any, float] | None = None,
                 height: int = 500) -> None:
        import ipywidgets as widgets
        from ipysigma import Sigma

        self.db = db
        self.graph = view_data(G, risk=risk)
        colour = {"node_color": "risk", "node_color_gradient": "Reds"} if risk else {"node_color": "kind"}
        self.sigma = Sigma(self.graph, node_size="centrality", node_label="label", height=height, **colour)
        self.details = widgets.Output()
        self.sigma.observe(self._clicked, names=["selected_node"])
        self.widget = widgets.VBox([self.sigma, self.details])

    def _clicked(self, change: dict) -> None:
        node = change.get("new")
        self.details.clear_output()
        if not node or self.db is None:
            return
        from workbench.store.connection import open_store

        with open_store(self.db, read_only=True) as con:
            found = declarations_of(con, node)
        with self.details:
            print(f"{self.graph.nodes[node].get('label', node)}: {len(found)} latest declarations")
            for d in found:
                print(f"  {d['lodged_at']:%Y-%m-%d} {d['declaration_id']} as {d['role']} (origin {d['country_origin']})")


MAX_DRAWN = 400
"""Most nodes a static drawing takes: beyond that a node-link picture is unreadable (and slow)."""


def layout_data(G: nx.Graph, *, risk: Mapping[Any, float] | None = None, seed: int = 0) -> dict[str, list[dict]]:
    """Node and edge records with positions (a seeded spring layout) for the static chart
    :func:`workbench.charts.network.network_chart`; at most :data:`MAX_DRAWN` nodes."""
    if G.number_of_nodes() > MAX_DRAWN:
        raise ValueError(f"{G.number_of_nodes()} nodes are too many to draw readably (at most {MAX_DRAWN}): "
                         "narrow the graph (fewer hops, fewer node types, a lower hub degree)")
    pos = nx.spring_layout(G, seed=seed, iterations=50) if G.number_of_nodes() else {}
    H = view_data(G, risk=risk)
    nodes = [{"node": str(n), "label": str(d.get("label", n)), "type": d["kind"], "risk": d["risk"],
              "centrality": d["centrality"], "x": float(pos[n][0]), "y": float(pos[n][1])} for n, d in H.nodes(data=True)]
    edges = [{"edge": k, "x": float(pos[n][0]), "y": float(pos[n][1]), "type": str(d.get("edge_type", ""))}
             for k, (u, v, d) in enumerate(H.edges(data=True)) for n in (u, v)]
    return {"nodes": nodes, "edges": edges}
