"""The service's record of its decisions: one CSV line per scored declaration, appended and
flushed before the answer goes back.

``<state>/decisions.csv`` columns: decision_id, decided_at (UTC), bundle_id, declaration_id,
lane, selection_source ('profile' when a profile selected it, else empty), profile_id (the
profile that set the lane), profiles (every selecting ``id@version``, '|'-separated),
sampled_out (profiles whose criteria held but whose sample left it out), missing_indicators.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
import uuid
from pathlib import Path
from typing import Any

COLUMNS = ("decision_id", "decided_at", "bundle_id", "declaration_id", "lane", "selection_source", "profile_id",
           "profiles", "sampled_out", "missing_indicators")


class DecisionLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        if not self.path.exists():
            with self.path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerow(COLUMNS)

    def record(self, decisions: list[dict[str, Any]]) -> None:
        """Give each decision its id and time, and append them."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="milliseconds")
        rows = []
        for d in decisions:
            d["decision_id"] = uuid.uuid4().hex
            d["decided_at"] = now
            top = d["profiles"][0]["profile_id"] if d["profiles"] else ""
            rows.append([d["decision_id"], now, d["bundle_id"], d["declaration_id"], d["lane"],
                         "profile" if d["selected"] else "", top,
                         "|".join(f"{p['profile_id']}@{p['version']}" for p in d["profiles"]),
                         "|".join(f"{p['profile_id']}@{p['version']}" for p in d["sampled_out"]),
                         "|".join(d["missing_indicators"])])
        with self.lock, self.path.open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
            fh.flush()

    def count(self) -> int:
        with self.path.open(encoding="utf-8") as fh:
            return sum(1 for _ in fh) - 1
