"""Guards against the outcome leaking into what a model or a mined profile may look at.

Fields of the canonical declaration and the indicators are known at lodgement by construction.
Source attributes are not: an extract that carries the examination on every row may leave
outcome columns unmapped (the officer who examined, the finding, the amount recovered), and
they land among the declaration's attributes. Two tests catch them, on the training window only:

- **appears with the examination**: present on at least 90 % of examined declarations and at
  most 10 % of the others (only where both kinds exist);
- **predicts the outcome almost perfectly**: alone, the attribute separates positives from
  negatives among examined declarations with an AUC of at least 0.97 (or at most 0.03), with
  at least 10 of each. Real risk signals are far weaker than that; a recorded outcome is not.

The same tests run on the source fields, so a mapping that put an outcome into a canonical
column is caught too. Indicators are exempt: they are computed from facts before lodgement.
"""

from __future__ import annotations

import numpy as np

from workbench.models.features import FeatureSpec

MIN_EACH = 10
AUC_LIMIT = 0.97
PRESENCE_EXAMINED = 0.9
PRESENCE_OTHERS = 0.1


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Area under the ROC curve by ranks (ties share their rank); missing scores rank lowest."""
    scores = np.where(np.isnan(scores), -np.inf, scores)
    pos = labels.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return None
    from scipy.stats import rankdata

    r = rankdata(scores)
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _encoded(column: np.ndarray, labels: np.ndarray, categorical: bool) -> np.ndarray:
    """A category's own positive rate as its score (what a leaked code would give away)."""
    if not categorical:
        return column
    out = np.full(len(column), np.nan)
    codes = np.where(np.isnan(column), -1, column).astype(np.int64)
    for code in np.unique(codes):
        mask = codes == code
        out[mask] = labels[mask].mean()
    return out


def separation_leaks(spec: FeatureSpec, X: np.ndarray, y: np.ndarray) -> dict[str, str]:
    """Features (other than indicators) that alone predict the labelled outcome almost perfectly."""
    y = np.asarray(y).astype(bool)
    if y.sum() < MIN_EACH or (~y).sum() < MIN_EACH:
        return {}
    found = {}
    for j, f in enumerate(spec.features):
        if f.source == "indicator":
            continue
        a = auc(_encoded(X[:, j].astype(float), y, f.kind == "category"), y)
        if a is not None and (a >= AUC_LIMIT or a <= 1 - AUC_LIMIT):
            found[f.name] = (f"alone it separates positive from negative examinations (AUC {a:.3f}): "
                             "probably recorded after the examination")
    return found


def presence_leaks(spec: FeatureSpec, X: np.ndarray, examined: np.ndarray) -> dict[str, str]:
    """Features present on (nearly) every examined declaration and (nearly) no other."""
    examined = np.asarray(examined).astype(bool)
    if examined.sum() < MIN_EACH or (~examined).sum() < MIN_EACH:
        return {}
    found = {}
    for j, f in enumerate(spec.features):
        if f.source == "indicator":
            continue
        present = ~np.isnan(X[:, j])
        on_exam, on_other = present[examined].mean(), present[~examined].mean()
        if on_exam >= PRESENCE_EXAMINED and on_other <= PRESENCE_OTHERS:
            found[f.name] = (f"present on {on_exam:.0%} of examined declarations and {on_other:.0%} of the others: "
                             "recorded with the examination")
    return found


def without(spec: FeatureSpec, X: np.ndarray, leaks: dict[str, str]) -> tuple[FeatureSpec, np.ndarray]:
    """The spec and matrix without the leaking features (their reasons kept in ``excluded``)."""
    keep = [j for j, f in enumerate(spec.features) if f.name not in leaks]
    spec = FeatureSpec([spec.features[j] for j in keep], spec.indicator_build, {**spec.excluded, **leaks})
    return spec, X[:, keep]
