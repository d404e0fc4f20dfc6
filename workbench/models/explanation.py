"""Why the model scores a declaration as it does: each feature's contribution to the raw score.

LightGBM gives, per declaration, SHAP-style contributions of every feature (``pred_contrib``):
they add up, with the model's expected value, to the raw score (log-odds). A positive
contribution pushes the score up. The reasons an analyst reads are the largest ones, in words:
"indicator price.unit_value_low fired (+0.84)", "origin of the main item = CN (+0.31)".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np

from workbench.models import calibration
from workbench.models.features import Feature, FeatureSpec, make_base, make_features, matrix
from workbench.models.registry import ModelError, ModelRecord, get_model
from workbench.store.sql import one

CHUNK = 50_000


def shown_value(feature: Feature, value: float) -> str:
    """A feature's value as a person reads it."""
    if np.isnan(value):
        return "missing"
    if feature.kind == "category":
        code = int(value)
        return feature.categories[code] if 0 <= code < len(feature.categories) else "other"
    if feature.flag:
        return "fired" if value >= 0.5 else "did not fire"
    return f"{value:.4g}"


def contributions(booster, X: np.ndarray) -> np.ndarray:
    """Per row, each feature's contribution to the raw score, then the expected value (last column)."""
    if not len(X):
        return np.zeros((0, X.shape[1] + 1))
    return np.vstack([booster.predict(X[a:a + CHUNK], pred_contrib=True, num_threads=1) for a in range(0, len(X), CHUNK)])


def reason_texts(spec: FeatureSpec, X: np.ndarray, contrib: np.ndarray, top: int = 3) -> list[str]:
    """The ``top`` contributions pushing each declaration's score up, in words."""
    feats = spec.features
    if not len(X):
        return []
    parts = contrib[:, :-1]
    order = np.argsort(-parts, axis=1, kind="stable")[:, :top]
    out = []
    for i in range(len(X)):
        words = []
        for j in order[i]:
            c = parts[i, j]
            if c <= 0:
                break
            words.append(f"{feats[j].name} = {shown_value(feats[j], X[i, j])} (+{c:.2f})")
        out.append("; ".join(words) if words else "nothing raises the score above the expected value")
    return out


def explain(con: duckdb.DuckDBPyConnection, declaration_id: str, *, model_id: int | None = None,
            top: int = 10) -> dict[str, Any]:
    """The model's score for one declaration with every feature's contribution, largest first."""
    model: ModelRecord = get_model(con, model_id)
    found = one(con, "select min(known_at) from declaration where declaration_id = ?", [declaration_id])
    if not found or found[0] is None:
        raise ModelError(f"no declaration {declaration_id!r} in the store")
    t = found[0]
    make_base(con, t, t + dt.timedelta(microseconds=1), ids=[declaration_id])
    make_features(con, model.spec)
    X, info = matrix(con, model.spec)
    booster = model.booster()
    contrib = contributions(booster, X)[0]
    raw = float(contrib.sum())
    rows = []
    for j, f in enumerate(model.spec.features):
        rows.append({"feature": f.name, "title": f.title, "value": shown_value(f, float(X[0, j])),
                     "contribution": round(float(contrib[j]), 4)})
    rows.sort(key=lambda r: (-abs(r["contribution"]), r["feature"]))
    prob = float(calibration.apply(model.calibration, np.array([raw]))[0])
    pct = float(calibration.percentile(model.percentiles, np.array([raw]))[0])
    in_sample = t < model.cutoff
    return {
        "declaration_id": declaration_id, "version": int(info["version"][0]),
        "lodged_at": t, "model_id": model.model_id, "target": model.target, "score": round(prob, 4),
        "percentile": round(pct, 1), "raw": round(raw, 4), "expected": round(float(contrib[-1]), 4),
        "in_sample": in_sample,
        "note": (f"lodged before the model's cut-off ({model.cutoff:%Y-%m-%d}): its outcome may have been learnt; "
                 "the score is not a fair test") if in_sample else None,
        "contributions": rows[:top] if top else rows,
        "reasons": reason_texts(model.spec, X, contrib.reshape(1, -1), top=3)[0],
    }
