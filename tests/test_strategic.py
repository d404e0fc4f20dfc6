"""The strategic picture: the register (versions, audit, as-of), finding rates with the random
stream apart, the emerging-risk test on a planted rise, charts that render offline."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from typer.testing import CliRunner

from workbench.charts import emerging_chart, finding_rate_chart, risk_matrix_chart, save_chart
from workbench.cli import app
from workbench.store.connection import open_store
from workbench.strategic import (
    TEST_NAME,
    AssessmentError,
    RegisterError,
    add_risk,
    band,
    change_risk,
    emerging_risks,
    finding_rates,
    list_risks,
    matrix_data,
    rate_risk,
    risk_history,
    strategic_summary,
)


def test_bands():
    assert [band(r) for r in (1, 4, 5, 9, 10, 15, 16, 25)] == ["low", "low", "medium", "medium", "high", "high",
                                                                 "extreme", "extreme"]
    with pytest.raises(RegisterError):
        band(26)


def test_register_versions_audit_and_as_of(tiny_store, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "intel.lead")
    with open_store(tiny_store) as con:
        a = add_risk(con, title="Undervalued footwear", category="revenue", likelihood=3, consequence=3,
                     owner="Revenue intel", scope={"hs_prefixes": ["64"]})
        b = add_risk(con, title="Methamphetamine in cover loads", category="narcotics", likelihood=2, consequence=5)
        between = con.execute("select now()::TIMESTAMP").fetchall()[0][0]
        rated = rate_risk(con, a["risk_id"], likelihood=5, consequence=4, reason="seizures tripled")
        change_risk(con, b["risk_id"], status="closed", reason="treated by profile PRF-9")
        with pytest.raises(RegisterError, match="1 to 5"):
            rate_risk(con, a["risk_id"], likelihood=6, consequence=1, reason="x")
        with pytest.raises(RegisterError, match="why"):
            rate_risk(con, a["risk_id"], likelihood=2, consequence=1, reason=" ")
        with pytest.raises(RegisterError, match="already exists"):
            add_risk(con, title="again", likelihood=1, consequence=1, risk_id=a["risk_id"])
        current = list_risks(con)
        then = list_risks(con, as_of=between)
        everything = list_risks(con, include_closed=True)
        history = risk_history(con, a["risk_id"])
        audit = con.execute("select actor, action, object_id, reason from audit_log where object_type = 'risk' "
                            "order by seq").fetchall()
        from workbench.store.audit import verify

        assert verify(con).ok
    assert (a["risk_id"], b["risk_id"]) == ("R-001", "R-002")
    assert (rated["version"], rated["rating"], rated["band"]) == (2, 20, "extreme")
    assert [(r["risk_id"], r["rating"]) for r in current] == [("R-001", 20)]
    assert [(r["risk_id"], r["rating"]) for r in then] == [("R-002", 10), ("R-001", 9)]
    assert len(everything) == 2 and history[0]["scope"] == {"hs_prefixes": ["64"]}
    assert [h["change_reason"] for h in history] == ["risk added", "seizures tripled"]
    assert audit == [("intel.lead", "risk.add", "R-001", "risk added"), ("intel.lead", "risk.add", "R-002", "risk added"),
                     ("intel.lead", "risk.rate", "R-001", "seizures tripled"),
                     ("intel.lead", "risk.change", "R-002", "treated by profile PRF-9")]
    cells = matrix_data(current)
    assert len(cells) == 25 and [c["risks"] for c in cells if c["count"]] == ["R-001"]


def _planted(db, *, seed: int = 5) -> None:
    """Fifteen calendar months (January 2024 to March 2025) of examinations: chapter 64 found 5 %
    of the time, then 35 % in the last three months; chapter 85 steady at 10 %. One in five
    examinations is random."""
    rng = random.Random(seed)
    decls, items, checks = [], [], []
    n = 0
    for month in range(15):
        start = dt.datetime(2024 + month // 12, month % 12 + 1, 1)
        for chapter, hs in (("64", "640399"), ("85", "851712")):
            rate = 0.35 if chapter == "64" and month >= 12 else (0.05 if chapter == "64" else 0.10)
            for k in range(60):
                n += 1
                lodged, did = start + dt.timedelta(hours=8 * k), f"s:D{n}"
                decls.append((did, lodged))
                items.append((did, lodged, hs))
                checks.append((f"s:X{n}", lodged + dt.timedelta(days=2), did, lodged, "random" if k % 5 == 0 else "profile",
                               "positive" if rng.random() < rate else "negative"))
    with open_store(db) as con:
        con.execute("insert into declaration (declaration_id, version, known_at, lodged_at, office_code, direction, "
                    "importer_id, country_dispatch, country_origin, load_id, row_hash) "
                    "select d[1], 1, d[2]::TIMESTAMP, d[2]::TIMESTAMP, 'NZAKL', 'import', 'tiny:P1', 'CN', 'CN', 0, 'x' "
                    "from (select unnest($rows) as d)", {"rows": [[a, b.isoformat()] for a, b in decls]})
        con.execute("insert into declaration_item (declaration_id, version, item_no, known_at, hs_code, load_id, "
                    "row_hash) select d[1], 1, 1, d[2]::TIMESTAMP, d[3], 0, 'x' from (select unnest($rows) as d)",
                    {"rows": [[a, b.isoformat(), c] for a, b, c in items]})
        con.execute("insert into inspection (inspection_id, version, known_at, declaration_id, selected_at, lane, "
                    "selection_source, result, result_at, load_id, row_hash) "
                    "select d[1], 1, d[2]::TIMESTAMP, d[3], d[4]::TIMESTAMP, 'red', d[5], d[6], d[2]::TIMESTAMP, 0, 'x' "
                    "from (select unnest($rows) as d)",
                    {"rows": [[a, b.isoformat(), c, e.isoformat(), f, g] for a, b, c, e, f, g in checks]})


def test_finding_rates_keep_the_random_stream_apart(tiny_store):
    _planted(tiny_store)
    with open_store(tiny_store, read_only=True) as con:
        records = finding_rates(con, by="chapter", since=dt.date(2024, 1, 1))
        with pytest.raises(AssessmentError, match="unknown dimension"):
            finding_rates(con, by="colour")
    march = [r for r in records if r["group"] == "64" and r["month"] == dt.date(2024, 3, 1)]
    assert {r["stream"]: r["examined"] for r in march} == {"random": 12, "targeted": 48}
    assert all(0 <= r["rate"] <= 1 for r in records)
    assert {"64", "85"} <= {r["group"] for r in records}


def test_a_planted_rise_is_flagged_and_a_steady_rate_is_not(tiny_store):
    _planted(tiny_store)
    with open_store(tiny_store, read_only=True) as con:
        result = emerging_risks(con, by="chapter", as_of=dt.datetime(2025, 4, 1), min_exams=20)
        earlier = emerging_risks(con, by="chapter", as_of=dt.datetime(2024, 12, 1), min_exams=20)
    assert result["test"] == TEST_NAME
    by = {g["group"]: g for g in result["groups"]}
    assert by["64"]["flagged"] and not by["85"]["flagged"]
    # 720 planted in 2024, plus the tiny store's own two examinations of chapter 64 in January 2024
    assert by["64"]["recent_examined"] == 180 and by["64"]["baseline_examined"] == 722
    assert by["64"]["q"] < 0.001 and 0.15 < by["64"]["random_share"] < 0.25
    assert "HS chapter 64:" in by["64"]["reason"] and "were random" in by["64"]["reason"]
    assert not any(g["flagged"] for g in earlier["groups"])        # before the rise there is nothing to see


def test_emerging_risks_read_outcomes_as_known_then(tiny_store):
    """Results that arrive after the as-of moment do not exist for the test."""
    _planted(tiny_store)
    with open_store(tiny_store) as con:
        con.execute("update inspection set known_at = known_at + interval 400 day, "
                    "result_at = result_at + interval 400 day where declaration_id like 's:%'")
        result = emerging_risks(con, by="chapter", as_of=dt.datetime(2025, 4, 1), min_exams=1)
    assert result["groups"] == [] or all(g["recent_examined"] == 0 for g in result["groups"])


def test_strategic_summary_and_charts_render_offline(tiny_store, tmp_path):
    _planted(tiny_store)
    with open_store(tiny_store) as con:
        add_risk(con, title="Undervalued footwear", category="revenue", likelihood=4, consequence=3)
        summary = strategic_summary(con)
        rates = finding_rates(con, by="chapter")
        emerging = emerging_risks(con, by="chapter", as_of=dt.datetime(2025, 4, 1))
        cells = matrix_data(list_risks(con))
    assert summary["by_band"] == {"high": 1}
    assert {r["stream"] for r in summary["finding_rates"]} == {"random", "targeted"}
    assert json.dumps(summary, default=str)
    for name, chart in (("matrix", risk_matrix_chart(cells)), ("rates", finding_rate_chart(rates)),
                        ("emerging", emerging_chart(emerging))):
        png = save_chart(chart, tmp_path / f"{name}.png")
        svg = save_chart(chart, tmp_path / f"{name}.svg")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert svg.read_text().lstrip().startswith("<svg")
    spec = risk_matrix_chart(cells).to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    with pytest.raises(ValueError):
        save_chart(risk_matrix_chart(cells), tmp_path / "x.gif")


def test_the_workbench_does_not_import_altair_until_a_chart_is_drawn():
    import subprocess
    import sys

    code = ("import sys, workbench.strategic, workbench.charts, workbench.cli; "
            "print('altair' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli(tiny_store, tmp_path):
    _planted(tiny_store)
    runner = CliRunner()
    db = ["--db", str(tiny_store)]
    out = runner.invoke(app, ["risk", "add", "Undervalued footwear", "--likelihood", "4", "--consequence", "3",
                              "--category", "revenue", "--scope", '{"hs_prefixes": ["64"]}', "--json", *db])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["band"] == "high"
    out = runner.invoke(app, ["risk", "rate", "R-001", "--likelihood", "5", "--consequence", "4", "--reason",
                              "rising", "--json", *db])
    assert json.loads(out.output)["version"] == 2
    out = runner.invoke(app, ["risk", "list", "--json", *db])
    assert [r["rating"] for r in json.loads(out.output)] == [20]
    out = runner.invoke(app, ["risk", "assess", "--by", "chapter", "--since", "2024-03-01", "--json", *db])
    assert {r["group"] for r in json.loads(out.output)} == {"64", "85"}
    out = runner.invoke(app, ["risk", "emerging", "--by", "chapter", "--as-of", "2025-04-01", "--json", *db])
    assert [g["group"] for g in json.loads(out.output)["groups"] if g["flagged"]] == ["64"]
    out = runner.invoke(app, ["risk", "chart", "matrix", str(tmp_path / "m.svg"), *db])
    assert out.exit_code == 0 and (tmp_path / "m.svg").exists()
    out = runner.invoke(app, ["risk", "add", "x", "--likelihood", "7", "--consequence", "1", *db])
    assert out.exit_code != 0
