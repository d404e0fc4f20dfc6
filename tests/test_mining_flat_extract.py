"""Model and mining on a differently shaped extract: another service's flat file, French column
names, every declaration examined with its outcome on the row — loaded through a mapping
(tests/fixtures/flat_outcomes/mapping.yaml). Nothing may depend on the synthetic world's names.

The extract plants two risks: origin ZZ with HS chapter 61, and the REGIME attribute R9. It
also carries CONSTAT, what the officer wrote after the examination, left unmapped: it lands
among the attributes, mirrors the outcome, and must never be used."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from conftest import ROOT
from workbench.indicators import build
from workbench.ingest.loader import load
from workbench.models import TrainOptions, evaluate, train
from workbench.profiles.mining import mine
from workbench.store.connection import open_store

MAPPING = ROOT / "tests" / "fixtures" / "flat_outcomes" / "mapping.yaml"
CUTOFF = dt.datetime(2024, 10, 1)
HEADER = "NUM_DECL;LIGNE;SH;POIDS;VALEUR;ORIGINE;DATE_DEPOT;BUREAU;IMPORTATEUR;NOM_IMP;RESULTAT;DATE_RESULTAT;MONTANT;CONSTAT;REGIME"


def write_extract(path, n: int = 2500, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1)
    lines = [HEADER]
    for k in range(n):
        lodged = start + dt.timedelta(minutes=int(rng.integers(0, 365 * 24 * 60)))
        origin = rng.choice(["cn", "vn", "zz", "in", "tr"], p=[0.35, 0.2, 0.15, 0.15, 0.15])
        sh = rng.choice(["610910", "620342", "851712", "940360", "640399"])
        regime = rng.choice(["R1", "R4", "R9"], p=[0.6, 0.3, 0.1])
        p = 0.03 + (0.6 if origin == "zz" and sh.startswith("61") else 0) + (0.35 if regime == "R9" else 0)
        positive = rng.random() < p
        result_at = lodged + dt.timedelta(days=int(rng.integers(2, 10)))
        value = round(float(rng.lognormal(8, 1)), 2)
        lines.append(";".join([
            f"X{k:05d}", "1", sh, f"{rng.integers(10, 5000)}", f"{value}", origin, f"{lodged:%d/%m/%Y %H:%M}",
            rng.choice(["B01", "B02", "B03"]), f"IMP{rng.integers(0, 120):03d}", "Importateur",
            "FRAUDE" if positive else "OK", f"{result_at:%d/%m/%Y %H:%M}",
            f"{round(value * 0.2, 2)}" if positive else "", "SAISIE" if positive else "CONFORME", regime]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def flat_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flat")
    write_extract(folder / "extract.csv")
    db = folder / "flat.duckdb"
    summary = load(folder / "extract.csv", MAPPING, db=db)
    assert summary.rows_loaded == 2500 and not summary.rows_quarantined, summary.as_dict()
    with open_store(db) as con:
        build(con, indicators=["history.importer", "history.origin", "history.hs6"], reason="flat test")
    return db


def test_the_model_learns_the_planted_risks_and_never_the_recorded_outcome(flat_store):
    with open_store(flat_store) as con:
        model, scored = train(con, CUTOFF, options=TrainOptions(seed=1, rounds=80, calibration_weeks=8), user="tester")
        assert "attr.CONSTAT" in model.spec.excluded and "attr.CONSTAT" not in model.spec.names
        assert "attr.REGIME" in model.spec.names
        assert scored["declarations"] > 0
        r = evaluate(con, CUTOFF, dt.datetime(2025, 1, 1))
    row = {(x["ranker"], x["k_percent"], x["stream"]): x for x in r["table"]}
    assert r["base_rates"]["random"] is None                     # no random stream in this extract
    assert row[("model", 10, "examined")]["precision"] > 2.5 * r["base_rates"]["examined"]


def test_mining_finds_the_planted_segments_without_the_outcome_column(flat_store):
    with open_store(flat_store, read_only=True) as con:
        result = mine(con, CUTOFF, budget=0.1, weeks=13, min_support=20, min_positives=5, top=5)
    assert "attr.CONSTAT" in result.excluded_fields
    used = set().union(*(c.profile.fields_used() for c in result.candidates))
    assert "attr.CONSTAT" not in used
    texts = " | ".join(" and ".join(c.conditions) for c in result.candidates)
    assert "attr.REGIME = R9" in texts or "item.country_origin = ZZ" in texts, texts
    assert any("random stream" in w for w in result.warnings)     # lift measured against examined, and said so
    assert result.candidates[0].validation["lift"] > 2
