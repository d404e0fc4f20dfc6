"""One load: files + mapping -> canonical tables, in one transaction.

Every input record ends up loaded, unchanged (already stored), quarantined with a reason, or
waiting for a record it refers to; the summary reconciles those counts. A failure before the
commit leaves the store as it was; loading the same files with the same mapping twice adds
nothing. ``retry`` runs quarantined rows again, for instance once the parties they wait for
have been loaded.

>>> summary = load("declarations.csv", "nzcs.yaml", db="ops.duckdb")  # doctest: +SKIP
>>> summary.reconciles  # doctest: +SKIP
True
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from workbench.identity import current_user
from workbench.ingest import currency, validate
from workbench.ingest.inputs import InputShape, PlanError, build_input
from workbench.ingest.mapping import Mapping, mapping_sha256, parse_mapping, read_mapping
from workbench.ingest.sources import SourceError, stage_all, total_bytes
from workbench.ingest.targets import TargetPlan, stage_targets
from workbench.ingest.transforms import Params
from workbench.ingest.write import write_plans
from workbench.settings import load_settings
from workbench.store import audit
from workbench.store.connection import connect, store_meta, transaction
from workbench.store.sql import one, rows, scalar


class LoadError(ValueError):
    """A load refused as a whole (missing file, bad encoding, wrong mapping): nothing changed."""


@dataclass
class LoadSummary:
    """What a load did, in counts that reconcile."""

    source: str
    mapping: str
    load_id: int | None = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_unchanged: int = 0
    rows_quarantined: int = 0
    rows_waiting: int = 0
    inserted: dict[str, int] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    already_loaded_as: int | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    kind: str = "load"

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.rows_loaded + self.rows_unchanged + self.rows_quarantined + self.rows_waiting

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"reconciles": self.reconciles}


_ENTRY = "source_name, source_row, target_table, record_key, status, reason, column_name, bad_value, raw"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@contextmanager
def _progress(enabled: bool, total_bytes_: int) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        yield bar, bar.add_task("reading", total=max(total_bytes_, 1))


def _step(progress: Any, text: str) -> None:
    if progress:
        bar, task = progress
        bar.update(task, description=text)


def _run_pipeline(con: duckdb.DuckDBPyConnection, mapping: Mapping, shape: InputShape,
                  load_time: dt.datetime, progress: Any) -> tuple[list[TargetPlan], list[str]]:
    source_name = mapping.primary.name
    base = store_meta(con, "base_currency") or "USD"
    params = Params({"load_time": load_time})
    _step(progress, "typing")
    plans, unmapped = stage_targets(con, mapping, shape, params, base)
    _step(progress, "checking")
    validate.check_values(con, plans, source_name)
    currency.check_rates(con, next((p for p in plans if p.target.table == "declaration_item"), None), source_name)
    for plan in plans:
        validate.check_conflicts(con, plan, source_name)
        validate.check_stored_reference_rows(con, plan, source_name)
    validate.hold_declarations_together(con, plans, "rejected", source_name)
    validate.check_references(con, plans, source_name)
    validate.hold_declarations_together(con, plans, "waiting", source_name)
    return plans, unmapped


def _row_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    """One line per problem row: its status and reasons, rejected before waiting."""
    con.execute(
        "create or replace temp table _outcome as select _row, source_name, "
        "CASE WHEN bool_or(status = 'rejected') THEN 'rejected' ELSE 'waiting' END as status, "
        "arg_min(target, (status <> 'rejected', rid)) as target, "
        "arg_min(record_key, (status <> 'rejected', rid)) as record_key, "
        "arg_min(column_name, (status <> 'rejected', rid)) as column_name, "
        "arg_min(bad_value, (status <> 'rejected', rid)) as bad_value, "
        "array_to_string(list(reason ORDER BY status <> 'rejected', rid)[1:3], '; ') "
        "|| CASE WHEN count(*) > 3 THEN ' (and ' || (count(*) - 3) || ' more)' ELSE '' END as reason "
        "from (select rowid as rid, * from _problem) group by _row, source_name"
    )


def _quarantine(con: duckdb.DuckDBPyConnection, load_id: int, entries_sql: str, params: dict[str, Any]) -> None:
    """Quarantine the entries ``entries_sql`` gives (source name, row, target, record key,
    status, reason, column, value, raw), numbered in the order of their source rows."""
    con.execute(f"create or replace temp table _entries as select * from ({entries_sql}) e({_ENTRY})", params)
    count = scalar(con, "select count(*) from _entries")
    if not count:
        return
    first = scalar(con, "select min(n) from (select nextval('quarantine_id_seq') AS n from range($count))",
                   {"count": count})
    con.execute(
        f"insert into quarantine (quarantine_id, load_id, {_ENTRY}) select $first - 1 + row_number() over "
        f"(order by source_row), $load_id, * from _entries",
        {"first": first, "load_id": load_id},
    )
    con.execute("drop table _entries")


def _problems_sample(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    cols = ["source_name", "row", "status", "column", "value", "reason"]
    return [dict(zip(cols, r)) for r in rows(
        con, "select source_name, _row, status, column_name, bad_value, reason from _outcome order by _row limit ?", [limit])]


def _count_outcomes(con: duckdb.DuckDBPyConnection, summary: LoadSummary, load_id: int, unparsed: int = 0) -> None:
    """Fill the reconciling counts from this run's outcomes (``rows_in`` is already set)."""
    summary.load_id = load_id
    summary.rows_quarantined = scalar(con, "select count(*) from _outcome where status = 'rejected'") + unparsed
    summary.rows_waiting = scalar(con, "select count(*) from _outcome where status = 'waiting'")
    summary.rows_loaded = scalar(con, "select count(*) from _loaded_rows")
    summary.rows_unchanged = summary.rows_in - summary.rows_loaded - summary.rows_quarantined - summary.rows_waiting
    summary.problems = _problems_sample(con)


