"""workbench target: target lists (consignments, traders, containers, bills of lading) under the
same lifecycle as profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.cli.common import DbOption, JsonOption, console, print_json, print_table, store
from workbench.cli.lifecycle_verbs import ReasonOption, add_transitions, move, user_errors

app = typer.Typer(help="Target lists for operations, with reasons and validity, approved by four eyes.\n\n"
                       "Example: workbench target save op-sunrise.yaml --reason \"IR-77 graded B2\"",
                  no_args_is_help=True)


def transition(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from workbench.profiles.targets import transition as move_list

    return move_list(*args, **kwargs)


@app.command("validate")
def validate(files: Annotated[list[Path], typer.Argument(help="Target list files.")]) -> None:
    """Check target list files (kind, entries with reasons, dates).

    Example: workbench target validate op-sunrise.yaml
    """
    from workbench.profiles.spec import SpecError
    from workbench.profiles.targets import read_list

    failed = False
    for f in files:
        try:
            tl = read_list(f)
            console.print(f"[green]ok[/]   {f} ({tl.kind}, {len(tl.entries)} entries)", highlight=False)
        except SpecError as exc:
            failed = True
            console.print(f"[red]fail[/] {exc}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("save")
def save(
    file: Annotated[Path, typer.Argument(help="The target list file.")],
    reason: Annotated[str | None, typer.Option("--reason", "-r", help="What changed.")] = None,
    db: DbOption = None,
) -> None:
    """Store a target list as a draft (a new version after an approved one).

    Example: workbench target save op-sunrise.yaml --reason "two traders added after IR-81"
    """
    from workbench.profiles.targets import read_list, save_list

    with user_errors(), store(db) as con:
        tl = read_list(file)
        version, happened = save_list(con, tl, reason=reason)
    console.print(f"{tl.id} v{version}: {happened}")


@app.command("submit")
def submit(list_id: Annotated[str, typer.Argument(help="The stored id.")], reason: ReasonOption,
           db: DbOption = None) -> None:
    """Submit a draft list for approval.

    Example: workbench target submit TL-OP-SUNRISE --reason "ready for the operation"
    """
    move(transition, "list_id", "submit", list_id, None, reason, db)


add_transitions(app, "target", transition, "list_id", "TL-OP-SUNRISE")


@app.command("list")
def list_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Target lists with status, kind, operation, validity and size.

    Example: workbench target list --json
    """
    from workbench.profiles.targets import list_lists

    with store(db, read_only=True) as con:
        rows = list_lists(con)
    if as_json:
        print_json(rows)
        return
    print_table("target lists", ["id", "v", "status", "kind", "title", "operation", "valid", "entries", "author",
                                 "approver"],
                [(r["list_id"], r["version"], r["status"], r["kind"], r["title"], r["operation"],
                  f"{r['valid_from'] or '…'} – {r['valid_to'] or '…'}", r["entries"], r["author"], r["approved_by"])
                 for r in rows])


@app.command("show")
def show(
    list_id: Annotated[str, typer.Argument(help="The stored id.")],
    version: Annotated[int | None, typer.Option("--version", "-v", help="Version (default: the latest).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A target list version with its entries and reasons.

    Example: workbench target show TL-OP-SUNRISE
    """
    from workbench.profiles.targets import get_list

    with user_errors(), store(db, read_only=True) as con:
        tl, row = get_list(con, list_id, version)
    if as_json:
        print_json({**tl.content(), "version": row["version"], "status": row["status"], "author": row["author"],
                    "approved_by": row["approved_by"]})
        return
    console.print(f"[bold]{tl.id} v{row['version']}[/] — {tl.title} [{row['status']}] · {tl.kind} · "
                  f"operation {tl.operation or '—'} · marking {tl.marking}", highlight=False)
    print_table("entries", ["value", "reason", "from", "to"],
                [(e.value, e.reason, e.from_, e.to) for e in tl.entries])
