"""Entity resolution of parties: which party records are one trader.

One run blocks candidate pairs in DuckDB (:mod:`~workbench.network.blocking`), scores them with
rapidfuzz (:mod:`~workbench.network.scoring`), applies analysts' verdicts
(:mod:`~workbench.network.decisions`) and clusters (:mod:`~workbench.network.clustering`) into
entities whose ids survive re-runs. The scored pairs of the latest run, the membership of every
record and a run record are stored in one transaction with an audit entry.

Example::

    with open_store(db) as con:
        result = resolve(con)
    result.entities, result.matched_pairs
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass

import duckdb
import pyarrow as pa

from workbench.network.arrow_in import arrow_view
from workbench.network.blocking import candidate_pairs, party_records
from workbench.network.clustering import assign_ids, cluster
from workbench.network.decisions import in_force
from workbench.network.scoring import Record, score
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import rows, scalar

DEFAULT_THRESHOLD = 0.5
DEFAULT_MAX_BLOCK = 50


@dataclass
class ResolutionResult:
    run_id: int
    parties: int
    candidate_pairs: int
    matched_pairs: int
    entities: int
    merged_entities: int             # entities of two or more records
    decisions_applied: int
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


def _records(con: duckdb.DuckDBPyConnection) -> dict[str, Record]:
    found = rows(con, "select party_id, kind, name_norm, country, phone_key, email_key, email_domain, address_key, "
                      "tax_key, postcode from _rs_party")
    return {r[0]: Record(*r) for r in found}


def resolve(
    con: duckdb.DuckDBPyConnection,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    max_block: int = DEFAULT_MAX_BLOCK,
    user: str | None = None,
) -> ResolutionResult:
    """Resolve every party record of the store into entities and store the result."""
    from workbench.identity import current_user

    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold {threshold}: give a probability between 0 and 1")
    user = user or current_user()
    started_wall = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    n = party_records(con)
    records = _records(con)
    candidates = candidate_pairs(con, max_block=max_block)
    scored = []
    for left, right, blocked_by in candidates:
        s = score(records[left], records[right])
        scored.append((left, right, blocked_by, s))
    verdicts = in_force(con)
    known_pairs = {(a, b) for a, b, _, _ in scored}
    for a, b in verdicts:          # a verdict on a pair the blocking missed still counts
        if (a, b) not in known_pairs and a in records and b in records:
            scored.append((a, b, "decision", score(records[a], records[b])))
    params = {"threshold": threshold, "max_block": max_block, "method": "rapidfuzz log-odds"}
    with transaction(con):
        run_id = scalar(con, "select nextval('net_resolution_run_seq')")
        con.execute("delete from net_pair")
        table = pa.table({
            "run_id": [run_id] * len(scored), "left_id": [p[0] for p in scored], "right_id": [p[1] for p in scored],
            "blocked_by": [p[2] for p in scored], "name_score": [p[3].name_score for p in scored],
            "address_score": [p[3].address_score for p in scored], "same_phone": [p[3].same_phone for p in scored],
            "same_email": [p[3].same_email for p in scored], "tax_id_score": [p[3].tax_id_score for p in scored],
            "probability": [p[3].probability for p in scored],
        }, schema=pa.schema([("run_id", pa.int64()), ("left_id", pa.string()), ("right_id", pa.string()),
                             ("blocked_by", pa.string()), ("name_score", pa.float64()),
                             ("address_score", pa.float64()), ("same_phone", pa.bool_()),
                             ("same_email", pa.bool_()), ("tax_id_score", pa.float64()),
                             ("probability", pa.float64())]))
        with arrow_view(con, "_rs_scored", table):
            con.execute("insert into net_pair select *, null, false from _rs_scored")
        outcome = _recluster(con, run_id, threshold)
        last_load = scalar(con, "select max(load_id) from load_log")
        con.execute("insert into net_resolution_run values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, started_wall, dt.datetime.now(dt.UTC).replace(tzinfo=None), user, json.dumps(params),
                     n, len(candidates), outcome["matched_pairs"], outcome["entities"], last_load])
        audit.record(con, actor=user, action="resolve.run", object_type="resolution_run", object_id=str(run_id),
                     reason="entity resolution of parties",
                     details=params | {k: outcome[k] for k in ("entities", "merged_entities", "matched_pairs")}
                     | {"parties": n, "candidate_pairs": len(candidates)})
    con.execute("drop table if exists _rs_party")
    return ResolutionResult(run_id, n, len(candidates), outcome["matched_pairs"], outcome["entities"],
                            outcome["merged_entities"], outcome["decisions"], time.perf_counter() - t0)


def _recluster(con: duckdb.DuckDBPyConnection, run_id: int, threshold: float) -> dict[str, int]:
    """Cluster the stored pairs with the verdicts in force; rewrite memberships (inside a transaction)."""
    verdicts = in_force(con)
    ids = [r[0] for r in rows(con, "select distinct party_id from party order by 1")]
    pairs = rows(con, "select left_id, right_id, probability from net_pair")
    must = [p for p, v in verdicts.items() if v == "same"]
    cannot = [p for p, v in verdicts.items() if v == "not_same"]
    groups = cluster(ids, pairs, threshold=threshold, must=must, cannot=cannot)
    previous = dict(rows(con, "select party_id, entity_id from net_entity_member"))
    used = {r[0] for r in rows(con, "select entity_id from net_entity_id")}
    assigned = assign_ids(groups, previous=previous, used=used)
    con.execute("delete from net_entity_member")
    members = pa.table({"party_id": list(assigned), "entity_id": list(assigned.values()),
                        "run_id": pa.array([run_id] * len(assigned), pa.int64())})
    with arrow_view(con, "_rs_members", members):
        con.execute("insert into net_entity_member select * from _rs_members")
        con.execute("insert into net_entity_id select distinct entity_id, $r from _rs_members "
                    "where entity_id not in (select entity_id from net_entity_id)", {"r": run_id})
    con.execute("update net_pair set decision = v.verdict from (select * from net_decision qualify row_number() "
                "over (partition by left_id, right_id order by decision_id desc) = 1) v "
                "where v.left_id = net_pair.left_id and v.right_id = net_pair.right_id and v.verdict <> 'withdrawn'")
    con.execute("update net_pair set matched = (l.entity_id = r.entity_id) from net_entity_member l, "
                "net_entity_member r where l.party_id = net_pair.left_id and r.party_id = net_pair.right_id")
    matched = scalar(con, "select count(*) from net_pair where matched")
    sizes = [len(g) for g in groups]
    return {"entities": len(groups), "merged_entities": sum(1 for s in sizes if s > 1), "matched_pairs": matched,
            "decisions": len(verdicts)}


def apply_decisions(con: duckdb.DuckDBPyConnection, *, user: str | None = None) -> dict[str, int]:
    """Re-cluster the latest run's pairs with the verdicts now in force (no re-scoring)."""
    from workbench.identity import current_user

    run = rows(con, "select run_id, params from net_resolution_run order by run_id desc limit 1")
    if not run:
        raise ValueError("no resolution run yet: run `workbench resolve run` first")
    run_id, params = run[0]
    threshold = json.loads(params)["threshold"]
    with transaction(con):
        outcome = _recluster(con, run_id, threshold)
        audit.record(con, actor=user or current_user(), action="resolve.recluster", object_type="resolution_run",
                     object_id=str(run_id), reason="analyst verdicts applied", details=outcome)
    return outcome


