"""Generate a synthetic world into a folder: source files, their mappings, ground truth, manifest.

``DIR/manifest.json`` lists, for each layout, the loads to run in order (reference data first,
then parties before the declarations that name them, declarations before their inspections).
It is written last, so a folder with a manifest holds a complete world.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "w"
>>> result = generate(out, declarations=300, seed=2, layout="normalised")
>>> [load["name"] for load in result.manifest["loads"]["normalised"]][:4]
['countries', 'hs_codes', 'exchange_rates', 'parties']
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.synth.build import STEPS, World, build_world
from workbench.synth.flat import write_flat
from workbench.synth.truth import write_truth
from workbench.synth.world import WorldConfig, read_config
from workbench.synth.writer import NORMALISED_LOADS, REFERENCE_LOADS, write_normalised, write_reference

FORMAT = "workbench-synth-world/1"
LAYOUTS = ("normalised", "flat", "both")
_OWNED = ("reference", "normalised", "flat", "ground_truth", "manifest.json")


@dataclass(frozen=True)
class Generated:
    """A generated world: where it is, its manifest, and how long each step took."""

    out: Path
    manifest: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


def manifest_loads(layouts: list[str], excel: bool) -> dict[str, list[dict[str, str]]]:
    """Loads in order for each layout; paths are relative to the world folder."""
    reference = [{"name": n, "path": "reference", "mapping": f"reference/mappings/{n}.yaml"} for n in REFERENCE_LOADS]
    loads: dict[str, list[dict[str, str]]] = {}
    if "normalised" in layouts:
        loads["normalised"] = reference + [
            {"name": n, "path": "normalised", "mapping": f"normalised/mappings/{n}.yaml"} for n in NORMALISED_LOADS]
    if "flat" in layouts:
        loads["flat"] = reference + [{"name": "extract", "path": "flat", "mapping": "flat/mapping.yaml"}]
        if excel:
            loads["flat_excel"] = reference + [
                {"name": "extract_excel", "path": "flat", "mapping": "flat/mapping-excel.yaml"}]
    return loads


def generate(
    out: str | Path,
    *,
    declarations: int | None = None,
    seed: int | None = None,
    layout: str = "both",
    config: WorldConfig | str | Path | None = None,
    progress: bool = False,
) -> Generated:
    """Generate a world into ``out`` (replacing a world already there).

    Parameters
    ----------
    out : path
        Folder to write; created if missing. Only the world's own files and folders are replaced.
    declarations, seed : int, optional
        Override the config's size and seed.
    layout : {"normalised", "flat", "both"}
        Which source layouts to write (reference files and ground truth are always written).
    config : WorldConfig or path to a TOML file, optional
    progress : bool
        Show a progress bar on the terminal.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    if isinstance(config, WorldConfig):
        cfg = config
        if declarations is not None:
            cfg = replace(cfg, declarations=int(declarations))
        if seed is not None:
            cfg = replace(cfg, seed=int(seed))
    else:
        cfg = read_config(config, declarations=declarations, seed=seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in _OWNED:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    layouts = ["normalised", "flat"] if layout == "both" else [layout]
    seconds: dict[str, float] = {}
    writes = ["reference"] + layouts + ["ground truth"]
    with _progress(progress, len(STEPS) + len(writes), cfg.declarations) as advance:
        clock = [time.perf_counter()]

        def step(name: str) -> None:
            now = time.perf_counter()
            seconds[name] = round(now - clock[0], 3)
            clock[0] = now
            advance(name)

        world = build_world(cfg, step)
        counts: dict[str, dict[str, int]] = {"reference": write_reference(world, out / "reference")}
        step("write reference")
        for name in layouts:
            counts[name] = _write_layout(world, out, name)
            step(f"write {name}")
        counts["ground_truth"] = write_truth(world, out / "ground_truth")
        step("write ground truth")
    excel = (out / "flat" / "extract.xlsx").exists()
    manifest = {
        "format": FORMAT,
        "seed": cfg.seed,
        "declarations": cfg.declarations,
        "period": {"start": cfg.start, "days": cfg.days, "extract_lag_days": cfg.extract_lag_days},
        "base_currency": "USD",
        "layouts": layouts,
        "loads": manifest_loads(layouts, excel),
        "rows": counts,
        "ground_truth": "ground_truth",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Generated(out, manifest, seconds)


def _write_layout(world: World, out: Path, name: str) -> dict[str, int]:
    if name == "normalised":
        return write_normalised(world, out / "normalised")
    return write_flat(world, out / "flat")


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a generated world, or None when the folder holds no complete world."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if data.get("format") == FORMAT else None


def _progress(show: bool, total: int, declarations: int):
    if not show:
        return nullcontext(lambda name: None)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return nullcontext(lambda name: None)

    class _Bar:
        def __enter__(self) -> Callable[[str], None]:
            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(f"world of {declarations:,} declarations", total=total)

            def advance(name: str) -> None:
                self.bar.update(self.task, advance=1, description=f"{name} done")
            return advance

        def __exit__(self, *exc: object) -> None:
            self.bar.stop()

    return _Bar()
