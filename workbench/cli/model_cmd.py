"""workbench model: the supervised risk score — train, score, evaluate, explain, list."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, console_err, print_json, print_table, store

app = typer.Typer(help="Supervised risk score trained on past outcomes, point in time, explained per declaration.\n\n"
                       "Example: workbench model train --until 2025-07-01",
                  no_args_is_help=True)

TargetOption = Annotated[str, typer.Option("--target", help="What counts as a positive: fraud, critical or revenue.")]
CriticalOption = Annotated[list[str] | None, typer.Option(
    "--critical", help="Offence types that count for --target critical (repeatable; a built-in list by default).")]


@contextlib.contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the current step (nothing when the output is JSON)."""
    if quiet:
        yield lambda _msg: None
        return
    with console_err.status("starting") as status:
        def say(msg: str) -> None:
            status.update(msg)
            console_err.print(f"  {msg}", highlight=False)
        yield say


def _errors():
    from workbench.indicators.catalogue import CatalogueError
    from workbench.models.features import FeatureError
    from workbench.models.labels import LabelError
    from workbench.models.registry import ModelError
    from workbench.models.truth import TruthError

    return (ModelError, LabelError, FeatureError, TruthError, CatalogueError)


@app.command("train")
def train_cmd(
    until: Annotated[dt.datetime, typer.Option("--until", help="Cut-off: learn only from what was known before it.")],
    db: DbOption = None,
    start: Annotated[dt.datetime | None, typer.Option("--from", help="First lodgement day of training "
                                                     "(default: the earliest).")] = None,
    calibration_weeks: Annotated[int, typer.Option(min=1, help="Weeks before the cut-off kept apart to calibrate.")] = 13,
    target: TargetOption = "fraud",
    critical: CriticalOption = None,
    seed: Annotated[int, typer.Option(help="Seed: the same seed and data give the same model.")] = 7,
    rounds: Annotated[int, typer.Option(min=10, help="Boosting rounds.")] = 150,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="A feature to leave out, e.g. "
                                                      "attr.OFFICER (repeatable).")] = None,
    explain_top: Annotated[float, typer.Option(min=0, max=100, help="Store the reasons of this top %% of the "
                                               "scores (the others on demand).")] = 10.0,
    reason: Annotated[str | None, typer.Option(help="Why this model (kept with it and in the audit log).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Train a gradient-boosted risk score on outcomes known before --until, calibrate it on the
    weeks before the cut-off, store it, and score the declarations lodged from the cut-off on
    (the model.risk_score and model.risk_percentile indicators read those scores at the next
    indicator build).

    Example: workbench model train --until 2025-07-01 --target fraud --seed 7
    """
    from workbench.models import TrainOptions, train

    opts = TrainOptions(target=target, critical=critical, calibration_weeks=calibration_weeks, seed=seed,
                        rounds=rounds, exclude=tuple(exclude or ()))
    with store(db) as con, progress(as_json) as say:
        try:
            model, scored = train(con, until, start=start, options=opts, reason=reason, progress=say,
                                  explain_top_pct=explain_top)
        except _errors() as exc:
            raise CliError(str(exc)) from None
    summary = model.summary() | {"scored": scored}
    if as_json:
        print_json(summary)
        return
    m = model.metrics
    console.print(f"[bold]model {model.model_id}[/] ({model.target}) trained on declarations lodged "
                  f"{model.train_from:%Y-%m-%d} to {model.calibration_from:%Y-%m-%d}, calibrated to "
                  f"{model.cutoff:%Y-%m-%d} ({model.calibration['method']}); {len(model.spec.features)} features "
                  f"from indicator build {model.indicator_build}", highlight=False)
    print_table("windows", ["window", "declarations", "examined", "positive", "random exams", "random positive", "AUC"],
                [(name, f"{w['declarations']:,}", f"{w['labelled']:,}", f"{w['positives']:,}",
                  f"{w['random_examined']:,}", f"{w['random_positives']:,}", w["auc"])
                 for name, w in (("training", m["train"]), ("calibration", m["calibration"]))])
    if model.spec.excluded:
        print_table("left out", ["feature", "why"], sorted(model.spec.excluded.items()))
    if scored:
        console.print(f"scored {scored['declarations']:,} declarations lodged from {model.cutoff:%Y-%m-%d}; run "
                      "`workbench indicator build` to make them model indicators", highlight=False)


@app.command("score")
def score_cmd(
    db: DbOption = None,
    model_id: Annotated[int | None, typer.Option("--model", help="Model id (the latest by default).")] = None,
    start: Annotated[dt.datetime | None, typer.Option("--from", help="From this lodgement day (default: the "
                                                     "model's cut-off).")] = None,
    end: Annotated[dt.datetime | None, typer.Option("--to", help="Up to this day (exclusive; default: all).")] = None,
    explain_top: Annotated[float, typer.Option(min=0, max=100, help="Store the reasons of this top %% of the "
                                               "scores.")] = 10.0,
    as_json: JsonOption = False,
) -> None:
    """Score (again) the declarations lodged since the model's cut-off — new loads, a new indicator
    build — and store the scores for the model indicators.

    Example: workbench model score --from 2025-09-01
    """
    from workbench.models import get_model, score

    with store(db) as con, progress(as_json) as say:
        try:
            result = score(con, get_model(con, model_id), start=start, end=end, explain_top_pct=explain_top,
                           progress=say)
        except _errors() as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    console.print(f"model {result['model_id']}: {result['declarations']:,} declarations scored "
                  f"({', '.join(f'{k} {v:.1f}s' for k, v in result['seconds'].items())})", highlight=False)


def _fmt(v, pct: bool = True) -> str:
    if v is None:
        return "–"
    return f"{v:.1%}" if pct else f"{v:,}"


@app.command("evaluate")
def evaluate_cmd(
    start: Annotated[dt.datetime, typer.Option("--from", help="First lodgement day of the window (at or after the "
                                               "model's cut-off).")],
    end: Annotated[dt.datetime, typer.Option("--to", help="End of the window (exclusive).")],
    db: DbOption = None,
    model_id: Annotated[int | None, typer.Option("--model", help="Model id (the latest by default).")] = None,
    truth: Annotated[Path | None, typer.Option("--truth", help="Ground truth (a synthetic world's ground_truth "
                                               "folder) to measure against as well.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Precision@1/2/5/10 %, recall, revenue@k and the capture curve on a window the model never
    saw, against random selection and the best single indicator — on the random stream, on
    examined declarations (biased) and, with --truth, against ground truth.

    Example: workbench model evaluate --from 2025-07-01 --to 2025-10-01 --truth world/ground_truth
    """
    from workbench.models import evaluate

    with store(db, read_only=True) as con, progress(as_json) as say:
        say("scoring the window and reading its outcomes")
        try:
            result = evaluate(con, start, end, model_id=model_id, truth=truth)
        except _errors() as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    b = result["base_rates"]
    console.print(f"[bold]model {result['model_id']}[/] ({result['target']}) on {result['declarations']:,} declarations "
                  f"lodged {start:%Y-%m-%d} to {end:%Y-%m-%d} (cut-off {result['cutoff']:%Y-%m-%d}); base rates: "
                  f"random stream {_fmt(b['random'])}, examined {_fmt(b['examined'])}"
                  + (f", truth {_fmt(b['truth'])}" if b.get("truth") is not None else ""), highlight=False)
    by = {}
    for r in result["table"]:
        by.setdefault((r["ranker"], r["k_percent"]), {})[r["stream"]] = r
    has_truth = result["truth"] is not None
    cols = ["ranker", "k", "random: precision (n)", "examined*: precision", "examined*: recall", "revenue@k*"]
    if has_truth:
        cols += ["truth: precision", "truth: recall", "truth: lift"]
    table = []
    for (ranker, k), s in by.items():
        rnd, ex = s["random"], s["examined"]
        row = [ranker, f"{k}%",
               f"{_fmt(rnd['precision'])} ({rnd['labelled']})" if rnd["labelled"] is not None else _fmt(rnd["precision"]),
               _fmt(ex["precision"]), _fmt(ex["recall"]), _fmt(ex["revenue_share"])]
        if has_truth:
            t = s["truth"]
            row += [_fmt(t["precision"]), _fmt(t["recall"]), "–" if t["lift"] is None else f"{t['lift']:.1f}x"]
        table.append(row)
    print_table("precision at a budget (* biased: examined declarations were mostly selected for a reason)", cols, table)
    if has_truth:
        names = result["scheme_names"]
        print_table("share of each scheme's declarations in the top 5%", ["ranker", *names],
                    [(ranker, *(_fmt(shares.get(s, {}).get("share")) for s in names))
                     for ranker, shares in result["schemes"].items()])
    for note in result["notes"]:
        console.print(f"note: {note}", highlight=False)


@app.command("explain")
def explain_cmd(
    declaration_id: Annotated[str, typer.Argument(help="Declaration id as stored, e.g. synth:D000012345.")],
    db: DbOption = None,
    model_id: Annotated[int | None, typer.Option("--model", help="Model id (the latest by default).")] = None,
    top: Annotated[int, typer.Option(min=0, help="Show this many contributions (0: all).")] = 10,
    as_json: JsonOption = False,
) -> None:
    """The model's score for one declaration and each feature's contribution to it (SHAP-style,
    adding up to the raw score), largest first.

    Example: workbench model explain synth:D000012345 --top 5
    """
    from workbench.models import explain

    with store(db, read_only=True) as con:
        try:
            result = explain(con, declaration_id, model_id=model_id, top=top)
        except _errors() as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    console.print(f"[bold]{declaration_id}[/]: model {result['model_id']} score {result['score']:.1%} "
                  f"(percentile {result['percentile']:.1f}); raw {result['raw']:+.3f} = expected "
                  f"{result['expected']:+.3f} + contributions", highlight=False)
    if result["note"]:
        console.print(f"[yellow]note:[/] {result['note']}", highlight=False)
    print_table("contributions", ["feature", "value", "contribution", "what"],
                [(c["feature"], c["value"], f"{c['contribution']:+.3f}", c["title"]) for c in result["contributions"]])


@app.command("list")
def list_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every stored model: target, windows, features, AUC and how many declarations it scored.

    Example: workbench model list --json
    """
    from workbench.models import list_models

    with store(db, read_only=True) as con:
        found = list_models(con)
    if as_json:
        print_json(found)
        return
    print_table("models (the latest feeds the model indicators)",
                ["model", "target", "trained", "by", "training from", "cut-off", "features", "AUC train", "AUC cal.",
                 "scored"],
                [(m["model_id"], m["target"], f"{m['trained_at']:%Y-%m-%d %H:%M}", m["trained_by"],
                  f"{m['train_from']:%Y-%m-%d}", f"{m['cutoff']:%Y-%m-%d}", m["features"], m["train_auc"],
                  m["calibration_auc"], f"{m['scored']:,}") for m in found])
