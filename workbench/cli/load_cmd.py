"""workbench load: files through a mapping into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table


def load(
    path: Annotated[Path, typer.Argument(help="A CSV/Parquet/Excel file, or the folder of a multi-file mapping.")],
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Mapping file (YAML).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    schema: Annotated[bool, typer.Option("--schema", help="Print the mapping format's JSON Schema and exit.")] = False,
) -> None:
    """Load source files into the store through a mapping, in one transaction.

    Bad rows go to quarantine with a reason; rows whose references are not loaded yet wait for
    `workbench quarantine retry`. Loading the same file twice adds nothing.

    Example: workbench load extract.csv --mapping docs/examples/mappings/flat-extract.yaml
    """
    if schema:
        from workbench.ingest.mapping import json_schema

        print_json(json_schema())
        return
    from workbench.ingest.loader import LoadError
    from workbench.ingest.loader import load as run_load
    from workbench.store.connection import StoreError

    if mapping is None:
        raise CliError("give a mapping file with --mapping (see docs/analysts/loading-data.md)")
    try:
        summary = run_load(path, mapping, db=db, progress=not as_json)
    except (LoadError, StoreError) as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(summary.as_dict())
        return
    show_summary(summary)


def show_summary(summary) -> None:
    if summary.already_loaded_as is not None:
        console.print(f"{summary.source}: already loaded as load {summary.already_loaded_as} "
                      f"with this mapping; nothing added ({summary.rows_in:,} rows unchanged)")
        return
    console.print(f"[bold]load {summary.load_id}[/] {summary.source} with {summary.mapping} "
                  f"in {summary.seconds:.1f}s")
    print_table("rows", ["in", "loaded", "unchanged", "quarantined", "waiting", "reconciles"], [(
        f"{summary.rows_in:,}", f"{summary.rows_loaded:,}", f"{summary.rows_unchanged:,}",
        f"{summary.rows_quarantined:,}", f"{summary.rows_waiting:,}", "yes" if summary.reconciles else "NO")])
    if summary.inserted:
        print_table("records added", ["target", "records"], [(k, f"{v:,}") for k, v in summary.inserted.items()])
    if summary.unmapped_columns:
        console.print(f"kept as attributes: {', '.join(summary.unmapped_columns)}")
    if summary.problems:
        print_table("first problems (workbench quarantine list for all)", ["source", "row", "status", "reason"],
                    [(p["source_name"], p["row"], p["status"], p["reason"]) for p in summary.problems])
