"""workbench targeting: the reference targeting service that takes bundles and scores declarations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, console_err

app = typer.Typer(help="The reference targeting service (bundles in, lanes out).\n\n"
                       "Example: WORKBENCH_TARGETING_TOKEN=... workbench targeting serve --port 8765 "
                       "--public-key export-signing.key.pub",
                  no_args_is_help=True)

TOKEN_ENV = "WORKBENCH_TARGETING_TOKEN"


@app.command("serve")
def serve_cmd(
    public_key: Annotated[list[Path], typer.Option("--public-key", help="Public key of a workbench whose bundles "
                                                                        "it accepts (repeatable).")],
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port on 127.0.0.1.")] = 8765,
    state: Annotated[Path | None, typer.Option("--state", help="Folder for bundles and the decision log "
                                                              "(default: $WORKBENCH_HOME/targeting).")] = None,
    token_file: Annotated[Path | None, typer.Option("--token-file", help=f"File holding the bearer token "
                                                                          f"(else ${TOKEN_ENV}).")] = None,
    max_body_mb: Annotated[float, typer.Option("--max-body-mb", help="Largest request body accepted.")] = 64.0,
) -> None:
    """Serve bundles and scoring on 127.0.0.1 with a bearer token, until interrupted.

    Example: WORKBENCH_TARGETING_TOKEN=$(cat token) workbench targeting serve --port 8765 --public-key export-signing.key.pub
    """
    from workbench.export import BundleError, SigningKeyError
    from workbench.export.manifest import public_keys_from
    from workbench.settings import load_settings
    from workbench.targeting import serve

    if token_file is not None:
        try:
            token = token_file.read_text().strip()
        except OSError as exc:
            raise CliError(f"cannot read the token file {token_file}: {exc.strerror}") from None
    else:
        token = os.environ.get(TOKEN_ENV, "")
    if len(token) < 16:
        raise CliError(f"give a bearer token of at least 16 characters in ${TOKEN_ENV} or --token-file")
    try:
        keys = public_keys_from(public_key)
    except SigningKeyError as exc:
        raise CliError(str(exc)) from None
    folder = state or load_settings().home / "targeting"
    console_err.print(f"targeting service on http://127.0.0.1:{port} (state {folder}; trusted keys: "
                      f"{', '.join(sorted(keys))})", highlight=False)
    try:
        serve(folder, port=port, token=token, public_keys=keys, max_body=int(max_body_mb * 1024 * 1024))
    except (BundleError, ValueError) as exc:
        raise CliError(str(exc)) from None
