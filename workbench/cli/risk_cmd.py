"""workbench risk: the strategic risk register, operational assessments and emerging risks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="The strategic risk register and operational assessments.\n\n"
                       "Example: workbench risk add 'Undervalued footwear' --likelihood 4 --consequence 3",
                  no_args_is_help=True)

ByOption = Annotated[str, typer.Option("--by", help="chapter, hs6, origin, route, office, mode or segment.")]


def _register_errors():
    from workbench.strategic import AssessmentError, RegisterError

    return (RegisterError, AssessmentError)


@app.command("list")
def list_cmd(
    db: DbOption = None,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed risks.")] = False,
    as_of: Annotated[dt.datetime | None, typer.Option(help="The register as it stood then.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The risk register, highest rating first.

    Example: workbench risk list --json
    """
    from workbench.strategic import list_risks

    with store(db, read_only=True) as con:
        risks = list_risks(con, as_of=as_of, include_closed=closed)
    if as_json:
        print_json(risks)
        return
    print_table("risk register", ["id", "title", "category", "L", "C", "rating", "band", "owner", "review", "status"],
                [(r["risk_id"], r["title"], r["category"], r["likelihood"], r["consequence"], r["rating"], r["band"],
                  r["owner"], r["review_on"], r["status"]) for r in risks])


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="What the risk is, in a line.")],
    likelihood: Annotated[int, typer.Option(min=1, max=5, help="1 rare ... 5 almost certain.")],
    consequence: Annotated[int, typer.Option(min=1, max=5, help="1 insignificant ... 5 severe.")],
    db: DbOption = None,
    category: Annotated[str, typer.Option(help="revenue, narcotics, weapons, counterfeit, biosecurity, "
                                                "sanctions or other.")] = "other",
    description: Annotated[str | None, typer.Option(help="Context and rationale.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owning unit or person.")] = None,
    treatment: Annotated[str | None, typer.Option(help="How it is treated (profiles, audits, outreach).")] = None,
    review_on: Annotated[dt.datetime | None, typer.Option(help="Next review date.")] = None,
    scope: Annotated[str | None, typer.Option(help='What in the data it concerns, as JSON: '
                                                   '{"hs_prefixes": ["64"], "origins": ["VN"]}.')] = None,
    risk_id: Annotated[str | None, typer.Option("--id", help="Identifier (R-001, R-002, ... by default).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why it is added (kept in the audit log).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a risk area rated likelihood × consequence.

    Example: workbench risk add "Undervalued footwear from hubs" --likelihood 4 --consequence 3 --category revenue --owner "Revenue intel"
    """
    from workbench.strategic import add_risk

    try:
        parsed = json.loads(scope) if scope else None
    except json.JSONDecodeError as exc:
        raise CliError(f"--scope is not JSON: {exc}") from None
    with store(db) as con:
        try:
            risk = add_risk(con, title=title, likelihood=likelihood, consequence=consequence, category=category,
                            description=description, owner=owner, treatment=treatment,
                            review_on=review_on.date() if review_on else None, scope=parsed, risk_id=risk_id,
                            reason=reason)
        except _register_errors() as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(risk)
        return
    console.print(f"{risk['risk_id']} added: rating {risk['rating']} ({risk['band']})", highlight=False)


@app.command("rate")
def rate(
    risk_id: Annotated[str, typer.Argument(help="The risk to re-rate.")],
    likelihood: Annotated[int, typer.Option(min=1, max=5, help="1 rare ... 5 almost certain.")],
    consequence: Annotated[int, typer.Option(min=1, max=5, help="1 insignificant ... 5 severe.")],
    reason: Annotated[str, typer.Option(help="Why the rating changes.")],
    db: DbOption = None,
    review_on: Annotated[dt.datetime | None, typer.Option(help="Next review date.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Re-rate a risk (a new version; the old rating stays in its history and the audit log).

    Example: workbench risk rate R-001 --likelihood 5 --consequence 3 --reason "three seizures in May"
    """
    from workbench.strategic import change_risk

    with store(db) as con:
        try:
            risk = change_risk(con, risk_id, likelihood=likelihood, consequence=consequence, reason=reason,
                               review_on=review_on.date() if review_on else None)
        except _register_errors() as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(risk)
        return
    console.print(f"{risk['risk_id']} version {risk['version']}: rating {risk['rating']} ({risk['band']})",
                  highlight=False)


@app.command("assess")
def assess(
    db: DbOption = None,
    by: ByOption = "chapter",
    since: Annotated[dt.datetime | None, typer.Option(help="First selection day.")] = None,
    until: Annotated[dt.datetime | None, typer.Option(help="Last selection day.")] = None,
    min_exams: Annotated[int, typer.Option(help="Leave out cells with fewer examinations.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Finding rates by a dimension and month, random and targeted streams apart.

    Example: workbench risk assess --by origin --since 2025-01-01 --json
    """
    from workbench.strategic import finding_rates

    with store(db, read_only=True) as con:
        try:
            records = finding_rates(con, by=by, since=since.date() if since else None,
                                    until=until.date() if until else None, min_exams=min_exams)
        except _register_errors() as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(records)
        return
    print_table(f"finding rates by {by}", [by, "month", "stream", "examined", "positives", "rate"],
                [(r["group"], r["month"], r["stream"], r["examined"], r["positives"], f"{100 * r['rate']:.1f}%")
                 for r in records])


@app.command("emerging")
def emerging(
    db: DbOption = None,
    by: ByOption = "chapter",
    recent_months: Annotated[int, typer.Option(min=1, help="Complete months in the recent window.")] = 3,
    baseline_months: Annotated[int, typer.Option(min=1, help="Complete months of baseline before them.")] = 12,
    alpha: Annotated[float, typer.Option(help="False discovery rate.")] = 0.05,
    min_exams: Annotated[int, typer.Option(help="Fewest examinations in each window.")] = 20,
    as_of: Annotated[dt.datetime | None, typer.Option(help="Outcomes as known then (latest by default).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Show groups not flagged too.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Groups whose finding rate rose significantly against their baseline, naming the test.

    Example: workbench risk emerging --by hs6 --recent-months 3 --baseline-months 12
    """
    from workbench.strategic import emerging_risks

    with store(db, read_only=True) as con:
        try:
            result = emerging_risks(con, by=by, as_of=as_of, recent_months=recent_months,
                                    baseline_months=baseline_months, alpha=alpha, min_exams=min_exams)
        except _register_errors() as exc:
            raise CliError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    flagged = [g for g in result["groups"] if g["flagged"]]
    console.print(f"{result['test']} at {alpha}: {len(flagged)} of {len(result['groups'])} groups flagged",
                  highlight=False)
    shown = result["groups"] if show_all else flagged
    print_table("", ["flag", "reason"], [("RISING" if g["flagged"] else "", g["reason"]) for g in shown])


@app.command("chart")
def chart(
    kind: Annotated[str, typer.Argument(help="matrix, rates or emerging.")],
    out: Annotated[Path, typer.Argument(help="File to write: .png, .svg, .pdf, .html or .json.")],
    db: DbOption = None,
    by: ByOption = "chapter",
) -> None:
    """Draw the risk matrix, the finding-rate trends or the emerging risks to a file (offline).

    Example: workbench risk chart matrix risk-matrix.png
    """
    from workbench.charts import emerging_chart, finding_rate_chart, risk_matrix_chart, save_chart
    from workbench.strategic import emerging_risks, finding_rates, list_risks, matrix_data

    if kind not in ("matrix", "rates", "emerging"):
        raise CliError("chart kind must be matrix, rates or emerging")
    with store(db, read_only=True) as con:
        try:
            if kind == "matrix":
                figure = risk_matrix_chart(matrix_data(list_risks(con)))
            elif kind == "rates":
                figure = finding_rate_chart(finding_rates(con, by=by))
            else:
                figure = emerging_chart(emerging_risks(con, by=by))
        except _register_errors() as exc:
            raise CliError(str(exc)) from None
    try:
        path = save_chart(figure, out)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    console.print(f"wrote {path}", highlight=False)
