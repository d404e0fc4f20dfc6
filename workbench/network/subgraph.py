"""Reading the stored entity graph into networkx: a node by what an analyst types, an ego network
straight from the store (fast, without loading the whole graph), or the whole graph filtered.

Graphs are undirected ``nx.Graph``; parallel evidence between two nodes is one edge whose
``edge_type`` lists the types (``"has_address"`` or ``"declared_by,supplied"``), with the
earliest ``first_seen``, latest ``last_seen`` and summed ``weight``. Nodes carry ``type``,
``label``, ``first_seen``, ``last_seen``, ``degree`` (in the whole stored graph) and ``attrs``.

High-degree hubs (a carrier, a broker, a port address, a vessel) are included in an ego network
but not expanded through unless named in ``expand``: a trader's neighbourhood stays readable.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

import duckdb
import networkx as nx

from workbench.store.sql import rows

DEFAULT_HUB_DEGREE = 50
LINK_TYPES = ("party", "person", "address", "phone", "email", "bank_account", "identifier", "intel_report", "name",
              "listing", "vessel", "aircraft")
"""Node types an ego network shows by default: who and what links traders. Containers and bills
of lading (one per consignment) are left out unless asked for."""


CONSIGNMENT_NODES = ("container", "bill_of_lading")


class NodeNotFound(LookupError):
    """No node matches what was asked for."""


def find_node(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The node id for a node id, a party id (resolved to its entity's node) or an exact label."""
    text = text.strip()
    if rows(con, "select 1 from net_node where node_id = ?", [text]):
        return text
    found = rows(con, """
        select n.node_id from net_node n
        where n.node_id in (select prefix || coalesce(m.entity_id, $t) from (values ('party:'), ('person:'),
                                ('listing:')) v(prefix) left join net_entity_member m on m.party_id = $t)
        """, {"t": text})
    if found:
        return found[0][0]
    by_label = rows(con, "select node_id from net_node where lower(label) = lower(?) order by node_id limit 6", [text])
    if len(by_label) == 1:
        return by_label[0][0]
    if by_label:
        raise NodeNotFound(f"{text!r} names {len(by_label)} nodes ({', '.join(r[0] for r in by_label[:5])}): "
                           "give a node id")
    if not rows(con, "select 1 from net_node limit 1"):
        raise NodeNotFound("the entity graph is empty: run `workbench graph build` first")
    raise NodeNotFound(f"no node {text!r} in the entity graph (give a node id such as party:..., a party id or a "
                       "label)")


def _node_attrs(row: Sequence) -> dict:
    node_id, node_type, label, first, last, degree, attrs = row
    return {"type": node_type, "label": label, "first_seen": first, "last_seen": last, "degree": degree,
            "attrs": json.loads(attrs) if attrs else {}}


def _pick(choose, a, b):
    return b if a is None else a if b is None else choose(a, b)


def _add_edge(g: nx.Graph, src: str, dst: str, edge_type: str, first, last, weight: int) -> None:
    if g.has_edge(src, dst):
        e = g.edges[src, dst]
        e["edge_type"] = ",".join(sorted(set(e["edge_type"].split(",")) | {edge_type}))
        e["first_seen"] = _pick(min, e["first_seen"], first)
        e["last_seen"] = _pick(max, e["last_seen"], last)
        e["weight"] += weight
    else:
        g.add_edge(src, dst, edge_type=edge_type, first_seen=first, last_seen=last, weight=weight)


EDGE_FILTER = """
    ($edge_types is null or e.edge_type in (select unnest($edge_types::VARCHAR[])))
    and ($until is null or e.first_seen < $until)
    and ($since is null or e.last_seen >= $since)"""