def _log_load(con: duckdb.DuckDBPyConnection, summary: LoadSummary, *, source: str, sha256: str,
              mapping: Mapping, mapping_text: str, started_at: dt.datetime, who: str, input_schema: str) -> None:
    """Provenance row and audit entry, in the load's own transaction."""
    con.execute(
        "insert into load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [summary.load_id, source, sha256, mapping.name, mapping.version, mapping_sha256(mapping_text),
         mapping_text, started_at, _now(), who, summary.rows_in, summary.rows_loaded, summary.rows_unchanged,
         summary.rows_quarantined, summary.rows_waiting, summary.kind, input_schema],
    )
    audit.record(con, actor=who, action=f"data.{summary.kind}", object_type="load", object_id=str(summary.load_id),
                 reason=f"{summary.kind} {summary.source} with mapping {mapping.name} {mapping.version}",
                 details={"sha256": sha256, "inserted": summary.inserted, "rows_in": summary.rows_in,
                          "loaded": summary.rows_loaded, "quarantined": summary.rows_quarantined,
                          "waiting": summary.rows_waiting})


def load(
    path: str | Path,
    mapping_path: str | Path | None = None,
    *,
    mapping_text: str | None = None,
    db: str | Path | None = None,
    user: str | None = None,
    progress: bool = False,
) -> LoadSummary:
    """Load ``path`` (a file, or a folder for a multi-file mapping) through a mapping.

    Raises :class:`LoadError` (one clear line) when the load is refused as a whole.
    """
    started = time.monotonic()
    settings = load_settings(db_path=db)
    who = user or current_user(settings.user)
    path = Path(path).expanduser()
    try:
        if mapping_text is None:
            if mapping_path is None:
                raise LoadError("give a mapping file (--mapping)")
            mapping, mapping_text = read_mapping(mapping_path)
        else:
            mapping = parse_mapping(mapping_text)
    except ValueError as exc:
        raise LoadError(str(exc)) from None
    if not path.exists():
        raise LoadError(f"file not found: {path}")
    summary = LoadSummary(source=path.name, mapping=f"{mapping.name} {mapping.version}")
    con = connect(settings.db_path)
    con.execute("set enable_progress_bar = false")   # the load shows its own
    try:
        with _progress(progress, total_bytes(mapping, path)) as bar:
            on_bytes = (lambda n: bar[0].advance(bar[1], n)) if bar else None
            m_sha = mapping_sha256(mapping_text)

            def loaded_before(digest: str) -> bool:
                return scalar(con, "select count(*) from load_log where source_sha256 = ? and mapping_sha256 = ? "
                                   "and kind = 'load'", [digest, m_sha]) > 0

            try:
                staged, digest = stage_all(con, mapping, path, on_bytes, skip=loaded_before)
            except (SourceError, duckdb.Error) as exc:
                raise LoadError(str(exc).splitlines()[0]) from None
            if staged is None:
                before, rows_in = one(con, "select load_id, rows_in from load_log where source_sha256 = ? and "
                                           "mapping_sha256 = ? and kind = 'load' order by load_id limit 1", [digest, m_sha])
                summary.already_loaded_as = before
                summary.rows_in = summary.rows_unchanged = rows_in
                summary.seconds = time.monotonic() - started
                return summary
            load_time = _now()
            validate.create_problem_table(con)
            try:
                shape = build_input(con, mapping, staged)
                plans, summary.unmapped_columns = _run_pipeline(con, mapping, shape, load_time, bar)
            except PlanError as exc:
                raise LoadError(f"mapping {mapping.name}: {exc}") from None
            _step(bar, "writing")
            with transaction(con):
                load_id = scalar(con, "select nextval('load_id_seq')")
                summary.inserted = write_plans(con, plans, load_id)
                _row_outcomes(con)
                _quarantine(
                    con, load_id,
                    "select o.source_name, o._row, o.target, o.record_key, o.status, o.reason, o.column_name, "
                    "o.bad_value, json_merge_patch(to_json(i), '{\"_row\": null}') from _outcome o join _input i "
                    "on i._row = o._row where o.source_name = $primary",
                    {"primary": mapping.primary.name},
                )
                for name, src in staged.items():
                    if name != mapping.primary.name:
                        _quarantine(
                            con, load_id,
                            f"select o.source_name, o._row, NULL, NULL, o.status, o.reason, NULL, NULL, "
                            f"json_merge_patch(to_json(s), '{{\"_row\": null}}') from _outcome o "
                            f"join {src.table} s on s._row = o._row where o.source_name = $name",
                            {"name": name},
                        )
                    if src.rejects:
                        _quarantine(
                            con, load_id,
                            f"select $name, line, NULL, NULL, 'rejected', 'line ' || line || ': ' || reason, NULL, NULL, "
                            f"json_object('line_text', raw) from {src.rejects_table}",
                            {"name": name},
                        )
                primary = staged[mapping.primary.name]
                orphans = scalar(con, "select count(*) from _outcome where source_name <> $p", {"p": mapping.primary.name})
                unparsed = sum(src.rejects for src in staged.values())
                summary.rows_in = primary.records + orphans + unparsed
                _count_outcomes(con, summary, load_id, unparsed)
                _log_load(con, summary, source=path.name, sha256=digest, mapping=mapping, mapping_text=mapping_text,
                          started_at=load_time, who=who,
                          input_schema=json.dumps(shape.types | {"__primary__": mapping.primary.name}))
    finally:
        con.close()
    summary.seconds = time.monotonic() - started
    return summary


