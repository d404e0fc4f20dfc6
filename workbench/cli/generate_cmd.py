"""workbench generate: write a synthetic customs world (source files, mappings, ground truth)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, JsonOption, console, print_json, print_table


def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the world into.")],
    declarations: Annotated[int | None, typer.Option("--declarations", "-n", min=1,
                                                     help="Declarations (default 200000).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default 1); same seed, same bytes.")] = None,
    layout: Annotated[str, typer.Option("--layout", help="normalised, flat or both.")] = "both",
    config: Annotated[Path | None, typer.Option("--config", help="World settings (TOML): scheme rates, "
                                                "sizes, detection probabilities.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a synthetic customs world with planted schemes, and the mappings to load it.

    OUT/normalised/ holds one Parquet file per record kind, OUT/flat/ a one-row-per-item CSV
    extract with foreign column names, OUT/reference/ countries, tariff and exchange rates,
    OUT/ground_truth/ what really happened, and OUT/manifest.json the loads in order.

    Example: workbench generate --declarations 20000 --seed 7 --out worlds/small
    """
    from workbench.synth import generate as run

    if layout not in ("normalised", "flat", "both"):
        raise CliError(f"--layout must be normalised, flat or both, not {layout!r}")
    if config is not None and not config.is_file():
        raise CliError(f"world config not found: {config}")
    try:
        result = run(out, declarations=declarations, seed=seed, layout=layout, config=config,
                     progress=not as_json)
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    m = result.manifest
    if as_json:
        print_json({"out": str(result.out), "seconds": result.seconds} | m)
        return
    console.print(f"[bold]world[/] of {m['declarations']:,} declarations (seed {m['seed']}) in {result.out} "
                  f"in {sum(result.seconds.values()):.1f}s")
    print_table("files", ["folder", "file", "rows"],
                [(folder, name, f"{n:,}") for folder, files in m["rows"].items() for name, n in files.items()])
    for name, loads in m["loads"].items():
        console.print(f"load the {name} layout in this order: " + ", ".join(x["mapping"] for x in loads))
