"""workbench mine: candidate profiles proposed from what examinations found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store
from workbench.cli.model_cmd import CriticalOption, TargetOption, progress


def parse_budget(text: str) -> float:
    """'5%', '5' or '0.05' as a share of declarations."""
    raw = text.strip()
    try:
        value = float(raw.rstrip("%"))
    except ValueError:
        raise CliError(f"--budget {text!r}: write a share of declarations such as 5% or 0.05") from None
    share = value / 100 if raw.endswith("%") or value > 1 else value
    if not 0 < share <= 1:
        raise CliError(f"--budget {text!r}: between 0% and 100%")
    return share


def mine(
    until: Annotated[dt.datetime, typer.Option("--until", help="Cut-off: learn from outcomes known before it; "
                                               "validate on the weeks after.")],
    budget: Annotated[str, typer.Option("--budget", help="Inspection budget, a share of declarations (5%).")] = "5%",
    target: TargetOption = "fraud",
    critical: CriticalOption = None,
    db: DbOption = None,
    start: Annotated[dt.datetime | None, typer.Option("--from", help="First lodgement day to learn from "
                                                     "(default: the earliest).")] = None,
    weeks: Annotated[int, typer.Option(min=1, help="Validation window after the cut-off, in weeks.")] = 8,
    min_support: Annotated[int, typer.Option(min=1, help="Fewest examined declarations behind a candidate.")] = 30,
    min_positives: Annotated[int, typer.Option(min=1, help="Fewest positive ones behind a candidate.")] = 5,
    conditions: Annotated[int, typer.Option(min=1, max=3, help="Most conditions per candidate.")] = 2,
    top: Annotated[int, typer.Option(min=1, help="Candidates to show (and save).")] = 10,
    risk: Annotated[str | None, typer.Option(help="Register risk the candidates treat (needed with --save).")] = None,
    save: Annotated[bool, typer.Option("--save", help="Save the candidates as draft profiles.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write each candidate as a YAML spec here.")] = None,
    truth: Annotated[Path | None, typer.Option("--truth", help="Ground truth folder: per-scheme shares found.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Propose candidate profiles from outcomes known before --until, ranked by their lift at the
    budget on the weeks after it, with support, expected hits per week, overlap with the active
    profiles and how their evidence splits between random and targeted examinations. Candidates
    are ordinary profile specs; --save stores them as drafts (with --risk) for the usual
    submit / approve / activate.

    Example: workbench mine --until 2025-07-01 --budget 5% --target fraud --risk R-REV-UV --save
    """
    from workbench.models.labels import LabelError
    from workbench.models.truth import TruthError
    from workbench.profiles.frame import FrameError
    from workbench.profiles.mining import MiningError, mine as run, save_candidates
    from workbench.profiles.registry import known_risk
    from workbench.profiles.spec import SpecError, dump_yaml

    share = parse_budget(budget)
    if save and not risk:
        raise CliError("--save needs --risk: the register risk these candidates treat (see `workbench risk list`)")
    with store(db, read_only=not save) as con, progress(as_json) as say:
        if risk and not known_risk(con, risk):
            raise CliError(f"--risk {risk!r} is not in the strategic risk register (see `workbench risk list`)")
        say(f"searching segments in outcomes known before {until:%Y-%m-%d}, validating on {weeks} weeks after")
        try:
            result = run(con, until, budget=share, target=target, weeks=weeks, top=top, truth=truth, critical=critical,
                         start=start, min_support=min_support, min_positives=min_positives,
                         max_conditions=conditions, risk=risk or "UNASSIGNED")
            saved = save_candidates(con, result, risk=risk) if save else []
        except (MiningError, LabelError, TruthError, FrameError, SpecError) as exc:
            raise CliError(str(exc)) from None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for c in result.candidates:
            (out / f"{c.profile.id}.yaml").write_text(dump_yaml(c.profile), encoding="utf-8")
    if as_json:
        print_json(result.as_dict() | {"saved": saved})
        return
    v = result.base.get("validation", {})
    console.print(f"[bold]{len(result.candidates)} candidate(s)[/] for {target} from {result.base['examined']:,} "
                  f"examined declarations lodged {result.train_window['from']} to {result.train_window['to']} "
                  f"({result.base['positives']:,} positive); {result.searched.get('atoms', 0)} conditions and "
                  f"{result.searched.get('segments', 0)} segments tried; validated "
                  f"{(result.validation_window or {}).get('from')} to {(result.validation_window or {}).get('to')} "
                  f"against the {v.get('lift_reference', 'random')} rate "
                  f"{(v.get('random_rate') if v.get('lift_reference') == 'random' else v.get('hit_rate')) or 0:.1%}; "
                  f"budget {share:.1%} = {v.get('budget_per_week', 0)} per week", highlight=False)
    print_table("candidates (ranked by lift at the budget on the validation window)",
                ["id", "criteria", "train: examined / positive (random)", "val: hits/wk", "val: hit rate (exam.)",
                 "lift", "sel. %", "overlap active", "flags"],
                [(c.profile.id, " and ".join(c.conditions),
                  f"{c.train['examined']} / {c.train['positives']} ({c.train['random_positives']}/"
                  f"{c.train['random_examined']} random)",
                  c.validation.get("hits_per_week"),
                  f"{(c.validation.get('hit_rate') or 0):.1%} ({c.validation.get('examined')})",
                  c.validation.get("lift"), c.validation.get("selection_pct_for_budget"),
                  "–" if c.validation.get("overlap_with_active") is None else f"{c.validation['overlap_with_active']:.0%}",
                  "; ".join(c.flags)) for c in result.candidates])
    bs = result.budget_set
    if bs:
        console.print(f"together, filling the budget ({bs['budget']:,} declarations): {bs['examined']:,} examined, "
                      f"{bs['positives']:,} positive" + (f"; truly offending {bs['truth_precision']:.1%} against "
                                                         f"{bs['truth_base_rate']:.1%} overall ({bs['truth_lift']}x)"
                                                         if "truth_precision" in bs else ""), highlight=False)
        if "schemes" in bs:
            print_table("share of each scheme's declarations selected", ["scheme", "declarations", "selected", "share"],
                        [(s, x["declarations"], x["found"], f"{(x['share'] or 0):.1%}") for s, x in bs["schemes"].items()])
    if result.excluded_fields:
        print_table("fields not searched", ["field", "why"], sorted(result.excluded_fields.items()))
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    for pid, version in saved:
        console.print(f"saved {pid} v{version} as a draft", highlight=False)
