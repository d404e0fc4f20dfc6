"""The tiny fixture loads to known answers: versions, conversions, attributes, provenance."""

from __future__ import annotations

import duckdb
import pytest

from conftest import TINY, load_tiny
from workbench.ingest.loader import load
from workbench.store.connection import open_store


def q(db, sql, params=None):
    with open_store(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_known_counts(tiny_store):
    assert q(tiny_store, "select count(*) from declaration_current") == [(4,)]
    assert q(tiny_store, "select count(*) from declaration_item_current") == [(5,)]
    assert q(tiny_store, "select count(*) from party_current") == [(4,)]
    assert q(tiny_store, "select count(*) from inspection") == [(3,)]
    assert q(tiny_store, "select count(*) from inspection_current") == [(2,)]


def test_keys_are_prefixed_and_codes_keep_leading_zeros(tiny_store):
    ids = {r[0] for r in q(tiny_store, "select declaration_id from declaration")}
    assert ids == {"tiny:D1", "tiny:D2", "tiny:D3", "tiny:D4"}
    assert q(tiny_store, "select office_code from declaration where declaration_id = 'tiny:D3'") == [("NZWLG",)]
    hs = {r[0] for r in q(tiny_store, "select hs_code from declaration_item")}
    assert "420222" in hs and all(len(h) == 6 for h in hs)


def test_late_result_is_a_second_version_known_at_result_time(tiny_store):
    rows = q(tiny_store, "select version, result, known_at::varchar from inspection "
                         "where inspection_id = 'tiny:I1' order by version")
    assert rows == [(1, "pending", "2024-01-12 15:00:00"), (2, "positive", "2024-02-20 10:00:00")]
    # point in time: on 2024-02-01 the inspection was still pending
    asof = q(tiny_store, "select result from inspection where inspection_id = 'tiny:I1' and known_at <= "
                         "timestamp '2024-02-01' order by known_at desc limit 1")
    assert asof == [("pending",)]


def test_customs_value_converted_at_lodgement_rate(tiny_store):
    # D1 lodged 2024-01-05: NZD rate of 2024-01-01 is 1.60 per USD
    assert q(tiny_store, "select customs_value_base from declaration_item where declaration_id = 'tiny:D1' "
                         "and item_no = 1") == [(pytest.approx(2000.0),)]
    # D4 lodged 2024-02-10 takes the 2024-02-01 rate 1.65
    (value,), = q(tiny_store, "select customs_value_base from declaration_item where declaration_id = 'tiny:D4'")
    assert value == pytest.approx(990 / 1.65)


def test_unmapped_columns_are_queryable_attributes(tiny_store):
    assert q(tiny_store, "select attrs->>'inspected' from declaration_item where declaration_id = 'tiny:D2'") == [("red",)]


def test_provenance_and_audit_of_every_load(tiny_store):
    rows = q(tiny_store, "select mapping_name, rows_in, rows_loaded, loaded_by, length(source_sha256) "
                         "from load_log order by load_id")
    assert [r[0] for r in rows] == ["tiny-parties", "tiny-rates", "tiny-declarations", "tiny-inspections"]
    assert all(r[3] == "tester" and r[4] == 64 and r[1] == r[2] for r in rows)
    assert q(tiny_store, "select count(*) from audit_log where action = 'data.load'") == [(4,)]


def test_same_file_twice_adds_nothing(tiny_store):
    before = q(tiny_store, "select count(*) from declaration_item")
    again = load(TINY / "declarations.csv", TINY / "mappings" / "declarations.yaml", db=tiny_store)
    assert again.already_loaded_as == 3 and again.rows_unchanged == 5
    assert q(tiny_store, "select count(*) from declaration_item") == before
    assert q(tiny_store, "select count(*) from load_log") == [(4,)]


def test_amended_declaration_becomes_a_new_version(tiny_store, tmp_path):
    text = (TINY / "declarations.csv").read_text().replace("D4,2024-02-10 11:00:00,AKL,P2,P3,P4,SG,VN,sea,NZD,1,640411,sports shoes,300,pr,210,990",
                                                           "D4,2024-02-10 11:00:00,AKL,P2,P3,P4,SG,VN,sea,NZD,1,640411,sports shoes,300,pr,210,2990")
    amended = tmp_path / "amended.csv"
    amended.write_text(text)
    summary = load(amended, TINY / "mappings" / "declarations.yaml", db=tiny_store)
    assert summary.inserted == {"declaration_item": 1, "declaration": 1}
    assert summary.rows_loaded == 1 and summary.rows_unchanged == 4 and summary.reconciles
    assert q(tiny_store, "select version, customs_value from declaration_item_current "
                         "where declaration_id = 'tiny:D4'") == [(2, 2990.0)]
    assert q(tiny_store, "select count(*) from declaration where declaration_id = 'tiny:D4'") == [(2,)]


def test_rows_wait_for_missing_parties_then_retry_loads_them(tmp_path):
    from workbench.ingest.loader import retry

    db = tmp_path / "order.duckdb"
    first = load_tiny(db, ("rates", "declarations"))["declarations"]
    assert first.rows_waiting == 5 and first.rows_loaded == 0 and first.reconciles
    assert "waiting for party" in first.problems[0]["reason"]
    load_tiny(db, ("parties",))
    [again] = retry(db=db)
    assert again.rows_loaded == 5 and again.rows_waiting == 0
    assert q(db, "select count(*) from declaration_current") == [(4,)]
    assert q(db, "select status, count(*) from quarantine group by 1") == [("resolved", 5)]


def test_store_is_a_real_duckdb_file(tiny_store):
    con = duckdb.connect(str(tiny_store), read_only=True)
    try:
        assert con.execute("select max(version) from schema_migration").fetchall()[0][0] >= 3
    finally:
        con.close()
