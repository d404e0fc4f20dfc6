"""workbench config: the settings in force."""

from __future__ import annotations

import typer

from workbench.cli.common import CliError, JsonOption, print_json, print_table

app = typer.Typer(help="Show settings.\n\nExample: workbench config show", no_args_is_help=True)


@app.command("show")
def show(as_json: JsonOption = False) -> None:
    """Settings after flags > environment > TOML file > defaults, secrets masked.

    Example: WORKBENCH_HOME=/data/wb workbench config show --json
    """
    from workbench.identity import current_user
    from workbench.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    shown = settings.as_display() | {"current_user": current_user(settings.user)}
    if as_json:
        print_json(shown)
    else:
        print_table("settings", ["setting", "value"], sorted(shown.items()))
