"""How good the resolution is, against a ground truth of which records are one entity.

Precision and recall are counted over pairs of records: a predicted pair is right when the
truth puts both records in one entity. The synthetic world writes its truth to
``ground_truth/parties.parquet`` (``party_id``, ``entity_id``; raw source ids, which a load
prefixes with the mapping's source id, ``synth:`` for the world).

>>> pairwise_quality({"a": "1", "b": "1", "c": "3"}, {"a": "x", "b": "x", "c": "x"})["recall"]
0.3333
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from itertools import combinations
from pathlib import Path

import duckdb

from workbench.store.sql import rows


def _pairs(assignment: Mapping[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for record, entity in assignment.items():
        groups[entity].append(record)
    return {tuple(sorted(p)) for g in groups.values() if len(g) > 1 for p in combinations(g, 2)}


def pairwise_quality(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, float | int]:
    """Pairwise precision, recall and F1 of ``predicted`` (record -> entity) against ``truth``,
    over the records both know."""
    common = set(predicted) & set(truth)
    pred = _pairs({r: predicted[r] for r in common})
    true = _pairs({r: truth[r] for r in common})
    tp = len(pred & true)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records": len(common), "true_pairs": len(true), "predicted_pairs": len(pred), "correct_pairs": tp,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def world_truth(truth_dir: str | Path, prefix: str = "synth:") -> dict[str, str]:
    """record -> true entity, from a synthetic world's ``ground_truth`` folder, ids as loaded."""
    path = Path(truth_dir) / "parties.parquet"
    if not path.exists():
        raise FileNotFoundError(f"no ground truth at {path}: give the world's ground_truth folder")
    con = duckdb.connect()
    try:
        found = rows(con, "select $p || party_id, $p || entity_id from read_parquet($f)", {"p": prefix, "f": str(path)})
    finally:
        con.close()
    return dict(found)


def resolution_quality(con: duckdb.DuckDBPyConnection, truth_dir: str | Path, prefix: str = "synth:") -> dict:
    """Precision and recall of the store's current resolution against a world's ground truth."""
    predicted = dict(rows(con, "select p.party_id, coalesce(m.entity_id, p.party_id) from "
                               "(select distinct party_id from party) p left join net_entity_member m using (party_id)"))
    return pairwise_quality(predicted, world_truth(truth_dir, prefix))
