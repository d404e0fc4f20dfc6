"""A store of hand-made indicator cases (tests/fixtures/indicators), loaded through mappings.

Background trade in October-December 2023 (importer I1 buying leather shoes from China, I4
buying phones, a quiet I5, a repeat offender I6 with one late laboratory result), then one
declaration per case in January-February 2024 (C01...C17, Z1...Z6); the ``case`` column says
what each is for and stays in the store as an item attribute.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "indicators"
LOADS = ("countries", "parties", "voyages", "watchlist", "declarations", "inspections")

# Thresholds scaled to a fixture of dozens of declarations (the defaults suit real volumes).
PARAMS = {
    "price.unit_value_low": {"min_peers": 10},
    "price.unit_value_high": {"min_peers": 10},
    "price.value_per_kg": {"min_peers": 10},
    "price.duty_share_low": {"min_peers": 10},
    "price.freight_share": {"min_peers": 10},
    "newness.unusual_chapter": {"min_history": 10},
    "newness.volume_spike": {"baseline_days": 90},
    "history.importer": {"m": 5},
    "history.declarant": {"m": 5},
    "history.seller": {"m": 5},
    "history.hs6": {"m": 5},
    "history.origin": {"m": 5},
    "history.office_hs6": {"m": 5},
    "description.hs_mismatch": {"min_seen": 10},
    "shape.mass_per_unit": {"min_peers": 10},
}


def load_indicator_fixture(db: Path) -> dict:
    from workbench.ingest.loader import load

    out = {}
    for name in LOADS:
        summary = load(FIXTURE / f"{name}.csv", FIXTURE / "mappings" / f"{name}.yaml", db=db)
        if summary.rows_quarantined or summary.rows_waiting:
            raise RuntimeError(f"indicator fixture {name} did not load cleanly: {summary.problems[:3]}")
        out[name] = summary
    return out


def copy_store(master: Path, target: Path) -> Path:
    shutil.copy(master, target)
    side = master.with_name(master.name + ".audit-head")
    if side.exists():
        shutil.copy(side, target.with_name(target.name + ".audit-head"))
    return target
