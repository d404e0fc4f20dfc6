"""workbench query: the query library, listed, shown and run by name with bound parameters."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="Reusable analyst queries run by name.\n\nExample: workbench query run top_importers -p top 10",
                  no_args_is_help=True)

# `-p NAME VALUE` pairs: Typer has no two-value repeatable option, so the verbs that take
# parameters read them from the extra arguments click leaves in the context.
PAIRS = {"allow_extra_args": True, "ignore_unknown_options": True}


def param_pairs(args: list[str]) -> dict[str, str]:
    """``-p NAME VALUE`` / ``--param NAME VALUE`` pairs from extra command-line arguments."""
    given: dict[str, str] = {}
    rest = list(args)
    while rest:
        flag = rest.pop(0)
        if flag not in ("-p", "--param"):
            raise CliError(f"unexpected argument {flag!r}: give parameters as -p NAME VALUE")
        if len(rest) < 2:
            raise CliError(f"{flag} needs a name and a value: -p NAME VALUE")
        key, value = rest.pop(0), rest.pop(0)
        if key in given:
            raise CliError(f"parameter {key} given twice")
        given[key] = value
    return given


@app.command("list")
def list_cmd(as_json: JsonOption = False) -> None:
    """Every query of the library with its title and parameters.

    Example: workbench query list --json
    """
    from workbench.queries import list_queries

    queries = list_queries()
    if as_json:
        print_json([{k: v for k, v in q.describe().items() if k != "sql"} for q in queries])
        return
    print_table("queries", ["name", "title", "parameters"],
                [(q.name, q.title, ", ".join(p.name + ("" if p.required else "?") for p in q.params))
                 for q in queries])


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Query name.")], as_json: JsonOption = False) -> None:
    """A query's description, typed parameters and SQL.

    Example: workbench query show unit_value_stats
    """
    from workbench.queries import QueryError, get_query

    try:
        query = get_query(name)
    except QueryError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(query.describe())
        return
    console.print(f"[bold]{query.name}[/]: {query.title}\n\n{query.description}\n", highlight=False)
    print_table("parameters", ["name", "type", "default", "description"],
                [(p.name, p.type, "(required)" if p.required else p.describe().get("default"), p.description)
                 for p in query.params])
    console.print(query.sql, highlight=False, markup=False)


@app.command("run", context_settings=PAIRS)
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Query name (see `workbench query list`).")],
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Run a library query on the store with bound parameters, given as -p NAME VALUE
    (repeatable; a list as a,b,c).

    Example: workbench query run unit_value_stats -p hs_prefix 6403 -p origin VN --json
    """
    from workbench.queries import ParamError, QueryError, fetch

    given = param_pairs(ctx.args)
    try:
        with store(db, read_only=True) as con:
            columns, found = fetch(con, name, given, limit=limit)
    except (QueryError, ParamError) as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # a DuckDB error in a library query: name it, do not dump a traceback
        import duckdb

        if isinstance(exc, duckdb.Error):
            raise CliError(f"query {name} failed: {exc}") from None
        raise
    if as_json:
        print_json([dict(zip(columns, r)) for r in found])
        return
    print_table(name, columns, found)
