"""The demo: generate the synthetic world, load it through the ordinary ingest, summarise the store.

The world is generated once into ``$WORKBENCH_HOME/demo-world/<seed>-<declarations>/`` and
reused; its files are loaded in manifest order (reference data, parties, links, voyages,
declarations, inspections, intelligence). Running the demo again adds nothing: the loader
recognises files it has already loaded with the same mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.settings import load_settings

DEFAULT_DECLARATIONS = 200_000
DEFAULT_SEED = 1


def demo_world_dir(declarations: int, seed: int, home: Path | None = None) -> Path:
    """Where the demo keeps the world of this size and seed."""
    home = home or load_settings().home
    return Path(home) / "demo-world" / f"{seed}-{declarations}"


def run_demo(
    declarations: int = DEFAULT_DECLARATIONS,
    seed: int = DEFAULT_SEED,
    db: str | Path | None = None,
    progress: bool = False,
    on_load: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Generate (or reuse) the demo world, load it, and return what the store now holds.

    Returns a dict with ``world`` (folder), ``generated`` (bool), ``loads`` (one entry per load
    of the manifest), ``summary`` (see :func:`demo_summary`), ``network`` (parties resolved,
    the entity graph, shared-address hubs and phoenix candidates:
    :func:`workbench.network.summary.network_summary`), ``profiles`` (:func:`demo_profiles`)
    and ``export`` (the signed bundle of the approved profiles).
    """
    from workbench.ingest.loader import load
    from workbench.synth import generate, read_manifest

    settings = load_settings(db_path=db)
    world = demo_world_dir(declarations, seed, settings.home)
    manifest = read_manifest(world)
    generated = manifest is None or "normalised" not in manifest.get("loads", {}) \
        or manifest.get("declarations") != declarations or manifest.get("seed") != seed
    if generated:
        manifest = generate(world, declarations=declarations, seed=seed, layout="normalised",
                            progress=progress).manifest
    loads = []
    for step in manifest["loads"]["normalised"]:
        s = load(world / step["path"], world / step["mapping"], db=settings.db_path, progress=progress)
        entry = {"name": step["name"], "load_id": s.load_id, "already_loaded_as": s.already_loaded_as,
                 "rows_in": s.rows_in, "rows_loaded": s.rows_loaded, "rows_unchanged": s.rows_unchanged,
                 "rows_quarantined": s.rows_quarantined, "rows_waiting": s.rows_waiting,
                 "inserted": s.inserted, "seconds": round(s.seconds, 2)}
        loads.append(entry)
        if on_load:
            on_load(entry)
    from workbench.export.demo import demo_export
    from workbench.network.summary import network_summary

    # parties resolved first, so that the network indicators of the profiles' build group each
    # trader's variant records; the graph is updated with what the loads added
    network = network_summary(settings.db_path)
    profiles = demo_profiles(settings.db_path, progress=progress)

    exported = demo_export(settings.db_path, home=settings.home)
    return {"world": str(world), "db": str(settings.db_path), "generated": generated, "loads": loads,
            "summary": demo_summary(settings.db_path), "network": network, "profiles": profiles, "export": exported}


def demo_profiles(db: str | Path, *, months: int = 6, progress: bool = False) -> dict[str, Any]:
    """The tactical part of the demo: the example register and profiles in the store (approved by
    a second person), indicators built when the data changed, a backtest of the active profiles
    over the last ``months`` of data, and the coverage of the register."""
    import datetime as dt

    from workbench.access import roles_of
    from workbench.identity import current_user
    from workbench.indicators.build import build
    from workbench.profiles.backtest import backtest
    from workbench.profiles.monitor import coverage, data_end, months_back
    from workbench.profiles.registry import live_profiles
    from workbench.profiles.seeding import seed_profiles, seed_register
    from workbench.profiles.selection import store_salt
    from workbench.store.connection import open_store
    from workbench.store.sql import scalar

    user = current_user()
    out: dict[str, Any] = {"seeded": [], "risks_added": [], "indicator_build": None}
    with open_store(db) as con:
        last_load = scalar(con, "select max(load_id) from load_log")
        built_on = con.execute("select json_extract(data_state, '$.last_load_id')::BIGINT from indicator_build "
                               "order by build_id desc limit 1").fetchall()
        if not built_on or built_on[0][0] != last_load:
            out["indicator_build"] = build(con, reason="demo: data changed").build_id
        if "admin" in roles_of(con, user):
            out["risks_added"] = seed_register(con, user=user)
            out["seeded"] = seed_profiles(con, author=user)
        else:
            out["skipped"] = f"{user} is not an admin of this store: example profiles not seeded"
    with open_store(db, read_only=True) as con:
        end = data_end(con)
        start = months_back(end, months)
        profiles = live_profiles(con, (end - dt.timedelta(days=1)).date())
        if profiles:
            result = backtest(con, profiles, start, end, salt=store_salt(con))
            out["backtest"] = {"window": result.window, "profiles": result.profiles, "combined": result.combined,
                               "base": result.base, "label_bias": result.label_bias}
        out["coverage"] = coverage(con, on=(end - dt.timedelta(days=1)).date())
    return out


FINDINGS = """
    count(*) as inspections,
    count(*) filter (where result <> 'pending') as with_result,
    count(*) filter (where result = 'positive') as positive,
    round(count(*) filter (where result = 'positive') / nullif(count(*) filter (where result <> 'pending'), 0), 4)
        as finding_rate,
    round(sum(revenue_recovered), 2) as revenue_recovered
"""


def demo_summary(db: str | Path) -> dict[str, Any]:
    """Counts, lodgement dates, inspections and finding rates by lane and by selection source,
    and the top HS chapters by customs value — aggregated in the store, read-only."""
    from workbench.store.connection import open_store
    from workbench.store.summary import store_summary

    def records(con, sql: str) -> list[dict[str, Any]]:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    from workbench.strategic.assessment import strategic_summary

    with open_store(db, read_only=True) as con:
        base = store_summary(con)
        strategic = strategic_summary(con)
        by_lane = records(con, f"select lane, {FINDINGS} from inspection_current group by lane "
                               "order by array_position(['green','yellow','orange','red','blue'], lane)")
        by_source = records(con, f"select selection_source, {FINDINGS} from inspection_current "
                                 "group by selection_source order by inspections desc")
        chapters = records(con, """
            with items as (
                select left(hs_code, 2) as chapter, declaration_id, customs_value_base
                from declaration_item_current)
            select i.chapter, any_value(h.description) as description, count(*) as items,
                   count(distinct i.declaration_id) as declarations,
                   round(sum(i.customs_value_base), 0) as customs_value_base
            from items i left join hs_code h on h.hs_code = i.chapter
            group by i.chapter order by customs_value_base desc nulls last limit 10""")
        declarations = con.execute("select count(*) from declaration_current").fetchone()[0]
    return base | {"declarations": declarations, "inspections_by_lane": by_lane,
                   "inspections_by_source": by_source, "top_hs_chapters": chapters, "strategic": strategic}
