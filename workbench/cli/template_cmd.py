"""workbench template: the shared template catalogue, and headless runs into report folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, console_err, print_json, print_table
from workbench.cli.query_cmd import PAIRS, param_pairs

app = typer.Typer(help="Shared analyses: notebooks run headless into dated report folders.\n\n"
                       "Example: workbench template run strategic_risk_assessment -p by origin",
                  no_args_is_help=True)


def _catalogue():
    from workbench.settings import SettingsError
    from workbench.templates import TemplateError, load_catalogue

    try:
        return load_catalogue()
    except (TemplateError, SettingsError) as exc:
        raise CliError(str(exc)) from None


def _template(name: str):
    from workbench.templates import TemplateError

    try:
        return _catalogue().get(name)
    except TemplateError as exc:
        raise CliError(str(exc)) from None


@app.command("list")
def list_cmd(as_json: JsonOption = False) -> None:
    """Every template: name, title, version, where it comes from and its parameters.

    Example: workbench template list --json
    """
    cat = _catalogue()
    templates = [cat.templates[n] for n in cat.names()]
    if as_json:
        print_json({"templates": [t.describe() for t in templates],
                    "left_out": [{"path": str(p), "reason": why} for p, why in cat.problems]})
        return
    print_table("templates", ["name", "title", "version", "source", "parameters"],
                [(t.name, t.title, t.version or "", t.source + (" (replaces built-in)" if t.name in cat.replaced
                                                                 else ""),
                  ", ".join(p.name for p in t.parameters)) for t in templates])
    for path, why in cat.problems:
        console_err.print(f"[yellow]left out[/] {path.name}: {why}", highlight=False)


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Template name (see `workbench template list`).")],
         as_json: JsonOption = False) -> None:
    """A template's description, version, hash and typed parameters with their defaults.

    Example: workbench template show commodity_route_deep_dive
    """
    template = _template(name)
    if as_json:
        print_json(template.describe())
        return
    console.print(f"[bold]{template.name}[/]: {template.title}\n\n{template.description}\n", highlight=False)
    console.print(f"version {template.version or 'not stated'}, sha256 {template.sha256[:16]}, "
                  f"{template.source}: {template.path}", highlight=False)
    print_table("parameters", ["name", "type", "default", "description"],
                [(p.name, p.type + (" or none" if p.nullable else "") +
                  (f" ({', '.join(map(str, p.choices))})" if p.choices else ""),
                  repr(p.default), p.description) for p in template.parameters])


@app.command("run", context_settings=PAIRS)
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Template name (see `workbench template list`).")],
    out: Annotated[Path | None, typer.Option("--out", help="Folder for reports (default: $WORKBENCH_HOME/reports).",
                                             show_default=False)] = None,
    db: DbOption = None,
    timeout: Annotated[float, typer.Option(help="Seconds any one cell may take.")] = 600.0,
    as_json: JsonOption = False,
) -> None:
    """Run a template headless with parameters given as -p NAME VALUE (repeatable; a list as
    a,b,c; 'none' empties an optional one) into a dated report folder: the executed notebook, an
    HTML report that reads offline, and provenance.json. Exit status 1 when the template fails
    (its report still shows the failing cell).

    Example: workbench template run commodity_route_deep_dive -p hs_prefix 8528 -p origin CN --out reports
    """
    from workbench.templates import TemplateError, run_template

    given = param_pairs(ctx.args)
    template = _template(name)
    if not as_json:
        console_err.print(f"running {template.name} ({template.title})…", highlight=False)
    try:
        result = run_template(template, given, out=out, db=db, timeout=timeout, progress=not as_json)
    except TemplateError as exc:
        raise CliError(str(exc)) from None
    prov = result.provenance
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(f"report: {result.html}\nnotebook: {result.notebook}\n"
                      f"{prov['report']['charts']} chart(s), {prov['seconds']:.1f} s", highlight=False,
                      soft_wrap=True)
    if not result.ok:
        failure = prov["failure"]
        where = f" at cell In [{failure['execution_count']}]" if failure.get("execution_count") else ""
        raise CliError(f"template {template.name} failed{where}: {failure['error']} (the report shows where: "
                       f"{result.html})")
