"""workbench indicator: the indicator catalogue, builds and the reasons behind a declaration's values."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store
from workbench.cli.query_cmd import PAIRS, param_pairs

app = typer.Typer(help="Risk indicators computed point in time per declaration item.\n\n"
                       "Example: workbench indicator build --reason 'monthly refresh'",
                  no_args_is_help=True)


def _catalogue():
    from workbench.indicators import CatalogueError, catalogue

    try:
        return catalogue()
    except CatalogueError as exc:
        raise CliError(str(exc)) from None


@app.command("list")
def list_cmd(
    family: Annotated[str | None, typer.Option(help="Only this family (price, route, newness, ...).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every indicator of the catalogue: id, family, grain and what it measures.

    Example: workbench indicator list --family price
    """
    found = [i for i in _catalogue().indicators() if family is None or i.family == family]
    if family is not None and not found:
        raise CliError(f"no indicators in family {family!r}")
    if as_json:
        print_json([{k: v for k, v in i.describe().items() if k != "sql"} for i in found])
        return
    print_table("indicators", ["id", "grain", "title", "parameters"],
                [(i.id, i.grain, i.title, ", ".join(f"{p.name}={p.describe().get('default')}" for p in i.params))
                 for i in found])


@app.command("show")
def show(indicator_id: Annotated[str, typer.Argument(help="Indicator id, e.g. price.unit_value_low.")],
         as_json: JsonOption = False) -> None:
    """One indicator's documentation: what, why, as-of grain, parameters and its SQL.

    Example: workbench indicator show history.importer
    """
    from workbench.indicators import CatalogueError

    try:
        ind = _catalogue().get(indicator_id)
    except CatalogueError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(ind.describe())
        return
    console.print(f"[bold]{ind.id}[/] — {ind.title}  ({ind.grain} grain, registered by {ind.registered_by})\n",
                  highlight=False)
    for label, text in (("What", ind.what), ("Why", ind.why), ("As of", ind.as_of), ("No value means", ind.absent)):
        console.print(f"[bold]{label}:[/] {text}", highlight=False)
    if ind.params:
        print_table("parameters", ["name", "type", "default", "description"],
                    [(p.name, p.type, p.describe().get("default"), p.description) for p in ind.params])
    console.print(ind.sql.strip(), highlight=False, markup=False)


@app.command("build", context_settings=PAIRS)
def build_cmd(
    ctx: typer.Context,
    db: DbOption = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Indicator id or family (repeatable).")] = None,
    since: Annotated[dt.datetime | None, typer.Option(help="Store values for declarations lodged from this day.")] = None,
    until: Annotated[dt.datetime | None, typer.Option(help="... up to this day (inclusive).")] = None,
    reference_months: Annotated[int, typer.Option(help="Complete months in the price and shape references.")] = 12,
    memory_limit: Annotated[str | None, typer.Option(help="DuckDB memory limit for the build, e.g. 3GB.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why this build (kept with it and in the audit log).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Compute the indicators for every declaration item and store them as a new build; change a
    parameter with -p INDICATOR.PARAM VALUE (repeatable).

    Example: workbench indicator build -p price.unit_value_low.min_peers 30 --reason 'monthly refresh'
    """
    from workbench.indicators import BuildError, CatalogueError, build
    from workbench.queries.params import ParamError

    given = param_pairs(ctx.args)
    with store(db) as con:
        try:
            result = build(con, indicators=only, params=given, since=since,
                           until=until.date() if until else None, reason=reason,
                           reference_months=reference_months, memory_limit=memory_limit)
        except (BuildError, CatalogueError, ParamError) as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(result.as_dict())
        return
    console.print(f"build {result.build_id} by {result.built_by}: {result.items:,} items, "
                  f"{result.value_rows:,} values, {len(result.indicators)} indicators in {result.seconds:.1f}s",
                  highlight=False)
    print_table("indicators", ["indicator", "computed", "fired", "seconds"],
                [(i, f"{result.counts[i]['computed']:,}", f"{result.counts[i]['fired']:,}",
                  f"{result.timings.get(i, 0):.2f}") for i in result.indicators])


@app.command("explain")
def explain_cmd(
    declaration_id: Annotated[str, typer.Argument(help="Declaration id as stored, e.g. tiny:D2.")],
    db: DbOption = None,
    build_id: Annotated[int | None, typer.Option("--build", help="Indicator build (latest covering it by default).")] = None,
    all_indicators: Annotated[bool, typer.Option("--all", help="Show indicators that did not fire too.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Why a declaration scores as it does: each item's indicators with the reason in words.

    Example: workbench indicator explain tiny:D2 --all
    """
    from workbench.indicators import ExplainError, explain

    with store(db, read_only=True) as con:
        try:
            items = explain(con, declaration_id, build_id=build_id, cat=_catalogue())
        except ExplainError as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json([i.as_dict(all_indicators=all_indicators) for i in items])
        return
    for item in items:
        it = item.item
        console.print(f"[bold]{item.declaration_id} item {item.item_no}[/] (build {item.build_id}): HS {it['hs_code']} "
                      f"{it['description']!r} from {it['origin']}, lodged {it['lodged_at']:%Y-%m-%d %H:%M} — "
                      f"{len(item.fired)} indicator(s) fired", highlight=False)
        shown = item.reasons if all_indicators else item.fired
        mark = {True: "FIRED", False: "", None: "-"}
        print_table("", ["", "indicator", "reason"], [(mark[r.flag], r.indicator_id, r.reason) for r in shown])


@app.command("builds")
def builds_cmd(db: DbOption = None, limit: Annotated[int, typer.Option(help="At most this many.")] = 20,
               as_json: JsonOption = False) -> None:
    """The latest indicator builds: who built them, when, why and how many values.

    Example: workbench indicator builds --json
    """
    from workbench.indicators import builds

    with store(db, read_only=True) as con:
        found = builds(con, limit)
    if as_json:
        print_json(found)
        return
    print_table("indicator builds", ["build", "started", "by", "items", "values", "indicators", "reason"],
                [(b["build_id"], b["started_at"], b["built_by"], b["items"], b["value_rows"], b["indicators"],
                  b["reason"]) for b in found])
