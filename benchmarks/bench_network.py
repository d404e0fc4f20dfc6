"""Network: entity resolution, the entity graph from N declarations, risk propagation, a 2-hop
ego network of a median trader, and networkx against its GraphBLAS backend.

Measured, each in a fresh process (see :mod:`benchmarks.harness`), on a synthetic world of N
declarations (default 200,000; the targets are set for 1,000,000: ``--rows 1M``):

- resolve (info): blocking, scoring and clustering of every party record;
- graph build: every evidence source into ``net_node`` / ``net_edge`` (target < 60 s at 1M);
  baseline: one bare DuckDB aggregation of the declarations' importer-seller pairs, the smallest
  query any graph build must run; ratio = build / baseline;
- propagation: monthly personalised-PageRank snapshots over the whole period (target < 10 s at
  1M); baseline: networkx ``pagerank`` with the same personalisation on the same graph, one
  snapshot measured and scaled to all; ratio = ours / networkx;
- ego: 2-hop ego networks of 25 traders around the median degree read from the store (target
  < 200 ms each); baseline: ``networkx.ego_graph`` on the graph (without containers and bills of
  lading) already in memory (loading it is not counted); ratio = ours / in-memory;
- networkx against GraphBLAS: PageRank of the graph without containers and bills of lading, with
  networkx and with
  ``backend="graphblas"`` (graphblas-algorithms; conversion counted separately); ratio =
  GraphBLAS / networkx, and whether the scores agree.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, measure, result_row

NAME = "network"
DEFAULT_ROWS = 200_000
TARGET_ROWS = 1_000_000
TARGETS = {"graph": 60.0, "propagation": 10.0, "ego": 0.2}


def _log(text: str) -> None:
    print(f"[network] {text}", file=sys.stderr, flush=True)


# --- run inside measured child processes ----------------------------------------------------

def make_world(folder: str, declarations: int) -> dict[str, Any]:
    import duckdb

    from workbench.synth.fixtures import build_world_store

    db = build_world_store(folder, declarations=declarations, seed=7)
    con = duckdb.connect(str(db), read_only=True)
    counts = dict(zip(("declarations", "parties"), con.execute(
        "select (select count(*) from declaration), (select count(*) from party)").fetchall()[0]))
    con.close()
    return {"db": str(db), **counts}


def resolve_parties(db: str) -> dict[str, Any]:
    from workbench.network.resolve import resolve
    from workbench.store.connection import open_store

    with open_store(db) as con:
        return resolve(con).as_dict()


def graph_build(db: str) -> dict[str, Any]:
    from workbench.network.graph import build_graph
    from workbench.store.connection import open_store

    with open_store(db) as con:
        return build_graph(con, full=True)


def bare_pairs(db: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    n = con.execute("select count(*) from (select importer_id, exporter_id, min(lodged_at), max(lodged_at), count(*) "
                    "from declaration group by all)").fetchall()[0][0]
    con.close()
    return {"pairs": n}


def propagation(db: str) -> dict[str, Any]:
    from workbench.network.graph import drop_evidence, evidence
    from workbench.network.propagate import SOURCES, monthly_as_of, risk_snapshots
    from workbench.store.connection import open_store
    from workbench.store.sql import one

    with open_store(db, read_only=True) as con:
        t0 = time.perf_counter()
        evidence(con, SOURCES)
        t_evidence = time.perf_counter() - t0
        months = monthly_as_of(*one(con, "select min(lodged_at), max(lodged_at) from declaration"))
        t0 = time.perf_counter()
        table = risk_snapshots(con, months)
        t_snap = time.perf_counter() - t0
        drop_evidence(con)
    return {"snapshots": len(months), "scores": table.num_rows, "evidence_s": round(t_evidence, 2),
            "snapshots_s": round(t_snap, 2)}


def networkx_propagation(db: str) -> dict[str, Any]:
    """One snapshot (the last) with networkx's personalised PageRank on the same edges and seeds."""
    import networkx as nx

    from workbench.network.graph import drop_evidence, evidence
    from workbench.network.propagate import EDGE_WEIGHTS, SOURCES, monthly_as_of, offenders_sql
    from workbench.store.connection import open_store
    from workbench.store.sql import one, rows

    with open_store(db, read_only=True) as con:
        evidence(con, SOURCES)
        months = monthly_as_of(*one(con, "select min(lodged_at), max(lodged_at) from declaration"))
        edges = rows(con, "select src, dst, edge_type from _g_ev where first_at < ? and edge_type in "
                          "(select unnest(?::VARCHAR[]))", [months[-1], list(EDGE_WEIGHTS)])
        seeds = rows(con, f"select node_id, count(*) from ({offenders_sql()}) where known_at < ? group by 1",
                     [months[-1]])
        drop_evidence(con)
    G = nx.Graph()
    for s, d, t in edges:
        G.add_edge(s, d, weight=G.get_edge_data(s, d, {"weight": 0})["weight"] + EDGE_WEIGHTS[t])
    person = {n: float(c) for n, c in seeds if n in G}
    t0 = time.perf_counter()
    nx.pagerank(G, alpha=0.85, personalization=person, weight="weight", tol=1e-10)
    return {"one_snapshot_s": round(time.perf_counter() - t0, 3), "snapshots": len(months), "nodes": len(G)}


