"""workbench audit: read and verify the hash-chained audit log."""

from __future__ import annotations

import typer

from workbench.cli.common import DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="Read and verify the audit log.\n\nExample: workbench audit verify", no_args_is_help=True)


@app.command("verify")
def verify(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Recompute the hash chain and compare its head with the sidecar; exit 1 on tampering.

    Example: workbench audit verify --json
    """
    from workbench.store import audit

    with store(db, read_only=True) as con:
        result = audit.verify(con)
    if as_json:
        print_json(result.__dict__)
    elif result.ok:
        console.print(f"[green]audit log intact[/]: {result.entries} entries, head {result.head_hash[:16]}…")
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/] {warning}")
    else:
        for problem in result.problems:
            console.print(f"[red]tampered:[/] {problem}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("log")
def log(
    db: DbOption = None,
    limit: int = typer.Option(20, help="How many of the latest entries."),
    as_json: JsonOption = False,
) -> None:
    """The latest audit entries: who did what, when and why.

    Example: workbench audit log --limit 50
    """
    from workbench.store.sql import rows

    with store(db, read_only=True) as con:
        found = rows(
            con,
            "select seq, logged_at, actor, action, object_type, object_id, reason "
            "from audit_log order by seq desc limit ?",
            [limit],
        )
    cols = ["seq", "logged_at", "actor", "action", "object_type", "object_id", "reason"]
    if as_json:
        print_json([dict(zip(cols, r)) for r in found])
    else:
        print_table("audit log", cols, found)
