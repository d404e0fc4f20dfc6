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
from workbench.targeting.decisions import DecisionLog
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
