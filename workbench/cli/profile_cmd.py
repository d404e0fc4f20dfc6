"""workbench profile: write, validate, backtest, approve and watch risk profiles."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store
from workbench.cli.lifecycle_verbs import ReasonOption, VersionOption, add_transitions, move, user_errors


def transition(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from workbench.profiles.registry import transition as move_profile

    return move_profile(*args, **kwargs)

app = typer.Typer(help="Risk profiles: spec, backtest, lifecycle (four eyes), monitoring and coverage.\n\n"
                       "Example: workbench profile backtest RP-REV-UV-01 --from 2025-01-01 --to 2025-07-01",
                  no_args_is_help=True)

ProfilesArg = Annotated[list[str], typer.Argument(help="Profile files (.yaml/.json) or stored ids (ID or ID@VERSION).")]


def _known_indicators() -> set[str]:
    from workbench.indicators.catalogue import catalogue

    return {i.id for i in catalogue().indicators()}


def _is_file(ref: str) -> bool:
    return ref.lower().endswith((".yaml", ".yml", ".json")) or Path(ref).is_file()


def load_profiles(con: Any, refs: list[str]):
    """Profiles from files or from the store (``ID`` latest, ``ID@3`` a version)."""
    from workbench.profiles.registry import get_profile
    from workbench.profiles.spec import read_profile

    out = []
    for ref in refs:
        if _is_file(ref):
            out.append(read_profile(ref, known_indicators=_known_indicators()))
        else:
            pid, _, version = ref.partition("@")
            if version and not version.isdigit():
                raise CliError(f"{ref!r}: write ID@VERSION with a whole number")
            out.append(get_profile(con, pid, int(version) if version else None)[0])
    return out


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@app.command("schema")
def schema(out: Annotated[Path | None, typer.Option("--out", help="Write the schema to this file.")] = None) -> None:
    """Print (or write) the published JSON Schema of a profile file.

    Example: workbench profile schema --out profile.schema.json
    """
    from workbench.profiles.spec import json_schema

    text = json.dumps(json_schema(), indent=2)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        typer.echo(text)


SKELETON = {
    "criteria": {"all": [{"field": "item.hs6", "prefix": ["6403"]},
                         {"field": "indicator.price.unit_value_low.flag", "eq": True}]},
    "treatment": {"lane": "orange", "control": "documentary", "selection_pct": 100},
}


@app.command("new")
def new(
    profile_id: Annotated[str, typer.Argument(help="Identifier, e.g. RP-REV-0007.")],
    title: Annotated[str, typer.Option(help="What it selects, in a line (traders never see it).")],
    risk: Annotated[str, typer.Option(help="The register risk it treats (workbench risk list).")],
    out: Annotated[Path | None, typer.Option("--out", help="Spec file to write (default: ID.yaml here).")] = None,
    db: DbOption = None,
) -> None:
    """Start a profile: write a spec file to edit and store it as a draft you author.

    Example: workbench profile new RP-REV-0007 --title "Undervalued footwear" --risk R-REV-01
    """
    from workbench.profiles.registry import save_profile
    from workbench.profiles.spec import dump_yaml, parse_profile

    out = out or Path(f"{profile_id}.yaml")
    if out.exists():
        raise CliError(f"{out} exists: edit it, then `workbench profile save {out}`")
    with user_errors():
        profile = parse_profile({"id": profile_id, "title": title, "risk": risk, **SKELETON})
        with store(db) as con:
            version, _ = save_profile(con, profile, reason="new profile")
    out.write_text("# Edit the criteria, then: workbench profile validate / save / submit\n" + dump_yaml(profile),
                   encoding="utf-8")
    console.print(f"draft {profile_id} v{version} stored; edit {out}")


@app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Profile files to check.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check profile files: the schema, known fields and indicators, the register risk, the lists.

    Example: workbench profile validate profiles/*.yaml
    """
    from workbench.profiles.registry import known_risk
    from workbench.profiles.spec import SpecError, read_profile
    from workbench.settings import load_settings
    from workbench.store.connection import open_store

    known = _known_indicators()
    results = []
    db_file = load_settings(db_path=db).db_path
    for f in files:
        problems: list[str] = []
        try:
            p = read_profile(f, known_indicators=known)
        except SpecError as exc:
            problems.append(str(exc))
        else:
            if db_file.exists():
                with open_store(db_file, read_only=True) as con:
                    if not known_risk(con, p.risk):
                        problems.append(f"{f.name}: risk: {p.risk!r} is not in the register")
                    for lst in sorted(p.lists_used()):
                        if not con.execute("select 1 from target_list_version where list_id = ?", [lst]).fetchall():
                            problems.append(f"{f.name}: in_list: no target list {lst!r} in the store")
        results.append({"file": str(f), "ok": not problems, "problems": problems})
    if as_json:
        print_json(results)
    else:
        for r in results:
            console.print(f"[green]ok[/]   {r['file']}" if r["ok"] else f"[red]fail[/] {'; '.join(r['problems'])}",
                          highlight=False)
    if any(not r["ok"] for r in results):
        raise typer.Exit(1)


