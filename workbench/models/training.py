"""Training the supervised risk score: gradient-boosted trees (LightGBM) on outcomes known before
a cut-off, calibrated on a separate, later window before the same cut-off.

Windows, by first lodgement: training [from, cut-off − calibration weeks), calibration
[cut-off − calibration weeks, cut-off). Nothing known at or after the cut-off is read: not a
declaration, an item, a party version, nor an inspection result (the labels are the outcomes
known strictly before it, :mod:`workbench.models.labels`). Only examined declarations carry a
label; the others are not negatives and do not train the model.

The same seed, data and parameters give the same model, byte for byte (LightGBM runs in its
deterministic mode).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from workbench.models import calibration, leakage
from workbench.models.features import as_time, discover, latest_build, make_base, make_features, matrix
from workbench.models.labels import make_labels
from workbench.models.registry import ModelError, ModelRecord, save_model
from workbench.store.sql import scalar

MIN_EACH = 10


@dataclass
class TrainOptions:
    target: str = "fraud"
    critical: Sequence[str] | None = None
    calibration_weeks: int = 13
    seed: int = 7
    rounds: int = 150
    learning_rate: float = 0.07
    num_leaves: int = 15
    max_depth: int = 5
    threads: int = 1          # LightGBM on one thread: two OpenMP threads beside DuckDB's pool spin and run 10x slower
    exclude: Sequence[str] = field(default_factory=tuple)

    def lightgbm_params(self, n_train: int) -> dict[str, Any]:
        return {
            "objective": "binary", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_data_in_leaf": int(max(5, min(20, n_train // 100))), "feature_fraction": 0.9,
            "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "max_cat_to_onehot": 4,
            "cat_smooth": 10.0, "min_data_per_group": 20, "seed": int(self.seed), "deterministic": True,
            "force_row_wise": True, "num_threads": int(self.threads), "verbosity": -1,
        }


def _counts(y: np.ndarray, rnd: np.ndarray, rnd_pos: np.ndarray, n: int) -> dict[str, int]:
    return {"declarations": int(n), "labelled": int(len(y)), "positives": int(y.sum()),
            "random_examined": int(rnd.sum()), "random_positives": int(rnd_pos.sum())}


def best_indicator(spec, X: np.ndarray, y: np.ndarray) -> dict[str, Any] | None:
    """The single indicator feature that best ranks the training labels (by AUC), and its direction."""
    best = None
    for j, f in enumerate(spec.features):
        if f.source != "indicator":
            continue
        a = leakage.auc(X[:, j].astype(float), y)
        if a is None:
            continue
        direction = 1 if a >= 0.5 else -1
        strength = a if direction == 1 else 1 - a
        if best is None or strength > best["auc"]:
            best = {"feature": f.name, "auc": round(float(strength), 4), "direction": direction}
    return best


def fit(con: duckdb.DuckDBPyConnection, cutoff: dt.date | dt.datetime | str, *, start=None,
        options: TrainOptions | None = None, reason: str | None = None, user: str | None = None,
        progress: Callable[[str], None] | None = None) -> ModelRecord:
    """Train and calibrate a model on what was known before ``cutoff``; returns it (not stored)."""
    import lightgbm as lgb

    from workbench.identity import current_user

    opts = options or TrainOptions()
    say = progress or (lambda _msg: None)
    cutoff = as_time(cutoff)
    if start is None:
        start = scalar(con, "select min(known_at) from declaration where known_at < ?", [cutoff])
        if start is None:
            raise ModelError(f"no declaration was lodged before {cutoff:%Y-%m-%d}: nothing to learn from")
    start = as_time(start)
    cal_from = cutoff - dt.timedelta(weeks=int(opts.calibration_weeks))
    if cal_from <= start:
        raise ModelError(f"the calibration window ({opts.calibration_weeks} weeks before {cutoff:%Y-%m-%d}) leaves no "
                         f"training window after {start:%Y-%m-%d}: give an earlier --from or fewer calibration weeks")
    t_start = time.perf_counter()
    say("outcomes known before the cut-off")
    make_labels(con, cutoff, target=opts.target, critical=opts.critical)
    say("features of the declarations lodged before the cut-off")
    n = make_base(con, start, cutoff)
    build_id = latest_build(con)
    spec = discover(con, build_id=build_id, exclude=opts.exclude)
    make_features(con, spec)
    X, info = matrix(con, spec, join="left join ml_label l using (declaration_id)",
                     extra={"labelled": "l.declaration_id is not null", "positive": "coalesce(l.positive, false)",
                            "rnd": "coalesce(l.random_examined, false)", "rnd_pos": "coalesce(l.random_positive, false)"})
    labelled, y_all = info["labelled"].astype(bool), info["positive"].astype(bool)
    in_cal = info["t"].astype("datetime64[us]") >= np.datetime64(cal_from, "us")
    train_mask, cal_mask = labelled & ~in_cal, labelled & in_cal

    leaks = leakage.presence_leaks(spec, X, labelled)
    leaks.update(leakage.separation_leaks(spec, X[train_mask], y_all[train_mask]))
    spec, X = leakage.without(spec, X, leaks)
    if not spec.features:
        raise ModelError("no feature is left to learn from (see the excluded fields)")

    y_train, y_cal = y_all[train_mask], y_all[cal_mask]
    for name, y in (("training", y_train), ("calibration", y_cal)):
        if y.sum() < MIN_EACH or (~y).sum() < MIN_EACH:
            raise ModelError(f"the {name} window holds {int(y.sum())} positive and {int((~y).sum())} negative "
                             f"examinations with results known before {cutoff:%Y-%m-%d}; at least {MIN_EACH} of each "
                             "are needed (a later cut-off, an earlier --from or other calibration weeks)")
    say(f"training on {int(train_mask.sum()):,} examined declarations ({int(y_train.sum()):,} positive)")
    params = opts.lightgbm_params(int(train_mask.sum()))
    data = lgb.Dataset(X[train_mask], label=y_train.astype(float), categorical_feature=spec.categorical(),
                       feature_name=[f"f{j}" for j in range(len(spec.features))], free_raw_data=True,
                       params={"verbosity": -1, "max_bin": 255})
    booster = lgb.train(params, data, num_boost_round=int(opts.rounds))
    say("calibrating on the later window")
    raw_cal_all = booster.predict(X[in_cal], raw_score=True)
    raw_cal = booster.predict(X[cal_mask], raw_score=True)
    cal = calibration.fit(raw_cal, y_cal)
    cuts = calibration.percentile_cuts(raw_cal_all)
    raw_train = booster.predict(X[train_mask], raw_score=True)
    prob_cal = calibration.apply(cal, raw_cal)
    metrics = {
        "train": {**_counts(y_train, info["rnd"][train_mask], info["rnd_pos"][train_mask], int((~in_cal).sum())),
                  "auc": _round(leakage.auc(raw_train, y_train))},
        "calibration": {**_counts(y_cal, info["rnd"][cal_mask], info["rnd_pos"][cal_mask], int(in_cal.sum())),
                        "auc": _round(leakage.auc(raw_cal, y_cal)),
                        "brier": _round(float(np.mean((prob_cal - y_cal) ** 2))),
                        "mean_score": _round(float(prob_cal.mean())), "hit_rate": _round(float(y_cal.mean()))},
        "best_indicator": best_indicator(spec, X[train_mask], y_train),
        "declarations": n, "seconds": round(time.perf_counter() - t_start, 2),
    }
    return ModelRecord(
        model_id=None, target=opts.target, trained_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        trained_by=user or current_user(), reason=reason, train_from=start, calibration_from=cal_from, cutoff=cutoff,
        indicator_build=build_id, seed=int(opts.seed),
        params={**params, "rounds": int(opts.rounds),
                "critical": list(opts.critical) if opts.critical else None},
        calibration=cal, percentiles=cuts, metrics=metrics, spec=spec,
        booster_text=booster.model_to_string(num_iteration=-1))


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 4)


def train(con: duckdb.DuckDBPyConnection, cutoff: dt.date | dt.datetime | str, *, start=None,
          options: TrainOptions | None = None, reason: str | None = None, user: str | None = None,
          score_after: bool = True, explain_top_pct: float | None = None, progress: Callable[[str], None] | None = None) -> tuple[ModelRecord, dict | None]:
    """Train, store and (by default) score the declarations lodged from the cut-off on, so the
    ``model`` indicators have values. Returns the stored model and the scoring summary."""
    from workbench.models.scoring import score

    model = fit(con, cutoff, start=start, options=options, reason=reason, user=user, progress=progress)
    save_model(con, model)
    kw = {} if explain_top_pct is None else {"explain_top_pct": explain_top_pct}
    scored = score(con, model, user=user, progress=progress, **kw) if score_after else None
    return model, scored
