"""Models: train the supervised risk score and score every declaration of a world of N declarations.

Measured, each in a fresh process (see :mod:`benchmarks.harness`):

- set-up (info): a synthetic world of N declarations loaded through the ingest, and an indicator
  build of the built-in families (the model's features include every indicator of the build);
- workbench, train + score: ``workbench.models.train`` with the cut-off 18 months into the
  world's two years (features assembled in DuckDB, LightGBM on the examined declarations before
  the cut-off, calibration on the 13 weeks before it, stored with the reasons of the top 10 %
  of the declarations lodged after it), then every declaration of the world scored without
  explanations. Target for 1M declarations: under 3 minutes on 2 cores. Scoring throughput
  (prediction, calibration and percentile, features already assembled): at least 100,000
  declarations per second; the note gives the end-to-end rate with feature assembly as well;
- baseline: logistic regression (scikit-learn) on the same feature matrix (missing values as 0
  with a missing flag), trained on the same examined declarations and scoring every
  declaration; **ratio = model seconds / baseline seconds** for train + score, and the note
  compares their AUC on the examined declarations lodged after the cut-off.

``rows`` is the number of declarations (default 1,000,000).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, measure, result_row

NAME = "models"
DEFAULT_ROWS = 1_000_000
TARGET_SECONDS = 180.0
TARGET_SCORE_RATE = 100_000
CUTOFF = "2025-07-01"
FAMILIES = ["price", "route", "newness", "history", "lists", "description", "shape"]


def _log(text: str) -> None:
    print(f"[models] {text}", file=sys.stderr, flush=True)


# --- run inside measured child processes ----------------------------------------------------

def make_world(folder: str, declarations: int) -> dict[str, Any]:
    from workbench.indicators import build
    from workbench.store.connection import open_store
    from workbench.synth.fixtures import build_world_store

    db = build_world_store(folder, declarations=declarations, seed=7)
    with open_store(db) as con:
        result = build(con, indicators=FAMILIES, reason="benchmark")
        n = con.execute("select count(distinct declaration_id) from declaration").fetchall()[0][0]
    return {"db": str(db), "declarations": n, "value_rows": result.value_rows}


def train_and_score(db: str) -> dict[str, Any]:
    import datetime as dt
    import time

    from workbench.models import TrainOptions, train
    from workbench.models.scoring import score_window
    from workbench.store.connection import open_store

    with open_store(db) as con:
        t0 = time.perf_counter()
        model, scored = train(con, dt.datetime.fromisoformat(CUTOFF), options=TrainOptions(seed=7), user="bench")
        trained = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = score_window(con, model, dt.datetime(1900, 1, 1), dt.datetime(9999, 1, 1))
        all_seconds = time.perf_counter() - t0
    m = model.metrics
    return {"train_seconds": round(trained, 2), "stored": scored["declarations"],
            "store_seconds": scored["seconds"], "scored": len(s), "score_seconds": round(all_seconds, 2),
            "predict_seconds": round(s.seconds["predict"], 3), "features_seconds": round(s.seconds["features"], 2),
            "features": len(model.spec.features), "examined_train": m["train"]["labelled"],
            "calibration_auc": m["calibration"]["auc"], "model_id": model.model_id}


def logistic_baseline(db: str, model_id: int) -> dict[str, Any]:
    """Logistic regression on the model's own feature matrix: train on the same examined
    declarations, score every declaration; AUC on the examined ones after the cut-off."""
    import datetime as dt
    import time

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from workbench.models.features import make_base, make_features, matrix
    from workbench.models.labels import make_labels
    from workbench.models.leakage import auc
    from workbench.models.registry import get_model
    from workbench.store.connection import open_store

    with open_store(db, read_only=True) as con:
        model = get_model(con, model_id)
        t0 = time.perf_counter()
        make_labels(con, dt.datetime(9999, 1, 1))
        make_base(con, dt.datetime(1900, 1, 1), dt.datetime(9999, 1, 1))
        make_features(con, model.spec)
        X, info = matrix(con, model.spec, join="left join ml_label l using (declaration_id)",
                         extra={"known": "l.declaration_id is not null", "positive": "coalesce(l.positive, false)"})
        features_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    missing = np.isnan(X)
    Z = np.hstack([np.nan_to_num(X), missing[:, missing.any(axis=0)]]).astype(np.float64)
    before = info["t"] < np.datetime64(model.calibration_from, "us")
    train = before & info["known"].astype(bool)
    y = info["positive"].astype(bool)
    scaler = StandardScaler().fit(Z[train])
    lr = LogisticRegression(max_iter=300).fit(scaler.transform(Z[train]), y[train])
    scores = lr.decision_function(scaler.transform(Z))
    seconds = time.perf_counter() - t0
    later = (info["t"] >= np.datetime64(model.cutoff, "us")) & info["known"].astype(bool)
    return {"seconds_fit_score": round(seconds, 2), "features_seconds": round(features_seconds, 2),
            "auc_after_cutoff": round(auc(scores[later], y[later]) or 0, 4), "scored": int(len(Z))}


def model_auc_after(db: str, model_id: int) -> dict[str, Any]:
    import datetime as dt

    import numpy as np

    from workbench.models.labels import make_labels
    from workbench.models.leakage import auc
    from workbench.store.connection import open_store

    with open_store(db, read_only=True) as con:
        make_labels(con, dt.datetime(9999, 1, 1))
        got = con.execute("select s.raw, coalesce(l.positive, false) from model_score s join ml_label l "
                          "using (declaration_id) where s.model_id = ?", [model_id]).fetchall()
    raw = np.array([g[0] for g in got])
    y = np.array([g[1] for g in got])
    return {"auc_after_cutoff": round(auc(raw, y) or 0, 4), "examined_after": len(got)}


# --- the parent -----------------------------------------------------------------------------

def _row(case: str, m: Measurement, rows: int, **kw: Any) -> dict[str, Any]:
    return result_row(NAME, case, m, rows, **kw)


def run(rows: int = DEFAULT_ROWS, keep: bool = False) -> list[dict[str, Any]]:
    """Build a world of ``rows`` declarations and measure; returns one result row per case."""
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-models-"))
    env = {"WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_USER": "bench"}
    out: list[dict[str, Any]] = []
    try:
        _log(f"building a synthetic world of {rows:,} declarations and its indicators in {tmp}")
        world = measure(f"{__name__}:make_world", str(tmp / "world"), rows, label="world",
                        preload=["workbench.synth", "workbench.ingest.loader", "workbench.indicators"], env=env)
        w = world.value
        out.append(_row("set-up: synthetic world loaded, indicators built", world, w["declarations"], info=True,
                        note=f"{w['value_rows']:,} indicator values ({', '.join(FAMILIES)})"))
        _log("workbench: train + score")
        wb = measure(f"{__name__}:train_and_score", w["db"], label="train and score",
                     preload=["workbench.models", "lightgbm", "sklearn.isotonic", "workbench.store.connection"], env=env)
        v = wb.value
        rate = round(v["scored"] / v["predict_seconds"]) if v["predict_seconds"] else None
        end_to_end = round(v["scored"] / v["score_seconds"]) if v["score_seconds"] else None
        quality = measure(f"{__name__}:model_auc_after", w["db"], v["model_id"], label="model auc", env=env).value
        at_size = rows >= DEFAULT_ROWS
        met = wb.seconds < TARGET_SECONDS and (rate or 0) >= TARGET_SCORE_RATE
        verdict = (f"targets < {TARGET_SECONDS:g} s and >= {TARGET_SCORE_RATE:,}/s scoring: {'met' if met else 'MISSED'}"
                   if at_size else f"(targets are set for {DEFAULT_ROWS:,} declarations)")
        _log("baseline: logistic regression")
        base = measure(f"{__name__}:logistic_baseline", w["db"], v["model_id"], label="logistic baseline",
                       preload=["sklearn.linear_model", "workbench.models"], env=env)
        b = base.value
        out.append(_row("workbench: LightGBM train + score all", wb, w["declarations"], ok=met if at_size else None,
                        ratio=round(wb.seconds / base.seconds, 2),
                        note=f"train {v['train_seconds']} s on {v['examined_train']:,} examined declarations "
                             f"({v['features']} features), {v['stored']:,} scores stored with reasons for the top 10 % "
                             f"in {v['store_seconds']}; all {v['scored']:,} scored in {v['score_seconds']} s "
                             f"(features {v['features_seconds']} s); scoring without explanations {rate:,}/s, "
                             f"end to end {end_to_end:,}/s; AUC after the cut-off {quality['auc_after_cutoff']} on "
                             f"{quality['examined_after']:,} examined; {verdict}"))
        out.append(_row("baseline: logistic regression, same features", base, w["declarations"], info=True,
                        note=f"fit + score {b['seconds_fit_score']} s (features {b['features_seconds']} s); AUC after "
                             f"the cut-off {b['auc_after_cutoff']}"))
        _log(f"  model {wb.seconds:.1f} s (peak {wb.peak_rss_mb:.0f} MiB), baseline {base.seconds:.1f} s")
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return out
