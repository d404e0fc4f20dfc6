"""Scoring declarations with a stored model, and keeping the scores for the ``model`` indicators.

Only declarations first lodged at or after the model's cut-off are stored: everything the model
learnt was known before them, so their score is point in time. Each stored score carries its
calibrated probability, percentile and, for the top share, its top reasons; rescoring a window replaces that model's
scores for it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from workbench.models import calibration
from workbench.models.explanation import contributions, reason_texts
from workbench.models.features import make_base, make_features, matrix
from workbench.models.registry import ModelError, ModelRecord
from workbench.store import audit
from workbench.store.connection import transaction

FAR = dt.datetime(9999, 1, 1)
PREDICT_THREADS = 1
"""LightGBM prediction threads for a small matrix: spinning up OpenMP costs more than it saves."""
LARGE_MATRIX = 50_000
"""From this many rows prediction uses every core: DuckDB is idle meanwhile (features are
assembled before), so the threads have the cores to themselves."""
EXPLAIN_TOP_PCT = 10.0
"""Reasons are stored for this top share of scores: contributions cost about a hundred times a score."""


@dataclass
class Scored:
    declaration_id: np.ndarray
    version: np.ndarray
    lodged_at: np.ndarray
    raw: np.ndarray
    score: np.ndarray
    percentile: np.ndarray
    reasons: list[str] | None
    seconds: dict[str, float]

    def __len__(self) -> int:
        return len(self.declaration_id)


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def score_window(con: duckdb.DuckDBPyConnection, model: ModelRecord, start: dt.datetime, end: dt.datetime, *,
                 explain_top_pct: float = 0.0, ids: list[str] | None = None) -> Scored:
    """Scores of the declarations first lodged in [start, end) (not stored), with the top reasons
    of those at or above percentile 100 - ``explain_top_pct``."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    make_base(con, start, end, ids=ids)
    make_features(con, model.spec)
    X, info = matrix(con, model.spec)
    seconds["features"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    booster = model.booster()
    threads = _cores() if len(X) >= LARGE_MATRIX else PREDICT_THREADS
    raw = booster.predict(X, raw_score=True, num_threads=threads) if len(X) else np.zeros(0)
    prob = calibration.apply(model.calibration, raw)
    pct = calibration.percentile(model.percentiles, raw)
    seconds["predict"] = time.perf_counter() - t0
    reasons = None
    if explain_top_pct > 0:
        t0 = time.perf_counter()
        chosen = np.flatnonzero(pct >= 100 - explain_top_pct)
        reasons = [None] * len(X)
        for i, text in zip(chosen, reason_texts(model.spec, X[chosen], contributions(booster, X[chosen]))):
            reasons[i] = text
        seconds["explain"] = time.perf_counter() - t0
    return Scored(info["declaration_id"], info["version"], info["lodged_at"], raw, prob, pct, reasons, seconds)


def score(con: duckdb.DuckDBPyConnection, model: ModelRecord, *, start: dt.datetime | None = None,
          end: dt.datetime | None = None, user: str | None = None, explain_top_pct: float = EXPLAIN_TOP_PCT,
          progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Score and store the declarations lodged in [start, end) — from the model's cut-off to the
    end of the data by default — with the reasons of the top ``explain_top_pct`` % (the others'
    reasons come on demand from :func:`workbench.models.explanation.explain`). Returns counts and
    timings."""
    from workbench.identity import current_user

    start = start or model.cutoff
    end = end or FAR
    if start < model.cutoff:
        raise ModelError(f"model {model.model_id} learnt from outcomes known up to its cut-off {model.cutoff:%Y-%m-%d %H:%M}: "
                         f"scores are stored only for declarations lodged from then on (asked from {start:%Y-%m-%d})")
    if progress:
        progress(f"scoring declarations lodged from {start:%Y-%m-%d} with model {model.model_id}")
    s = score_window(con, model, start, end, explain_top_pct=explain_top_pct)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    table = pa.table({"declaration_id": pa.array(s.declaration_id, pa.string()),
                      "version": pa.array(s.version, pa.int32()), "lodged_at": pa.array(s.lodged_at),
                      "score": pa.array(s.score, pa.float64()), "raw": pa.array(s.raw, pa.float64()),
                      "percentile": pa.array(s.percentile, pa.float64()),
                      "reasons": pa.array(s.reasons or [None] * len(s), pa.string())})
    con.register("_ml_scored", table)
    try:
        with transaction(con):
            con.execute("delete from model_score where model_id = ? and declaration_id in "
                        "(select declaration_id from _ml_scored)", [model.model_id])
            con.execute("insert into model_score select ?, declaration_id, version, lodged_at, score, raw, percentile, "
                        "reasons, ? from _ml_scored", [model.model_id, now])
            audit.record(con, actor=user or current_user(), action="model.score", object_type="model",
                         object_id=str(model.model_id), reason="scores for the model indicators",
                         details={"declarations": len(s), "from": start.isoformat(),
                                  "to": None if end == FAR else end.isoformat(),
                                  "explained_top_pct": explain_top_pct})
    finally:
        con.unregister("_ml_scored")
    return {"model_id": model.model_id, "declarations": len(s), "from": start, "to": None if end == FAR else end,
            "seconds": {k: round(v, 3) for k, v in s.seconds.items()}}
