"""What link analysis finds on a synthetic world, measured against its ground truth.

- :func:`phoenix_recall`: of the world's phoenix companies, how many the phoenix detector puts in
  the first ``budget`` candidates an analyst would review;
- :func:`network_lift`: the hit rate of selecting the ``budget`` share of declarations with the
  most fired indicators, without and with the network indicators, against the truth of which
  declarations carry a scheme (and, apart, which belong to phoenix companies).

The ground truth is the ``ground_truth`` folder the generator writes beside the world's files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from workbench.store.sql import rows, scalar


def _truth(truth_dir: str | Path, name: str) -> str:
    path = Path(truth_dir) / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"no ground truth at {path}: give the world's ground_truth folder")
    return str(path)


def phoenix_recall(con: duckdb.DuckDBPyConnection, truth_dir: str | Path, *, budget: int = 20,
                   prefix: str = "synth:") -> dict[str, Any]:
    """Recall of the world's phoenix companies among the first ``budget`` phoenix candidates
    (offenders as known at the end of the data)."""
    from workbench.network.detectors import phoenix_candidates
    from workbench.network.subgraph import graph_from_store, known_offenders

    truth = rows(con, """
        select 'party:' || coalesce(m.entity_id, $p || t.phoenix_id), t.shares
        from read_parquet($f) t left join net_entity_member m on m.party_id = $p || t.phoenix_id""",
                 {"p": prefix, "f": _truth(truth_dir, "phoenix")})
    G = graph_from_store(con, node_types=("party", "person", "address", "phone", "email", "identifier",
                                          "bank_account"))
    ranked = list(dict.fromkeys(c["node"] for c in phoenix_candidates(G, known_offenders(con))))
    top = set(ranked[:budget])
    found = [n for n, _ in truth if n in top]
    return {"phoenixes": len(truth), "budget": budget, "candidates": len(ranked), "found": len(found),
            "recall": round(len(found) / len(truth), 4) if truth else None,
            "found_anywhere": sum(1 for n, _ in truth if n in set(ranked))}


LIFT = """
with latest as (select max(build_id) as b from indicator_build),
fired as (
    select it.declaration_id, count(distinct v.indicator_id) filter (where not starts_with(v.indicator_id, 'network.'))
               as without_net,
           count(distinct v.indicator_id) as with_net
    from indicator_value v join indicator_item it on it.build_id = v.build_id and it.item_key = v.item_key
    where v.build_id = (select b from latest) and v.flag
    group by all
),
decl as (
    select d.declaration_id, coalesce(f.without_net, 0) as without_net, coalesce(f.with_net, 0) as with_net,
           t.offending, coalesce(t.schemes like '%phoenix%', false) as phoenix, hash(d.declaration_id) as tie
    from (select distinct declaration_id from indicator_item where build_id = (select b from latest)) d
    left join fired f using (declaration_id)
    left join read_parquet($truth) t on $p || t.declaration_id = d.declaration_id
),
ranked as (
    select *, row_number() over (order by without_net desc, tie) as r_without,
              row_number() over (order by with_net desc, tie) as r_with, count(*) over () as n
    from decl
)
select any_value(n), ceil(any_value(n) * $budget)::BIGINT as k,
       avg(offending::INTEGER), sum(offending::INTEGER), sum(phoenix::INTEGER),
       avg(offending::INTEGER) filter (where r_without <= ceil(n * $budget)),
       avg(offending::INTEGER) filter (where r_with <= ceil(n * $budget)),
       sum(phoenix::INTEGER) filter (where r_without <= ceil(n * $budget)),
       sum(phoenix::INTEGER) filter (where r_with <= ceil(n * $budget))
from ranked
"""


def network_lift(con: duckdb.DuckDBPyConnection, truth_dir: str | Path, *, budget: float = 0.05,
                 prefix: str = "synth:") -> dict[str, Any]:
    """Hit rate at ``budget`` (share of declarations) of ranking by fired indicators, without and
    with the network family, from the latest indicator build."""
    if not scalar(con, "select count(*) from indicator_build"):
        raise ValueError("no indicator build yet: run `workbench indicator build` first")
    n, k, base, offending, phoenix, hit_without, hit_with, ph_without, ph_with = rows(
        con, LIFT, {"truth": _truth(truth_dir, "declarations"), "p": prefix, "budget": budget})[0]
    return {"declarations": n, "budget": budget, "selected": k, "base_rate": round(base or 0, 4),
            "offending": offending, "hit_rate_without_network": round(hit_without or 0, 4),
            "hit_rate_with_network": round(hit_with or 0, 4),
            "lift_without_network": round((hit_without or 0) / base, 3) if base else None,
            "lift_with_network": round((hit_with or 0) / base, 3) if base else None,
            "phoenix_declarations": phoenix, "phoenix_selected_without_network": ph_without,
            "phoenix_selected_with_network": ph_with}
