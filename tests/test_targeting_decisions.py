"""Decisions and inspection results of the targeting service load back into the store through
the committed mappings and the ordinary ingest: each selected declaration becomes an inspection
selected by its profile, on the store's own declaration id; results become later versions."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from indicator_fixtures import copy_store
from test_export_bundle import REF, shared_world
from workbench.export import make_bundle
from workbench.ingest.loader import load
from workbench.store.connection import open_store
from workbench.targeting.decisions import DECISIONS, DecisionLog
from workbench.targeting.message import parse
from workbench.targeting.scorer import Scorer

MAPPINGS = Path(__file__).resolve().parents[1] / "docs" / "examples" / "mappings"


def test_decisions_and_results_load_back_as_profile_inspections(world_store, tmp_path_factory, tmp_path):
    master, key = shared_world(world_store, tmp_path_factory, examples=False)
    db = copy_store(master, tmp_path / "world.duckdb")
    with open_store(db) as con:
        bundle = make_bundle(con, signing_key=key, reference_date=REF).bundle
        rows = con.execute("""
            select d.declaration_id, d.lodged_at, d.direction, d.importer_id, i.item_no, i.hs_code
            from declaration_current d join declaration_item_current i using (declaration_id)
            where d.lodged_at >= '2025-11-01' and d.lodged_at < '2025-12-01' and i.item_no = 1
            order by d.declaration_id limit 400""").fetchall()
    messages = [{"declaration_id": r[0], "lodged_at": r[1].isoformat(), "direction": r[2], "importer_id": r[3],
                 "items": [{"item_no": r[4], "hs_code": r[5]}]} for r in rows]
    scorer = Scorer(bundle)
    try:
        decisions = scorer.score(parse({"declarations": messages})[0], explain=False)
    finally:
        scorer.close()
    log = DecisionLog(tmp_path / "state" / "decisions.csv")
    log.record(decisions)
    selected = {d["declaration_id"]: d["profiles"][0]["profile_id"] for d in decisions if d["selected"]}
    assert 0 < len(selected) < len(decisions)                     # some selected (by the list), some green

    first = load(log.path, MAPPINGS / "targeting-decisions.yaml", db=db)
    assert first.rows_in == len(decisions) and first.rows_quarantined == 0 and first.rows_waiting == 0
    assert load(log.path, MAPPINGS / "targeting-decisions.yaml", db=db).already_loaded_as == first.load_id
    with open_store(db, read_only=True) as con:
        got = con.execute("""select declaration_id, profile_id, lane, result, json_extract_string(attrs, '$.bundle_id')
                             from inspection_current where selection_source = 'profile'
                               and inspection_id in (select 'synth:' || unnest(?::VARCHAR[]))""",
                          [[d["decision_id"] for d in decisions]]).fetchall()
        known = con.execute("select count(*) from declaration where list_contains(?::VARCHAR[], declaration_id)",
                            [list(selected)]).fetchone()[0]
    assert {r[0]: r[1] for r in got} == selected                    # the store's own ids, the profile that chose
    assert known == len(selected)
    assert {r[3] for r in got} == {"pending"} and {r[4] for r in got} == {bundle.manifest.bundle_id}
    lanes = {d["declaration_id"]: d["lane"] for d in decisions}
    assert all(r[2] == lanes[r[0]] for r in got)

    # an officer's results: the decision rows inspected, with result columns added
    with log.path.open(newline="") as fh:
        chosen = [r for r in csv.DictReader(fh) if r["selection_source"] == "profile"][:3]
    result_at = dt.datetime.fromisoformat(chosen[0]["decided_at"]) + dt.timedelta(days=2)   # the lab takes days
    results = tmp_path / "results.csv"
    with results.open("w", newline="") as fh:
        out = csv.DictWriter(fh, [*chosen[0], "result", "result_at", "offence_type", "revenue_recovered"])
        out.writeheader()
        for n, r in enumerate(chosen):
            positive = n == 0
            out.writerow({**r, "result": "positive" if positive else "negative", "result_at": result_at.isoformat(sep=" "),
                          "offence_type": "undervaluation" if positive else "", "revenue_recovered": 1250.0 if positive else ""})
    loaded = load(results, MAPPINGS / "targeting-results.yaml", db=db)
    assert loaded.rows_loaded == 3 and loaded.rows_quarantined == 0
    with open_store(db, read_only=True) as con:
        now = con.execute("""select result, revenue_recovered, version from inspection_current
                             where inspection_id = ?""", ["synth:" + chosen[0]["decision_id"]]).fetchone()
        before = con.execute("""select result from inspection where inspection_id = ? and known_at < ?""",
                             ["synth:" + chosen[0]["decision_id"], result_at]).fetchall()
    assert now == ("positive", 1250.0, 2)
    assert before == [("pending",)]                                  # point in time: pending until the result


def test_the_decision_log_reads_back_as_csv_whatever_the_declaration_id(tmp_path):
    """The log writes its lines itself (the csv module took 4 µs a row); an id with a comma, a
    quote or a line break still reads back as one field, and every decision as one row."""
    ids = ["plain-1", "with,comma", 'with "quotes"', "line\nbreak", "carriage\rreturn", "ü-ß", ""]
    decisions = [{"declaration_id": i, "bundle_id": "wb-20261207-0123456789ab", "lane": "red" if n % 2 else "green",
                  "selected": bool(n % 2),
                  "profiles": [{"profile_id": "RP-A", "version": 2}, {"profile_id": "RP-B", "version": 1}] if n % 2 else [],
                  "sampled_out": [{"profile_id": "RP-C", "version": 3}] if n == 2 else [],
                  "missing_indicators": ["price.unit_value_low", "route.via_hub"] if n == 3 else []}
                 for n, i in enumerate(ids)]
    log = DecisionLog(tmp_path / "decisions.csv")
    log.record(decisions[:3])
    log.record(decisions[3:])
    with log.path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["declaration_id"] for r in rows] == ids
    assert [r["decision_id"] for r in rows] == [d["decision_id"] for d in decisions]
    assert len({r["decision_id"] for r in rows}) == len(ids) and all(len(r["decision_id"]) == 32 for r in rows)
    assert rows[1]["profiles"] == "RP-A@2|RP-B@1" and rows[1]["profile_id"] == "RP-A"
    assert rows[1]["selection_source"] == "profile" and rows[0]["selection_source"] == ""
    assert rows[2]["sampled_out"] == "RP-C@3" and rows[3]["missing_indicators"] == "price.unit_value_low|route.via_hub"
    assert log.count() == len(ids)


def test_a_batch_answered_as_a_table_is_logged_line_for_line_as_the_dicts(tmp_path):
    """The same decisions written from an Arrow table (no Python per declaration) and from the
    dicts read back as the same records, ids and times aside."""
    import pyarrow as pa

    ids = ["plain-1", "with,comma", 'with "quotes"', "line\nbreak", "x" * 200, "ü-ß", "last"]
    chosen = {ids[1]: [{"profile_id": "RP-A", "version": 2, "lane": "red", "control": "physical", "item_no": 1,
                        "selection_pct": 100.0, "reason": "RP-A v2 (red): item 1: hs_chapter in [64]"},
                       {"profile_id": "RP-B", "version": 1, "lane": "yellow", "control": "documentary", "item_no": 3,
                        "selection_pct": 50.0}],
              ids[3]: [{"profile_id": "RP-C", "version": 4, "lane": "yellow", "control": "documentary", "item_no": 2,
                        "selection_pct": 100.0}]}
    left = {ids[2]: [{"profile_id": "RP-D", "version": 1, "selection_pct": 25.0, "item_no": 1}],
            ids[3]: [{"profile_id": "RP-D", "version": 1, "selection_pct": 25.0, "item_no": 2},
                     {"profile_id": "RP-E", "version": 9, "selection_pct": 5.0, "item_no": 1}]}
    missing = {ids[5]: ["price.unit_value_low", "route.via_hub"]}
    bundle = "wb-20261207-0123456789ab"
    dicts = [{"declaration_id": i, "bundle_id": bundle, "lane": chosen[i][0]["lane"] if i in chosen else "green",
              "selected": i in chosen, "profiles": chosen.get(i, []), "sampled_out": left.get(i, []),
              "missing_indicators": missing.get(i, [])} for i in ids]
    table = pa.Table.from_pylist(dicts, schema=DECISIONS)

    by_table, by_dicts = DecisionLog(tmp_path / "a" / "decisions.csv"), DecisionLog(tmp_path / "b" / "decisions.csv")
    answered = by_table.record_table(table)
    by_dicts.record(dicts)

    def records(log):
        with log.path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    a, b = records(by_table), records(by_dicts)
    assert answered.column("decision_id").to_pylist() == [r["decision_id"] for r in a]
    assert len(set(answered.column("decision_id").to_pylist())) == len(ids)
    drop = ("decision_id", "decided_at")
    assert [{k: v for k, v in r.items() if k not in drop} for r in a] == \
        [{k: v for k, v in r.items() if k not in drop} for r in b]
    assert a[1]["profiles"] == "RP-A@2|RP-B@1" and a[3]["sampled_out"] == "RP-D@1|RP-E@9" and a[1]["profile_id"] == "RP-A"
