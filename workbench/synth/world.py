"""The knobs of the synthetic world: sizes, scheme rates, selection rates, detection probabilities.

Everything the generator draws is shaped by one :class:`WorldConfig`. Defaults give a world
whose numbers look like a mid-sized customs service; a TOML file (``--config world.toml``)
overrides any of them::

    [world]
    start = "2024-01-01"
    days = 730

    [schemes]
    undervaluation = 0.02

    [detection.red]
    concealment = 0.8

>>> cfg = WorldConfig(declarations=1000, seed=3)
>>> cfg.schemes.undervaluation
0.015
>>> cfg.with_overrides({"schemes": {"undervaluation": 0.03}}).schemes.undervaluation
0.03
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zlib
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

SCHEMES = (
    "undervaluation", "misclassification", "false_origin", "concealment",
    "biosecurity", "splitting", "phoenix",
)
"""Planted schemes, in the order of their bit in the scheme masks (bit i = 1 << i)."""

REVENUE_SCHEMES = ("undervaluation", "misclassification", "false_origin", "splitting")


def scheme_bit(name: str) -> int:
    """The bit of a scheme in the item and declaration scheme masks.

    >>> scheme_bit("undervaluation"), scheme_bit("misclassification")
    (1, 2)
    """
    return 1 << SCHEMES.index(name)


@dataclass(frozen=True)
class SchemeRates:
    """Prevalence of each planted scheme.

    All but ``phoenix_per_1000_importers`` are shares of declarations touched by the scheme;
    ``engaged_share`` is the share of a scheming trader's eligible declarations that carry it.
    """

    undervaluation: float = 0.015
    misclassification: float = 0.008
    false_origin: float = 0.005
    concealment: float = 0.0015
    biosecurity: float = 0.01
    splitting: float = 0.01
    phoenix_per_1000_importers: float = 6.0
    engaged_share: float = 0.6
    undervalue_factor: tuple[float, float] = (0.25, 0.6)   # declared ÷ true value, uniform range
    split_parts: tuple[int, int] = (3, 8)                   # parts per split consignment


@dataclass(frozen=True)
class InspectionConfig:
    """How declarations are selected for control and what the controls find.

    Rates are shares of declarations. ``red_capacity`` is the daily physical-exam capacity as a
    share of the mean daily declarations; selections above it are downgraded to a scan.
    """

    random_rate: float = 0.01
    officer_rate: float = 0.003
    officer_skill: float = 4.0            # odds multiplier for an offending declaration
    red_capacity: float = 0.035
    intel_follow_days: int = 90
    intel_follow_share: float = 0.7
    history_share: float = 0.25           # share of a known offender's later declarations re-selected
    false_positive: float = 0.005         # positive finding on a compliant declaration
    profile_share: dict[str, float] = field(default_factory=lambda: {
        "PRF-VAL-01": 0.35, "PRF-ORG-01": 0.5, "PRF-BIO-01": 0.25, "PRF-NEW-01": 0.4,
        "PRF-LV-01": 0.08, "PRF-DESC-01": 0.3, "PRF-HIST-01": 0.25,
    })


def _detection_defaults() -> dict[str, dict[str, float]]:
    return {
        "yellow": {"undervaluation": 0.35, "misclassification": 0.4, "false_origin": 0.15,
                   "concealment": 0.02, "biosecurity": 0.05, "splitting": 0.3},
        "orange": {"undervaluation": 0.05, "misclassification": 0.15, "false_origin": 0.02,
                   "concealment": 0.55, "biosecurity": 0.2, "splitting": 0.05},
        "red": {"undervaluation": 0.45, "misclassification": 0.7, "false_origin": 0.3,
                "concealment": 0.75, "biosecurity": 0.65, "splitting": 0.2},
        "blue": {"undervaluation": 0.75, "misclassification": 0.65, "false_origin": 0.6,
                 "concealment": 0.0, "biosecurity": 0.0, "splitting": 0.7},
    }


@dataclass(frozen=True)
class WorldConfig:
    """One synthetic customs world: how big, over which dates, and how crooked.

    Parameters
    ----------
    declarations : int
        Number of declarations to generate.
    seed : int
        Seed of every random draw; the same config gives the same bytes.
    start : str
        First lodgement date (ISO).
    days : int
        Length of the lodgement period.
    extract_lag_days : int
        Days after the period when the extract is taken; results later than that are absent.
    """

    declarations: int = 200_000
    seed: int = 1
    start: str = "2024-01-01"
    days: int = 730
    extract_lag_days: int = 30
    declarations_per_importer: float = 150.0
    declarations_per_exporter: float = 90.0
    importers_per_broker: float = 60.0
    mean_items: float = 2.2
    mode_share: dict[str, float] = field(default_factory=lambda: {"sea": 0.62, "air": 0.26, "post": 0.12})
    de_minimis_usd: float = 650.0          # consignments below it pay no duty
    variant_share: float = 0.08            # importers that also appear under variant records
    variant_use: float = 0.3               # share of such an importer's declarations under a variant
    new_importer_share: float = 0.15       # importers registered during the period
    churn_share: float = 0.05              # importers that stop trading during the period
    trusted_share: float = 0.04
    intel_per_10k: float = 5.0
    schemes: SchemeRates = field(default_factory=SchemeRates)
    inspection: InspectionConfig = field(default_factory=InspectionConfig)
    detection: dict[str, dict[str, float]] = field(default_factory=_detection_defaults)

    @property
    def start_date(self) -> dt.date:
        return dt.date.fromisoformat(self.start)

    @property
    def start_epoch(self) -> int:
        """First instant of the period, seconds since 1970 (UTC)."""
        return int(dt.datetime.combine(self.start_date, dt.time()).replace(tzinfo=dt.UTC).timestamp())

    @property
    def end_epoch(self) -> int:
        return self.start_epoch + self.days * 86400

    @property
    def extract_epoch(self) -> int:
        """When the extract was taken: facts known later are not in the files."""
        return self.end_epoch + self.extract_lag_days * 86400

    def with_overrides(self, data: dict[str, Any]) -> WorldConfig:
        """A copy with values from a nested dict (as read from TOML) replaced."""
        return _merge(self, data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _merge(obj: Any, data: dict[str, Any]) -> Any:
    known = {f.name: f for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"unknown world setting {key!r} (known: {', '.join(sorted(known))})")
        current = getattr(obj, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise ValueError(f"world setting {key!r} must be a table")
            changes[key] = _merge(current, value)
        elif isinstance(current, dict):
            merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in current.items()}
            for k, v in value.items():
                if isinstance(v, dict) and isinstance(merged.get(k), dict):
                    merged[k].update(v)
                else:
                    merged[k] = v
            changes[key] = merged
        elif isinstance(current, tuple):
            changes[key] = tuple(value)
        else:
            changes[key] = type(current)(value) if current is not None else value
    return replace(obj, **changes)


def read_config(path: str | Path | None, *, declarations: int | None = None, seed: int | None = None) -> WorldConfig:
    """Read a world TOML file (sections ``[world]``, ``[schemes]``, ``[inspection]``,
    ``[detection.<lane>]``); flags given here win over the file."""
    cfg = WorldConfig()
    if path is not None:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
        flat = dict(data.pop("world", {}))
        flat.update(data)
        cfg = cfg.with_overrides(flat)
    if declarations is not None:
        cfg = replace(cfg, declarations=int(declarations))
    if seed is not None:
        cfg = replace(cfg, seed=int(seed))
    if cfg.declarations < 1:
        raise ValueError("declarations must be at least 1")
    return cfg


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per part of the world, so one part can change without
    shifting the draws of the others.

    >>> a, b = stream(1, "parties").random(), stream(1, "parties").random()
    >>> a == b
    True
    """
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])
