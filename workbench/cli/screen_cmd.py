"""workbench screen: parties fuzzily matched against the loaded watch lists (sanctions included)."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="Watch-list screening of parties and names.\n\nExample: workbench screen run --threshold 90",
                  no_args_is_help=True)

ThresholdOption = Annotated[float, typer.Option(help="Fewest points (of 100) that count as a match.", min=50, max=100)]
ListOption = Annotated[list[str] | None, typer.Option("--list", help="Only this watch list (repeatable).")]


@app.command("run")
def run(
    db: DbOption = None,
    threshold: ThresholdOption = 88.0,
    lists: ListOption = None,
    reason: Annotated[str | None, typer.Option(help="Why this run (kept in the audit log).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Screen every party of the store against the current watch lists and record the matches.

    Example: workbench screen run --list "OFAC SDN" --threshold 90 --json
    """
    from workbench.screening import screen_parties

    with store(db) as con:
        result = screen_parties(con, lists=lists, threshold=threshold, reason=reason)
    if as_json:
        print_json(result.as_dict())
        return
    console.print(f"screening run {result.run_id}: {result.parties:,} parties against {result.entries:,} listed "
                  f"entries in {result.seconds:.1f}s, {len(result.matches)} match(es)", highlight=False)
    _show([m.as_dict() for m in result.matches])


@app.command("name")
def name_cmd(
    name: Annotated[str, typer.Argument(help="The name to check.")],
    db: DbOption = None,
    threshold: ThresholdOption = 80.0,
    lists: ListOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check one name against the current watch lists, without recording anything.

    Example: workbench screen name "Banco Nacional de Cuba SA"
    """
    from workbench.screening import load_index

    with store(db, read_only=True) as con:
        index = load_index(con, lists=lists)
    if not len(index):
        raise CliError("no watch list is loaded: load one with `workbench load` (see docs/analysts/indicators.md)")
    found = index.match(name, threshold=threshold, limit=10)
    rows = [{"party_name": name, "entry_id": m.entry.entry_id, "list_name": m.entry.list_name, "entry_name": m.entry.name,
             "matched_name": m.matched_name, "match_kind": m.kind, "score": m.score, "reason": m.reason(name)}
            for m in found]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"no listed name scores {threshold:.0f} or more against {name!r}", highlight=False)
    _show(rows)


@app.command("results")
def results(
    db: DbOption = None,
    run_id: Annotated[int | None, typer.Option("--run", help="Screening run (the latest by default).")] = None,
    as_json: JsonOption = False,
) -> None:
    """The matches of a recorded screening run.

    Example: workbench screen results --run 3 --json
    """
    from workbench.store.sql import rows

    cols = ["run_id", "party_id", "party_name", "entry_id", "list_name", "entry_name", "matched_name", "match_kind",
            "score", "reason"]
    with store(db, read_only=True) as con:
        found = rows(con, f"select {', '.join(cols)} from screening_match where run_id = "
                          "coalesce($run, (select max(run_id) from screening_run)) order by score desc, party_id",
                     {"run": run_id})
    data = [dict(zip(cols, r)) for r in found]
    if as_json:
        print_json(data)
        return
    _show(data)


def _show(matches: list[dict]) -> None:
    if matches:
        print_table("matches", ["score", "kind", "screened", "listed", "list", "entry"],
                    [(m["score"], m["match_kind"], m.get("party_name", ""), m["matched_name"], m["list_name"],
                      m["entry_id"]) for m in matches])
