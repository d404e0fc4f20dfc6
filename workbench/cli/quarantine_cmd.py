"""workbench quarantine: rows a load refused or holds back, and retrying them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="Rejected and waiting rows.\n\nExample: workbench quarantine list --status waiting",
                  no_args_is_help=True)


@app.command("list")
def list_rows(
    db: DbOption = None,
    status: Annotated[str | None, typer.Option(help="rejected, waiting or resolved.")] = None,
    load_id: Annotated[int | None, typer.Option("--load", help="Only rows of this load.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Quarantined rows with the reason, the column and value at fault, and the raw row.

    Example: workbench quarantine list --status rejected --load 3 --json
    """
    from workbench.store.sql import rows

    if status is not None and status not in ("rejected", "waiting", "resolved"):
        raise CliError("--status must be rejected, waiting or resolved")
    cols = ["quarantine_id", "load_id", "source_name", "source_row", "status", "column_name", "bad_value", "reason", "raw"]
    with store(db, read_only=True) as con:
        found = rows(
            con,
            f"select {', '.join(cols)} from quarantine where ($status is null or status = $status) "
            "and ($load is null or load_id = $load) order by quarantine_id limit $limit",
            {"status": status, "load": load_id, "limit": limit},
        )
    if as_json:
        import json

        print_json([dict(zip(cols, r)) | {"raw": json.loads(r[-1])} for r in found])
        return
    print_table("quarantine", ["id", "load", "source", "row", "status", "column", "value", "reason"],
                [r[:-1] for r in found])


@app.command("retry")
def retry(
    db: DbOption = None,
    load_id: Annotated[int | None, typer.Option("--load", help="Only rows of this load.")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="A corrected mapping to use instead.")] = None,
    include_rejected: Annotated[bool, typer.Option("--rejected", help="Retry rejected rows too (with a fixed mapping).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run waiting rows again (after the records they refer to were loaded).

    Example: workbench quarantine retry --load 4
    """
    from workbench.cli.load_cmd import show_summary
    from workbench.ingest.loader import LoadError
    from workbench.ingest.loader import retry as run_retry
    from workbench.ingest.mapping import MappingError
    from workbench.store.connection import StoreError

    try:
        results = run_retry(db=db, load_id=load_id, mapping_path=mapping, include_rejected=include_rejected)
    except (LoadError, MappingError, StoreError) as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json([r.as_dict() for r in results])
        return
    if not results:
        console.print("nothing to retry")
    for summary in results:
        show_summary(summary)
