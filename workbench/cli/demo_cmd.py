"""workbench demo: generate the synthetic world, load it, and summarise the store."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table


def demo(
    declarations: Annotated[int, typer.Option("--declarations", "-n", min=1,
                                              help="Declarations in the generated world.")] = 200_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the world (same seed, same world).")] = 1,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Generate a synthetic customs world, load it into the store and summarise what it holds.

    The world is kept in $WORKBENCH_HOME/demo-world/SEED-N/ and reused; running the demo again
    adds nothing to the store.

    Example: workbench demo --declarations 20000 --seed 7
    """
    from workbench.demo import run_demo
    from workbench.ingest.loader import LoadError
    from workbench.store.connection import StoreError

    def said(entry: dict[str, Any]) -> None:
        if as_json:
            return
        if entry["already_loaded_as"] is not None:
            console.print(f"  {entry['name']}: already loaded (load {entry['already_loaded_as']})")
        else:
            added = ", ".join(f"{k} {v:,}" for k, v in entry["inserted"].items())
            console.print(f"  {entry['name']}: {entry['rows_in']:,} rows in {entry['seconds']:.1f}s; added {added}")

    if not as_json:
        console.print(f"[bold]demo[/] world of {declarations:,} declarations, seed {seed}")
    try:
        result = run_demo(declarations, seed, db=db, progress=not as_json, on_load=said)
    except (LoadError, StoreError, OSError) as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    show(result)


def _rate(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1%}"


def show(result: dict[str, Any]) -> None:
    """Print the demo summary as tables."""
    s = result["summary"]
    console.print(f"world {result['world']} ({'generated' if result['generated'] else 'reused'}); "
                  f"store {result['db']}, base currency {s['base_currency']}")
    print_table("records", ["table", "current", "all versions"],
                [(t["table"], f"{t['records']:,}", f"{t['versions']:,}") for t in s["tables"]])
    console.print(f"lodged {s['lodged_from'] or '-'} to {s['lodged_to'] or '-'}; {s['loads']} loads; "
                  f"quarantine {s['quarantine'] or 'empty'}")
    columns = ["inspections", "with result", "positive", "finding rate", "revenue recovered (USD)"]

    def rows(key: str, label: str) -> list[tuple]:
        return [(r[label], f"{r['inspections']:,}", f"{r['with_result']:,}", f"{r['positive']:,}",
                 _rate(r["finding_rate"]), f"{r['revenue_recovered'] or 0:,.0f}") for r in s[key]]

    print_table("inspections by lane", ["lane", *columns], rows("inspections_by_lane", "lane"))
    print_table("inspections by selection source", ["source", *columns],
                rows("inspections_by_source", "selection_source"))
    print_table("top HS chapters by customs value", ["chapter", "description", "items", "declarations",
                                                     "customs value (base)"],
                [(c["chapter"], c["description"] or "", f"{c['items']:,}", f"{c['declarations']:,}",
                  f"{c['customs_value_base'] or 0:,.0f}") for c in s["top_hs_chapters"]])
    strategic = s["strategic"]
    print_table("strategic picture: finding rate by stream (random is the unbiased one)",
                ["stream", "examined", "positive", "finding rate"],
                [(r["stream"], f"{r['examined']:,}", f"{r['positives']:,}", _rate(r["rate"]))
                 for r in strategic["finding_rates"]])
    for dim, found in strategic["emerging"].items():
        flagged = found["flagged"] or ["none flagged"]
        console.print(f"emerging risks by {dim} ({found['test']}): " + "; ".join(flagged))
    console.print(f"risk register: {strategic['risks']} risks {strategic['by_band'] or ''} "
                  "(add them with `workbench risk add`)")
    show_network(result.get("network") or {})
    show_profiles(result.get("profiles") or {})
    ex = result.get("export")
    if ex:
        console.print(f"exported {len(ex['profiles'])} profiles and {len(ex['lists'])} target lists as of "
                      f"{ex['reference_date']} in signed bundle {ex['bundle_id']} "
                      f"({ex['rules_expressed']} as rule text): {ex['status']} to {ex['folder']}", highlight=False)


def show_network(n: dict[str, Any]) -> None:
    """Link analysis: resolved traders, the entity graph, and the phoenix candidates it shows."""
    res, graph = n.get("resolution"), n.get("graph")
    if not res or not graph:
        return
    console.print(f"link analysis: {res['parties']:,} party records resolved into {res['entities']:,} traders "
                  f"({res['matched_pairs']:,} matched pairs); entity graph of {graph['nodes']:,} nodes and "
                  f"{graph['edges']:,} edges (`workbench graph ego` to explore)", highlight=False)
    if n.get("phoenix_candidates"):
        print_table("phoenix candidates: new companies sharing details with an earlier offender",
                    ["company", "registered", "earlier offender", "shared details"],
                    [(p["label"], str(p["registered_on"]), p["offender_label"], p["shared"])
                     for p in n["phoenix_candidates"]])


def show_profiles(p: dict[str, Any]) -> None:
    """The tactical part: profiles seeded with four eyes, their backtest, the register's coverage."""
    from workbench.cli.profile_cmd import backtest_table, coverage_table

    if p.get("seeded"):
        console.print(f"example profiles stored, approved by a second person and activated: "
                      f"{', '.join(s['profile_id'] for s in p['seeded'])}", highlight=False)
    if p.get("skipped"):
        console.print(p["skipped"])
    bt = p.get("backtest")
    if bt:
        backtest_table(f"active profiles backtested on {bt['window']['from']} – {bt['window']['to']} "
                       "(hit rate over examined hits only)", bt["profiles"])
        console.print(f"[dim]{bt['label_bias']}[/]", highlight=False)
    if p.get("coverage"):
        coverage_table(p["coverage"])
