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
import os
import threading
from pathlib import Path
from typing import Any

COLUMNS = ("decision_id", "decided_at", "bundle_id", "declaration_id", "lane", "selection_source", "profile_id",
           "profiles", "sampled_out", "missing_indicators")


def _field(text: str) -> str:
    """A CSV field as the csv module writes it (quoted only when it must be). The other fields
    are the service's own ids, times and lanes, which never need quotes."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


class DecisionLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        if not self.path.exists():
            with self.path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerow(COLUMNS)

    def record(self, decisions: list[dict[str, Any]]) -> None:
        """Give each decision its id (128 random bits in hex) and time, and append them."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="milliseconds")
        ids = os.urandom(16 * len(decisions)).hex()
        lines = []
        for n, d in enumerate(decisions):
            d["decision_id"] = decision_id = ids[32 * n:32 * n + 32]
            d["decided_at"] = now
            chosen, out, gaps = d["profiles"], d["sampled_out"], d["missing_indicators"]
            lines.append(",".join((
                decision_id, now, d["bundle_id"], _field(d["declaration_id"]), d["lane"],
                "profile" if chosen else "", chosen[0]["profile_id"] if chosen else "",
                "|".join(f"{p['profile_id']}@{p['version']}" for p in chosen) if chosen else "",
                "|".join(f"{p['profile_id']}@{p['version']}" for p in out) if out else "",
                "|".join(gaps) if gaps else "")))
        lines.append("")
        with self.lock, self.path.open("a", newline="", encoding="utf-8") as fh:
            fh.write("\r\n".join(lines))
            fh.flush()

    def count(self) -> int:
        """Decisions recorded (CSV records, not lines: an id may hold a line break)."""
        with self.path.open(newline="", encoding="utf-8") as fh:
            return sum(1 for _ in csv.reader(fh)) - 1
