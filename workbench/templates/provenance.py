"""What a report records about its own making: the template (version and hash), the parameters,
what the store held, who ran it and when, and how the run ended.

The store snapshot is read before and after the run, read-only and closed straight after
(the notebook's kernel opens the store itself): the last load, the number of rows of each fact
table (every version), the latest indicator build, the risk register and the audit log. When
the two differ, the template changed the store (or something else did meanwhile) and the
report says so.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.metadata
import platform
from pathlib import Path
from typing import Any

from workbench.store.sql import one, rows

FACT_TABLES = ("declaration", "declaration_item", "party", "party_link", "voyage", "inspection", "intel_report",
               "watchlist_entry", "risk_area")


def store_snapshot(db: Path) -> dict[str, Any]:
    """What the store holds now, in a few numbers (read-only; never raises for a missing store)."""
    from workbench.store.connection import StoreError, open_store

    db = Path(db)
    if not db.exists():
        return {"db": str(db), "exists": False}
    try:
        with open_store(db, read_only=True) as con:
            present = {r[0] for r in rows(con, "select table_name from information_schema.tables")}
            counts = {t: one(con, f"select count(*) from {t}")[0]  # noqa: S608 - names from the fixed list above
                      for t in FACT_TABLES if t in present}
            last_load = one(con, "select load_id, finished_at, source from load_log order by load_id desc limit 1")
            build = one(con, "select max(build_id) from indicator_build")[0] if "indicator_build" in present else None
            audit = one(con, "select count(*), max(seq) from audit_log")
    except StoreError as exc:
        return {"db": str(db), "exists": True, "error": str(exc)}
    return {
        "db": str(db), "exists": True,
        "last_load_id": last_load[0] if last_load else None,
        "last_load_at": last_load[1].isoformat() if last_load else None,
        "last_load_source": last_load[2] if last_load else None,
        "rows": counts,
        "latest_indicator_build": build,
        "audit_entries": audit[0], "last_audit_seq": audit[1],
    }


def snapshot_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether the store differs between two snapshots (loads, rows, builds or audit entries)."""
    keys = ("exists", "last_load_id", "rows", "latest_indicator_build", "last_audit_seq")
    return any(before.get(k) != after.get(k) for k in keys)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def software() -> dict[str, Any]:
    """Versions of what ran the template."""
    out: dict[str, Any] = {"python": platform.python_version()}
    for package in ("customs-risk-workbench", "papermill", "nbconvert", "duckdb", "altair", "vl-convert-python"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = None
    return out


def _md(value: Any) -> str:
    """Text safe inside a markdown table cell: HTML escaped, no pipes, no backticks."""
    return html.escape(str(value)).replace("|", "&#124;").replace("`", "&#96;").replace("\n", " ")


def _code(value: Any) -> str:
    return f"<code>{_md(value)}</code>"


def provenance_markdown(prov: dict[str, Any]) -> str:
    """The provenance as a short markdown block for the top of the report (every value escaped)."""
    t, snap = prov["template"], prov["store"]["before"]
    if not snap.get("exists"):
        store = f"{_code(snap.get('db'))} (not found)"
    else:
        store = f"{_code(snap.get('db'))}, last load {_md(snap.get('last_load_id') or 'none')}"
        if snap.get("last_load_at"):
            store += f" ({_md(snap['last_load_at'])})"
        if snap.get("rows"):
            store += f", {snap['rows'].get('declaration', 0):,} declaration rows"
    table = [
        ("status", "completed" if prov["status"] == "completed" else "**FAILED**"),
        ("template", f"{_code(t['name'])} ({_md(t['source'])}), version {_md(t['version'] or 'not stated')}, "
                     f"sha256 {_code(t['sha256'][:16])}"),
        ("run by", _md(prov["user"])),
        ("started (UTC)", _md(prov["started_at"])),
        ("took", f"{prov['seconds']:.1f} s"),
        ("store", store),
    ]
    lines = [f"## Report: {_md(t['title'])}", "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in table]
    if prov["parameters"]:
        lines += ["", "Parameters: " + ", ".join(_code(f"{k} = {v!r}") for k, v in prov["parameters"].items())]
    if prov["store"].get("changed"):
        lines += ["", "The store changed while the template ran (see provenance.json)."]
    failure = prov.get("failure")
    if failure:
        if failure.get("execution_count") is not None:
            link = " ([go to the failing cell](#papermill-error-cell))" if failure.get("marked") else ""
            lines += ["", f"**The run stopped at cell In [{failure['execution_count']}]**: "
                          f"{_md(failure['error'])}{link}."]
        else:
            lines += ["", f"**The run stopped**: {_md(failure['error'])}."]
    return "\n".join(lines)
