"""workbench store: create, migrate and describe the store."""

from __future__ import annotations

import typer

from workbench.cli.common import DbOption, JsonOption, console, db_path, print_json, print_table, store

app = typer.Typer(help="Create and describe the store.\n\nExample: workbench store info --json", no_args_is_help=True)


@app.command("init")
def init(db: DbOption = None) -> None:
    """Create the store (or migrate an older one) at --db or the default location.

    Example: workbench store init --db /data/ops.duckdb
    """
    from workbench.store.sql import scalar

    with store(db) as con:
        version = scalar(con, "select max(version) from schema_migration")
    console.print(f"store ready at {db_path(db)} (schema version {version})")


@app.command("info")
def info(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts of records, lodgement dates, loads and quarantine.

    Example: workbench store info --json
    """
    from workbench.store.summary import store_summary

    with store(db, read_only=True) as con:
        summary = store_summary(con)
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]store[/] {db_path(db)}  base currency {summary['base_currency']}")
    print_table(
        "records", ["table", "current", "all versions"],
        [(t["table"], f"{t['records']:,}", f"{t['versions']:,}") for t in summary["tables"]],
    )
    console.print(
        f"lodged {summary['lodged_from'] or '-'} to {summary['lodged_to'] or '-'}; "
        f"{summary['loads']} loads; quarantine {summary['quarantine'] or 'empty'}; "
        f"{summary['audit_entries']} audit entries"
    )
