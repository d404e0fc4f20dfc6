"""The stored model: scores only after the cut-off, an explanation for every scored declaration,
the score as catalogue indicators a profile can use, evaluation on a later window, and the CLI."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from indicator_fixtures import copy_store
from workbench.cli import app
from workbench.indicators import build
from workbench.models import ModelError, TrainOptions, evaluate, explain, get_model, list_models, train
from workbench.models.explanation import contributions
from workbench.models.features import make_base, make_features, matrix
from workbench.profiles.backtest import backtest
from workbench.profiles.spec import parse_profile
from workbench.store.connection import open_store

CUTOFF = dt.datetime(2025, 4, 1)
INDICATORS = ["price.unit_value_low", "price.value_per_kg", "history.importer", "history.hs6", "history.origin",
              "route.via_hub", "description.vague", "price.duty_share_low"]


@pytest.fixture(scope="module")
def trained(world_store, tmp_path_factory):
    db = copy_store(world_store, tmp_path_factory.mktemp("model") / "model.duckdb")
    with open_store(db) as con:
        build(con, indicators=INDICATORS, reason="model test")
        model, scored = train(con, CUTOFF, options=TrainOptions(seed=3, rounds=80), explain_top_pct=100, user="tester")
    return db, model, scored


def test_scores_are_stored_only_for_declarations_lodged_after_the_cutoff(trained):
    db, model, scored = trained
    with open_store(db, read_only=True) as con:
        after = con.execute("select count(distinct declaration_id) from declaration where version = 1 and known_at >= ?",
                            [CUTOFF]).fetchall()[0][0]
        got = con.execute("select count(*), count(distinct declaration_id), min(lodged_at), "
                          "count(*) filter (where reasons is null or reasons = '') from model_score").fetchall()[0]
    assert scored["declarations"] == got[0] == got[1] == after > 0
    assert got[2] >= CUTOFF and got[3] == 0          # every scored declaration carries its reasons
    with open_store(db) as con, pytest.raises(ModelError, match="cut-off"):
        from workbench.models import score
        score(con, model, start=CUTOFF - dt.timedelta(days=30))


def test_every_scored_declaration_is_explained_and_contributions_add_up(trained):
    db, model, _ = trained
    with open_store(db, read_only=True) as con:
        make_base(con, CUTOFF, dt.datetime(2100, 1, 1))
        make_features(con, model.spec)
        X, info = matrix(con, model.spec)
        stored = dict(con.execute("select declaration_id, raw from model_score").fetchall())
        booster = model.booster()
        contrib = contributions(booster, X)
        raw = booster.predict(X, raw_score=True)
        assert len(X) == len(stored)
        np.testing.assert_allclose(contrib.sum(axis=1), raw, atol=1e-6)
        np.testing.assert_allclose([stored[d] for d in info["declaration_id"]], raw, atol=1e-9)
        for decl in info["declaration_id"][:: max(1, len(X) // 5)]:
            e = explain(con, decl, top=0)
            assert not e["in_sample"] and len(e["contributions"]) == len(model.spec.features)
            assert e["raw"] == pytest.approx(stored[decl], abs=1e-3)
            assert e["raw"] == pytest.approx(e["expected"] + sum(c["contribution"] for c in e["contributions"]), abs=1e-2)
        early = con.execute("select declaration_id from declaration where known_at < ? limit 1", [CUTOFF]).fetchall()[0][0]
        assert explain(con, early)["in_sample"]


def test_the_score_is_an_indicator_a_profile_can_use(trained, tmp_path):
    db = copy_store(trained[0], tmp_path / "ind.duckdb")
    with open_store(db) as con:
        build(con, indicators=["model"], reason="model indicators")
        first = con.execute("""select min(lodged_at), count(*), count(*) filter (where v.flag)
                               from indicator_value_latest v where indicator_id = 'model.risk_percentile'""").fetchall()[0]
        assert first[0] >= CUTOFF and first[1] > 0 and 0 < first[2] < first[1]
        top = parse_profile({"id": "RP-MODEL-TOP", "title": "Model top 5 percent", "risk": "R-ANY",
                             "criteria": {"field": "indicator.model.risk_percentile", "gte": 95},
                             "treatment": {"lane": "red"}})
        result = backtest(con, [top], CUTOFF, dt.datetime(2026, 1, 1), as_of=dt.datetime(2026, 3, 1))
    hits = result.profiles[0]["hits"]
    assert 0 < hits < 0.15 * result.declarations


def test_evaluation_beats_random_selection_on_a_later_window(trained, world_store):
    db, model, _ = trained
    truth = world_store.parent / "world" / "ground_truth"
    with open_store(db, read_only=True) as con:
        with pytest.raises(ModelError, match="cut-off"):
            evaluate(con, CUTOFF - dt.timedelta(days=1), dt.datetime(2025, 10, 1))
        r = evaluate(con, CUTOFF, dt.datetime(2025, 10, 1), truth=truth, as_of=dt.datetime(2026, 3, 1))
    row = {(x["ranker"], x["k_percent"], x["stream"]): x for x in r["table"]}
    model5 = row[("model", 5, "truth")]
    assert model5["precision"] > 2 * r["base_rates"]["truth"] and model5["lift"] > 2
    assert row[("random selection", 5, "truth")]["recall"] == 0.05
    examined = row[("model", 5, "examined")]
    assert examined["biased"] and examined["labelled"] <= examined["selected"]
    assert examined["labelled"] <= r["totals"]["examined"]            # only examined ones are counted
    assert set(r["schemes"]["model"]) == set(r["scheme_names"]) and r["capture"]["model"][-1]["inspected_share"] == 1.0


def test_model_verbs(trained, tmp_path):
    db = copy_store(trained[0], tmp_path / "cli.duckdb")
    runner = CliRunner()
    out = runner.invoke(app, ["model", "list", "--db", str(db), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["model_id"] == trained[1].model_id
    decl = list_models  # noqa: F841 - the function behind the verb
    with open_store(db, read_only=True) as con:
        some = con.execute("select declaration_id from model_score order by score desc limit 1").fetchall()[0][0]
    out = runner.invoke(app, ["model", "explain", some, "--db", str(db), "--json", "--top", "3"])
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.output)["contributions"]) == 3
    out = runner.invoke(app, ["model", "evaluate", "--from", "2025-04-01", "--to", "2025-07-01", "--db", str(db)])
    assert out.exit_code == 0 and "precision at a budget" in out.output, out.output
    out = runner.invoke(app, ["model", "train", "--until", "2023-01-01", "--db", str(db)])
    assert out.exit_code != 0 and "nothing to learn from" in str(out.exception or out.output)
    with open_store(db, read_only=True) as con:
        assert get_model(con).model_id == trained[1].model_id
