"""A corpus of broken inputs: each gets a clear message, its rows in quarantine with the reason,
counts that reconcile, and a store whose earlier content is untouched."""

from __future__ import annotations

import json

import pytest

from conftest import TINY
from workbench.ingest.loader import LoadError, load
from workbench.store.connection import open_store

HEADER = "decl_no,lodged,office,importer,exporter,declarant,dispatch,origin,mode,currency,item,hs,description,qty,unit,mass_kg,value,duty"
GOOD = "D9,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,50"
MAPPING = TINY / "mappings" / "declarations.yaml"
TABLES = ("declaration", "declaration_item", "party", "inspection", "exchange_rate")


def snapshot(db, *, everything=False):
    """A fingerprint of what the store held before (rows of earlier loads, or all of it)."""
    out = {}
    with open_store(db, read_only=True) as con:
        for t in TABLES + (("load_log", "quarantine", "audit_log") if everything else ()):
            where = "" if everything or t == "exchange_rate" else "where load_id <= 4"
            out[t] = con.execute(f"select count(*), sum(hash(t)) from {t} t {where}").fetchall()[0]
    return out


def write(tmp_path, *lines, name="broken.csv", header=HEADER, data: bytes | None = None):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    else:
        path.write_text("\n".join(([header] if header else []) + list(lines)) + "\n", encoding="utf-8")
    return path


def quarantine(db):
    with open_store(db, read_only=True) as con:
        return con.execute("select source_row, status, column_name, bad_value, reason, raw::varchar "
                           "from quarantine where load_id = (select max(load_id) from load_log) "
                           "order by source_row").fetchall()


ROW_CASES = {
    # name: (bad lines, expected status, column, text that must be in the reason)
    "wrong type": (["D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,ten,pr,8,500,50"],
                   "rejected", "quantity", "'ten' is not a number"),
    "bad date": (["D8,2024-13-45 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,50"],
                 "rejected", "lodged_at", "'2024-13-45 10:00:00' is not a timestamp"),
    "negative value": (["D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,-500,50"],
                       "rejected", "customs_value", "must not be negative"),
    "unknown reference": (["D8,2024-02-15 10:00:00,AKL,P99,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,50"],
                          "waiting", "importer_id", "waiting for party tiny:P99"),
    "code missing from translation table": (["D8,2024-02-15 10:00:00,XXX,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,50"],
                                            "rejected", "office_code", "code 'XXX' is not in the mapping"),
    "bad country code": (["D8,2024-02-15 10:00:00,AKL,P1,P3,P4,China,CN,sea,NZD,1,640399,boots,10,pr,8,500,50"],
                         "rejected", "country_dispatch", "must be a 2-letter country code"),
    "required value empty": ([",2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,50"],
                             "rejected", "declaration_id", "declaration_id is required"),
    "bad hs code": (["D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,64A399,boots,10,pr,8,500,50"],
                    "rejected", "hs_code", "must be 2 to 10 digits"),
    "missing exchange rate": (["D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,EUR,1,640399,boots,10,pr,8,500,50"],
                              "waiting", "currency", "no exchange rate for EUR"),
    "unknown unit of measure is kept but value type checked": (
        ["D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,1e"],
        "rejected", "duty", "'1e' is not a number"),
    "broken quotes": (['D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,"boots,10,pr,8,500,50'],
                      "rejected", None, "unterminated quote"),
    "missing fields": (["D8,2024-02-15 10:00:00,AKL,P1,P3"], "rejected", None, "Expected Number of Columns"),
    "too many fields": (["D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,50,extra"],
                        "rejected", None, "Expected Number of Columns"),
}


@pytest.mark.parametrize("case", sorted(ROW_CASES))
def test_bad_rows_are_quarantined_and_good_rows_load(case, tiny_store, tmp_path):
    lines, status, column, text = ROW_CASES[case]
    before = snapshot(tiny_store)
    # the bad line comes last: an unterminated quote swallows every line after it into one
    # rejected record (kept whole in its raw text), so nothing good may follow it
    good2 = GOOD.replace("D9", "D10")
    path = write(tmp_path, GOOD, good2, *lines)
    summary = load(path, MAPPING, db=tiny_store)
    assert summary.reconciles, summary.as_dict()
    assert summary.rows_in == 2 + len(lines)
    assert summary.rows_loaded == 2
    [entry] = quarantine(tiny_store)
    row, got_status, got_column, bad_value, reason, raw = entry
    assert row == 4, "the quarantine names the file line of the bad row"
    assert got_status == status
    if column:
        assert got_column == column
    assert text in reason, reason
    kept = json.loads(raw)
    assert kept.get("line_text", "").startswith("D8") or kept["decl_no"] in ("D8", None), kept
    assert "_r" not in kept and "_row" not in kept
    assert snapshot(tiny_store) == before
    with open_store(tiny_store, read_only=True) as con:
        ids = {r[0] for r in con.execute("select declaration_id from declaration where load_id > 4").fetchall()}
    assert ids == {"tiny:D9", "tiny:D10"}


def test_an_item_failing_holds_back_its_whole_declaration(tiny_store, tmp_path):
    good_item = "D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,500,50"
    bad_item = "D8,2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,2,640399,boots,10,pr,8,-1,50"
    summary = load(write(tmp_path, good_item, bad_item, GOOD), MAPPING, db=tiny_store)
    assert summary.rows_quarantined == 2 and summary.rows_loaded == 1 and summary.reconciles
    reasons = [r[4] for r in quarantine(tiny_store)]
    assert "held with its declaration tiny:D8" in reasons[0] and "must not be negative" in reasons[1]


