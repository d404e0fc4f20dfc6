"""Risk snapshots kept in the store (``net_risk``): the propagation of
:mod:`workbench.network.propagate` run for chosen moments and written with an audit entry.

A snapshot is replaced when computed again for the same moment (the data behind it may have
grown with later loads of old facts); snapshots of other moments are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb

from workbench.network.arrow_in import arrow_view
from workbench.network.graph import drop_evidence, evidence
from workbench.network.propagate import SOURCES, monthly_as_of, risk_snapshots
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import one, rows


def store_risk(con: duckdb.DuckDBPyConnection, *, as_of: Sequence[dt.datetime] | None = None, limit: int = 20,
               user: str | None = None) -> dict[str, Any]:
    """Compute and store snapshots (default: the first of every month the declarations span);
    returns the moments, the rows written and the top ``limit`` nodes of the last snapshot."""
    from workbench.identity import current_user

    if not as_of:
        span = one(con, "select min(lodged_at), max(lodged_at) from declaration")
        as_of = monthly_as_of(*span) if span and span[0] is not None else []
    moments = sorted({m if isinstance(m, dt.datetime) else dt.datetime.combine(m, dt.time()) for m in as_of})
    evidence(con, SOURCES)
    try:
        table = risk_snapshots(con, moments)
    finally:
        drop_evidence(con)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    user = user or current_user()
    with arrow_view(con, "_net_risk_new", table), transaction(con):
        con.execute("delete from net_risk where as_of in (select unnest($m::TIMESTAMP[]))", {"m": moments})
        con.execute("insert into net_risk select as_of, node_id, score, seed, $now from _net_risk_new", {"now": now})
        audit.record(con, actor=user, action="graph.risk", object_type="risk_snapshot",
                     object_id=moments[-1].isoformat() if moments else "-", reason="network risk propagation",
                     details={"snapshots": [m.isoformat() for m in moments], "rows": table.num_rows})
    top = []
    if moments:
        cols = ["node_id", "label", "score", "seed"]
        top = [dict(zip(cols, r)) for r in rows(con, """
            select r.node_id, coalesce(n.label, r.node_id), r.score, r.seed from net_risk r
            left join net_node n using (node_id) where r.as_of = ? order by r.score desc, r.node_id limit ?""",
                                                  [moments[-1], limit])]
    return {"snapshots": [m.isoformat() for m in moments], "rows": table.num_rows, "top": top}