@app.command("save")
def save(
    file: Annotated[Path, typer.Argument(help="The profile file.")],
    reason: Annotated[str | None, typer.Option("--reason", "-r", help="What changed.")] = None,
    db: DbOption = None,
) -> None:
    """Store a spec as a draft: updates your draft, or makes a new version after an approved one.

    Example: workbench profile save RP-REV-0007.yaml --reason "tightened the value threshold"
    """
    from workbench.profiles.registry import save_profile
    from workbench.profiles.spec import read_profile

    with user_errors(), store(db) as con:
        profile = read_profile(file, known_indicators=_known_indicators())
        version, happened = save_profile(con, profile, reason=reason)
    console.print(f"{profile.id} v{version}: {happened}")


@app.command("submit")
def submit(
    ref: Annotated[str, typer.Argument(help="A profile file (saved, then submitted) or a stored id.")],
    reason: ReasonOption,
    db: DbOption = None,
) -> None:
    """Submit a draft for approval (a file is saved first).

    Example: workbench profile submit RP-REV-0007.yaml --reason "ready: backtest lift 4.2"
    """
    if _is_file(ref):
        from workbench.profiles.registry import save_profile
        from workbench.profiles.spec import read_profile

        with user_errors(), store(db) as con:
            profile = read_profile(ref, known_indicators=_known_indicators())
            save_profile(con, profile, reason=reason)
        ref = profile.id
    move(transition, "profile_id", "submit", ref, None, reason, db)


add_transitions(app, "profile", transition, "profile_id", "RP-REV-0007")


