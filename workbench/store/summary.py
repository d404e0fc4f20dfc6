"""What is in a store, in numbers a person reads first."""

from __future__ import annotations

from typing import Any

import duckdb

from workbench.store.sql import one, rows, scalar

FACT_TABLES = (
    "declaration", "declaration_item", "party", "party_link", "voyage",
    "inspection", "intel_report", "watchlist_entry",
)


def store_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Record counts (current versions and all versions), the lodgement date range, loads and
    quarantine, for the welcome notebook, ``workbench store info`` and the demo."""
    tables = []
    for table in FACT_TABLES:
        tables.append({
            "table": table,
            "records": scalar(con, f"select count(*) from {table}_current"),  # noqa: S608 - fixed names
            "versions": scalar(con, f"select count(*) from {table}"),  # noqa: S608
        })
    first, last = one(con, "select min(lodged_at), max(lodged_at) from declaration_current")
    meta = dict(rows(con, "select key, value from store_meta"))
    loads = scalar(con, "select count(*) from load_log")
    quarantined = dict(rows(con, "select status, count(*) from quarantine group by status"))
    return {
        "base_currency": meta.get("base_currency"),
        "created_by": meta.get("created_by"),
        "created_at": meta.get("created_at"),
        "tables": tables,
        "lodged_from": first,
        "lodged_to": last,
        "loads": loads,
        "quarantine": quarantined,
        "audit_entries": scalar(con, "select count(*) from audit_log"),
    }
