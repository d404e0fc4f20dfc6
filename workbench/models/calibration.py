"""From the model's raw score to a probability and a percentile, both fixed on the calibration
window (declarations lodged after the training window and before the cut-off).

- **probability**: isotonic regression of the examined outcomes on the raw score when the window
  holds at least 50 positives and 50 negatives, else Platt scaling (a logistic curve), else the
  plain logistic of the raw score. It estimates *the chance an examination of this declaration
  finds something* — learnt from examined declarations, which were mostly selected for a
  reason; it is not the share of all trade that offends.
- **percentile**: where the raw score falls among *all* declarations of the calibration window
  (examined or not), 0 to 100. "Top 2 %" means percentile 98 or more, fixed before any scored
  declaration was lodged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MIN_ISOTONIC = 50
CUTS = 1001


def fit(raw: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The calibration of raw scores ``raw`` to the outcomes ``y`` (0/1)."""
    y = np.asarray(y).astype(int)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos >= MIN_ISOTONIC and neg >= MIN_ISOTONIC:
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
        return {"method": "isotonic", "x": [float(v) for v in iso.X_thresholds_],
                "y": [float(v) for v in iso.y_thresholds_], "positives": pos, "negatives": neg}
    if pos and neg:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e4).fit(np.asarray(raw).reshape(-1, 1), y)
        return {"method": "platt", "a": float(lr.coef_[0][0]), "b": float(lr.intercept_[0]),
                "positives": pos, "negatives": neg}
    return {"method": "logistic", "positives": pos, "negatives": neg}


def apply(calibration: dict[str, Any], raw: np.ndarray) -> np.ndarray:
    """Probabilities for raw scores."""
    raw = np.asarray(raw, dtype=float)
    method = calibration["method"]
    if method == "isotonic":
        return np.interp(raw, calibration["x"], calibration["y"])
    if method == "platt":
        return 1.0 / (1.0 + np.exp(-(calibration["a"] * raw + calibration["b"])))
    return 1.0 / (1.0 + np.exp(-raw))


def percentile_cuts(raw: np.ndarray) -> list[float]:
    """Raw-score cut points at every 0.1 % of a window's declarations."""
    if not len(raw):
        return []
    return [float(v) for v in np.quantile(np.asarray(raw, dtype=float), np.linspace(0, 1, CUTS))]


def percentile(cuts: list[float], raw: np.ndarray) -> np.ndarray:
    """Percentile (0-100) of raw scores against the cut points."""
    raw = np.asarray(raw, dtype=float)
    if not cuts:
        return np.full(len(raw), np.nan)
    c = np.asarray(cuts)
    lo = np.searchsorted(c, raw, side="left")
    hi = np.searchsorted(c, raw, side="right")
    return np.clip((lo + hi) / 2 / (len(c) - 1) * 100, 0, 100)
