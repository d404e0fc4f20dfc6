"""The entity graph in the store: ``net_node`` and ``net_edge``, built by DuckDB joins.

:func:`build_graph` reads every evidence source of :mod:`workbench.network.evidence` and writes
nodes and edges. After new loads it updates incrementally: only rows of loads after the last
build are read, and their edges are merged into the stored ones (first seen the earliest, last
seen the latest, evidence counts added), so an incremental update ends where a full build would.
A full build happens when there is no graph yet, when asked, or when the entity resolution
changed since the last build (party nodes follow the resolved entities).

Example::

    with open_store(db) as con:
        info = build_graph(con)          # {'build_id': 1, 'mode': 'full', 'nodes': ..., 'edges': ...}
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from typing import Any

import duckdb

from workbench.network.arrow_in import arrow_view
from workbench.network.evidence import COLUMNS, PARTY_NODES, SOURCES
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import one, rows, scalar

CONSIGNMENT_TYPES = ("used_container", "bill_of_lading")

_NEW_EDGES = f"""
select src, dst, edge_type, edge_type in {CONSIGNMENT_TYPES} as consignment, min(first_at) as first_seen,
       max(last_at) as last_seen, sum(n)::BIGINT as weight, list_sort(list_distinct(list(source))) as sources,
       min(first_load) as first_load_id, max(last_load) as last_load_id
from _g_ev group by src, dst, edge_type
"""

EDGE_FULL = f"insert into net_edge select * from ({_NEW_EDGES}) order by consignment, src, dst, edge_type"

# Incremental: new evidence merged with the stored edge of the same ends and type (earliest first
# seen, latest last seen, evidence added), the stored rows replaced by the merged ones.
EDGE_MERGED = f"""
create or replace temp table _g_merged as
select n.src, n.dst, n.edge_type, n.consignment, least(n.first_seen, e.first_seen) as first_seen,
       greatest(n.last_seen, e.last_seen) as last_seen, n.weight + coalesce(e.weight, 0) as weight,
       list_sort(list_distinct(list_concat(n.sources, coalesce(e.sources, [])))) as sources,
       least(n.first_load_id, e.first_load_id) as first_load_id, greatest(n.last_load_id, e.last_load_id) as last_load_id
from ({_NEW_EDGES}) n left join net_edge e using (src, dst, edge_type)
"""
EDGE_REPLACE = ("delete from net_edge e using _g_merged m "
                "where e.src = m.src and e.dst = m.dst and e.edge_type = m.edge_type")
EDGE_INSERT = "insert into net_edge select * from _g_merged order by consignment, src, dst, edge_type"

NODE_ROWS = """
with ends as (
    select src as node_id, src_type as node_type, src_label as label, first_at, last_at from _g_ev
    union all select dst, dst_type, dst_label, first_at, last_at from _g_ev
    union all select g.node_id, g.node_type, g.label, p.known_at, p.known_at
    from (select * from party where load_id > $after) p join _g_party g using (party_id)
)
insert into net_node
select node_id, arg_max(node_type, last_at), coalesce(arg_max(label, last_at), node_id), min(first_at), max(last_at),
       0, null
from ends group by node_id
"""
NODE_MERGE = NODE_ROWS + """
on conflict (node_id) do update set
    label = case when excluded.last_seen >= net_node.last_seen or net_node.last_seen is null
                 then excluded.label else net_node.label end,
    first_seen = least(net_node.first_seen, excluded.first_seen),
    last_seen = greatest(net_node.last_seen, excluded.last_seen)
"""

# A node's degree counts its distinct neighbours except containers and bills of lading (one per
# consignment): a busy importer is not a hub for having many consignments.
DEGREE = """
update net_node set degree = d.degree from (
    select node_id, count(distinct other) as degree from (
        select src as node_id, dst as other from net_edge union all select dst, src from net_edge)
    where not (starts_with(other, 'container:') or starts_with(other, 'bill_of_lading:'))
    group by node_id) d
