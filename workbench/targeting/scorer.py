"""Score declarations with the profiles of one bundle — one truth for a profile, on three paths
that are held to the same answers (tests/test_targeting_one_truth.py runs each):

- **Python** (small requests): the reference evaluator (:mod:`workbench.profiles.evaluate`,
  property-tested equal to the compiled SQL) with each profile prepared once per bundle, over
  the frame rows :mod:`workbench.targeting.rows` builds from the message with the frame's own
  field definitions; reasons from the same leaves the SQL explanation reads. A request of at
  most :data:`QUICK` declarations takes it when every declaration is ``plain`` (no NaN, text
  attributes) and every field the bundle reads has its Python twin.
- **Columns** (batches): the batch's staging tables as Arrow (from the dicts, or checked and
  laid out from an Arrow table by :mod:`workbench.targeting.bulk`); DuckDB computes the frame's
  fixed fields with the frame's own expressions (nothing written), the indicators are read as
  given, and every profile is evaluated as masks over the items by
  :mod:`workbench.profiles.columns` (property-tested equal to the reference evaluator), each
  profile planned once per bundle; the keyed sample is the evaluator's hash. Taken when every
  number is finite, no profile reads ``attr.*`` and no target list is matched against a number.
- **DuckDB** (whatever the others do not take): the workbench's own compiler over a frame the
  bundle and the declarations fill, in an in-memory DuckDB. Made once per bundle: the empty
  frame (:func:`create_empty_frame`, the very schema the compiled SQL reads), the target lists
  in ``pf_list`` (each entry's validity cut to its list's, as the workbench frame does), two
  staging tables, and one query of all the profiles
  (:func:`workbench.profiles.backtest.compile_set`, the backtest's own) at 100 %, the keyed
  sample then drawn with the same hash in Python. Per request: append the declarations and
  items to the staging tables, fill ``pf_item`` with the frame's field expressions, run the
  query, and explain each hit with the workbench's reasons
  (:func:`workbench.profiles.explain.reasons`).

Why three: DuckDB binds and optimises the query of all profiles on every request (``EXECUTE``
of a ``PREPARE``d statement re-binds too): with 100 profiles about 100 ms however few the
declarations, and some 16 µs a declaration more. The Python path answers one declaration in
about a millisecond; the column path a batch in about 10 µs a declaration
(docs/maintainers/benchmarks.md, export).

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
from workbench.profiles import columns
from workbench.profiles import fields as flds
from workbench.profiles.backtest import compile_set
from workbench.profiles.compiler import FRAME, LISTS, used_fields
from workbench.profiles.evaluate import Prepared, compare, field_value
from workbench.profiles.explain import because, reasons
from workbench.profiles.frame import SCOPE_FIELDS, create_empty_frame
from workbench.profiles.selection import lane_rank
from workbench.profiles.spec import Profile, parse_profile
from workbench.profiles.targets import parse_list
from workbench.store.sql import scalar
from workbench.targeting.bulk import DECL_COLUMNS, ITEM_COLUMNS, Staged, read_json_batch, stage, staging_schemas
from workbench.targeting.decisions import DECISIONS, LEFT_OUT, SELECTION
from workbench.targeting.message import Declaration
from workbench.targeting.rows import TWINS, frame_rows, plain, reads_alike

STAGED_DECL, STAGED_ITEM = "sc_decl", "sc_item"
BATCH_DECL, BATCH_ITEM = "sc_batch_decl", "sc_batch_item"
ONE_THREAD_ITEMS = 100_000
"""The column path computes the fields of a batch of fewer items on one DuckDB thread (a second
one made 14,000 items take 14 ms rather than 8)."""
SMALL = 200
"""Requests of fewer declarations run on one DuckDB thread: scheduling a second costs more than it saves."""
QUICK = 300
"""Requests of at most this many declarations take the Python path (when they can): measured
with 100 profiles, Python takes about 0.5 ms a declaration and DuckDB 200-300 ms a request up to
a few hundred declarations (the plan of all profiles is bound each time)."""
PATHS = ("auto", "python", "sql", "columns")


def _day_start(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.combine(dt.date.fromisoformat(str(value)), dt.time())


def _as_varchar(value: Any) -> str | None:
    """A frame value as DuckDB casts it to text: booleans in lower case, doubles in their
    shortest round-trip form (Python's ``repr``, which DuckDB's matches)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(float(value))


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
        self.members = self._load_lists(bundle)
        # one query of all the profiles (the backtest's own), each at 100 %: the keyed sample is
        # then drawn with the same hash in Python (Prepared.kept), so one query gives both the
        # selected declarations and those a sample left out
        full = [p.model_copy(update={"treatment": p.treatment.model_copy(update={"selection_pct": 100.0})})
                for p in self.profiles]
        self.compiled, self.union_sql, self.params = compile_set(full, self.salt) if full else ([], "", {})
        self.prepared = [Prepared(p, salt=self.salt) for p in self.profiles]
        self.plans = [columns.Plan(p) for p in self.profiles]
        self.meta = self._profile_columns()
        used = used_fields(self.profiles) | set(SCOPE_FIELDS)
        self.uses_attrs = any(f.startswith("attr.") for f in used)
        self.used = sorted(used)
        self.fill_sql = f"INSERT INTO {FRAME} BY NAME\n" + self._frame_sql(STAGED_DECL, STAGED_ITEM)
        self.batch_sql = self._batch_sql()
        self.columnar = not self.uses_attrs and columns.supports(self.profiles)
        self.quick = reads_alike(self.profiles)
        self.row_fields = sorted(f for f in used if f in TWINS)
        self._staging()
        self.lock = threading.Lock()

    def _load_lists(self, bundle: Bundle) -> dict[str, list[tuple[str, Any, Any]]]:
        """``pf_list`` from the bundle's lists; the same members for the evaluator."""
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
        members: dict[str, list[tuple[str, Any, Any]]] = {}
        for list_id, value, start, end in rows:
            members.setdefault(list_id, []).append((value, start, end))
        return members

    def _frame_sql(self, decl: str, item: str) -> str:
        """The frame from staging tables, with the frame's own field expressions — only the
        fields the profiles read (and the scope), as the workbench's frame holds."""
        cols = ",\n       ".join(f"{f.source} AS {flds.column(f.name)}" for f in flds.all_fields()
                                 if f.name in self.used)
        inds = "".join(f",\n       i.ind_{n} AS {flds.column('indicator.' + ind)}, "
                       f"i.ind_{n}_flag AS {flds.column('indicator.' + ind + '.flag')}"
                       for n, ind in enumerate(self.indicators))
        attrs = ("json_merge_patch(coalesce(d.attrs::JSON, '{}'::JSON), coalesce(i.attrs::JSON, '{}'::JSON))"
                 if self.uses_attrs else "NULL::JSON")
        return f"""
SELECT d.declaration_id, 1 AS decl_version, i.item_no, d.lodged_at, {attrs} AS attrs,
       {cols}{inds}
FROM {decl} d
JOIN {item} i ON i.declaration_id = d.declaration_id
JOIN (SELECT declaration_id, importer_trusted AS trusted_trader FROM {decl}) p ON p.declaration_id = d.declaration_id
"""

    def _batch_sql(self) -> str:
        """The frame's fixed fields for the column path, from the batch's tables joined on the
        declaration's position (``_d``), each row with its item's position (``_row``); the
        indicators are read from the item table as they are."""
        cols = "".join(f",\n       {f.source} AS {flds.column(f.name)}" for f in flds.all_fields()
                       if f.name in self.used)
        return f"""
SELECT i._row{cols}
FROM {BATCH_DECL} d
JOIN {BATCH_ITEM} i ON i._d = d._d
JOIN (SELECT _d, importer_trusted AS trusted_trader FROM {BATCH_DECL}) p ON p._d = d._d
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
        dschema, ischema = staging_schemas(self.indicators)
        decl = pa.table({f.name: pa.array(dcols[f.name], type=f.type) for f in dschema}, schema=dschema)
        item = pa.table({f.name: pa.array(icols[f.name], type=f.type) for f in ischema}, schema=ischema)
        return decl, item, {k: sorted(v) for k, v in missing.items()}

    # -- scoring --------------------------------------------------------------------------
    def score(self, declarations: list[Declaration], *, explain: bool = True, path: str = "auto") -> list[dict[str, Any]]:
        """One decision per declaration, in the order given. ``path`` 'python' or 'sql' forces a
        path (for the tests that hold them equal); 'python' still leaves to DuckDB what it cannot
        take alike."""
        if path not in PATHS:
            raise ValueError(f"path is one of {', '.join(PATHS)}, not {path!r}")
        ids = [d["declaration_id"] for d in declarations]
        if len(set(ids)) != len(ids):
            seen, twice = set(), None
            for i in ids:
                if i in seen:
                    twice = i
                    break
                seen.add(i)
            raise ValueError(f"declaration {twice} appears twice in the batch")
        if self.takes_python(declarations, path):
            matches, why, missing = self._score_python(declarations, explain)
            return self._decisions(ids, matches, why, missing)
        decl, item, missing = self._tables(declarations)
        finite = path != "sql" and all(plain(d) for d in declarations)
        matches, why = self._matches(Staged(decl, item, ids, missing, finite), explain, path)
        return self._decisions(ids, matches, why, missing)

    def score_table(self, table: Any, *, explain: bool = True, path: str = "auto", as_table: bool = False) -> Any:
        """:meth:`score` for a batch as an Arrow table of declarations
        (:func:`workbench.targeting.bulk.message_schema`), checked on its columns; with
        ``as_table`` the decisions come as an Arrow table
        (:data:`workbench.targeting.decisions.DECISIONS`) rather than dicts."""
        if path not in PATHS:
            raise ValueError(f"path is one of {', '.join(PATHS)}, not {path!r}")
        staged = stage(table, self.indicators, self.trusted)
        matches, why = self._matches(staged, explain, path)
        if as_table:
            return self._decision_table(staged, matches, why)
        return self._decisions(staged.ids, matches, why, staged.missing)

    def read_json(self, data: bytes) -> Any:
        """A JSON batch as columns when Arrow reads it exactly as the message schema does, and
        the attributes it cannot carry are not read by these profiles; else None."""
        return None if self.uses_attrs else read_json_batch(data, self.indicators)

    def _matches(self, staged: Staged, explain: bool, path: str) -> tuple[list[tuple], dict]:
        """The column evaluator when it reads the batch alike (finite numbers, no attributes
        read, target lists on text), else DuckDB over the compiled profiles."""
        if path != "sql" and self.columnar and staged.finite:
            return self._score_columns(staged.decl, staged.item, explain)
        return self._score_sql(staged.decl, staged.item, explain)

    def takes_python(self, declarations: list[Declaration], path: str = "auto") -> bool:
        """Whether a request goes the Python path (see the module)."""
        if path in ("sql", "columns") or not self.quick or (path == "auto" and len(declarations) > QUICK):
            return False
        return all(plain(d) for d in declarations)

    # -- the Python path ----------------------------------------------------------------------
    def _score_python(self, declarations: list[Declaration], explain: bool) -> tuple[list[tuple], dict, dict]:
        matches: list[tuple[int, str, int, bool]] = []
        why: dict[tuple[str, str], str] = {}
        missing: dict[str, list[str]] = {}
        for d in declarations:
            rows = frame_rows(d, self.row_fields, self.indicators, attrs=self.uses_attrs, trusted=self._trusted(d))
            decl_id = d["declaration_id"]
            for n, prepared in enumerate(self.prepared):
                item_no = prepared.matched_one(rows, self.members)
                if item_no is None:
                    continue
                kept = prepared.kept(decl_id)
                matches.append((n, decl_id, item_no, kept))
                if kept and explain:
                    row = next(r for r in rows if r["item_no"] == item_no)
                    why[(prepared.profile.id, decl_id)] = self._reason(n, row)
            gaps = sorted({ind for it in d["items"] for ind in self.indicators
                           if (it.get("indicators") or {}).get(ind) is None})
            if gaps:
                missing[decl_id] = gaps
        return matches, why, missing

    def _reason(self, n: int, row: dict[str, Any]) -> str:
        """The reason :func:`workbench.profiles.explain.reasons` gives, from the same leaves: each
        criterion's truth, and the value it saw as DuckDB shows it (``::VARCHAR``)."""
        c = self.compiled[n]
        index = {id(leaf): k for k, leaf in enumerate(c.leaves)}
        truth = {k: compare(leaf, row, self.members) for k, leaf in enumerate(c.leaves)}
        seen = {k: _as_varchar(field_value(leaf, row)) for k, leaf in enumerate(c.leaves)}
        _, phrases = because(c.profile.criteria, truth, seen, index)
        return (f"{c.profile.id} v{c.version} ({c.profile.treatment.lane}): item {row['item_no']}: "
                + "; ".join(phrases))

    # -- the column path ----------------------------------------------------------------------
    def _score_columns(self, decl: Any, item: Any, explain: bool) -> tuple[list[tuple], dict]:
        """The frame's fields from the staging tables by the frame's own SQL (no table written),
        then every profile as masks over the columns (:mod:`workbench.profiles.columns`)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        decl_ids = decl.column("declaration_id").combine_chunks()
        parent = pc.index_in(item.column("declaration_id"), value_set=decl_ids).to_numpy(zero_copy_only=False)
        with self.lock:
            con = self.con
            con.execute(f"SET threads = {1 if item.num_rows < ONE_THREAD_ITEMS else self.threads}")
            con.register(BATCH_DECL, decl.append_column("_d", pa.array(np.arange(decl.num_rows, dtype=np.int32))))
            con.register(BATCH_ITEM, item.append_column("_d", pa.array(parent.astype(np.int32)))
                         .append_column("_row", pa.array(np.arange(item.num_rows, dtype=np.int32))))
            try:
                got = con.sql(self.batch_sql).to_arrow_table()
            finally:
                con.unregister(BATCH_DECL)
                con.unregister(BATCH_ITEM)
        got = got.take(pa.array(np.argsort(got.column("_row").to_numpy())))     # in the items' order
        arrays = {f: got.column(f) for f in self.used if not f.startswith("indicator.")}
        for n, ind in enumerate(self.indicators):
            arrays[f"indicator.{ind}"] = item.column(f"ind_{n}")
            arrays[f"indicator.{ind}.flag"] = item.column(f"ind_{n}_flag")
        arrays = {f: a for f, a in arrays.items() if f in self.used}
        item_no = item.column("item_no").to_numpy().astype(np.int64)
        lodged = decl.column("lodged_at").to_numpy()[parent]
        frame = columns.Frame.from_arrow(decl_ids.to_pylist(), parent.astype(np.int64), item_no, lodged, arrays)
        matches: list[tuple[int, str, int, bool]] = []
        ids = frame.declaration_ids
        for n, prepared in enumerate(self.prepared):
            hit_decls, hit_items = columns.matched_items(frame, self.plans[n], self.members)
            if prepared.profile.treatment.selection_pct >= 100:
                matches.extend((n, ids[d], i, True) for d, i in zip(hit_decls.tolist(), hit_items.tolist()))
            else:
                matches.extend((n, ids[d], i, prepared.kept(ids[d])) for d, i in zip(hit_decls.tolist(), hit_items.tolist()))
        why: dict[tuple[str, str], str] = {}
        if explain and any(kept for *_, kept in matches):
            where = {(d, i): r for r, (d, i) in enumerate(zip(frame.decl.tolist(), item_no.tolist()))}
            position = {d: k for k, d in enumerate(ids)}
            for n, decl_id, i, kept in matches:
                if kept:
                    r = where[(position[decl_id], i)]
                    row = {f: a[r].as_py() for f, a in arrays.items()}
                    row.update(declaration_id=decl_id, item_no=i, lodged_at=lodged[r].item(), decl_version=1, attrs=None)
                    why[(self.profiles[n].id, decl_id)] = self._reason(n, row)
        return matches, why

    # -- the DuckDB path ----------------------------------------------------------------------
    def _score_sql(self, decl: Any, item: Any, explain: bool) -> tuple[list[tuple], dict]:
        names = [p.id for p in self.profiles]
        with self.lock:
            con = self.con
            con.execute(f"SET threads = {1 if decl.num_rows < SMALL else self.threads}")
            for name, table in ((STAGED_DECL, decl), (STAGED_ITEM, item)):
                con.execute(f"DELETE FROM {name}")
                con.from_arrow(table).insert_into(name)
            con.execute(f"DELETE FROM {FRAME}")
            con.execute(self.fill_sql)
            found = con.execute(self.union_sql, self.params).fetchall() if self.union_sql else []
            position = {p.id: n for n, p in enumerate(self.profiles)}
            matches = []
            for pid, _, _, _, decl_id, item_no in found:
                n = position[pid]
                matches.append((n, decl_id, item_no, self.prepared[n].kept(decl_id)))
            why: dict[tuple[str, str], str] = {}
            if explain:
                by_profile: dict[int, dict[str, int]] = {}
                for n, decl_id, item_no, kept in matches:
                    if kept:
                        by_profile.setdefault(n, {})[decl_id] = item_no
                for n, hits in by_profile.items():
                    for decl_id, text in reasons(con, self.compiled[n], hits).items():
                        why[(names[n], decl_id)] = text
            con.execute(f"DELETE FROM {FRAME}")
        return matches, why

    def _grouped(self, matches: list[tuple], why: dict[tuple[str, str], str]) -> tuple[dict, dict]:
        """Declaration id -> its selecting profiles (strictest lane first, then by id), and ->
        the profiles whose sample left it out (by id): only the declarations that have any."""
        selected: dict[str, list[dict[str, Any]]] = {}
        sampled_out: dict[str, list[dict[str, Any]]] = {}
        for n, decl_id, item_no, kept in matches:
            p, version = self.profiles[n], self.compiled[n].version
            if kept:
                entry = {"profile_id": p.id, "version": version, "lane": p.treatment.lane,
                         "control": self.controls[p.id], "item_no": item_no, "selection_pct": p.treatment.selection_pct}
                if (p.id, decl_id) in why:
                    entry["reason"] = why[(p.id, decl_id)]
                selected.setdefault(decl_id, []).append(entry)
            else:
                sampled_out.setdefault(decl_id, []).append(
                    {"profile_id": p.id, "version": version, "selection_pct": p.treatment.selection_pct,
                     "item_no": item_no})
        for chosen in selected.values():
            if len(chosen) > 1:
                chosen.sort(key=lambda e: (-lane_rank(e["lane"]), e["profile_id"]))
        for left in sampled_out.values():
            if len(left) > 1:
                left.sort(key=lambda e: e["profile_id"])
        return selected, sampled_out

    def _decisions(self, ids: list[str], matches: list[tuple], why: dict[tuple[str, str], str],
                   missing: dict[str, list[str]]) -> list[dict[str, Any]]:
        selected, sampled_out = self._grouped(matches, why)
        bundle_id = self.bundle_id
        out = []
        for decl_id in ids:
            chosen = selected.get(decl_id, [])
            out.append({"declaration_id": decl_id, "bundle_id": bundle_id,
                        "lane": chosen[0]["lane"] if chosen else "green", "selected": bool(chosen),
                        "profiles": chosen, "sampled_out": sampled_out.get(decl_id, []),
                        "missing_indicators": missing.get(decl_id, [])})
        return out

    def _decision_table(self, staged: Staged, matches: list[tuple], why: dict[tuple[str, str], str]) -> Any:
        """:meth:`_decisions` as an Arrow table (:data:`DECISIONS`), made on arrays: the entries
        ordered as :meth:`_grouped` orders them (strictest lane, then profile id; left-out ones
        by profile id), each declaration's lane its first entry's."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        ids = staged.decl.column("declaration_id").combine_chunks()
        n = len(ids)
        prof = np.array([m[0] for m in matches], dtype=np.int64)
        where = pc.index_in(pa.array([m[1] for m in matches], pa.string()), value_set=ids).to_numpy(
            zero_copy_only=False).astype(np.int64) if matches else prof
        item = np.array([m[2] for m in matches], dtype=np.int64)
        kept = np.array([m[3] for m in matches], dtype=bool)
        meta = self.meta

        def entries(chosen: np.ndarray, value_type: Any, keys: tuple[np.ndarray, ...]) -> tuple[Any, np.ndarray]:
            order = np.flatnonzero(chosen)
            order = order[np.lexsort(tuple(k[order] for k in keys) + (where[order],))]
            counts = np.bincount(where[order], minlength=n)
            offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
            take = pa.array(prof[order])
            cols = {"item_no": pa.array(item[order], pa.int64())}
            if "reason" in value_type.names:
                texts = [why.get((self.profiles[p].id, matches[k][1])) for p, k in zip(prof[order].tolist(), order.tolist())] \
                    if why else None
                cols["reason"] = pa.array(texts, pa.string()) if texts else pa.nulls(len(order), pa.string())
            values = pa.StructArray.from_arrays([cols[f.name] if f.name in cols else meta[f.name].take(take)
                                                 for f in value_type], fields=list(value_type))
            return pa.ListArray.from_arrays(offsets, values), order

        chosen, order = entries(kept, SELECTION, (meta["id_rank"][prof], -meta["lane_rank"][prof]))
        left, _ = entries(~kept, LEFT_OUT, (meta["id_rank"][prof],))
        counts = pc.list_value_length(chosen).to_numpy(zero_copy_only=False)
        lanes = np.full(n, "green", dtype=object)
        firsts = np.concatenate([[0], np.cumsum(counts)])[:-1][counts > 0]
        lanes[counts > 0] = meta["lane"].take(pa.array(prof[order][firsts])).to_numpy(zero_copy_only=False)
        gaps = [staged.missing.get(d) or [] for d in staged.ids] if staged.missing else None
        return pa.Table.from_arrays([
            ids, pa.array([self.bundle_id] * n, pa.string()), pa.array(lanes, pa.string()), pa.array(counts > 0),
            chosen, left, pa.array(gaps, pa.list_(pa.string())) if gaps else
            pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, dtype=np.int32)), pa.array([], pa.string()))],
            schema=DECISIONS)

    def _profile_columns(self) -> dict[str, Any]:
        """Each profile's id, version, lane, control and selection as arrays (by position), and
        the ranks the decisions sort by."""
        import numpy as np
        import pyarrow as pa

        ps = self.profiles
        order = sorted(range(len(ps)), key=lambda k: ps[k].id)
        id_rank = np.empty(len(ps), dtype=np.int64)
        id_rank[order] = np.arange(len(ps))
        return {"profile_id": pa.array([p.id for p in ps], pa.string()),
                "version": pa.array([c.version for c in self.compiled], pa.int64()),
                "lane": pa.array([p.treatment.lane for p in ps], pa.string()),
                "control": pa.array([self.controls[p.id] for p in ps], pa.string()),
                "selection_pct": pa.array([float(p.treatment.selection_pct) for p in ps], pa.float64()),
                "id_rank": id_rank,
                "lane_rank": np.array([lane_rank(p.treatment.lane) for p in ps], dtype=np.int64)}

    def close(self) -> None:
        self.con.close()
