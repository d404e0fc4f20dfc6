"""The ``workbench`` command: one group per part of the workbench, named in the singular."""

from __future__ import annotations

import sys

import typer

from workbench.cli import query_cmd
from workbench.cli import indicator_cmd
from workbench.cli import screen_cmd
from workbench.cli import risk_cmd
from workbench.cli import graph_cmd, resolve_cmd
from workbench.cli import profile_cmd, target_cmd
from workbench.cli import template_cmd
from workbench.cli import export_cmd, targeting_cmd
from workbench.cli import mine_cmd, model_cmd
from workbench.cli import audit_cmd, config_cmd, demo_cmd, generate_cmd, load_cmd, quarantine_cmd, store_cmd, user_cmd
from workbench.cli.common import CliError, console_err

app = typer.Typer(
    name="workbench",
    help="Customs Risk Workbench: store, ingest, indicators, profiles, networks and exports.\n\n"
    "Example: workbench store info",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

app.command("load")(load_cmd.load)
app.command("generate")(generate_cmd.generate)
app.command("demo")(demo_cmd.demo)
app.add_typer(store_cmd.app, name="store")
app.add_typer(config_cmd.app, name="config")
app.add_typer(quarantine_cmd.app, name="quarantine")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(user_cmd.app, name="user")
app.add_typer(query_cmd.app, name="query")
app.add_typer(indicator_cmd.app, name="indicator")
app.add_typer(screen_cmd.app, name="screen")
app.add_typer(risk_cmd.app, name="risk")
app.add_typer(resolve_cmd.app, name="resolve")
app.add_typer(graph_cmd.app, name="graph")
app.add_typer(profile_cmd.app, name="profile")
app.add_typer(target_cmd.app, name="target")
app.add_typer(template_cmd.app, name="template")
app.add_typer(export_cmd.app, name="export")
app.add_typer(targeting_cmd.app, name="targeting")
app.command("mine")(mine_cmd.mine)
app.add_typer(model_cmd.app, name="model")


def main() -> None:
    """Entry point: known failures print one clear line and exit 1; no tracebacks for users."""
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except CliError as exc:
        console_err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        console_err.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors come through here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
