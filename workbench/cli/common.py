"""What every verb shares: the --db and --json options, opening the store, printing."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
console_err = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Store file (default: $WORKBENCH_HOME/workbench.duckdb).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


class CliError(Exception):
    """A failure the user can act on: printed as one line, exit code 1."""


def db_path(db: Path | None) -> Path:
    from workbench.settings import SettingsError, load_settings

    try:
        return load_settings(db_path=db).db_path
    except SettingsError as exc:
        raise CliError(str(exc)) from None


@contextlib.contextmanager
def store(db: Path | None, *, read_only: bool = False) -> Iterator[Any]:
    """Open the store for this verb, turning store errors into one-line CLI errors."""
    from workbench.store.connection import StoreError, open_store

    try:
        with open_store(db_path(db), read_only=read_only) as con:
            yield con
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=_plain, indent=2, ensure_ascii=False))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(_plain(v)) for v in row))
    console.print(table)
