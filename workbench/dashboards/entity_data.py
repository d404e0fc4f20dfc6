"""What the network explorer shows of one entity, read from the stored entity graph: its
neighbourhood (an ego network straight from the store, hubs shown but not walked through unless
expanded), the known offenders in it and how far each is, the stored network risk of each node,
and the entity's latest declarations. Plain data, no widgets.

::

    with open_store(db, read_only=True) as con:
        view = entity_view(con, "synth:P000123", hops=2)
    view.headline()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import networkx as nx

NEIGHBOUR_COLUMNS = ("node", "label", "type", "links_away", "degree", "risk", "offender_since")


@dataclass
class EntityView:
    """One entity's neighbourhood and what is known of it."""

    node: str
    label: str
    type: str
    hops: int
    graph: nx.Graph
    risk: dict[str, float]
    neighbours: list[dict[str, Any]]
    offenders: list[dict[str, Any]]
    declarations: list[dict[str, Any]]
    expanded: tuple[str, ...] = field(default_factory=tuple)

    def headline(self) -> str:
        """The entity in one sentence."""
        text = (f"{self.label} ({self.type}): {self.graph.number_of_nodes() - 1:,} entities within {self.hops} "
                f"link(s), {len(self.offenders):,} of them known offenders")
        own = self.risk.get(self.node)
        if own is not None:
            text += f"; network risk {own:.3g}"
        return text + f"; {len(self.declarations):,} latest declarations."


def entity_view(con: duckdb.DuckDBPyConnection, text: str, *, hops: int = 1, expand: Iterable[str] = (),
                hub_degree: int | None = None, declarations: int = 20) -> EntityView:
    """The neighbourhood of the entity ``text`` names (a node id, a party id or an exact label)
    up to ``hops`` links; raises :class:`workbench.network.subgraph.NodeNotFound` with the reason
    when nothing matches."""
    from workbench.network import ego_from_store, find_node, known_offenders
    from workbench.network.subgraph import DEFAULT_HUB_DEGREE
    from workbench.network.view import declarations_of, risk_of

    if not 1 <= hops <= 4:
        raise ValueError(f"hops {hops}: between 1 and 4 (a wider neighbourhood is unreadable)")
    node = find_node(con, text)
    expand = tuple(expand)
    G = ego_from_store(con, node, hops=hops, expand=expand, hub_degree=hub_degree or DEFAULT_HUB_DEGREE)
    risk = risk_of(con, list(G.nodes))
    offenders = {n: when for n, when in known_offenders(con).items() if n in G}
    away = nx.single_source_shortest_path_length(G, node)
    neighbours = sorted(
        ({"node": n, "label": d.get("label", n), "type": d.get("type", ""), "links_away": away.get(n),
          "degree": d.get("degree"), "risk": risk.get(n), "offender_since": offenders.get(n)}
         for n, d in G.nodes(data=True) if n != node),
        key=lambda r: (r["links_away"] or 99, -(r["risk"] or 0.0), str(r["label"])))
    linked = [r for r in neighbours if r["offender_since"]]
    data = G.nodes[node]
    return EntityView(node=node, label=str(data.get("label", node)), type=str(data.get("type", "")), hops=hops,
                      graph=G, risk=risk, neighbours=neighbours, offenders=linked,
                      declarations=declarations_of(con, node, limit=declarations), expanded=expand)


def busiest_traders(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    """Importers of the graph by stored network risk, then by declarations: where to start."""
    from workbench.store.sql import rows

    found = rows(con, """
        with imp as (
            select 'party:' || coalesce(m.entity_id, d.importer_id) as node_id, count(*) as declarations
            from declaration_current d left join net_entity_member m on m.party_id = d.importer_id
            where d.importer_id is not null group by 1)
        select n.node_id, n.label, imp.declarations, n.degree, r.score from net_node n join imp using (node_id)
        left join (select node_id, arg_max(score, as_of) as score from net_risk group by 1) r using (node_id)
        order by r.score desc nulls last, imp.declarations desc, n.node_id limit ?""", [limit])
    return [dict(zip(("node", "label", "declarations", "degree", "risk"), r)) for r in found]
