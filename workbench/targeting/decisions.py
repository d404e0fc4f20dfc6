"""The service's record of its decisions: one CSV line per scored declaration, appended and
flushed before the answer goes back.

``<state>/decisions.csv`` columns: decision_id, decided_at (UTC), bundle_id, declaration_id,
lane, selection_source ('profile' when a profile selected it, else empty), profile_id (the
profile that set the lane), profiles (every selecting ``id@version``, '|'-separated),
sampled_out (profiles whose criteria held but whose sample left it out), missing_indicators.

Decisions come as a list of dicts (:meth:`DecisionLog.record`) or, for a batch answered as an
Arrow stream, as an Arrow table (:data:`DECISIONS`, :meth:`DecisionLog.record_table`): the same
decisions and the same lines, the table's written with no Python object per declaration.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ("decision_id", "decided_at", "bundle_id", "declaration_id", "lane", "selection_source", "profile_id",
           "profiles", "sampled_out", "missing_indicators")


SELECTION = pa.struct([("profile_id", pa.string()), ("version", pa.int64()), ("lane", pa.string()),
                       ("control", pa.string()), ("item_no", pa.int64()), ("selection_pct", pa.float64()),
                       ("reason", pa.string())])
LEFT_OUT = pa.struct([("profile_id", pa.string()), ("version", pa.int64()), ("selection_pct", pa.float64()),
                      ("item_no", pa.int64())])
DECISIONS = pa.schema([("declaration_id", pa.string()), ("bundle_id", pa.string()), ("lane", pa.string()),
                       ("selected", pa.bool_()), ("profiles", pa.list_(SELECTION)),
                       ("sampled_out", pa.list_(LEFT_OUT)), ("missing_indicators", pa.list_(pa.string()))])
"""A batch's decisions as an Arrow stream answers them (then with ``decision_id`` and
``decided_at``); each row holds what the JSON decision holds (a reason left out is null)."""


def _joined(lists: pa.Array, text: Any) -> pa.Array:
    """Each declaration's entries as 'a|b' (empty when none)."""
    values = pc.list_flatten(lists)
    parts = text(values) if len(values) else pa.array([], pa.string())
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    return pc.fill_null(pc.binary_join(pa.ListArray.from_arrays(offsets, parts), "|"), "")


def _stamps(n: int) -> tuple[str, str]:
    """The time of a batch of decisions (UTC, milliseconds) and their ids: 32 hex digits each,
    one after another."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="milliseconds")
    return now, os.urandom(16 * n).hex()


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
        now, ids = _stamps(len(decisions))
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
        self._append("\r\n".join(lines))

    def record_table(self, table: pa.Table) -> pa.Table:
        """:meth:`record` for a table of :data:`DECISIONS`: the table with each decision's id and
        time, its lines appended as :meth:`record` writes them."""
        n = table.num_rows
        now, hexed = _stamps(n)
        hex_ids = pa.FixedSizeBinaryArray.from_buffers(pa.binary(32), n, [None, pa.py_buffer(hexed.encode())])
        ids = hex_ids.cast(pa.binary()).cast(pa.string())
        times = pa.array([now] * n, pa.string())
        decl = table.column("declaration_id").combine_chunks()
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(decl, '"', '""'), '"', "")
        decl = pc.if_else(pc.match_substring_regex(decl, '[,"\r\n]'), quoted, decl)
        chosen = table.column("profiles").combine_chunks()
        left = table.column("sampled_out").combine_chunks()
        selected = table.column("selected").combine_chunks()

        def tagged(entries: pa.StructArray) -> pa.Array:
            return pc.binary_join_element_wise(entries.field("profile_id"), entries.field("version").cast(pa.string()),
                                               "@")

        fields = pc.binary_join_element_wise(
            ids, times, table.column("bundle_id").combine_chunks(), decl, table.column("lane").combine_chunks(),
            pc.if_else(selected, "profile", ""), _joined(pc.list_slice(chosen, 0, 1), lambda v: v.field("profile_id")),
            _joined(chosen, tagged), _joined(left, tagged), _joined(table.column("missing_indicators").combine_chunks(),
                                                                 lambda v: v), ",")
        lines = pc.binary_join_element_wise(fields, "\r\n", "")
        body = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, n], pa.int32()), lines), "")[0].as_py()
        self._append(body)
        return table.append_column("decision_id", ids).append_column("decided_at", times)

    def _append(self, text: str) -> None:
        with self.lock, self.path.open("a", newline="", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()

    def count(self) -> int:
        """Decisions recorded (CSV records, not lines: an id may hold a line break)."""
        with self.path.open(newline="", encoding="utf-8") as fh:
            return sum(1 for _ in csv.reader(fh)) - 1