def entity_of(con: duckdb.DuckDBPyConnection, party_id: str) -> str:
    """The entity id of a party record (the record's own id before any resolution run)."""
    return scalar(con, "select entity_id from net_entity_member where party_id = ?", [party_id]) or party_id


def members(con: duckdb.DuckDBPyConnection, entity_id: str) -> list[dict]:
    """The records of one entity with their names, addresses and phones (latest versions)."""
    cols = ["party_id", "name", "address", "city", "phone", "email", "tax_id"]
    found = rows(con, f"""
        select {', '.join('p.' + c for c in cols)} from party_current p
        left join net_entity_member m using (party_id)
        where coalesce(m.entity_id, p.party_id) = ? order by p.party_id""", [entity_id])
    return [dict(zip(cols, r)) for r in found]


def review_queue(con: duckdb.DuckDBPyConnection, *, low: float = 0.2, high: float = 0.9,
                 limit: int = 50) -> list[dict]:
    """Pairs the model is unsure about (probability between ``low`` and ``high``) without a verdict,
    most uncertain first: what an analyst should look at."""
    cols = ["left_id", "left_name", "right_id", "right_name", "probability", "name_score", "address_score",
            "same_phone", "same_email", "blocked_by", "matched"]
    found = rows(con, """
        select p.left_id, l.name, p.right_id, r.name, round(p.probability, 3), round(p.name_score, 1),
               round(p.address_score, 1), p.same_phone, p.same_email, p.blocked_by, p.matched
        from net_pair p join party_current l on l.party_id = p.left_id join party_current r on r.party_id = p.right_id
        where p.decision is null and p.probability between $low and $high
        order by abs(p.probability - 0.5), p.left_id, p.right_id limit $limit""",
                 {"low": low, "high": high, "limit": limit})
    return [dict(zip(cols, r)) for r in found]
