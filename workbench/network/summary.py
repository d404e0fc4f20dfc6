"""What the network part of the store holds, in a few numbers (for the demo and `graph info`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from workbench.store.sql import one, rows, scalar


def summary_of(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Resolution, graph and risk snapshot counts of an open store."""
    from workbench.network.graph import graph_state

    run = one(con, "select run_id, finished_at, parties, entities, matched_pairs from net_resolution_run "
                   "order by run_id desc limit 1")
    return {
        "resolution": None if run is None else dict(zip(("run_id", "finished_at", "parties", "entities",
                                                         "matched_pairs"), run))
        | {"decisions": scalar(con, "select count(*) from net_decision")},
        "graph": graph_state(con),
        "nodes_by_type": dict(rows(con, "select node_type, count(*) from net_node group by 1 order by 2 desc")),
        "edges_by_type": dict(rows(con, "select edge_type, count(*) from net_edge group by 1 order by 2 desc")),
        "risk_snapshots": scalar(con, "select count(distinct as_of) from net_risk"),
    }


def network_summary(db: str | Path, *, build: bool = True) -> dict[str, Any]:
    """For the demo: resolve parties and build (or update) the entity graph when ``build``, then
    return the summary with the busiest shared addresses and the top phoenix candidates."""
    from workbench.network.detectors import address_hubs, phoenix_candidates
    from workbench.network.graph import build_graph
    from workbench.network.resolve import resolve
    from workbench.network.subgraph import graph_from_store, known_offenders
    from workbench.store.connection import open_store

    out: dict[str, Any] = {}
    with open_store(db, read_only=not build) as con:
        if build:
            if not scalar(con, "select count(*) from net_resolution_run"):
                out["resolved"] = resolve(con).as_dict()
            out["graph_build"] = build_graph(con)
        out |= summary_of(con)
        G = graph_from_store(con, node_types=("party", "person", "address", "phone", "email", "identifier",
                                              "bank_account"))
        offenders = known_offenders(con)
    out["address_hubs"] = [{k: h[k] for k in ("label", "type", "parties")} for h in address_hubs(G, limit=5)]
    out["phoenix_candidates"] = [{k: p[k] for k in ("label", "offender_label", "registered_on", "after_offence")}
                                 | {"shared": len(p["shared"])} for p in phoenix_candidates(G, offenders, limit=5)]
    return out