@app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option(help="Only this status (draft, submitted, approved, active, "
                                                     "retired, expired).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Profiles with status, validity and review date (expired and overdue flagged).

    Example: workbench profile list --status active
    """
    from workbench.profiles.registry import list_profiles

    with store(db, read_only=True) as con:
        rows = list_profiles(con, status=status)
    if as_json:
        print_json(rows)
        return
    print_table("profiles", ["id", "v", "status", "lane", "%", "risk", "title", "valid", "review", "author",
                             "approver", "flags"],
                [(r["profile_id"], r["version"], r["effective_status"], r["lane"], f"{r['selection_pct']:g}",
                  r["risk_id"], r["title"], f"{r['valid_from'] or '…'} – {r['valid_to'] or '…'}", r["review_on"],
                  r["author"], r["approved_by"], "; ".join(r["flags"])) for r in rows])


@app.command("show")
def show(
    profile_id: str,
    version: VersionOption = None,
    db: DbOption = None,
    as_yaml: Annotated[bool, typer.Option("--yaml", help="Print only the spec, as YAML.")] = False,
    as_json: JsonOption = False,
) -> None:
    """A profile version: its spec, lifecycle, history and integrity.

    Example: workbench profile show RP-REV-UV-01 --yaml > RP-REV-UV-01.yaml
    """
    from workbench.profiles.lifecycle import PROFILES
    from workbench.profiles.registry import effective_status, get_profile, spec_digest
    from workbench.profiles.spec import dump_yaml

    with user_errors(), store(db, read_only=True) as con:
        profile, row = get_profile(con, profile_id, version)
        history = PROFILES.history(con, profile_id)
    if as_yaml:
        typer.echo(dump_yaml(profile), nl=False)
        return
    status, flags = effective_status(row, dt.date.today())
    intact = spec_digest(row) == row["spec_sha256"]
    if as_json:
        print_json({"spec": profile.content(), "version": row["version"], "status": row["status"],
                    "effective_status": status, "flags": flags, "author": row["author"], "editors": row["editors"],
                    "approved_by": row["approved_by"], "spec_sha256": row["spec_sha256"], "intact": intact,
                    "history": history})
        return
    console.print(f"[bold]{profile.id} v{row['version']}[/] — {profile.title}  [{status}]"
                  + (f"  ({'; '.join(flags)})" if flags else ""), highlight=False)
    console.print(f"risk {profile.risk} · lane {profile.treatment.lane} · {profile.treatment.control} · "
                  f"{profile.treatment.selection_pct:g}% · marking {profile.marking}", highlight=False)
    console.print(f"author {row['author']} · editors {', '.join(row['editors'])} · approver {row['approved_by'] or '—'}"
                  f" · spec {'intact' if intact else '[red]CHANGED OUTSIDE THE WORKBENCH[/]'}", highlight=False)
    typer.echo(dump_yaml(profile))
    print_table("history", ["when", "v", "who", "action", "from", "to", "why"],
                [(h["event_at"], h["version"], h["actor"], h["action"], h["from_status"], h["to_status"], h["reason"])
                 for h in history])


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@app.command("backtest")
def backtest_cmd(
    refs: ProfilesArg,
    start: Annotated[dt.datetime, typer.Option("--from", help="First lodgement day.")],
    end: Annotated[dt.datetime, typer.Option("--to", help="Day after the last lodgement day.")],
    as_of: Annotated[dt.datetime | None, typer.Option("--as-of", help="Outcomes known by then (default: now).")] = None,
    dry_run: Annotated[int, typer.Option("--dry-run", help="List this many would-be hits with reasons.")] = 0,
    charts: Annotated[Path | None, typer.Option("--charts", help="Write capture, trend and overlap charts "
                                                                 "(HTML) into this folder.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Backtest profiles point in time: hits, hit rate, lift against random selection, revenue,
    precision@k, overlap, and how much rests on biased labels.

    Example: workbench profile backtest RP-REV-UV-01 new.yaml --from 2025-01-01 --to 2025-07-01 --dry-run 20
    """
    from workbench.profiles.backtest import backtest
    from workbench.profiles.selection import store_salt

    with user_errors(), store(db, read_only=True) as con:
        profiles = load_profiles(con, refs)
        result = backtest(con, profiles, start, end, as_of=as_of, salt=store_salt(con), dry_run=dry_run)
    if charts:
        _write_charts(result, charts)
    if as_json:
        print_json(result.to_dict())
        return
    backtest_table(f"backtest {result.window['from']} – {result.window['to']} · {result.declarations:,} declarations · "
                   f"outcomes known by {result.as_of}", result.profiles)
    c = result.combined
    console.print(f"all together: {c['hits']:,} declarations ({_pct(c['examination_rate'])}), hit rate "
                  f"{_pct(c['hit_rate'])}, detection {_pct(c['detection_rate'])}; random stream "
                  f"{_pct(result.base['rate'])} of {result.base['random_examined']:,}", highlight=False)
    console.print("precision@k: " + ", ".join(f"{k['k_percent']}% → {_pct(k['precision'])} ({k['examined']} examined)"
                                              for k in result.precision_at), highlight=False)
    console.print(f"[dim]{result.label_bias}[/]", highlight=False)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    if result.dry_run:
        print_table("dry run: would-be hits", ["declaration", "lodged", "lane", "why"],
                    [(d["declaration_id"], d["lodged_at"], d["lane"], "\n".join(d["reasons"])) for d in result.dry_run])


def backtest_table(title: str, rows: list[dict[str, Any]]) -> None:
    """One line per profile of a backtest, as people read it."""
    print_table(title, ["profile", "lane", "hits", "exam. rate", "examined", "positive", "hit rate", "unbiased", "lift",
                        "detection", "revenue", "only it", "target"],
                [(f"{p['profile_id']} v{p['version']}", p["lane"], f"{p['hits']:,}", _pct(p["examination_rate"]),
                  f"{p['examined']:,}", f"{p['positives']:,}", _pct(p["hit_rate"]),
                  f"{_pct(p['unbiased_hit_rate'])} of {p['random_examined']}", p["lift"] if p["lift"] is not None else "—",
                  _pct(p["detection_rate"]), f"{p['revenue']:,.0f}", f"{p['only_positives']}/{p['only_hits']}",
                  "—" if p["meets_target"] is None else ("met" if p["meets_target"] else "[red]missed[/]"))
                 for p in rows])


def coverage_table(result: dict[str, Any]) -> None:
    """The register's risks with the profiles treating them, and the gaps."""
    print_table("coverage of the risk register", ["risk", "title", "rating", "band", "active profiles", "in preparation"],
                [(r["risk_id"], r["title"], r["rating"], r["band"], ", ".join(r["active"]) or "[red]none[/]",
                  ", ".join(r["in_preparation"])) for r in result["risks"]])
    for g in result["gaps"]:
        console.print(f"[red]gap:[/] {g['risk_id']} {g['title']} ({g['band']}) has no active profile", highlight=False)


def _write_charts(result: Any, folder: Path) -> None:
    from workbench.charts.profiles import capture_curve, hit_rate_trend, overlap_matrix

    folder.mkdir(parents=True, exist_ok=True)
    capture_curve(result.capture).save(str(folder / "capture.html"))
    hit_rate_trend(result.weekly).save(str(folder / "hit_rate_trend.html"))
    overlap_matrix(result.overlap).save(str(folder / "overlap.html"))
    console.print(f"charts written to {folder}")


@app.command("monitor")
def monitor(
    months: Annotated[int, typer.Option(min=2, max=36, help="Months of data to look back on.")] = 6,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Active profiles against their targets month by month; those that stopped performing.

    Example: workbench profile monitor --months 6
    """
    from workbench.profiles.monitor import performance

    with user_errors(), store(db, read_only=True) as con:
        result = performance(con, months=months)
    if as_json:
        print_json(result)
        return
    print_table(f"active profiles {result['window']['from']} – {result['window']['to']}",
                ["profile", "hits", "examined", "hit rate", "target", "revenue"],
                [(p["profile_id"], p["hits"], p["examined"], _pct(p["hit_rate"]), _pct(p["target_hit_rate"]),
                  f"{p['revenue']:,.0f}") for p in result["profiles"]])
    if result["flagged"]:
        print_table("flagged for review", ["profile", "why", "evidence"],
                    [(f["profile_id"], f["why"], f["evidence"]) for f in result["flagged"]])
    else:
        console.print("no active profile is flagged")


@app.command("coverage")
def coverage_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
    """For each open register risk, the profiles treating it; high risks no profile covers.

    Example: workbench profile coverage --json
    """
    from workbench.profiles.monitor import coverage

    with store(db, read_only=True) as con:
        result = coverage(con)
    if as_json:
        print_json(result)
        return
    coverage_table(result)


@app.command("capacity")
def capacity_cmd(
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Recent weeks to estimate from.")] = 8,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Expected selections per week by office and lane against the configured capacity
    (settings: \\[workbench.capacity] "OFFICE.lane" = N).

    Example: workbench profile capacity --weeks 8
    """
    from workbench.profiles.monitor import capacity
    from workbench.settings import load_settings

    with user_errors(), store(db, read_only=True) as con:
        result = capacity(con, load_settings(db_path=db).capacity, weeks=weeks)
    if as_json:
        print_json(result)
        return
    print_table(f"selections per week, {result['window']['from']} – {result['window']['to']}",
                ["office", "lane", "per week", "capacity", "load"],
                [(r["office"], r["lane"], r["per_week"], r["capacity"] if r["capacity"] is not None else "not set",
                  "[red]" + str(r["load"]) + "[/]" if r["over"] else r["load"]) for r in result["rows"]])


@app.command("verify")
def verify(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Check that every stored profile and target list still matches what the audit log recorded.

    Example: workbench profile verify
    """
    from workbench.profiles.registry import tampered_profiles
    from workbench.profiles.targets import tampered_lists

    with store(db, read_only=True) as con:
        problems = tampered_profiles(con) + tampered_lists(con)
    if as_json:
        print_json({"ok": not problems, "problems": problems})
    elif problems:
        for p in problems:
            console.print(f"[red]tampered:[/] {p}", highlight=False)
    else:
        console.print("every profile and target list matches the audit log")
    if problems:
        raise typer.Exit(1)