where d.node_id = net_node.node_id and net_node.degree is distinct from d.degree
"""

PARTY_ATTRS = """
update net_node set attrs = a.attrs from (
    select g.node_id, to_json({'records': list(p.party_id order by p.party_id),
                               'country': arg_min(p.country_code, p.party_id),
                               'registered_on': min(p.registered_on),
                               'trusted_trader': bool_or(coalesce(p.trusted_trader, false))}) as attrs
    from party_current p join _g_party g using (party_id) group by g.node_id) a
where a.node_id = net_node.node_id
"""

INTEL_ATTRS = """
update net_node set attrs = a.attrs from (
    select 'intel_report:' || report_id as node_id,
           to_json({'source_reliability': source_reliability, 'info_credibility': info_credibility,
                    'grading': coalesce(source_reliability, '?') || coalesce(info_credibility, '?'),
                    'received': known_at}) as attrs
    from intel_report_current) a
where a.node_id = net_node.node_id
"""

LISTING_ATTRS = """
update net_node set attrs = a.attrs from (
    select 'listing:' || entry_id as node_id,
           to_json({'list': list_name, 'kind': kind, 'program': program, 'aliases': aliases}) as attrs
    from watchlist_entry_current) a
where a.node_id = net_node.node_id
"""


MENTION_SCORE = 90.0
"""Fewest points (of 100, names normalised) for a name in a report to count as a party's name."""


def mention_names(con: duckdb.DuckDBPyConnection, after: int) -> int:
    """Make ``_g_names``: each party or person name mentioned in reports (of loads after ``after``)
    with the node it names: the party whose folded name is the same, else the closest normalised
    name at :data:`MENTION_SCORE` or more (informants misspell names as clerks do)."""
    import pyarrow as pa
    from rapidfuzz import process

    from workbench.network.normalise import name_key
    from workbench.screening.normalise import normalise_name

    known = rows(con, f"select {name_key('p.name')} as k, min(g.node_id), any_value(g.node_type), any_value(g.label), "
                      "any_value(p.name) from party p join _g_party g using (party_id) group by k")
    mentioned = rows(con, f"""
        select distinct {name_key("trim(substr(m, strpos(m, ':') + 1))")}, trim(substr(m, strpos(m, ':') + 1))
        from (select * from intel_report where load_id > $after), unnest(coalesce(entities, [])) u(m)
        where split_part(m, ':', 1) in ('party', 'person', 'company')""", {"after": after})
    exact = {r[0]: r[1:4] for r in known}
    choices = {i: normalise_name(r[4]) for i, r in enumerate(known)}
    out = {}
    for key, text in mentioned:
        if key in exact:
            out[key] = exact[key]
            continue
        best = process.extractOne(normalise_name(text), choices, score_cutoff=MENTION_SCORE) if choices else None
        if best is not None:
            out[key] = known[best[2]][1:4]
    table = pa.table({"k": list(out), "node_id": [v[0] for v in out.values()],
                      "node_type": [v[1] for v in out.values()], "label": [v[2] for v in out.values()]},
                     schema=pa.schema([("k", pa.string()), ("node_id", pa.string()), ("node_type", pa.string()),
                                       ("label", pa.string())]))
    with arrow_view(con, "_g_names_view", table):
        con.execute("create or replace temp table _g_names as select * from _g_names_view")
    return len(out)