def test_duplicate_ids_with_different_values_are_all_rejected(tiny_store, tmp_path):
    a = GOOD
    b = GOOD.replace(",500,", ",900,")
    summary = load(write(tmp_path, a, b), MAPPING, db=tiny_store)
    assert summary.rows_quarantined == 2 and summary.rows_loaded == 0 and summary.reconciles
    assert all("appears in rows 2, 3 with different values" in r[4] for r in quarantine(tiny_store))


def test_extra_columns_are_kept_as_attributes(tiny_store, tmp_path):
    path = write(tmp_path, GOOD + ",urgent", header=HEADER + ",priority")
    summary = load(path, MAPPING, db=tiny_store)
    assert summary.unmapped_columns == ["priority"] and summary.rows_loaded == 1
    with open_store(tiny_store, read_only=True) as con:
        assert con.execute("select attrs->>'priority' from declaration_item where declaration_id = 'tiny:D9'"
                           ).fetchall() == [("urgent",)]


WHOLE_FILE_CASES = {
    "empty file": (lambda p: write(p, data=b""), "is empty"),
    "header only": (lambda p: write(p), "no data rows (header only)"),
    "wrong encoding": (lambda p: write(p, data=(HEADER + "\n" + GOOD.replace("boots", "bottes en cuir fran\xe7ais")
                                                + "\n").encode("latin-1")), "is not valid utf-8 (line 2"),
    "missing file": (lambda p: p / "nowhere.csv", "file not found"),
    "missing required column": (lambda p: write(p, GOOD.replace("2024-02-15 10:00:00,", ""),
                                                header=HEADER.replace("lodged,", "")),
                                "column 'lodged' is not in the source"),
    "duplicate header names": (lambda p: write(p, GOOD, header=HEADER.replace("office", "mode")),
                               "names ['mode'] more than once"),
    "not a parquet file": (lambda p: write(p, GOOD, name="x.parquet"), "not a readable Parquet file"),
}


@pytest.mark.parametrize("case", sorted(WHOLE_FILE_CASES))
def test_unusable_files_are_refused_whole_with_one_line(case, tiny_store, tmp_path):
    make, text = WHOLE_FILE_CASES[case]
    before = snapshot(tiny_store, everything=True)
    with pytest.raises(LoadError) as err:
        load(make(tmp_path), MAPPING, db=tiny_store)
    message = str(err.value)
    assert text in message and "\n" not in message
    assert snapshot(tiny_store, everything=True) == before


MAPPING_CASES = {
    "not yaml": ("name: [unclosed", "is not valid YAML"),
    "unknown field": (MAPPING.read_text().replace("source_id: tiny", "source_id: tiny\ncolour: red"),
                      "colour: Extra inputs are not permitted"),
    "unknown canonical column": (MAPPING.read_text().replace("description: description", "flavour: description"),
                                 "declaration_item has no column 'flavour'"),
    "path leaves the folder": (MAPPING.read_text().replace("  - name: lines", "  - name: lines\n    path: ../../etc/passwd"),
                               "without '..'"),
    "required column not mapped": (MAPPING.read_text().replace("      lodged_at: lodged\n", ""),
                                   "required column(s) lodged_at not mapped"),
}


@pytest.mark.parametrize("case", sorted(MAPPING_CASES))
def test_wrong_mappings_name_the_field(case, tiny_store, tmp_path):
    text, expected = MAPPING_CASES[case]
    before = snapshot(tiny_store, everything=True)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text)
    with pytest.raises(LoadError) as err:
        load(write(tmp_path, GOOD), mapping, db=tiny_store)
    assert expected in str(err.value)
    assert snapshot(tiny_store, everything=True) == before


def test_excel_rows_are_checked_like_csv(tiny_store, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(GOOD.split(","))
    bad = GOOD.replace("D9", "D8").split(",")
    bad[13] = "many"
    sheet.append(bad)
    path = tmp_path / "extract.xlsx"
    book.save(path)
    summary = load(path, MAPPING, db=tiny_store)
    assert summary.rows_loaded == 1 and summary.rows_quarantined == 1 and summary.reconciles
    [(row, status, column, value, reason, raw)] = quarantine(tiny_store)
    assert (row, column, value) == (3, "quantity", "many")
    # codes written as numbers in Excel keep their digits
    with open_store(tiny_store, read_only=True) as con:
        assert con.execute("select hs_code from declaration_item where declaration_id = 'tiny:D9'").fetchall() == [("640399",)]


def test_retry_with_corrected_mapping_resolves_rejected_rows(tiny_store, tmp_path):
    from workbench.ingest.loader import retry

    line = GOOD.replace(",AKL,", ",CHC,")
    first = load(write(tmp_path, line), MAPPING, db=tiny_store)
    assert first.rows_quarantined == 1
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(MAPPING.read_text().replace("WLG: NZWLG}", "WLG: NZWLG, CHC: NZCHC}"))
    [again] = retry(db=tiny_store, mapping_path=fixed, include_rejected=True)
    assert again.rows_loaded == 1
    with open_store(tiny_store, read_only=True) as con:
        assert con.execute("select office_code from declaration where declaration_id = 'tiny:D9'").fetchall() == [("NZCHC",)]
        assert con.execute("select status from quarantine").fetchall() == [("resolved",)]
