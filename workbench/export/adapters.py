"""Adapters: the files a bundle holds for each kind of receiver, registered through one door.

- ``json`` (always): the neutral bundle — each profile's approved spec, each target list, the
  reference tables and the indicator contract, as JSON. The reference targeting service reads
  only this.
- ``csv``: watch lists, target lists, trusted traders and the value-control table as CSV, for
  systems that load lists from files.
- ``rules``: rule text in the style of ASYCUDA selectivity criteria, for what that style can
  express, with a report of what it cannot (:mod:`workbench.export.rules`).

Another adapter (a national system's own format) registers with :func:`register` and is then
accepted by ``workbench export bundle --format NAME``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.export.content import Content
from workbench.export.manifest import canonical
from workbench.export.reference import MIN_PEERS, value_control_period


@dataclass(frozen=True)
class Adapter:
    name: str
    description: str
    write: Callable[[Content], dict[str, bytes]]


_ADAPTERS: dict[str, Adapter] = {}


def register(adapter: Adapter, *, replace: bool = False) -> Adapter:
    if adapter.name in _ADAPTERS and not replace:
        raise ValueError(f"an export adapter named {adapter.name!r} is already registered")
    _ADAPTERS[adapter.name] = adapter
    return adapter


def adapters() -> dict[str, Adapter]:
    return dict(_ADAPTERS)


def get(name: str) -> Adapter:
    if name not in _ADAPTERS:
        raise ValueError(f"no export format {name!r}; known: {', '.join(sorted(_ADAPTERS))}")
    return _ADAPTERS[name]


def profile_path(profile_id: str, version: int) -> str:
    return f"profiles/{profile_id}@{version}.json"


def list_path(list_id: str, version: int) -> str:
    return f"lists/{list_id}@{version}.json"


REFERENCE_FILES = {"trusted_traders": "reference/trusted_traders.json",
                   "value_control": "reference/value_control.json",
                   "indicators": "reference/indicators.json",
                   "watch_lists": "reference/watch_lists.json",
                   "model": "model/model.json",
                   "model_booster": "model/booster.txt"}


def neutral_files(content: Content) -> dict[str, bytes]:
    files = {profile_path(p.id, row["version"]): canonical(p.content()) for p, row in content.profiles}
    files.update({list_path(tl.id, row["version"]): canonical(tl.content()) for tl, row in content.lists})
    files[REFERENCE_FILES["trusted_traders"]] = canonical(
        {"as_of": content.reference_date, "field": "declaration.importer_trusted", "parties": content.trusted_traders})
    files[REFERENCE_FILES["value_control"]] = canonical(
        {"period": value_control_period(content.reference_date), "min_peers": MIN_PEERS,
         "currency": content.base_currency, "rows": content.value_control})
    files[REFERENCE_FILES["indicators"]] = canonical(content.contract)
    if content.watch_lists is not None:
        files[REFERENCE_FILES["watch_lists"]] = canonical({"as_of": content.reference_date,
                                                           "entries": content.watch_lists})
    if content.model is not None:
        files.update(model_files(content.model))
    return files


def model_files(model: Any) -> dict[str, bytes]:
    """The model whole: ``model/booster.txt`` (LightGBM's text form, loadable with
    ``lightgbm.Booster(model_file=...)``) and ``model/model.json`` (what it was trained on, its
    features in order, calibration and percentiles, and how the indicators read its score)."""
    booster = model.booster_text.encode("utf-8")
    return {
        REFERENCE_FILES["model_booster"]: booster,
        REFERENCE_FILES["model"]: canonical({
            "model_id": model.model_id, "target": model.target, "trained_at": model.trained_at,
            "trained_by": model.trained_by, "train_from": model.train_from,
            "calibration_from": model.calibration_from, "cutoff": model.cutoff,
            "indicator_build": model.indicator_build, "seed": model.seed, "features": model.spec.to_dict(),
            "params": model.params, "calibration": model.calibration, "percentiles": model.percentiles,
            "metrics": model.metrics,
            "booster": {"path": REFERENCE_FILES["model_booster"], "format": "LightGBM text model",
                        "sha256": model.booster_sha256},
            "indicators": {
                "model.risk_score": "calibration applied to the booster's raw score (predict with raw_score); "
                                    "it fires when model.risk_percentile >= 100 - top_pct (top_pct: "
                                    "reference/indicators.json)",
                "model.risk_percentile": "where the raw score falls among percentiles, 0 to 100"}})}


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else ("|".join(map(str, v)) if isinstance(v, list) else v) for v in row])
    return out.getvalue().encode("utf-8")


def csv_files(content: Content) -> dict[str, bytes]:
    files = {}
    for tl, row in content.lists:
        files[f"csv/lists/{tl.id}.csv"] = _csv(
            ["list_id", "version", "kind", "value", "reason", "valid_from", "valid_to"],
            [[tl.id, row["version"], tl.kind, e.value, e.reason, e.from_ or tl.validity.from_, e.to or tl.validity.to]
             for e in sorted(tl.entries, key=lambda e: e.value)])
    files["csv/trusted_traders.csv"] = _csv(["party_id"], [[t["party_id"]] for t in content.trusted_traders])
    files["csv/value_control.csv"] = _csv(
        ["hs6", "origin", "unit", "min_unit_value", "max_unit_value", "n"],
        [[r["hs6"], r["origin"], r["unit"], r["min_unit_value"], r["max_unit_value"], r["n"]]
         for r in content.value_control])
    if content.watch_lists is not None:
        files["csv/watch_lists.csv"] = _csv(
            ["list_name", "entry_id", "kind", "name", "aliases", "identifiers", "countries", "program", "listed_at"],
            [[w["list_name"], w["entry_id"], w["kind"], w["name"], w["aliases"], w["identifiers"], w["countries"],
              w["program"], w["listed_at"]] for w in content.watch_lists])
    return files


def _rules_files(content: Content) -> dict[str, bytes]:
    from workbench.export.rules import rules_files

    return rules_files(content)


register(Adapter("json", "neutral JSON bundle: specs, lists, reference tables, indicator contract", neutral_files))
register(Adapter("csv", "target lists, watch lists, trusted traders and value control as CSV", csv_files))
register(Adapter("rules", "ASYCUDA-style selectivity rule text, with a report of what it cannot express",
                 _rules_files))