def ego_from_store(
    con: duckdb.DuckDBPyConnection,
    centers: str | Iterable[str],
    *,
    hops: int = 2,
    node_types: Sequence[str] | None = LINK_TYPES,
    edge_types: Sequence[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    hub_degree: int = DEFAULT_HUB_DEGREE,
    expand: Iterable[str] = (),
) -> nx.Graph:
    """The neighbourhood of ``centers`` up to ``hops`` links away, read from ``net_edge``.

    Only nodes of ``node_types`` (all when None) and edges of ``edge_types`` seen in the window
    [``since``, ``until``) count. Nodes whose stored degree exceeds ``hub_degree`` are shown but
    not expanded, except the centers and the nodes in ``expand``.
    """
    if hops < 0:
        raise ValueError("hops must be 0 or more")
    centers = [centers] if isinstance(centers, str) else list(centers)
    keep_expanding = set(centers) | set(expand)
    params = {"edge_types": list(edge_types) if edge_types else None, "since": since, "until": until}
    # edges to containers and bills of lading are stored apart: skipping them skips most of the table
    skip = "and not e.consignment" if node_types is not None and not set(node_types) & set(CONSIGNMENT_NODES) else ""
    g = nx.Graph()
    seen = set(centers)
    frontier = list(centers)
    for _ in range(hops):
        if not frontier:
            break
        found = rows(con, f"""
            select e.src, e.dst, e.edge_type, e.first_seen, e.last_seen, e.weight from net_edge e
            where (e.src in (select unnest($f::VARCHAR[])) or e.dst in (select unnest($f::VARCHAR[])))
              and {EDGE_FILTER} {skip}""", params | {"f": frontier})
        ends = set(frontier)
        others = {d if s in ends else s for s, d, *_ in found}
        info = {r[0]: r for r in rows(con, "select node_id, node_type, label, first_seen, last_seen, degree, attrs "
                                           "from net_node where node_id in (select unnest($n::VARCHAR[]))",
                                      {"n": sorted(others | seen)})}
        allowed = {n for n in others if n in info and (node_types is None or info[n][1] in node_types)}
        for n in set(centers) | allowed:
            if n in info and n not in g:
                g.add_node(n, **_node_attrs(info[n]))
        for s, d, t, first, last, w in found:
            if (s in g or s in allowed) and (d in g or d in allowed):
                _add_edge(g, s, d, t, first, last, w)
        new = allowed - seen
        seen |= new
        frontier = [n for n in sorted(new) if info[n][5] <= hub_degree or n in keep_expanding]
    for c in centers:
        if c not in g:
            info = rows(con, "select node_id, node_type, label, first_seen, last_seen, degree, attrs from net_node "
                             "where node_id = ?", [c])
            if not info:
                raise NodeNotFound(f"no node {c!r} in the entity graph")
            g.add_node(c, **_node_attrs(info[0]))
    return g


def graph_from_store(
    con: duckdb.DuckDBPyConnection,
    *,
    node_types: Sequence[str] | None = None,
    edge_types: Sequence[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> nx.Graph:
    """The stored graph (or the part of the types and window asked for) as one ``nx.Graph``."""
    params = {"edge_types": list(edge_types) if edge_types else None, "since": since, "until": until,
              "types": list(node_types) if node_types else None}
    type_ok = "($types is null or n.node_type in (select unnest($types::VARCHAR[])))"
    skip = "and not e.consignment" if node_types is not None and not set(node_types) & set(CONSIGNMENT_NODES) else ""
    nodes = rows(con, f"select node_id, node_type, label, first_seen, last_seen, degree, attrs from net_node n "
                      f"where {type_ok}", {"types": params["types"]})
    g = nx.Graph()
    g.add_nodes_from((r[0], _node_attrs(r)) for r in nodes)
    found = rows(con, f"""
        select e.src, e.dst, e.edge_type, e.first_seen, e.last_seen, e.weight from net_edge e
        where {EDGE_FILTER} {skip}
          and exists (select 1 from net_node n where n.node_id = e.src and {type_ok})
          and exists (select 1 from net_node n where n.node_id = e.dst and {type_ok})""", params)
    for s, d, t, first, last, w in found:
        _add_edge(g, s, d, t, first, last, w)
    return g


def known_offenders(con: duckdb.DuckDBPyConnection, as_of: dt.datetime | None = None) -> dict[str, str]:
    """Party node -> when its first positive examination result became known (ISO text), for
    results known before ``as_of`` (all when None)."""
    found = rows(con, """
        select 'party:' || coalesce(m.entity_id, d.importer_id) as node_id, min(i.known_at)
        from inspection i
        join (select declaration_id, arg_min(importer_id, known_at) as importer_id from declaration group by all) d
          using (declaration_id)
        left join net_entity_member m on m.party_id = d.importer_id
        where i.result = 'positive' and d.importer_id is not null and ($as_of is null or i.known_at < $as_of)
        group by all""", {"as_of": as_of})
    return {n: t.isoformat() for n, t in found}


CONTROL_EDGES = ("has_address", "has_phone", "has_email", "has_identifier", "has_bank_account", "director_of",
                 "owner_of")


def trade_digraph(con: duckdb.DuckDBPyConnection, *, hub_degree: int = DEFAULT_HUB_DEGREE) -> nx.DiGraph:
    """Goods flows (``supplied``: seller -> buyer) and control links (both ways, through shared
    attributes and directors that are not hubs), for :func:`~workbench.network.detectors.circular_trade`."""
    found = rows(con, """
        select e.src, e.dst, e.edge_type from net_edge e
        join net_node a on a.node_id = e.src join net_node b on b.node_id = e.dst
        where e.edge_type = 'supplied'
           or (e.edge_type in (select unnest($control::VARCHAR[])) and a.degree <= $hub and b.degree <= $hub)""",
                 {"control": list(CONTROL_EDGES), "hub": hub_degree})
    D = nx.DiGraph()
    for s, d, t in found:
        D.add_edge(s, d, edge_type=t)
        if t != "supplied":
            D.add_edge(d, s, edge_type=t)
    return D
