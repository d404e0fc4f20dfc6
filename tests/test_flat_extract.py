"""One flat row feeds several tables: declaration, items, the importer party and the inspection."""

from __future__ import annotations

from workbench.ingest.loader import load
from workbench.store.connection import open_store

MAPPING = """
format: workbench-mapping/1
name: flat-test
version: "1"
source_id: ft
sources:
  - name: rows
    delimiter: ";"
    null_tokens: ["", "-"]
targets:
  - table: declaration_item
    columns:
      declaration_id: NUM_DECL
      item_no: LIGNE
      hs_code: {from: SH, pad: {width: 6}}
      net_mass_kg: {from: POIDS, unit: {unit_column: UNITE}}
      customs_value: {from: VALEUR_CTS, multiply: 0.01}
  - table: declaration
    columns:
      declaration_id: NUM_DECL
      lodged_at: {from: DATE_DEPOT, format: "%d/%m/%Y"}
      direction: {const: import}
      importer_id: IMPORTATEUR
      country_origin: {from: ORIGINE, case: upper}
      currency: {const: USD}
  - table: party
    name: importer
    when: IMPORTATEUR
    on_conflict: last
    columns:
      party_id: IMPORTATEUR
      name: NOM_IMP
      registered_on: {const: "2020-01-01"}
  - table: inspection
    when: CONTROLE
    columns:
      inspection_id: {concat: [NUM_DECL, CONTROLE], sep: "-"}
      declaration_id: NUM_DECL
      selected_at: {from: DATE_DEPOT, format: "%d/%m/%Y"}
      lane: {from: CONTROLE, map: {R: red, J: yellow}}
      selection_source: {const: officer}
      result: {from: RESULTAT, map: {OK: negative, FRAUDE: positive}}
"""

ROWS = """NUM_DECL;LIGNE;SH;POIDS;UNITE;VALEUR_CTS;DATE_DEPOT;IMPORTATEUR;NOM_IMP;ORIGINE;CONTROLE;RESULTAT;AGENT
A1;1;40310;220;lb;150000;03/04/2024;I9;Acme Trading;cn;R;FRAUDE;k.smith
A1;2;640399;10;kg;20000;03/04/2024;I9;Acme Trading;cn;R;FRAUDE;k.smith
A2;1;851712;1000;g;99900;05/04/2024;I9;ACME Trading Ltd;vn;-;-;-
"""


def test_flat_rows_feed_every_table_once(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING)
    (tmp_path / "extract.csv").write_text(ROWS)
    db = tmp_path / "flat.duckdb"
    summary = load(tmp_path / "extract.csv", tmp_path / "m.yaml", db=db)
    assert summary.rows_loaded == 3 and summary.reconciles, summary.as_dict()
    assert summary.inserted == {"declaration_item": 3, "declaration": 2, "importer": 1, "inspection": 1}
    with open_store(db, read_only=True) as con:
        items = con.execute("select declaration_id, item_no, hs_code, round(net_mass_kg, 3), customs_value, "
                            "attrs->>'AGENT' from declaration_item order by 1, 2").fetchall()
        assert items == [("ft:A1", 1, "040310", 99.79, 1500.0, "k.smith"),
                         ("ft:A1", 2, "640399", 10.0, 200.0, "k.smith"),
                         ("ft:A2", 1, "851712", 1.0, 999.0, None)]
        # the importer appears on three rows with two spellings: the last row wins (on_conflict: last)
        assert con.execute("select party_id, name from party").fetchall() == [("ft:I9", "ACME Trading Ltd")]
        assert con.execute("select inspection_id, lane, result from inspection").fetchall() == [
            ("ft:A1-R", "red", "positive")]
        assert con.execute("select declaration_id, country_origin, lodged_at::date::varchar from declaration "
                           "order by 1").fetchall() == [("ft:A1", "CN", "2024-04-03"), ("ft:A2", "VN", "2024-04-05")]
