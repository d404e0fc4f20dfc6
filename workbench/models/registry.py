"""The model registry: every trained model kept whole in the store, with its training window,
features, calibration and metrics, recorded in the audit log. A model never changes after
training; the latest one is the one the ``model`` indicators read."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb

from workbench.models.features import FeatureSpec
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import rows, scalar

COLUMNS = ("model_id", "target", "trained_at", "trained_by", "reason", "train_from", "calibration_from", "cutoff",
           "indicator_build", "seed", "features", "params", "calibration", "percentiles", "metrics", "booster",
           "booster_sha256")


class ModelError(ValueError):
    """A model that is not in the store, or cannot be used as asked."""


@dataclass
class ModelRecord:
    model_id: int | None
    target: str
    trained_at: dt.datetime
    trained_by: str
    reason: str | None
    train_from: dt.datetime
    calibration_from: dt.datetime
    cutoff: dt.datetime
    indicator_build: int | None
    seed: int
    spec: FeatureSpec
    params: dict[str, Any]
    calibration: dict[str, Any]
    percentiles: list[float]
    metrics: dict[str, Any]
    booster_text: str

    @property
    def booster_sha256(self) -> str:
        return hashlib.sha256(self.booster_text.encode()).hexdigest()

    def booster(self):
        import lightgbm as lgb

        return lgb.Booster(model_str=self.booster_text)

    def summary(self) -> dict[str, Any]:
        """What a person reads about the model (no booster text)."""
        return {"model_id": self.model_id, "target": self.target, "trained_at": self.trained_at,
                "trained_by": self.trained_by, "reason": self.reason, "train_from": self.train_from,
                "calibration_from": self.calibration_from, "cutoff": self.cutoff,
                "indicator_build": self.indicator_build, "seed": self.seed, "features": len(self.spec.features),
                "calibration": self.calibration.get("method"), "metrics": self.metrics,
                "excluded": self.spec.excluded, "booster_sha256": self.booster_sha256}


def save_model(con: duckdb.DuckDBPyConnection, record: ModelRecord) -> int:
    """Store a trained model with its audit entry; returns its id."""
    with transaction(con):
        model_id = scalar(con, "select nextval('model_seq')")
        values = [model_id, record.target, record.trained_at, record.trained_by, record.reason, record.train_from,
                  record.calibration_from, record.cutoff, record.indicator_build, record.seed,
                  json.dumps(record.spec.to_dict()), json.dumps(record.params), json.dumps(record.calibration),
                  json.dumps(record.percentiles), json.dumps(record.metrics, default=str), record.booster_text,
                  record.booster_sha256]
        con.execute(f"insert into model ({', '.join(COLUMNS)}) values ({', '.join('?' for _ in COLUMNS)})", values)
        audit.record(con, actor=record.trained_by, action="model.train", object_type="model", object_id=str(model_id),
                     reason=record.reason or "model training",
                     details={"target": record.target, "cutoff": record.cutoff.isoformat(),
                              "train_from": record.train_from.isoformat(),
                              "calibration_from": record.calibration_from.isoformat(), "seed": record.seed,
                              "features": len(record.spec.features), "indicator_build": record.indicator_build,
                              "booster_sha256": record.booster_sha256})
    record.model_id = model_id
    return model_id


def _record(row: tuple) -> ModelRecord:
    d = dict(zip(COLUMNS, row))
    return ModelRecord(
        model_id=d["model_id"], target=d["target"], trained_at=d["trained_at"], trained_by=d["trained_by"],
        reason=d["reason"], train_from=d["train_from"], calibration_from=d["calibration_from"], cutoff=d["cutoff"],
        indicator_build=d["indicator_build"], seed=d["seed"], spec=FeatureSpec.from_dict(json.loads(d["features"])),
        params=json.loads(d["params"]), calibration=json.loads(d["calibration"]),
        percentiles=json.loads(d["percentiles"]), metrics=json.loads(d["metrics"]), booster_text=d["booster"])


def get_model(con: duckdb.DuckDBPyConnection, model_id: int | None = None) -> ModelRecord:
    """A stored model (the latest by default)."""
    if model_id is None:
        found = rows(con, f"select {', '.join(COLUMNS)} from model order by model_id desc limit 1")
        if not found:
            raise ModelError("no model in the store yet: train one with `workbench model train --until DATE`")
    else:
        found = rows(con, f"select {', '.join(COLUMNS)} from model where model_id = ?", [int(model_id)])
        if not found:
            raise ModelError(f"no model {model_id} in the store (see `workbench model list`)")
    return _record(found[0])


def list_models(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every model, newest first, with how many declarations it has scored."""
    found = rows(con, """
        select m.model_id, m.target, m.trained_at, m.trained_by, m.train_from, m.calibration_from, m.cutoff,
               m.indicator_build, m.seed, json_array_length(m.features->'$.features') as features,
               m.metrics->>'$.train.auc' as train_auc, m.metrics->>'$.calibration.auc' as calibration_auc,
               (select count(*) from model_score s where s.model_id = m.model_id) as scored
        from model m order by m.model_id desc""")
    names = ("model_id", "target", "trained_at", "trained_by", "train_from", "calibration_from", "cutoff",
             "indicator_build", "seed", "features", "train_auc", "calibration_auc", "scored")
    out = []
    for r in found:
        d = dict(zip(names, r))
        for k in ("train_auc", "calibration_auc"):
            d[k] = float(d[k]) if d[k] not in (None, "null") else None
        out.append(d)
    return out