def evidence(con: duckdb.DuckDBPyConnection, sources: Iterable[str] | None = None, *, after: int = -1) -> None:
    """Make the temp tables ``_g_party`` (party record -> node), ``_g_names`` (names mentioned in
    reports -> node) and ``_g_ev`` (evidence rows of the ``sources`` named, all when None, from
    loads after ``after``). :func:`drop_evidence` removes them."""
    chosen = list(SOURCES) if sources is None else list(sources)
    unknown = sorted(set(chosen) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown evidence sources {unknown}")
    cols = ", ".join(COLUMNS)
    con.execute(f"create or replace temp table _g_party as {PARTY_NODES}")
    mention_names(con, after)
    union = "\nunion all\n".join(f"select {cols} from ({SOURCES[name]})" for name in chosen)
    con.execute(f"create or replace temp table _g_ev as {union}", {"after": after})


def drop_evidence(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("_g_ev", "_g_party", "_g_names"):
        con.execute(f"drop table if exists {table}")


def graph_state(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest build: id, mode, the loads it covers, its resolution run, node and edge counts."""
    row = one(con, "select build_id, mode, finished_at, last_load_id, resolution_run_id, nodes, edges "
                   "from net_build order by build_id desc limit 1")
    if row is None:
        return None
    keys = ("build_id", "mode", "finished_at", "last_load_id", "resolution_run_id", "nodes", "edges")
    state = dict(zip(keys, row))
    state["store_last_load_id"] = scalar(con, "select coalesce(max(load_id), 0) from load_log")
    state["stale"] = state["store_last_load_id"] > state["last_load_id"] or \
        (scalar(con, "select max(run_id) from net_resolution_run") or None) != state["resolution_run_id"]
    return state


def build_graph(
    con: duckdb.DuckDBPyConnection, *, full: bool = False, user: str | None = None,
) -> dict[str, Any]:
    """Build (or bring up to date) the entity graph; returns what was done and how long it took."""
    from workbench.identity import current_user

    user = user or current_user()
    started_wall = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    last = one(con, "select build_id, last_load_id, resolution_run_id from net_build order by build_id desc limit 1")
    resolution = scalar(con, "select max(run_id) from net_resolution_run")
    last_load = scalar(con, "select coalesce(max(load_id), 0) from load_log")
    mode = "full" if full or last is None or last[2] != resolution else "incremental"
    after = -1 if mode == "full" else last[1]
    if mode == "incremental" and after >= last_load:
        return {"build_id": last[0], "mode": "up to date", "nodes": scalar(con, "select count(*) from net_node"),
                "edges": scalar(con, "select count(*) from net_edge"), "seconds": 0.0, "timings": {}}
    t0 = time.perf_counter()
    evidence(con, after=after)
    timings["evidence"] = time.perf_counter() - t0
    try:
        with transaction(con):
            t0 = time.perf_counter()
            if mode == "full":
                con.execute("drop index if exists net_node_key")
                con.execute("delete from net_edge")
                con.execute("delete from net_node")
                con.execute(EDGE_FULL)
                con.execute(NODE_ROWS, {"after": after})
            else:
                con.execute("create unique index if not exists net_node_key on net_node (node_id)")
                con.execute(EDGE_MERGED)
                con.execute(EDGE_REPLACE)
                con.execute(EDGE_INSERT)
                con.execute("drop table _g_merged")
                con.execute(NODE_MERGE, {"after": after})
            timings["merge"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            con.execute(DEGREE)
            for sql in (PARTY_ATTRS, INTEL_ATTRS, LISTING_ATTRS):
                con.execute(sql)
            timings["degree and attributes"] = time.perf_counter() - t0
            nodes = scalar(con, "select count(*) from net_node")
            edges = scalar(con, "select count(*) from net_edge")
            build_id = scalar(con, "select nextval('net_build_seq')")
            con.execute("insert into net_build values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [build_id, started_wall, dt.datetime.now(dt.UTC).replace(tzinfo=None), user, mode,
                         after, last_load, resolution, nodes, edges,
                         json.dumps({k: round(v, 3) for k, v in timings.items()})])
            audit.record(con, actor=user, action="graph.build", object_type="graph_build", object_id=str(build_id),
                         reason=f"{mode} build of the entity graph",
                         details={"after_load_id": after, "last_load_id": last_load, "nodes": nodes, "edges": edges,
                                  "resolution_run_id": resolution})
    finally:
        drop_evidence(con)
        # made after the commit: DuckDB checks a unique index made in the transaction that deleted
        # and re-inserted the same keys against the deleted rows too
        con.execute("create unique index if not exists net_node_key on net_node (node_id)")
    return {"build_id": build_id, "mode": mode, "after_load_id": after, "last_load_id": last_load, "nodes": nodes,
            "edges": edges, "seconds": round(time.perf_counter() - t_start, 3),
            "timings": {k: round(v, 3) for k, v in timings.items()}}
