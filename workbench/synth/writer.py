"""The normalised layout: one Parquet file per kind of record, plus the reference files.

``reference/``  countries, tariff (HS chapters, subheadings, national lines), daily exchange rates
``normalised/`` parties, party links, voyages, declarations, declaration items, inspections
                (a "pending" row at selection and a result row when the result became known),
                intelligence reports

Each folder has ``mappings/*.yaml`` to load it through the ordinary ingest.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa

from workbench.ingest.canonical import LANES, SELECTION_SOURCES
from workbench.synth.build import World
from workbench.synth.columns import coded, dates, money, plain, timestamps, write_parquet
from workbench.synth.ids import numbered
from workbench.synth.inspections import OFFENCES, PROFILES
from workbench.synth.market import CURRENCY_CODES
from workbench.synth.reference import CHAPTERS, COUNTRIES, HS_VERSION, TARIFF, VAGUE_DESCRIPTIONS
from workbench.synth.trade import FTA, MODES
from workbench.synth.voyages import OFFICE_CODES
from workbench.synth.world import stream

COUNTRY_CODES = [c.code for c in COUNTRIES]
REFERENCE_LOADS = ("countries", "hs_codes", "exchange_rates")
NORMALISED_LOADS = ("parties", "party_links", "voyages", "declarations", "inspections", "intel_reports")
DESCRIPTIONS = [t.description for t in TARIFF] + list(VAGUE_DESCRIPTIONS)


def mapping_text(name: str) -> str:
    """The shipped mapping template ``name`` (without .yaml)."""
    return resources.files("workbench.synth").joinpath("mappings", f"{name}.yaml").read_text(encoding="utf-8")


def _copy_mappings(folder: Path, names: tuple[str, ...]) -> None:
    (folder / "mappings").mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / "mappings" / f"{name}.yaml").write_text(mapping_text(name), encoding="utf-8")


def write_reference(world: World, folder: Path) -> dict[str, int]:
    """Countries, tariff and exchange rates; returns row counts per file."""
    hubs = [c.hub for c in COUNTRIES]
    countries = pa.table({
        "country_code": COUNTRY_CODES, "name": [c.name for c in COUNTRIES],
        "region": [c.region for c in COUNTRIES], "is_transhipment_hub": hubs,
        "alpha3": [c.alpha3 for c in COUNTRIES], "currency": [c.currency for c in COUNTRIES],
    })
    codes, descs, duties, units = [], [], [], []
    for ch, desc in sorted(CHAPTERS.items()):
        codes.append(ch), descs.append(desc), duties.append(None), units.append(None)
    for t in sorted(TARIFF, key=lambda t: t.hs):
        codes.append(t.hs[:6]), descs.append(t.description), duties.append(t.duty), units.append(t.unit)
    for t in sorted(TARIFF, key=lambda t: t.hs):
        codes.append(t.hs), descs.append(t.description), duties.append(t.duty), units.append(t.unit)
    tariff = pa.table({"hs_code": codes, "hs_version": [HS_VERSION] * len(codes), "description": descs,
                       "duty_rate": pa.array(duties, pa.float64()), "supplementary_unit": units})
    m = world.market
    n_cur, n_days = m.rates.shape
    rates = pa.table({
        "currency": coded(np.repeat(np.arange(n_cur), n_days), CURRENCY_CODES),
        "rate_date": dates(np.tile((m.first_day + np.arange(n_days)) * 86400, n_cur)),
        "units_per_usd": pa.array(m.rates.reshape(-1)),
    })
    for name, table in (("countries", countries), ("hs_codes", tariff), ("exchange_rates", rates)):
        write_parquet(table, folder / f"{name}.parquet")
    _copy_mappings(folder, REFERENCE_LOADS)
    return {"countries": countries.num_rows, "hs_codes": tariff.num_rows, "exchange_rates": rates.num_rows}


def parties_table(world: World) -> pa.Table:
    p, ids = world.pop.parties, world.ids
    registered = np.array([r if r is not None else 0 for r in p.registered], dtype=np.int64)
    return pa.table({
        "party_id": ids.party, "known_at": timestamps(ids.party_known_at), "name": p.name, "party_kind": p.kind,
        "address": p.address, "city": p.city, "postcode": p.postcode, "country_code": p.country,
        "phone": p.phone, "email": p.email, "tax_id": p.tax_id,
        "registered_on": dates(registered, [r is not None for r in p.registered]),
        "trusted_trader": pa.array(p.trusted, pa.bool_()), "role": p.role, "carrier_code": p.code,
    })


def links_table(world: World) -> pa.Table:
    links = world.pop.links
    frm = np.array([x[0] for x in links], dtype=np.int64)
    to = np.array([x[1] for x in links], dtype=np.int64)
    known = np.array([x[3] for x in links], dtype=np.int64)
    return pa.table({
        "link_id": numbered("L", np.arange(1, len(links) + 1), 8), "known_at": timestamps(known),
        "from_party_id": world.ids.party.take(pa.array(frm)), "to_party_id": world.ids.party.take(pa.array(to)),
        "link_type": [x[2] for x in links], "source": ["companies_register"] * len(links),
    })


def voyages_table(world: World) -> pa.Table:
    v = world.moves.voyages
    return pa.table({
        "voyage_id": world.ids.voyage, "conveyance": v["conveyance"], "conveyance_id": v["conveyance_id"],
        "carrier_id": world.ids.party.take(pa.array(v["carrier"])),
        "transport_mode": coded(v["mode"], MODES), "ports_of_call": v["ports"],
        "departed_at": timestamps(v["departed"]), "arrived_at": timestamps(v["arrived"]),
    })


def declarations_table(world: World) -> pa.Table:
    t, mv, ids = world.trade, world.moves, world.ids
    rng = stream(world.cfg.seed, "writer")
    starts = t.item_starts()
    party = ids.party
    incoterm = np.where(t.d_mode == 0, rng.choice(4, t.n_decl, p=[0.5, 0.3, 0.1, 0.1]), rng.choice(4, t.n_decl))
    voyage = coded(mv.d_voyage, plain(ids.voyage))
    return pa.table({
        "declaration_id": ids.declaration, "lodged_at": timestamps(t.d_lodged),
        "office_code": coded(mv.d_office, OFFICE_CODES), "direction": coded(np.zeros(t.n_decl, np.int8), ["import"]),
        "procedure_code": coded(world.truth.d_low_value.astype(np.int8), ["4000", "4071"]),
        "transport_mode": coded(t.d_mode, MODES),
        "importer_id": coded(t.d_importer, party), "exporter_id": coded(t.d_exporter, party),
        "declarant_id": coded(t.d_declarant, party), "carrier_id": coded(mv.d_carrier, party),
        "voyage_id": voyage, "bill_of_lading": mv.d_document, "container_id": mv.d_container,
        "country_dispatch": coded(t.d_dispatch, COUNTRY_CODES),
        "country_origin": coded(t.i_origin[starts], COUNTRY_CODES),
        "currency": coded(t.d_currency, CURRENCY_CODES),
        "incoterm": coded(incoterm, ["FOB", "CIF", "EXW", "DAP"]),
    })


def items_table(world: World) -> pa.Table:
    t, tr = world.trade, world.truth
    desc = np.where(t.i_vague >= 0, len(TARIFF) + t.i_vague.astype(np.int32), t.i_line)
    pref = np.where(t.i_claim & FTA[t.i_origin], 0, -1)
    return pa.table({
        # a plain column: as a dictionary, each row group would carry every declaration id
        "declaration_id": plain(world.ids.declaration).take(pa.array(t.i_decl)),
        "item_no": pa.array(t.i_no, pa.int32()),
        "hs_code": coded(t.i_line, [x.hs for x in TARIFF]),
        "hs_version": coded(np.zeros(t.n_item, np.int8), [HS_VERSION]),
        "description": coded(desc, DESCRIPTIONS),
        "country_origin": coded(t.i_origin, COUNTRY_CODES),
        "quantity": pa.array(t.i_quantity), "quantity_unit": coded(t.i_line, [x.unit for x in TARIFF]),
        "net_mass_kg": pa.array(t.i_mass), "customs_value": money(t.i_value),
        "duty_rate": pa.array(tr.i_duty_rate), "duty": money(tr.i_duty),
        "preference_code": coded(pref, ["FTA"]),
    })


def inspections_table(world: World) -> pa.Table:
    """Each control as a "pending" version at selection, then its result version when known."""
    s, ids = world.insp, world.ids
    k = len(s.decl)
    known = np.flatnonzero(s.known)
    row = np.concatenate([np.arange(k), known])
    is_result = np.concatenate([np.zeros(k, bool), np.ones(len(known), bool)])
    order = np.lexsort((is_result, row))
    row, is_result = row[order], is_result[order]
    result = np.where(is_result, np.where(s.positive[row], 1, 2), 0)
    offence = np.where(is_result & s.positive[row], s.offence[row], -1)
    at = np.where(is_result, s.result_at[row], s.selected_at[row])
    return pa.table({
        "inspection_id": ids.inspection.take(pa.array(row)), "known_at": timestamps(at),
        "declaration_id": ids.declaration.take(pa.array(s.decl[row])),
        "selected_at": timestamps(s.selected_at[row]),
        "lane": coded(s.lane[row], LANES), "selection_source": coded(s.source[row], SELECTION_SOURCES),
        "profile_id": coded(s.profile[row], PROFILES),
        "result": coded(result, ["pending", "positive", "negative"]),
        "offence_type": coded(offence, OFFENCES),
        "revenue_recovered_usd": money(s.revenue[row], is_result & s.positive[row]),
        "result_at": timestamps(s.result_at[row], is_result),
    })


def intel_table(world: World) -> pa.Table:
    i = world.intel
    return pa.table({
        "report_id": world.ids.report, "received_at": timestamps(i.received),
        "source_reliability": i.reliability, "info_credibility": i.credibility,
        "title": i.title, "body": i.body, "entities": i.entities,
    })


def write_normalised(world: World, folder: Path, threads: int = 2) -> dict[str, int]:
    """All normalised files and their mappings; returns row counts per file.

    Files are built and written on ``threads`` threads (Arrow releases the GIL while encoding);
    each file's bytes do not depend on the order in which they are written.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(item: tuple[str, Callable[[World], pa.Table]]) -> tuple[str, int]:
        name, make = item
        table = make(world)
        write_parquet(table, folder / f"{name}.parquet")
        return name, table.num_rows

    jobs = (("declaration_items", items_table), ("declarations", declarations_table), ("parties", parties_table),
            ("party_links", links_table), ("voyages", voyages_table), ("inspections", inspections_table),
            ("intel_reports", intel_table))
    folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        counts = dict(pool.map(one, jobs))
    _copy_mappings(folder, NORMALISED_LOADS)
    return {name: counts[name] for name, _ in sorted(jobs)}