def retry(
    *,
    db: str | Path | None = None,
    load_id: int | None = None,
    mapping_path: str | Path | None = None,
    include_rejected: bool = False,
    user: str | None = None,
) -> list[LoadSummary]:
    """Run quarantined rows again (waiting ones; rejected ones too with ``include_rejected``,
    typically with a corrected mapping). Rows that now load are marked resolved; the others keep
    their entry with the new reason."""
    settings = load_settings(db_path=db)
    who = user or current_user(settings.user)
    new_mapping = read_mapping(mapping_path) if mapping_path else None
    statuses = ["waiting", "rejected"] if include_rejected else ["waiting"]
    results = []
    con = connect(settings.db_path)
    try:
        loads = [r[0] for r in rows(
            con,
            "select distinct q.load_id from quarantine q join load_log l using (load_id) "
            "where list_contains($st, q.status) and q.source_name = l.input_schema->>'__primary__' "
            "and q.raw->>'line_text' is null order by 1", {"st": statuses})]
        if load_id is not None:
            loads = [x for x in loads if x == load_id]
        for original in loads:
            text, input_schema, source = one(con, "select mapping_text, input_schema, source from load_log where load_id = ?", [original])
            mapping, mapping_text = (new_mapping if new_mapping else (parse_mapping(text), text))
            types = {k: v for k, v in json.loads(input_schema).items() if k != "__primary__"}
            summary = LoadSummary(source=f"retry of load {original} ({source})", mapping=f"{mapping.name} {mapping.version}", kind="retry")
            started = time.monotonic()
            structure = {k: ("VARCHAR" if v.startswith(("STRUCT", "MAP")) else v) for k, v in types.items() if k != "_row"}
            validate.create_problem_table(con)
            con.execute(
                "create or replace temp table _input as select quarantine_id as _row, "
                "unnest(from_json(raw, $structure)) from quarantine where load_id = $load and list_contains($st, status) "
                "and source_name = $primary and raw->>'line_text' is null",
                {"structure": json.dumps(structure), "load": original, "st": statuses,
                 "primary": json.loads(input_schema)["__primary__"]},
            )
            summary.rows_in = scalar(con, "select count(*) from _input")
            if not summary.rows_in:
                continue
            try:
                plans, summary.unmapped_columns = _run_pipeline(con, mapping, InputShape("_input", types), _now(), None)
            except PlanError as exc:
                raise LoadError(f"mapping {mapping.name}: {exc}") from None
            with transaction(con):
                new_id = scalar(con, "select nextval('load_id_seq')")
                summary.inserted = write_plans(con, plans, new_id)
                _row_outcomes(con)
                con.execute(
                    "update quarantine q set status = o.status, reason = o.reason, column_name = o.column_name, "
                    "bad_value = o.bad_value from _outcome o where q.quarantine_id = o._row")
                con.execute(
                    "update quarantine set status = 'resolved', resolved_by_load = $new "
                    "where quarantine_id in (select _row from _input) and quarantine_id not in (select _row from _outcome)",
                    {"new": new_id})
                _count_outcomes(con, summary, new_id)
                _log_load(con, summary, source=summary.source, sha256=f"retry-of-{original}", mapping=mapping,
                          mapping_text=mapping_text, started_at=_now(), who=who, input_schema=input_schema)
            summary.seconds = time.monotonic() - started
            results.append(summary)
    finally:
        con.close()
    return results
