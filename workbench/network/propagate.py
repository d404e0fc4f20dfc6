"""Risk spread from known offenders across the network, point in time.

Risk flows from parties with a positive examination result along the links that tie traders
together (shared addresses, phones, e-mails, identifiers, bank accounts, directors, suppliers):
a **personalised PageRank** whose restart mass sits on the offenders known at the time. A
snapshot "as of" a moment uses only links first seen before it and results known before it, so
the snapshot of the first of a month can score every declaration lodged in that month without
reading the future. Scores are scaled so that 1 is the average over the party nodes in the
network at that moment. Each snapshot depends on its moment and the facts before it only —
not on which other months are computed alongside — so a build of one month and a build of a
year give the same values, bit for bit.

>>> import numpy as np
>>> r = personalised_pagerank(4, [(0, 1, 1.0), (1, 2, 1.0)], {0: 1.0})
>>> [round(float(x), 3) for x in r]
[0.345, 0.459, 0.195, 0.0]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
import scipy.sparse.linalg as spla

ALPHA = 0.85
EDGE_WEIGHTS: dict[str, float] = {
    "has_address": 1.0, "has_phone": 1.0, "has_email": 1.0, "has_identifier": 1.0, "has_bank_account": 1.0,
    "director_of": 1.0, "owner_of": 1.0, "same_as": 1.0, "mentions": 0.5, "supplied": 0.2,
}
"""Links risk travels along, with their weights. Brokers, carriers, vessels and containers serve
everyone and carry no risk between their clients."""
SOURCES = ("has_address", "has_phone", "has_email", "has_identifier", "has_bank_account", "party_link", "supplied",
           "mentions")
"""Evidence sources (:mod:`workbench.network.evidence`) the propagation reads."""


def personalised_pagerank(
    n: int, edges: np.ndarray | Iterable[tuple[int, int, float]], seeds: Mapping[int, float], *, alpha: float = ALPHA,
    tol: float = 1e-12, max_iter: int = 1000,
) -> np.ndarray:
    """PageRank of ``n`` nodes on undirected weighted ``edges`` restarting at ``seeds`` (index ->
    weight); zeros when there are no seeds. Dangling mass returns to the seeds.

    The fixed point ``x = alpha (P'x + (d.x) r) + (1 - alpha) r`` is proportional to the solution
    ``y`` of ``(I - alpha P') y = r`` (the dangling and restart terms are both multiples of
    ``r``), so it is solved as that linear system with BiCGSTAB to a relative residual ``tol``
    and normalised — about half the time of the power iteration at this precision. Should the
    solver not converge, the power iteration answers.
    """
    if not seeds:
        return np.zeros(n)
    e = edges if isinstance(edges, np.ndarray) else np.array(list(edges), dtype=float)
    e = e.reshape(-1, 3)
    i, j, w = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2]
    A = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n)).tocsr()
    out = np.asarray(A.sum(axis=1)).ravel()
    inv = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    restart = np.zeros(n)
    for k, v in seeds.items():
        restart[k] += v
    restart /= restart.sum()

    def walk(x: np.ndarray) -> np.ndarray:   # P'x: A is symmetric, so the walk's transpose is A D^-1
        return A @ (inv * x)

    system = spla.LinearOperator((n, n), matvec=lambda y: y - alpha * walk(y), dtype=float)
    y, info = spla.bicgstab(system, restart, rtol=tol, atol=0.0, maxiter=max_iter)
    y = np.clip(y, 0.0, None)   # rounding can leave -1e-18 where nothing flows
    if info == 0 and np.all(np.isfinite(y)) and y.sum() > 0:
        return y / y.sum()
    return _power_iteration(walk, restart, out == 0, alpha, tol, max_iter)


def _power_iteration(walk: Callable[[np.ndarray], np.ndarray], restart: np.ndarray, dangling: np.ndarray,
                     alpha: float, tol: float, max_iter: int) -> np.ndarray:
    x = restart.copy()
    for _ in range(max_iter):
        nxt = alpha * (walk(x) + x[dangling].sum() * restart) + (1 - alpha) * restart
        if np.abs(nxt - x).sum() < tol:
            return nxt
        x = nxt
    return x


def offenders_sql(table: str = "_g_party") -> str:
    """Positive results per party node with the moment each became known (needs ``_g_party``)."""
    return f"""
select coalesce(g.node_id, 'party:' || d.importer_id) as node_id, i.known_at
from inspection i
join (select declaration_id, arg_min(importer_id, known_at) as importer_id from declaration group by all) d
  using (declaration_id)
left join {table} g on g.party_id = d.importer_id
where i.result = 'positive' and d.importer_id is not null
order by 1, 2
"""


def monthly_as_of(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """The first moment of every month from ``first``'s month to ``last``'s."""
    y, m = first.year, first.month
    out = []
    while (y, m) <= (last.year, last.month):
        out.append(dt.datetime(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def risk_snapshots(
    con: duckdb.DuckDBPyConnection, as_of: Sequence[dt.datetime], *, edges_table: str = "_g_ev",
    weights: Mapping[str, float] | None = None, alpha: float = ALPHA,
) -> pa.Table:
    """(as_of, node_id, score, seed) for every party node with a score above zero, per as-of moment.

    Reads the evidence edges from ``edges_table`` (columns src, dst, edge_type, first_at) and
    the offences through ``_g_party``; both must exist (see :func:`workbench.network.graph.evidence`).
    """
    weights = dict(EDGE_WEIGHTS if weights is None else weights)
    src, dst, w, first, off_node, off_time, ids, is_party, appears = _numbered(con, edges_table, weights)
    out: dict[str, list] = {"as_of": [], "node_id": [], "score": [], "seed": []}
    for moment in sorted(as_of):
        t = np.datetime64(moment, "us")
        keep = first < t
        seeds_idx, counts = np.unique(off_node[off_time < t], return_counts=True)
        seeds = dict(zip(seeds_idx.tolist(), counts.astype(float).tolist()))
        raw = personalised_pagerank(len(ids), np.column_stack([src[keep], dst[keep], w[keep]]), seeds, alpha=alpha)
        score = raw * max(int((is_party & (appears < t)).sum()), 1)
        hit = np.flatnonzero((score > 1e-9) & is_party)
        out["as_of"] += [moment] * len(hit)
        out["node_id"] += ids[hit].tolist()
        out["score"] += score[hit].tolist()
        seed_set = set(seeds)
        out["seed"] += [int(k) in seed_set for k in hit]
    return pa.table(out, schema=pa.schema([("as_of", pa.timestamp("us")), ("node_id", pa.string()),
                                           ("score", pa.float64()), ("seed", pa.bool_())]))


NEVER = "TIMESTAMP '9999-12-31'"


def _numbered(con: duckdb.DuckDBPyConnection, edges_table: str, weights: Mapping[str, float]) -> tuple[np.ndarray, ...]:
    """The links and offences with their nodes numbered in DuckDB, as arrays: (src, dst, weight,
    first seen) per link, (node, known at) per offence, and per node its id, whether it is a
    party and when it entered the network (its first link or first known offence: the scale at
    a moment counts only the party nodes there by then, so later traders do not dilute it).
    Nodes are numbered in the order of their ids and links sorted, so the numbers (and the order
    of every sum) do not depend on how DuckDB happened to aggregate: the same facts give the
    same bits."""
    types = list(weights)
    try:
        con.execute(f"""create or replace temp table _pr_edge as
            select src, dst, edge_type, coalesce(min(first_at), {NEVER}) as first_at from {edges_table}
            where edge_type in (select unnest($types::VARCHAR[])) group by all""", {"types": types})
        con.execute(f"create or replace temp table _pr_off as {offenders_sql()}")
        con.execute(f"""create or replace temp table _pr_node as
            select node_id, (row_number() over (order by node_id) - 1)::BIGINT as k,
                   coalesce(min(seen), {NEVER}) as appears
            from (select src as node_id, first_at as seen from _pr_edge union all select dst, first_at from _pr_edge
                  union all select node_id, known_at from _pr_off)
            group by node_id""")
        e = con.execute("""
            select s.k as src, d.k as dst, ($weights::DOUBLE[])[list_position($types::VARCHAR[], e.edge_type)] as w,
                   e.first_at
            from _pr_edge e join _pr_node s on s.node_id = e.src join _pr_node d on d.node_id = e.dst
            order by s.k, d.k, e.edge_type""", {"weights": [float(weights[t]) for t in types], "types": types}).fetchnumpy()
        o = con.execute(f"""select n.k, coalesce(o.known_at, {NEVER}) as known_at
                            from _pr_off o join _pr_node n using (node_id) order by 1, 2""").fetchnumpy()
        n = con.execute("select node_id, starts_with(node_id, 'party:') as party, appears from _pr_node "
                        "order by k").fetchnumpy()
    finally:
        for table in ("_pr_edge", "_pr_off", "_pr_node"):   # fixed names
            con.execute(f"drop table if exists {table}")

    def at(values: np.ndarray) -> np.ndarray:
        return np.asarray(values).astype("datetime64[us]")

    return (np.asarray(e["src"], dtype=np.int64), np.asarray(e["dst"], dtype=np.int64),
            np.asarray(e["w"], dtype=float), at(e["first_at"]), np.asarray(o["k"], dtype=np.int64),
            at(o["known_at"]), np.asarray(n["node_id"], dtype=object), np.asarray(n["party"], dtype=bool),
            at(n["appears"]))
