"""The flat layout: one row per declaration item, the way another customs service hands data over.

French column names, ``;`` as delimiter, dd/mm/yyyy dates, ISO alpha-3 countries, tariff codes
written as numbers (so leading zeros are lost), net mass in pounds for the brokers whose systems
work in pounds, duty rates in percent, and on every row the latest known state of the control
with its outcome flag ``RESULTAT_CONTROLE`` (POSITIF, NEGATIF, EN_COURS, or empty when the
declaration was not controlled). Small worlds also get the same extract as an Excel workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from workbench.synth.build import World
from workbench.synth.columns import coded, plain, timestamps
from workbench.synth.inspections import OFFENCES, PROFILES
from workbench.synth.market import CURRENCY_CODES
from workbench.synth.reference import COUNTRIES, TARIFF, VAGUE_DESCRIPTIONS
from workbench.synth.trade import FTA
from workbench.synth.voyages import OFFICE_CODES
from workbench.synth.writer import mapping_text
from workbench.synth.xlsx import write_xlsx

ALPHA3 = [c.alpha3 for c in COUNTRIES]
MODES_FR = ["MARITIME", "AERIEN", "POSTAL"]
LANES_FR = ["VERT", "JAUNE", "ORANGE", "ROUGE", "BLEU"]
SOURCES_FR = ["PROFIL", "ALEATOIRE", "AGENT", "RENSEIGNEMENT"]
OFFENCES_FR = {"prohibited_goods": "PROHIBITION", "biosecurity": "BIOSECURITE", "false_origin": "ORIGINE",
               "misclassification": "ESPECE_TARIFAIRE", "undervaluation": "SOUS_EVALUATION",
               "splitting": "FRACTIONNEMENT", "documentation": "DOCUMENTAIRE"}
LB = 0.45359237
EXCEL_MAX_DECLARATIONS = 20_000
CHUNK = 250_000
_CI = {c.code: i for i, c in enumerate(COUNTRIES)}


def _fmt(epoch: np.ndarray, fmt: str, valid: np.ndarray | None = None) -> pa.Array:
    return pc.strftime(timestamps(epoch, valid), format=fmt)


def _party_columns(world: World) -> dict[str, pa.Array]:
    p = world.pop.parties
    reg = np.array([r if r is not None else 0 for r in p.registered], dtype=np.int64)
    return {
        "id": plain(world.ids.party), "name": pa.array(p.name), "address": pa.array(p.address),
        "city": pa.array(p.city), "postcode": pa.array(p.postcode), "phone": pa.array(p.phone),
        "email": pa.array(p.email), "tax": pa.array(p.tax_id), "alpha3": pa.array([ALPHA3[_CI[c]] for c in p.country]),
        "registered": _fmt(reg, "%d/%m/%Y", np.array([r is not None for r in p.registered])),
    }


def _chunk(world: World, parties: dict[str, pa.Array], a: int, b: int, insp_of: np.ndarray,
           first: np.ndarray) -> pa.Table:
    t, tr, mv, ids, s = world.trade, world.truth, world.moves, world.ids, world.insp
    d = t.i_decl[a:b]
    dd = pa.array(d)
    imp, exp, dec, car = (pa.array(x[d]) for x in (t.d_importer, t.d_exporter, t.d_declarant, mv.d_carrier))
    self_declared = t.d_declarant[d] == t.d_importer[d]
    voy = mv.d_voyage[d]
    has_voy = voy >= 0
    v = world.moves.voyages
    k = insp_of[d]
    has = k >= 0
    kk = np.where(has, k, 0)
    known = has & s.known[kk]
    positive = known & s.positive[kk]
    lb = (t.d_declarant[d] % 7) == 3
    line = t.i_line[a:b]
    desc = np.where(t.i_vague[a:b] >= 0, len(TARIFF) + t.i_vague[a:b].astype(np.int32), line)
    result = np.where(~has, -1, np.where(~known, 2, np.where(positive, 0, 1)))
    offence = np.where(positive, s.offence[kk], -1)
    cols: dict[str, pa.Array] = {
        "NUM_DECL": plain(ids.declaration).take(dd),
        "DATE_DEPOT": _fmt(t.d_lodged[d], "%d/%m/%Y"), "HEURE_DEPOT": _fmt(t.d_lodged[d], "%H:%M"),
        "BUREAU": plain(coded(mv.d_office[d], OFFICE_CODES)),
        "REGIME": plain(coded(tr.d_low_value[d].astype(np.int8), ["4000", "4071"])),
        "MODE_TRANSPORT": plain(coded(t.d_mode[d], MODES_FR)),
        "CODE_IMPORTATEUR": parties["id"].take(imp), "NOM_IMPORTATEUR": parties["name"].take(imp),
        "ADRESSE_IMPORTATEUR": parties["address"].take(imp), "VILLE_IMPORTATEUR": parties["city"].take(imp),
        "CP_IMPORTATEUR": parties["postcode"].take(imp), "TEL_IMPORTATEUR": parties["phone"].take(imp),
        "EMAIL_IMPORTATEUR": parties["email"].take(imp), "NIF_IMPORTATEUR": parties["tax"].take(imp),
        "DATE_IMMAT_IMPORTATEUR": parties["registered"].take(imp),
        "CODE_EXPEDITEUR": parties["id"].take(exp), "NOM_EXPEDITEUR": parties["name"].take(exp),
        "ADRESSE_EXPEDITEUR": parties["address"].take(exp), "VILLE_EXPEDITEUR": parties["city"].take(exp),
        "PAYS_EXPEDITEUR": parties["alpha3"].take(exp),
        "CODE_DECLARANT": parties["id"].take(dec),
        "NOM_DECLARANT": pc.if_else(pa.array(self_declared), pa.scalar(None, pa.string()), parties["name"].take(dec)),
        "CODE_TRANSPORTEUR": parties["id"].take(car), "NOM_TRANSPORTEUR": parties["name"].take(car),
        "NUM_VOYAGE": plain(coded(voy, plain(ids.voyage))),
        "NAVIRE_VOL": plain(coded(voy, v["conveyance"])),
        "DATE_ARRIVEE": _fmt(v["arrived"][np.where(has_voy, voy, 0)], "%d/%m/%Y %H:%M", has_voy),
        "CONNAISSEMENT": mv.d_document.take(dd), "CONTENEUR": mv.d_container.take(dd),
        "PAYS_PROVENANCE": plain(coded(t.d_dispatch[d], ALPHA3)),
        "PAYS_ORIGINE": plain(coded(t.i_origin[first[d]], ALPHA3)),
        "DEVISE": plain(coded(t.d_currency[d], CURRENCY_CODES)),
        "NUM_ARTICLE": pa.array(t.i_no[a:b], pa.int32()),
        "CODE_SH": pa.array(np.array([int(x.hs) for x in TARIFF], dtype=np.int64)[line]),
        "DESIGNATION": plain(coded(desc, [x.description for x in TARIFF] + list(VAGUE_DESCRIPTIONS))),
        "PAYS_ORIGINE_ARTICLE": plain(coded(t.i_origin[a:b], ALPHA3)),
        "QUANTITE": pa.array(t.i_quantity[a:b]),
        "UNITE_QTE": plain(coded(line, [x.unit.upper() for x in TARIFF])),
        "POIDS_NET": pa.array(np.where(lb, np.round(t.i_mass[a:b] / LB, 3), t.i_mass[a:b])),
        "UNITE_POIDS": plain(coded(lb.astype(np.int8), ["kg", "lb"])),
        "VALEUR_DOUANE": pa.array(t.i_value[a:b]),
        "TAUX_DROIT": pa.array(np.round(tr.i_duty_rate[a:b] * 100, 4)),
        "MONTANT_DROIT": pa.array(tr.i_duty[a:b]),
        "CODE_PREFERENCE": plain(coded(np.where(t.i_claim[a:b] & FTA[t.i_origin[a:b]], 0, -1), ["FTA"])),
        "NUM_CONTROLE": plain(coded(np.where(has, k, -1), plain(ids.inspection))),
        "DATE_SELECTION": _fmt(s.selected_at[kk], "%d/%m/%Y %H:%M", has),
        "CIRCUIT": plain(coded(np.where(has, s.lane[kk], -1), LANES_FR)),
        "ORIGINE_SELECTION": plain(coded(np.where(has, s.source[kk], -1), SOURCES_FR)),
        "CODE_PROFIL": plain(coded(np.where(has, s.profile[kk], -1), PROFILES)),
        "RESULTAT_CONTROLE": plain(coded(result, ["POSITIF", "NEGATIF", "EN_COURS"])),
        "TYPE_INFRACTION": plain(coded(offence, [OFFENCES_FR[o] for o in OFFENCES])),
        "MONTANT_REDRESSE": pa.array(s.revenue[kk], mask=~positive),
        "DATE_RESULTAT": _fmt(s.result_at[kk], "%d/%m/%Y %H:%M", known),
    }
    return pa.table(cols)


def write_flat(world: World, folder: Path, excel: bool | None = None,
               progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write ``extract.csv`` (and ``extract.xlsx`` for small worlds) with their mappings."""
    folder.mkdir(parents=True, exist_ok=True)
    t = world.trade
    insp_of = np.full(t.n_decl, -1, dtype=np.int64)
    insp_of[world.insp.decl] = np.arange(len(world.insp.decl))
    parties = _party_columns(world)
    first = t.item_starts()
    excel = t.n_decl <= EXCEL_MAX_DECLARATIONS if excel is None else excel
    options = pacsv.WriteOptions(include_header=True, delimiter=";", quoting_style="needed")
    writer = None
    kept: list[pa.Table] = []
    for a in range(0, t.n_item, CHUNK):
        b = min(a + CHUNK, t.n_item)
        table = _chunk(world, parties, a, b, insp_of, first)
        if writer is None:
            writer = pacsv.CSVWriter(folder / "extract.csv", table.schema, write_options=options)
        writer.write_table(table)
        if excel:
            kept.append(table)
        if progress:
            progress(b - a)
    if writer is not None:
        writer.close()
    text = mapping_text("flat")
    (folder / "mapping.yaml").write_text(text, encoding="utf-8")
    counts = {"extract.csv": t.n_item}
    if excel:
        write_xlsx(folder / "extract.xlsx", kept, sheet="extract")
        excel_text = text.replace('    path: extract.csv\n    delimiter: ";"\n',
                                  "    path: extract.xlsx\n    sheet: extract\n")
        excel_text = excel_text.replace("name: synth-flat-extract\n", "name: synth-flat-extract-excel\n")
        (folder / "mapping-excel.yaml").write_text(excel_text, encoding="utf-8")
        counts["extract.xlsx"] = t.n_item
    return counts
