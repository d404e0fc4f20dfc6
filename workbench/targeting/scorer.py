"""Score declarations with the profiles of one bundle: the workbench's own compiler over a frame
the bundle and the declarations fill, in an in-memory DuckDB — one truth for a profile.

For a bundle the scorer makes, once: the empty frame (:func:`create_empty_frame`, the very
schema the compiled SQL reads), the target lists in ``pf_list`` (each entry's validity cut to
its list's, as the workbench frame does), and one query of all the profiles
(:func:`workbench.profiles.backtest.compile_set`, the backtest's own), and two staging tables.
For each request it appends the declarations and items to the staging tables, fills
``pf_item`` from them with the frame's own field expressions
(:func:`workbench.profiles.fields.all_fields`; only the fields the profiles read, as the
workbench's frame holds), runs that query, and explains each hit with the workbench's reasons
(:func:`workbench.profiles.explain.reasons`).

DuckDB binds and optimises the query of all profiles on every request (``EXECUTE`` of a
``PREPARE``d statement re-binds too): with 100 profiles that is about 100 ms however few the
declarations, which is why single declarations are slow (docs/maintainers/benchmarks.md, export).

A decision: the strictest lane of the profiles that selected the declaration (green when none
did), each selecting profile with its item, control and reason, the profiles whose criteria
held but whose keyed sample left the declaration out, and the indicators the profiles read that
the message did not give.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import duckdb

from workbench.export.manifest import Bundle
from workbench.profiles import fields as flds
from workbench.profiles.backtest import compile_set
from workbench.profiles.compiler import FRAME, LISTS, used_fields
from workbench.profiles.explain import reasons
from workbench.profiles.frame import SCOPE_FIELDS, create_empty_frame
from workbench.profiles.selection import lane_rank
from workbench.profiles.spec import Profile, parse_profile
from workbench.profiles.targets import parse_list
from workbench.store.sql import scalar
from workbench.targeting.message import Declaration

DECL_COLUMNS = ("declaration_id", "lodged_at", "direction", "office_code", "procedure_code", "transport_mode",
                "importer_id", "exporter_id", "declarant_id", "carrier_id", "voyage_id", "bill_of_lading",
                "container_id", "country_dispatch", "country_origin", "currency")
ITEM_COLUMNS = ("item_no", "hs_code", "description", "country_origin", "quantity", "quantity_unit", "net_mass_kg",
                "customs_value", "customs_value_base", "duty_rate", "duty", "preference_code")
STAGED_DECL, STAGED_ITEM = "sc_decl", "sc_item"
SMALL = 200
"""Requests of fewer declarations run on one DuckDB thread: scheduling a second costs more than it saves."""
NUMBERS = {"quantity", "net_mass_kg", "customs_value", "customs_value_base", "duty_rate", "duty"}


def _day_start(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.combine(dt.date.fromisoformat(str(value)), dt.time())


class Scorer:
    """The profiles of one verified bundle, ready to score declarations (thread-safe)."""

    def __init__(self, bundle: Bundle):
        import pyarrow as pa

        self._pa = pa
        m = bundle.manifest
        self.bundle_id = m.bundle_id
        self.salt = m.selection_salt
        self.profiles: list[Profile] = [parse_profile(bundle.json_file(p.path)).with_version(p.version)
                                        for p in m.profiles]
        self.controls = {p.id: p.treatment.control for p in self.profiles}
        self.indicators = list(m.indicators.required)
        trusted_path = m.reference.get("trusted_traders")
        self.trusted = ({t["party_id"] for t in bundle.json_file(trusted_path)["parties"]}
                        if trusted_path else set())
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET preserve_insertion_order = false")
        self.threads = scalar(self.con, "SELECT current_setting('threads')")
        create_empty_frame(self.con, self.indicators)
        self._load_lists(bundle)
        self.compiled, self.union_sql, self.params = compile_set(self.profiles, self.salt) if self.profiles \
            else ([], "", {})
        sampled = [p for p in self.profiles if p.treatment.selection_pct < 100]
        full = [p.model_copy(update={"treatment": p.treatment.model_copy(update={"selection_pct": 100.0})})
                for p in sampled]
        _, self.matched_sql, self.matched_params = compile_set(full, self.salt) if full else ([], "", {})
        used = used_fields(self.profiles) | set(SCOPE_FIELDS)
        self.uses_attrs = any(f.startswith("attr.") for f in used)
        self.fill_sql = self._fill_sql(used)
        self._staging()
        self.lock = threading.Lock()

    def _load_lists(self, bundle: Bundle) -> None:
        rows = []
        for entry in bundle.manifest.lists:
            tl = parse_list(bundle.json_file(entry.path), entry.path)
            for e in tl.entries:
                starts = [d for d in (e.from_, tl.validity.from_) if d is not None]
                ends = [d for d in (e.to, tl.validity.to) if d is not None]
                rows.append([tl.id, e.value, _day_start(max(starts)) if starts else None,
                             _day_start(min(ends) + dt.timedelta(days=1)) if ends else None])
        if rows:
            self.con.executemany(f"INSERT INTO {LISTS} VALUES (?, ?, ?, ?)", rows)

    def _fill_sql(self, used: set[str]) -> str:
        """The frame from the staging tables, with the frame's own field expressions — only the
        fields the profiles read (and the scope), as the workbench's frame holds."""
        cols = ",\n       ".join(f"{f.source} AS {flds.column(f.name)}" for f in flds.all_fields() if f.name in used)
        inds = "".join(f",\n       i.ind_{n} AS {flds.column('indicator.' + ind)}, "
                       f"i.ind_{n}_flag AS {flds.column('indicator.' + ind + '.flag')}"
                       for n, ind in enumerate(self.indicators))
        attrs = ("json_merge_patch(coalesce(d.attrs::JSON, '{}'::JSON), coalesce(i.attrs::JSON, '{}'::JSON))"
                 if self.uses_attrs else "NULL::JSON")
        return f"""
INSERT INTO {FRAME} BY NAME
SELECT d.declaration_id, 1 AS decl_version, i.item_no, d.lodged_at, {attrs} AS attrs,
       {cols}{inds}
FROM {STAGED_DECL} d
JOIN {STAGED_ITEM} i ON i.declaration_id = d.declaration_id
JOIN (SELECT declaration_id, importer_trusted AS trusted_trader FROM {STAGED_DECL}) p ON p.declaration_id = d.declaration_id
"""

    def _staging(self) -> None:
        """The staging tables a request's declarations and items are appended to: made once, so
        a request changes no catalog entry (DuckDB then re-plans less)."""
        decl, item, _ = self._tables([])
        for name, table in ((STAGED_DECL, decl), (STAGED_ITEM, item)):
            self.con.from_arrow(table).create(name)

    # -- the frame ------------------------------------------------------------------------
    def _trusted(self, d: Declaration) -> bool | None:
        given = d.get("importer_trusted")
        if given is not None:
            return given
        importer = d.get("importer_id")
        return None if importer is None else importer in self.trusted

    def _tables(self, declarations: list[Declaration]) -> tuple[Any, Any, dict[str, list[str]]]:
        """The declarations and their items as Arrow tables, columns named as in the store."""
        pa = self._pa
        items = [(d["declaration_id"], it) for d in declarations for it in d["items"]]
        dcols: dict[str, Any] = {c: [d.get(c) for d in declarations] for c in DECL_COLUMNS}
        dcols["attrs"] = [json.dumps(d["attrs"]) if d.get("attrs") else None for d in declarations]
        dcols["importer_trusted"] = [self._trusted(d) for d in declarations]
        icols: dict[str, Any] = {"declaration_id": [i for i, _ in items]}
        icols.update({c: [it.get(c) for _, it in items] for c in ITEM_COLUMNS})
        icols["attrs"] = [json.dumps(it["attrs"]) if it.get("attrs") else None for _, it in items]
        missing: dict[str, list[str]] = {}
        if self.indicators:
            given = [it.get("indicators") or {} for _, it in items]
            for n, ind in enumerate(self.indicators):
                got = [g.get(ind) for g in given]
                icols[f"ind_{n}"] = [v.get("value") if v else None for v in got]
                icols[f"ind_{n}_flag"] = [v.get("flag") if v else None for v in got]
                for (decl_id, _), v in zip(items, got):
                    if v is None:
                        missing.setdefault(decl_id, set()).add(ind)
        dtypes = {c: pa.string() for c in dcols}
        dtypes.update(lodged_at=pa.timestamp("us"), importer_trusted=pa.bool_())
        itypes = {c: (pa.float64() if c in NUMBERS else pa.string()) for c in icols}
        itypes["item_no"] = pa.int32()
        for n in range(len(self.indicators)):
            itypes[f"ind_{n}"], itypes[f"ind_{n}_flag"] = pa.float64(), pa.bool_()
        decl = pa.table({c: pa.array(v, type=dtypes[c]) for c, v in dcols.items()})
        item = pa.table({c: pa.array(v, type=itypes[c]) for c, v in icols.items()})
        return decl, item, {k: sorted(v) for k, v in missing.items()}

    # -- scoring --------------------------------------------------------------------------
    def score(self, declarations: list[Declaration], *, explain: bool = True) -> list[dict[str, Any]]:
        """One decision per declaration, in the order given."""
        ids = [d["declaration_id"] for d in declarations]
        if len(set(ids)) != len(ids):
            seen, twice = set(), None
            for i in ids:
                if i in seen:
                    twice = i
                    break
                seen.add(i)
            raise ValueError(f"declaration {twice} appears twice in the batch")
        decl, item, missing = self._tables(declarations)
        with self.lock:
            con = self.con
            con.execute(f"SET threads = {1 if len(declarations) < SMALL else self.threads}")
            for name, table in ((STAGED_DECL, decl), (STAGED_ITEM, item)):
                con.execute(f"DELETE FROM {name}")
                con.from_arrow(table).insert_into(name)
            con.execute(f"DELETE FROM {FRAME}")
            con.execute(self.fill_sql)
            hits = con.execute(self.union_sql, self.params).fetchall() if self.union_sql else []
            matched = con.execute(self.matched_sql, self.matched_params).fetchall() if self.matched_sql else []
            why: dict[tuple[str, str], str] = {}
            if explain and hits:
                by_profile: dict[str, dict[str, int]] = {}
                for pid, _, _, _, decl_id, item_no in hits:
                    by_profile.setdefault(pid, {})[decl_id] = item_no
                for c in self.compiled:
                    if c.profile.id in by_profile:
                        for decl_id, text in reasons(con, c, by_profile[c.profile.id]).items():
                            why[(c.profile.id, decl_id)] = text
            con.execute(f"DELETE FROM {FRAME}")
        return self._decisions(ids, hits, matched, why, missing)

    def _decisions(self, ids: list[str], hits: list[tuple], matched: list[tuple], why: dict[tuple[str, str], str],
                   missing: dict[str, list[str]]) -> list[dict[str, Any]]:
        pct = {p.id: p.treatment.selection_pct for p in self.profiles}
        selected: dict[str, list[dict[str, Any]]] = {}
        for pid, version, lane, _, decl_id, item_no in hits:
            entry = {"profile_id": pid, "version": version, "lane": lane, "control": self.controls[pid],
                     "item_no": item_no, "selection_pct": pct[pid]}
            if (pid, decl_id) in why:
                entry["reason"] = why[(pid, decl_id)]
            selected.setdefault(decl_id, []).append(entry)
        kept = {(h[0], h[4]) for h in hits}
        sampled_out: dict[str, list[dict[str, Any]]] = {}
        for pid, version, _, _, decl_id, item_no in matched:
            if (pid, decl_id) not in kept:
                sampled_out.setdefault(decl_id, []).append(
                    {"profile_id": pid, "version": version, "selection_pct": pct[pid], "item_no": item_no})
        out = []
        for decl_id in ids:
            chosen = sorted(selected.get(decl_id, []), key=lambda e: (-lane_rank(e["lane"]), e["profile_id"]))
            out.append({"declaration_id": decl_id, "bundle_id": self.bundle_id,
                        "lane": chosen[0]["lane"] if chosen else "green", "selected": bool(chosen),
                        "profiles": chosen,
                        "sampled_out": sorted(sampled_out.get(decl_id, []), key=lambda e: e["profile_id"]),
                        "missing_indicators": missing.get(decl_id, [])})
        return out

    def close(self) -> None:
        self.con.close()
