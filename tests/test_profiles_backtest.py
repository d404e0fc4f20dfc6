"""Backtests on the synthetic world: the numbers agree with the store, unexamined declarations
are never negatives, outcomes are taken as known at the as-of date, and the profile CLI runs the
whole loop from a new spec to monitoring."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from indicator_fixtures import copy_store
from workbench.access import grant
from workbench.charts.profiles import capture_curve, hit_rate_trend, overlap_matrix
from workbench.cli import app
from workbench.indicators.build import build
from workbench.profiles.backtest import backtest
from workbench.profiles.monitor import capacity, coverage, performance
from workbench.profiles.registry import live_profiles
from workbench.profiles.seeding import seed_profiles, seed_register
from workbench.profiles.selection import store_salt
from workbench.profiles.spec import parse_profile
from workbench.store.connection import open_store

START, END = dt.datetime(2025, 1, 1), dt.datetime(2025, 7, 1)


@pytest.fixture(scope="module")
def store(world_store, tmp_path_factory):
    db = copy_store(world_store, tmp_path_factory.mktemp("profiles") / "world.duckdb")
    with open_store(db) as con:
        creator = con.execute("select user_name from user_role where role = 'admin' limit 1").fetchone()[0]
        if creator != "tester":
            grant(con, admin=creator, user="tester", role="admin", reason="the tests act as tester")
        build(con, reason="profile tests")
        seed_register(con, user="tester")
        seed_profiles(con, author="tester", today=dt.date(2025, 1, 1))
    return db


def footwear(**changes):
    data = {"id": "RP-SHOES", "title": "Footwear", "risk": "R-REV-01",
            "criteria": {"field": "item.hs_chapter", "eq": "64"}, "treatment": {"lane": "red"}}
    return parse_profile({**data, **changes})


def test_hits_and_outcomes_agree_with_the_store(store):
    with open_store(store, read_only=True) as con:
        result = backtest(con, [footwear()], START, END)
        expected_hits = con.execute("""
            with first as (select * from declaration where lodged_at >= ? and lodged_at < ?
                           qualify row_number() over (partition by declaration_id order by known_at, version) = 1)
            select distinct f.declaration_id from first f join declaration_item i using (declaration_id, version)
            where left(i.hs_code, 2) = '64' and f.direction = 'import'""", [START, END]).fetchall()
        ids = [r[0] for r in expected_hits]
        examined, positives = con.execute("""
            select count(distinct declaration_id) filter (where result in ('positive', 'negative')),
                   count(distinct declaration_id) filter (where result = 'positive')
            from inspection_current where list_contains(?::VARCHAR[], declaration_id)""", [ids]).fetchone()
    p = result.profiles[0]
    assert p["hits"] == len(ids) > 50
    assert (p["examined"], p["positives"]) == (examined, positives)
    assert p["examined"] < p["hits"]                      # most hits were never examined...
    assert p["hit_rate"] == round(positives / examined, 4)  # ...and are not counted as negatives
    assert p["examination_rate"] == round(len(ids) / result.declarations, 4)
    assert "are not counted as negatives" in result.label_bias


def test_outcomes_are_those_known_by_the_as_of_date(store):
    profile = footwear(criteria={"field": "item.hs_chapter", "in": ["06", "07", "08", "64", "85"]})
    with open_store(store, read_only=True) as con:
        now = backtest(con, [profile], START, END)
        then = backtest(con, [profile], START, END, as_of=END)          # results arriving later are unknown
        before = backtest(con, [profile], START, END, as_of=START)
    assert before.profiles[0]["examined"] == 0 and before.profiles[0]["hit_rate"] is None
    assert then.profiles[0]["examined"] <= now.profiles[0]["examined"]
    assert then.profiles[0]["positives"] < now.profiles[0]["positives"]   # lab results and audits come late
    assert then.profiles[0]["hits"] == now.profiles[0]["hits"]            # selection does not depend on outcomes


def test_a_set_of_profiles_reports_overlap_marginal_contribution_and_charts(store):
    with open_store(store, read_only=True) as con:
        profiles = live_profiles(con, dt.date(2025, 3, 1))
        result = backtest(con, profiles, START, END, salt=store_salt(con), dry_run=10)
    assert len(profiles) == 7
    by_id = {p["profile_id"]: p for p in result.profiles}
    diagonal = {o["profile_a"]: o["both_hit"] for o in result.overlap if o["profile_a"] == o["profile_b"]}
    assert diagonal == {pid: p["hits"] for pid, p in by_id.items() if p["hits"]}
    assert all(p["only_hits"] <= p["hits"] and p["only_positives"] <= p["positives"] for p in result.profiles)
    assert result.combined["hits"] <= sum(p["hits"] for p in result.profiles)
    assert [k["k_percent"] for k in result.precision_at] == [1, 2, 5, 10]
    shares = [c["offences_share"] for c in result.capture]
    assert shares == sorted(shares) and shares[-1] <= 1
    # the dry run names the item and the values behind each would-be hit
    assert len(result.dry_run) == 10
    first = result.dry_run[0]
    assert first["reasons"] and all(" item " in r and "=" in r for r in first["reasons"])
    assert first["lane"] == max((by_id[p]["lane"] for p in first["profiles"]),
                                key=["green", "blue", "yellow", "orange", "red"].index)
    for chart in (capture_curve(result.capture), hit_rate_trend(result.weekly), overlap_matrix(result.overlap)):
        assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_a_keyed_sample_keeps_its_share_and_the_same_declarations(store):
    full, half = footwear(), footwear(treatment={"lane": "red", "selection_pct": 50})
    with open_store(store, read_only=True) as con:
        a = backtest(con, [half], START, END, salt="one").profiles[0]["hits"]
        b = backtest(con, [half], START, END, salt="one").profiles[0]["hits"]
        all_hits = backtest(con, [full], START, END).profiles[0]["hits"]
    assert a == b and 0.35 * all_hits < a < 0.65 * all_hits



def test_the_monitor_window_gives_the_store_s_figures(store):
    """The performance monitor's in-memory window: for any months or weeks, the same performance,
    capacity and coverage as the functions that backtest the store on each call."""
    from workbench.profiles.monitor_window import MonitorWindow

    window = MonitorWindow(store)
    try:
        with open_store(store, read_only=True) as con:
            for months in (1, 3, 6, 12):
                held, fresh = window.performance(months=months), performance(con, months=months)
                assert held == fresh, months
                assert held["profiles"] and any(p["hits"] for p in held["profiles"])
            for weeks in (2, 8):
                assert window.capacity({"*.red": 1.0}, weeks=weeks) == capacity(con, {"*.red": 1.0}, weeks=weeks)
            assert window.coverage == coverage(con)
        with pytest.raises(ValueError, match="months must be 1 to 24"):
            window.performance(months=30)
    finally:
        window.close()

def test_monitoring_coverage_and_capacity(store):
    with open_store(store, read_only=True) as con:
        perf = performance(con, months=6)
        cov = coverage(con, on=dt.date(2025, 6, 1))
        cap = capacity(con, {"*.red": 1.0}, weeks=8)
    assert {p["profile_id"] for p in perf["profiles"]} == {p.id for p in live_profiles_at(store)}
    for f in perf["flagged"]:
        assert f["why"] and f["evidence"].count("hits") == 2
    gaps = {g["risk_id"] for g in cov["gaps"]}
    assert gaps == set()                                           # every risk of the register is treated
    covered = {r["risk_id"]: r["active"] for r in cov["risks"]}
    assert covered["R-REV-01"] == ["RP-REV-UV-01"] and covered["R-NET-01"] == ["RP-NET-01"]
    assert cap["rows"] and all(r["per_week"] > 0 for r in cap["rows"])
    assert all(r["over"] == (r["lane"] == "red" and r["per_week"] > 1.0) for r in cap["rows"])
    assert any(r["capacity"] is None for r in cap["rows"]) == bool(cap["unconfigured"])


def live_profiles_at(db):
    with open_store(db, read_only=True) as con:
        return live_profiles(con, dt.date(2025, 12, 30))


def run(args, user="tester", **kw):
    return CliRunner().invoke(app, args, env={"WORKBENCH_USER": user}, terminal_width=200, **kw)


def test_the_profile_loop_from_the_command_line(store, tmp_path, monkeypatch):
    db = str(copy_store(store, tmp_path / "cli.duckdb"))
    monkeypatch.chdir(tmp_path)
    out = run(["profile", "new", "RP-CLI-01", "--title", "Cheap shoes", "--risk", "R-REV-01", "--db", db])
    assert out.exit_code == 0, out.output
    spec_file = tmp_path / "RP-CLI-01.yaml"
    assert run(["profile", "validate", str(spec_file), "--db", db]).exit_code == 0
    text = spec_file.read_text().replace("lane: orange", "lane: purple")
    (tmp_path / "bad.yaml").write_text(text)
    bad = run(["profile", "validate", str(tmp_path / "bad.yaml"), "--db", db])
    assert bad.exit_code == 1 and "treatment.lane" in bad.output
    out = run(["profile", "submit", str(spec_file), "--reason", "ready", "--db", db])
    assert out.exit_code == 0 and "submitted" in out.output, out.output
    denied = run(["profile", "approve", "RP-CLI-01", "--reason", "mine", "--db", db])
    assert denied.exit_code == 1 and "approver" in str(denied.exception)   # main() prints it as one line
    assert run(["user", "grant", "ann", "approver", "--reason", "test", "--db", db]).exit_code == 0
    assert run(["profile", "approve", "RP-CLI-01", "--reason", "looks right", "--db", db], user="ann").exit_code == 0
    assert run(["profile", "activate", "RP-CLI-01", "--reason", "go", "--db", db], user="ann").exit_code == 0
    listed = json.loads(run(["profile", "list", "--json", "--db", db]).output)
    assert {"RP-CLI-01": "active"}.items() <= {r["profile_id"]: r["status"] for r in listed}.items()
    shown = json.loads(run(["profile", "show", "RP-CLI-01", "--json", "--db", db]).output)
    assert shown["intact"] and shown["approved_by"] == "ann" and [h["action"] for h in shown["history"]] == \
        ["create", "submit", "approve", "activate"]
    bt = run(["profile", "backtest", "RP-CLI-01", "RP-REV-UV-01", "--from", "2025-01-01", "--to", "2025-04-01",
              "--json", "--db", db])
    assert bt.exit_code == 0, bt.output
    assert [p["profile_id"] for p in json.loads(bt.output)["profiles"]] == ["RP-CLI-01", "RP-REV-UV-01"]
    table = run(["profile", "backtest", "RP-CLI-01", "--from", "2025-01-01", "--to", "2025-04-01", "--dry-run", "3",
                 "--charts", str(tmp_path / "charts"), "--db", db])
    assert table.exit_code == 0 and "hit rate" in table.output and "would-be hits" in table.output
    assert (tmp_path / "charts" / "capture.html").exists()
    cov = json.loads(run(["profile", "coverage", "--json", "--db", db]).output)
    assert "RP-CLI-01" in {p for r in cov["risks"] for p in r["active"]}
    assert run(["profile", "verify", "--db", db]).exit_code == 0
    schema = json.loads(run(["profile", "schema"]).output)
    assert schema["title"] == "Customs risk profile" and "criteria" in schema["properties"]
