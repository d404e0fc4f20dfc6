"""Mined candidates are ordinary profile specs: valid, compiled by the profiles' own compiler,
ranked on a later window, saved as drafts and taken through the four-eyes lifecycle."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from indicator_fixtures import copy_store
from workbench.access import grant
from workbench.cli import app
from workbench.indicators import build
from workbench.profiles.backtest import compile_set
from workbench.profiles.frame import build_frame
from workbench.profiles.mining import mine, save_candidates, wilson_low
from workbench.profiles.registry import get_profile, transition
from workbench.profiles.spec import parse_profile
from workbench.store.connection import open_store
from workbench.strategic.register import add_risk

CUTOFF = dt.datetime(2025, 4, 1)
INDICATORS = ["price.unit_value_low", "price.value_per_kg", "history.importer", "history.hs6", "route.via_hub",
              "description.vague"]
OPTIONS = {"min_support": 15, "min_positives": 4, "weeks": 26, "top": 6}


@pytest.fixture(scope="module")
def mined_store(world_store, tmp_path_factory):
    db = copy_store(world_store, tmp_path_factory.mktemp("mine") / "mine.duckdb")
    with open_store(db) as con:
        build(con, indicators=INDICATORS, reason="mining test")
        add_risk(con, risk_id="R-MINED", title="Revenue leakage found by mining", likelihood=4, consequence=3)
        creator = con.execute("select user_name from user_role where role = 'admin' limit 1").fetchall()[0][0]
        for user in ("alice", "bob"):
            grant(con, admin=creator, user=user, role="approver", reason="test approvers")
    return db


def test_candidates_are_valid_specs_whose_evidence_the_compiler_confirms(mined_store, world_store):
    with open_store(mined_store, read_only=True) as con:
        result = mine(con, CUTOFF, budget=0.05, truth=world_store.parent / "world" / "ground_truth", **OPTIONS)
        assert result.candidates, result.warnings
        # training evidence recounted by the compiler on the training window, with outcomes known before the cut-off
        profiles = [c.profile for c in result.candidates]
        build_frame(con, result.train_window["from"], CUTOFF, fields=set().union(*(p.fields_used() for p in profiles)))
        _, union_sql, params = compile_set(profiles, "salt")
        con.execute(f"create or replace temp table t_hit as select distinct profile_id, declaration_id from ({union_sql})",
                    params)
        counted = dict(con.execute("""select h.profile_id, count(*) from t_hit h join mine_label l using (declaration_id)
                                      group by 1""").fetchall())
    lifts = [c.validation["lift"] for c in result.candidates if c.validation.get("lift") is not None]
    assert lifts == sorted(lifts, reverse=True)
    for c in result.candidates:
        assert parse_profile(c.profile.content()).content() == c.profile.content()
        assert c.train["examined"] >= OPTIONS["min_support"] and c.train["positives"] >= OPTIONS["min_positives"]
        assert counted[c.profile.id] == c.train["examined"]
        assert c.train["random_examined"] + c.train["targeted_examined"] >= c.train["examined"]
        assert not c.profile.fields_used() & set(result.excluded_fields)
        assert not any(f.startswith("indicator.model.") for f in c.profile.fields_used())
        assert c.validation["hits_per_week"] >= 0 and 0 < c.validation["selection_pct_for_budget"] <= 100
        assert (not c.train["random_examined"]) == any("targeted examinations only" in f for f in c.flags)
    assert result.budget_set["selected"] <= result.budget_set["budget"]
    assert result.budget_set["truth_lift"] > 2           # the planted schemes are found well above random selection
    assert 0 < wilson_low(5, 10) < 0.5 < wilson_low(90, 100) < 0.9


def test_saved_candidates_go_through_the_lifecycle(mined_store, tmp_path):
    db = copy_store(mined_store, tmp_path / "life.duckdb")
    with open_store(db) as con:
        result = mine(con, CUTOFF, budget=0.05, **OPTIONS)
        saved = save_candidates(con, result, risk="R-MINED", actor="alice")
        assert saved and all(v == 1 for _, v in saved)
        pid = saved[0][0]
        spec, row = get_profile(con, pid)
        assert row["status"] == "draft" and row["risk_id"] == "R-MINED" and row["author"] == "alice"
        assert spec.content() == result.candidates[0].profile.content()
        transition(con, "submit", pid, reason="mined, reviewed", actor="alice")
        transition(con, "approve", pid, reason="backtest read", actor="bob")
        row = transition(con, "activate", pid, reason="go live", actor="bob")
        assert row["status"] == "active"
        assert get_profile(con, pid)[0].content() == spec.content()


def test_mine_verb(mined_store, tmp_path):
    db = copy_store(mined_store, tmp_path / "cli.duckdb")
    runner = CliRunner()
    args = ["mine", "--until", "2025-04-01", "--budget", "5%", "--min-support", "15", "--min-positives", "4",
            "--weeks", "26", "--top", "3", "--db", str(db)]
    out = runner.invoke(app, [*args, "--save"])
    assert out.exit_code != 0 and "--risk" in str(out.exception or out.output)
    out = runner.invoke(app, [*args, "--json", "--out", str(tmp_path / "specs")])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert 0 < len(data["candidates"]) <= 3 and data["budget"] == 0.05
    assert sorted(p.stem for p in (tmp_path / "specs").glob("*.yaml")) == sorted(c["profile_id"] for c in data["candidates"])
    out = runner.invoke(app, [*args, "--risk", "R-MINED", "--save"])
    assert out.exit_code == 0 and "saved MINED-" in out.output, out.output
    out = runner.invoke(app, ["mine", "--until", "2025-04-01", "--budget", "half", "--db", str(db)])
    assert out.exit_code != 0
