"""The real OFAC SDN list (shared/data, read in place) loads through an ordinary mapping."""

from __future__ import annotations

from conftest import ROOT
from workbench.ingest.loader import load
from workbench.store.connection import open_store

MAPPING = ROOT / "docs" / "examples" / "mappings" / "ofac-sdn.yaml"


def test_sdn_list_loads_with_aliases_and_addresses(ofac_dir, tmp_path):
    db = tmp_path / "ofac.duckdb"
    summary = load(ofac_dir, MAPPING, db=db)
    assert summary.reconciles
    # 9,044 listings; the 2022 release gives ent_num 2677 to two different listings, so both are
    # refused for review rather than one silently winning; one address names no listing.
    assert summary.rows_loaded == 9042
    with open_store(db, read_only=True) as con:
        kinds = dict(con.execute("select kind, count(*) from watchlist_entry_current group by 1").fetchall())
        assert kinds == {"individual": 4643 - 1, "entity": 3701 - 1, "vessel": 420, "aircraft": 280}
        aliases, addresses = con.execute(
            "select sum(len(aliases)), sum(len(addresses)) from watchlist_entry_current").fetchall()[0]
        assert aliases > 12_000 and addresses > 11_000
        row = con.execute("select name, list_contains(aliases, 'NATIONAL BANK OF CUBA'), addresses[1], "
                          "attrs->>'vessel_type' from watchlist_entry where entry_id = 'ofac:306'").fetchall()
        assert row == [("BANCO NACIONAL DE CUBA", True, "Zweierstrasse 35, Zurich CH-8022, Switzerland", None)]
        quarantined = con.execute("select source_name, reason from quarantine order by quarantine_id").fetchall()
    assert [q[0] for q in quarantined].count("sdn") == 2
    assert all("ofac:2677 appears in rows" in r for s, r in quarantined if s == "sdn")
    assert any(s == "add" and "no row of the primary source 'sdn'" in r for s, r in quarantined)
    again = load(ofac_dir, MAPPING, db=db)
    assert again.already_loaded_as == summary.load_id
