"""workbench resolve: which party records are one trader (entity resolution), and analysts' verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="Entity resolution of parties: blocking, scoring, clustering, analysts' verdicts.\n\n"
                       "Example: workbench resolve run", no_args_is_help=True)


@app.command("run")
def run(
    db: DbOption = None,
    threshold: Annotated[float, typer.Option(help="Match probability from which two records are one trader.")] = 0.5,
    max_block: Annotated[int, typer.Option(help="A key shared by more records than this proposes no pairs.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Resolve every party record into entities (ids stay stable across runs; verdicts hold).

    Example: workbench resolve run --threshold 0.6
    """
    from workbench.network.resolve import resolve

    if not 0.0 < threshold < 1.0:
        raise CliError(f"--threshold {threshold}: give a probability between 0 and 1")
    if max_block < 2:
        raise CliError(f"--max-block {max_block}: give 2 or more")
    with store(db) as con:
        result = resolve(con, threshold=threshold, max_block=max_block)
    if as_json:
        print_json(result.as_dict())
        return
    console.print(f"resolution run {result.run_id}: {result.parties:,} party records -> {result.entities:,} entities "
                  f"({result.merged_entities:,} of several records); {result.candidate_pairs:,} candidate pairs, "
                  f"{result.matched_pairs:,} matched, {result.decisions_applied} verdicts applied "
                  f"({result.seconds:.1f}s)", highlight=False)


@app.command("decide")
def decide(
    left: Annotated[str, typer.Argument(help="A party id.")],
    right: Annotated[str, typer.Argument(help="Another party id.")],
    verdict: Annotated[str, typer.Option(help="same | not_same | withdrawn")] = ...,
    reason: Annotated[str, typer.Option(help="Why (goes into the audit log).")] = ...,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that two party records are (or are not) the same trader; entities are re-clustered at once.

    Example: workbench resolve decide synth:P0000004 synth:P0000451 --verdict same --reason "same tax id on invoices"
    """
    from workbench.network.decisions import DecisionError
    from workbench.network.decisions import decide as record
    from workbench.network.resolve import apply_decisions, entity_of

    with store(db) as con:
        try:
            decision_id = record(con, left, right, verdict, reason=reason)
        except DecisionError as exc:
            raise CliError(str(exc)) from None
        try:
            outcome = apply_decisions(con)
        except ValueError:
            outcome = None
        entities = {p: entity_of(con, p) for p in (left, right)}
    data = {"decision_id": decision_id, "verdict": verdict, "entities": entities, "reclustered": outcome}
    if as_json:
        print_json(data)
        return
    tail = "" if outcome else " (takes effect at the first `workbench resolve run`)"
    console.print(f"decision {decision_id}: {left} and {right} {verdict.replace('_', ' ')}; entities now "
                  f"{entities[left]} and {entities[right]}{tail}", highlight=False)


@app.command("review")
def review(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="How many pairs.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Pairs the model is least sure about and no analyst has judged: the review queue.

    Example: workbench resolve review --limit 10
    """
    from workbench.network.resolve import review_queue

    with store(db, read_only=True) as con:
        found = review_queue(con, limit=limit)
    if as_json:
        print_json(found)
        return
    print_table("pairs to review", ["left", "name", "right", "name", "p", "name score", "address", "matched"],
                [(r["left_id"], r["left_name"], r["right_id"], r["right_name"], r["probability"], r["name_score"],
                  r["address_score"], r["matched"]) for r in found])


@app.command("entity")
def entity(
    party: Annotated[str, typer.Argument(help="A party id or entity id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The records resolved into one entity, and the verdicts on them.

    Example: workbench resolve entity synth:P0000004
    """
    from workbench.network.decisions import history
    from workbench.network.resolve import entity_of, members

    with store(db, read_only=True) as con:
        eid = entity_of(con, party)
        found = members(con, eid)
        verdicts = [v for p in found for v in history(con, p["party_id"])]
    if not found:
        raise CliError(f"no party record or entity {party!r} in the store")
    if as_json:
        print_json({"entity_id": eid, "records": found, "decisions": verdicts})
        return
    print_table(f"entity {eid}", ["party_id", "name", "address", "city", "phone", "email", "tax_id"],
                [tuple(r.values()) for r in found])
    for v in {v["decision_id"]: v for v in verdicts}.values():
        console.print(f"  verdict {v['decision_id']}: {v['left_id']} {v['verdict']} {v['right_id']} by "
                      f"{v['decided_by']} at {v['decided_at']:%Y-%m-%d %H:%M} ({v['reason']})", highlight=False)


@app.command("quality")
def quality(
    truth: Annotated[Path, typer.Argument(help="A synthetic world's ground_truth folder.")],
    db: DbOption = None,
    prefix: Annotated[str, typer.Option(help="Source id prefix the load gave the party ids.")] = "synth:",
    as_json: JsonOption = False,
) -> None:
    """Precision and recall of the current resolution against a world's ground truth (pairs of records).

    Example: workbench resolve quality ~/.workbench/demo-world/1-200000/ground_truth
    """
    from workbench.network.quality import resolution_quality

    with store(db, read_only=True) as con:
        try:
            result = resolution_quality(con, truth, prefix)
        except FileNotFoundError as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    print_table("resolution quality (pairs of records)", list(result), [tuple(result.values())])
