"""Structures that point at schemes: address hubs, phoenix companies and circular trade.

>>> import networkx as nx
>>> G = nx.Graph()
>>> G.add_nodes_from([("a", {"type": "party", "attrs": {"registered_on": "2020-01-01"}}),
...                   ("b", {"type": "party", "attrs": {"registered_on": "2024-06-01"}}),
...                   ("x", {"type": "address"})])
>>> G.add_edges_from([("a", "x"), ("b", "x")])
>>> [h["node"] for h in address_hubs(G, min_parties=2)]
['x']
>>> [(p["node"], p["offender"]) for p in phoenix_candidates(G, {"a": "2024-01-15"})]
[('b', 'a')]
>>> D = nx.DiGraph([("s", "i", {"edge_type": "supplied"}), ("i", "x", {"edge_type": "has_address"}),
...                 ("x", "i", {"edge_type": "has_address"}), ("s", "x", {"edge_type": "has_address"}),
...                 ("x", "s", {"edge_type": "has_address"})])
>>> circular_trade(D)
[['i', 'x', 's']]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

SHARED_TYPES = ("address", "phone", "email", "identifier", "bank_account", "person")
"""Node types whose sharing ties two traders to the same people or premises."""
TRADE_EDGES = ("supplied",)


def _parties(G: nx.Graph, node: Any) -> list:
    return sorted(v for v in G[node] if G.nodes[v].get("type") == "party")


def address_hubs(G: nx.Graph, *, min_parties: int = 3, types: Iterable[str] = ("address", "phone", "email"),
                 limit: int | None = None) -> list[dict]:
    """Addresses (phones, e-mails) shared by at least ``min_parties`` traders, most shared first."""
    types = set(types)
    out = []
    for n, data in G.nodes(data=True):
        if data.get("type") in types:
            parties = _parties(G, n)
            if len(parties) >= min_parties:
                out.append({"node": n, "type": data.get("type"), "label": data.get("label", str(n)),
                            "parties": len(parties), "members": parties})
    out.sort(key=lambda h: (-h["parties"], str(h["node"])))
    return out[:limit] if limit else out


def _registered(G: nx.Graph, node: Any) -> Any:
    return (G.nodes[node].get("attrs") or {}).get("registered_on")


def phoenix_candidates(G: nx.Graph, offenders: Mapping[Any, Any], *, shared: Iterable[str] = SHARED_TYPES,
                       limit: int | None = None) -> list[dict]:
    """Traders registered after an offender (``offenders``: node -> when its offence became known;
    ISO dates or times, as the nodes' ``attrs["registered_on"]``) that share a person, address,
    phone, e-mail, identifier or bank account with it. Those registered after the offence was
    known come first, then the most shared links, then the newest."""
    shared = set(shared)
    found: dict[tuple, dict] = {}
    for o, known in offenders.items():
        if o not in G:
            continue
        reg_o = _registered(G, o)
        for link in G[o]:
            if G.nodes[link].get("type") not in shared:
                continue
            for p in _parties(G, link):
                reg = _registered(G, p)
                if p == o or reg is None or (reg_o is not None and str(reg) <= str(reg_o)):
                    continue
                hit = found.setdefault((p, o), {
                    "node": p, "label": G.nodes[p].get("label", str(p)), "offender": o,
                    "offender_label": G.nodes[o].get("label", str(o)), "registered_on": reg,
                    "offence_known": known, "after_offence": str(reg) > str(known)[:10], "shared": []})
                hit["shared"].append(link)
    out = sorted(found.values(), key=lambda h: str(h["node"]))
    out.sort(key=lambda h: str(h["registered_on"]), reverse=True)          # newest first ...
    out.sort(key=lambda h: (not h["after_offence"], -len(h["shared"])))   # ... within the stronger cases
    return out[:limit] if limit else out


def circular_trade(D: nx.DiGraph, *, max_length: int = 4, trade_edges: Iterable[str] = TRADE_EDGES) -> list[list]:
    """Cycles of at most ``max_length`` nodes that contain a trade edge: goods flowing back to
    whoever sent them, directly (A sells to B sells to A) or through shared control (a supplier
    sharing an address or director with its buyer). Control links should be given both ways."""
    trade = set(trade_edges)
    out = []
    for cycle in nx.simple_cycles(D, length_bound=max_length):
        pairs = list(zip(cycle, cycle[1:] + cycle[:1]))
        if any(set(str(D.edges[u, v].get("edge_type", "")).split(",")) & trade for u, v in pairs) and len(cycle) > 2:
            k = cycle.index(min(cycle, key=str))
            out.append(cycle[k:] + cycle[:k])
    return sorted(out, key=lambda c: (len(c), [str(x) for x in c]))