def _link_graph(db: str):
    """The stored graph without containers and bills of lading (one per consignment)."""
    from workbench.network.subgraph import LINK_TYPES, graph_from_store
    from workbench.store.connection import open_store

    with open_store(db, read_only=True) as con:
        return graph_from_store(con, node_types=LINK_TYPES)


def _median_traders(db: str, k: int = 25) -> list[str]:
    from workbench.store.connection import open_store
    from workbench.store.sql import rows

    with open_store(db, read_only=True) as con:
        found = rows(con, "select node_id from net_node where node_type = 'party' and node_id in "
                          "(select importer_id_node from (select 'party:' || coalesce(m.entity_id, d.importer_id) as "
                          "importer_id_node from (select distinct importer_id from declaration) d left join "
                          "net_entity_member m on m.party_id = d.importer_id)) order by degree, node_id")
    mid = len(found) // 2
    return [r[0] for r in found[max(0, mid - k // 2): mid - k // 2 + k]]


def store_ego(db: str) -> dict[str, Any]:
    from workbench.network.subgraph import ego_from_store
    from workbench.store.connection import open_store

    traders = _median_traders(db)
    times, sizes = [], []
    with open_store(db, read_only=True) as con:
        for t in traders:
            t0 = time.perf_counter()
            g = ego_from_store(con, t, hops=2)
            times.append(time.perf_counter() - t0)
            sizes.append(g.number_of_nodes())
    return {"traders": len(traders), "median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4),
            "median_nodes": statistics.median(sizes)}


def memory_ego(db: str) -> dict[str, Any]:
    import networkx as nx

    traders = _median_traders(db)
    G = _link_graph(db)
    times = []
    for t in traders:
        t0 = time.perf_counter()
        nx.ego_graph(G, t, radius=2)
        times.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(times), 5), "nodes": G.number_of_nodes()}


def pagerank_engines(db: str) -> dict[str, Any]:
    import networkx as nx

    G = _link_graph(db)
    t0 = time.perf_counter()
    ours = nx.pagerank(G, tol=1e-8, weight=None)
    t_nx = time.perf_counter() - t0
    try:
        import graphblas_algorithms as ga
    except ImportError as exc:
        return {"nodes": len(G), "edges": G.number_of_edges(), "networkx_s": round(t_nx, 3),
                "graphblas": f"not installed: {exc}"}
    t0 = time.perf_counter()
    GG = ga.Graph.from_networkx(G)
    t_conv = time.perf_counter() - t0
    t0 = time.perf_counter()
    blas = nx.pagerank(GG, tol=1e-8, weight=None, backend="graphblas")
    t_blas = time.perf_counter() - t0
    diff = max(abs(ours[n] - blas[n]) for n in G)
    return {"nodes": len(G), "edges": G.number_of_edges(), "networkx_s": round(t_nx, 3),
            "graphblas_s": round(t_blas, 3), "conversion_s": round(t_conv, 3), "max_difference": diff}


# --- the benchmark --------------------------------------------------------------------------

def _row(case: str, m: Measurement, rows: int, **kw: Any) -> dict[str, Any]:
    return result_row(NAME, case, m, rows, **kw)


def _verdict(seconds: float, target: float, at_size: bool) -> tuple[bool | None, str]:
    if not at_size:
        return None, f"(target < {target:g} s is set for {TARGET_ROWS:,} declarations)"
    met = seconds < target
    return met, f"target < {target:g} s: {'met' if met else 'MISSED'}"


def run(rows: int = DEFAULT_ROWS, keep: bool = False) -> list[dict[str, Any]]:
    """Build a world of ``rows`` declarations and measure; returns one result row per case."""
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-network-"))
    env = {"WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_USER": "bench"}
    out: list[dict[str, Any]] = []
    pre = ["workbench.network.graph", "workbench.store.connection", "networkx", "pandas"]
    at_size = rows >= TARGET_ROWS
    try:
        _log(f"building a synthetic world of {rows:,} declarations in {tmp}")
        world = measure(f"{__name__}:make_world", str(tmp / "world"), rows, label="world",
                        preload=["workbench.synth", "workbench.ingest.loader"], env=env)
        w = world.value
        db = w["db"]
        out.append(_row("set-up: synthetic world generated and loaded", world, w["declarations"], info=True,
                        note=f"{w['parties']:,} party records"))

        _log("resolving parties")
        res = measure(f"{__name__}:resolve_parties", db, label="resolve", preload=pre + ["rapidfuzz"], env=env)
        r = res.value
        out.append(_row("resolve: parties into entities", res, r["parties"], info=True,
                        note=f"{r['candidate_pairs']:,} candidate pairs, {r['entities']:,} entities "
                             f"({r['merged_entities']:,} of several records)"))

        _log("graph build")
        base = measure(f"{__name__}:bare_pairs", db, label="bare pairs", preload=["duckdb"])
        g = measure(f"{__name__}:graph_build", db, label="graph", preload=pre, env=env)
        ok, verdict = _verdict(g.seconds, TARGETS["graph"], at_size)
        out.append(_row("graph: full build from declarations", g, w["declarations"], ok=ok,
                        ratio=round(g.seconds / base.seconds, 1),
                        note=f"{g.value['nodes']:,} nodes, {g.value['edges']:,} edges; {verdict}; steps "
                             + ", ".join(f"{k} {v}s" for k, v in g.value["timings"].items())))
        out.append(_row("baseline: bare DuckDB importer-seller aggregation", base, w["declarations"], info=True,
                        note=f"{base.value['pairs']:,} pairs"))
        _log(f"  {g.seconds:.1f} s, peak {g.peak_rss_mb:.0f} MiB")

        _log("propagation")
        p = measure(f"{__name__}:propagation", db, label="propagation", preload=pre + ["scipy.sparse"], env=env)
        nxp = measure(f"{__name__}:networkx_propagation", db, label="networkx propagation", preload=pre + ["scipy"],
                      env=env)
        nx_all = nxp.value["one_snapshot_s"] * nxp.value["snapshots"]
        ok, verdict = _verdict(p.seconds, TARGETS["propagation"], at_size)
        out.append(_row(f"propagation: {p.value['snapshots']} monthly snapshots", p, w["declarations"], ok=ok,
                        ratio=round(p.seconds / nx_all, 3) if nx_all else None,
                        note=f"evidence {p.value['evidence_s']}s + snapshots {p.value['snapshots_s']}s; "
                             f"{p.value['scores']:,} scores; {verdict}; ratio against networkx pagerank "
                             f"({nxp.value['one_snapshot_s']}s a snapshot on {nxp.value['nodes']:,} nodes, "
                             f"x {nxp.value['snapshots']})"))

        _log("ego networks")
        e = measure(f"{__name__}:store_ego", db, label="ego", preload=pre, env=env)
        me = measure(f"{__name__}:memory_ego", db, label="memory ego", preload=pre, env=env)
        per = e.value["median_s"]
        ok, verdict = _verdict(per, TARGETS["ego"], at_size)
        out.append(_row("ego: 2 hops of a median trader, from the store", e, e.value["traders"], ok=ok, seconds=per,
                        ratio=round(per / me.value["median_s"], 1) if me.value["median_s"] else None,
                        note=f"median of {e.value['traders']} traders (max {e.value['max_s']}s, median "
                             f"{e.value['median_nodes']} nodes); {verdict}; ratio against networkx.ego_graph on the "
                             f"graph in memory ({me.value['median_s']}s, {me.value['nodes']:,} nodes; "
                             f"loading it not counted)"))

        _log("networkx against GraphBLAS")
        pr = measure(f"{__name__}:pagerank_engines", db, label="pagerank engines",
                     preload=pre + ["graphblas_algorithms"], env=env)
        v = pr.value
        if "graphblas_s" in v:
            out.append(_row("PageRank: GraphBLAS backend against networkx", pr, v["edges"], seconds=v["graphblas_s"],
                            ratio=round(v["graphblas_s"] / v["networkx_s"], 3),
                            note=f"{v['nodes']:,} nodes, {v['edges']:,} edges; networkx {v['networkx_s']}s, "
                                 f"GraphBLAS {v['graphblas_s']}s + conversion {v['conversion_s']}s; "
                                 f"max difference {v['max_difference']:.1e}; peak memory is the whole child"))
        else:
            out.append(_row("PageRank: networkx (GraphBLAS backend unavailable)", pr, v["edges"],
                            seconds=v["networkx_s"], note=v["graphblas"]))
    finally:
        if keep:
            _log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return out
