"""Voyages and flights, containers, bills of lading, air waybills and postal item numbers.

Each partner country is served by two or three weekly liner services and one or two daily
flights. A sea declaration travels on the next sailing of one of its dispatch country's
services to arrive after lodgement; an air declaration on the next flight. Containers carry
real ISO 6346 check digits, air waybills the IATA mod-7 digit, postal items the UPU S10 digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.synth.parties import DAY, Population
from workbench.synth.reference import COUNTRIES, OFFICES
from workbench.synth.trade import COUNTRY_INDEX, Trade
from workbench.synth.world import WorldConfig, stream

PORT = {
    "CN": "CNSHA", "HK": "HKHKG", "SG": "SGSIN", "MY": "MYPKG", "VN": "VNSGN", "AE": "AEJEA", "PA": "PAONX",
    "TH": "THLCH", "JP": "JPTYO", "KR": "KRPUS", "TW": "TWKHH", "IN": "INNSA", "ID": "IDJKT", "PH": "PHMNL",
    "BD": "BDCGP", "PK": "PKKHI", "AU": "AUSYD", "FJ": "FJSUV", "WS": "WSAPW", "US": "USLAX", "CA": "CAVAN",
    "MX": "MXZLO", "CO": "COCTG", "PE": "PECLL", "CL": "CLSAI", "BR": "BRSSZ", "ZA": "ZADUR", "DE": "DEHAM",
    "FR": "FRLEH", "IT": "ITGOA", "ES": "ESVLC", "NL": "NLRTM", "BE": "BEANR", "GB": "GBFXT", "TR": "TRIST",
    "PL": "PLGDN", "CH": "CHBSL", "NZ": "NZAKL",
}
HOME_PORTS = ("NZAKL", "NZTRG", "NZLYT", "NZWLG", "NZPOE")
TRANSHIP_AT = ("SG", "MY", "HK", "AE", "PA")
VESSEL_WORDS = ("Star", "Crown", "Meridian", "Cross", "Horizon", "Atlas", "Jade", "Kiwi", "Aurora", "Zenith",
                "Harmony", "Fortune", "Glory", "Spirit", "Pride", "Voyager", "Endeavour", "Navigator")
OFFICE_CODES = tuple(code for mode in ("sea", "air", "post") for code, _ in OFFICES[mode])
# letter values of ISO 6346: 10 upwards, skipping multiples of 11
_ISO6346 = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [v for v in range(10, 39) if v % 11], strict=True))


@dataclass
class Movements:
    d_voyage: np.ndarray         # int32 voyage index, -1 for post
    d_carrier: np.ndarray        # int32 party index
    d_office: np.ndarray         # int8 index into OFFICE_CODES
    d_container: pa.Array        # string, null when not containerised
    d_document: pa.Array         # bill of lading, air waybill or postal item number
    voyages: dict[str, object]   # voyage columns (numpy arrays and lists)


def iso6346_check(owner: str, serial: np.ndarray) -> np.ndarray:
    """ISO 6346 check digit for an owner code (4 letters) and 6-digit serial numbers.

    >>> int(iso6346_check("CSQU", np.array([305438]))[0])
    3
    """
    total = sum(_ISO6346[ch] * (1 << i) for i, ch in enumerate(owner))
    digits = serial.astype(np.int64)
    for pos in range(9, 3, -1):
        total = total + (digits % 10) * (1 << pos)
        digits //= 10
    return (total % 11) % 10


def s10_check(serial: np.ndarray) -> np.ndarray:
    """UPU S10 check digit of 8-digit postal item serials.

    >>> int(s10_check(np.array([47312482]))[0])
    9
    """
    digits = serial.astype(np.int64)
    total = np.zeros(len(serial), dtype=np.int64)
    for w in (7, 9, 5, 3, 2, 4, 6, 8):       # weights from the last digit to the first
        total += (digits % 10) * w
        digits //= 10
    c = 11 - total % 11
    return np.where(c == 10, 0, np.where(c == 11, 5, c))


def _lpad(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")


def build_movements(cfg: WorldConfig, trade: Trade, pop: Population) -> Movements:
    """Voyages, carriers, offices, containers and transport documents of every declaration."""
    rng = stream(cfg.seed, "voyages")
    n = trade.n_decl
    sea, air = pop.carriers["sea"], pop.carriers["air"]
    codes = pop.parties.code
    svc_carrier, svc_country, svc_mode, svc_phase, svc_hub, svc_transit = [], [], [], [], [], []
    svc_off = {0: [0], 1: [0]}
    for mode, carriers in ((0, sea), (1, air)):
        for c in COUNTRIES:
            if mode == 0:
                near = c.code in ("AU", "FJ", "WS")
                pool = [p for p in carriers if (codes[p] == "KCSU") == near or (near and rng.random() < 0.5)]
                k = min(len(pool), int(rng.integers(2, 4)))
            else:
                pool, k = list(carriers), int(rng.integers(1, 3))
            for p in rng.choice(pool, k, replace=False):
                svc_carrier.append(int(p))
                svc_country.append(COUNTRY_INDEX[c.code])
                svc_mode.append(mode)
                svc_phase.append(int(rng.integers(0, 7 if mode == 0 else 1)) * DAY + int(rng.integers(5, 20)) * 3600)
                far = mode == 0 and c.transit_days > 15 and c.code not in TRANSHIP_AT
                svc_hub.append(COUNTRY_INDEX[str(rng.choice(TRANSHIP_AT))] if far and rng.random() < 0.5 else -1)
                svc_transit.append(c.transit_days if mode == 0 else 1)
            svc_off[mode].append(len(svc_carrier))
    svc_carrier_a, svc_country_a = np.array(svc_carrier), np.array(svc_country)
    first = {m: np.array(svc_off[m][:-1]) for m in (0, 1)}
    count = {m: np.diff(np.array(svc_off[m])) for m in (0, 1)}

    mode = trade.d_mode
    voyage_key = np.full(n, -1, dtype=np.int64)
    svc = np.full(n, -1, dtype=np.int64)
    for m, period in ((0, 7 * DAY), (1, DAY)):
        rows = np.flatnonzero(mode == m)
        c = trade.d_dispatch[rows].astype(np.int64)
        pick = first[m][c] + (rng.random(len(rows)) * count[m][c]).astype(np.int64)
        pick = np.where(count[m][c] > 0, pick, first[0][COUNTRY_INDEX["SG"]])   # nothing direct: via Singapore
        phase = np.array(svc_phase)[pick]
        j = -((-(trade.d_lodged[rows] - cfg.start_epoch - phase)) // period) + (rng.random(len(rows)) < 0.3)
        svc[rows] = pick
        voyage_key[rows] = pick * 10_000 + j
    has = voyage_key >= 0
    keys, inv = np.unique(voyage_key[has], return_inverse=True)
    d_voyage = np.full(n, -1, dtype=np.int32)
    d_voyage[has] = inv
    v_svc, v_j = keys // 10_000, keys % 10_000
    v_mode = np.array(svc_mode)[v_svc]
    period = np.where(v_mode == 0, 7 * DAY, DAY)
    arrived = cfg.start_epoch + np.array(svc_phase)[v_svc] + v_j * period
    departed = arrived - np.array(svc_transit)[v_svc] * DAY - np.where(v_mode == 0, 0, 11 * 3600)

    d_carrier = np.empty(n, dtype=np.int32)
    d_carrier[has] = svc_carrier_a[svc[has]]
    post = np.flatnonzero(~has)
    d_carrier[post] = np.array(pop.carriers["post"])[rng.choice(3, len(post), p=[0.6, 0.25, 0.15])]

    d_office = np.empty(n, dtype=np.int8)
    base = 0
    for m, name in enumerate(("sea", "air", "post")):
        rows = np.flatnonzero(mode == m)
        w = np.array([s for _, s in OFFICES[name]])
        d_office[rows] = base + rng.choice(len(w), len(rows), p=w / w.sum())
        base += len(w)

    voyages = _voyage_columns(rng, pop, v_svc, v_j, v_mode, svc_carrier_a, svc_country_a, np.array(svc_hub),
                              departed, arrived)
    container, document = _documents(rng, trade, pop, d_carrier)
    return Movements(d_voyage, d_carrier, d_office, container, document, voyages)


def _voyage_columns(rng: np.random.Generator, pop: Population, v_svc: np.ndarray, v_j: np.ndarray,
                    v_mode: np.ndarray, svc_carrier: np.ndarray, svc_country: np.ndarray, svc_hub: np.ndarray,
                    departed: np.ndarray, arrived: np.ndarray) -> dict[str, object]:
    n_svc = len(svc_carrier)
    words = rng.choice(VESSEL_WORDS, (n_svc, 4))
    imo = rng.integers(900_000, 999_999, (n_svc, 4))
    fleet = rng.integers(2, 5, n_svc)
    flight = rng.integers(100, 999, n_svc)
    names, ids, ports = [], [], []
    codes, pnames = pop.parties.code, pop.parties.name
    for s, j, m in zip(v_svc.tolist(), v_j.tolist(), v_mode.tolist()):
        c = int(svc_carrier[s])
        origin = PORT[COUNTRIES[int(svc_country[s])].code]
        if m == 0:
            k = j % int(fleet[s])
            names.append(f"{pnames[c].split()[0].upper()} {words[s, k].upper()}")
            digits = int(imo[s, k])
            check = sum(int(d) * w for d, w in zip(f"{digits:06d}", range(7, 1, -1))) % 10
            ids.append(f"IMO{digits:06d}{check}")
            hub = int(svc_hub[s])
            calls = [origin] + ([PORT[COUNTRIES[hub].code]] if hub >= 0 else []) + list(HOME_PORTS[: 2 + s % 3])
        else:
            names.append(f"{codes[c]}{int(flight[s])}")
            ids.append(None)
            calls = [origin, "NZAKL"]
        ports.append("|".join(calls))
    return {"carrier": svc_carrier[v_svc], "mode": v_mode, "conveyance": names, "conveyance_id": ids,
            "ports": ports, "departed": departed, "arrived": arrived, "country": svc_country[v_svc]}


def _scatter(n: int, pieces: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """One string array of length ``n`` from (rows, values) pieces; rows not covered are null."""
    covered = np.concatenate([rows for rows, _ in pieces]) if pieces else np.empty(0, np.int64)
    missing = np.setdiff1d(np.arange(n), covered, assume_unique=True)
    rows = np.concatenate([covered, missing])
    values = pa.concat_arrays([v.cast(pa.string()) for _, v in pieces] + [pa.nulls(len(missing), pa.string())])
    return values.take(pa.array(np.argsort(rows, kind="stable")))


def _documents(rng: np.random.Generator, trade: Trade, pop: Population, carrier: np.ndarray
               ) -> tuple[pa.Array, pa.Array]:
    n = trade.n_decl
    codes = np.array([c or "XXXX" for c in pop.parties.code], dtype=object)
    mode = trade.d_mode
    # scrambled but unique serials: i * a mod m is a bijection when gcd(a, m) = 1
    serial = (np.arange(n, dtype=np.int64) * 7_919_317 + 1_234_567) % 100_000_000
    boxes, docs = [], []
    sea = np.flatnonzero(mode == 0)
    owners = codes[carrier[sea]]
    for owner in sorted(set(owners.tolist())):
        rows = sea[owners == owner]
        box = rng.integers(0, 400_000, len(rows))
        boxes.append((rows, pc.binary_join_element_wise(owner, _lpad(box * 10 + iso6346_check(owner, box), 7), "")))
        number = _lpad(serial[rows] * 10 + rng.integers(0, 10, len(rows)), 10)
        docs.append((rows, pc.binary_join_element_wise(owner, number, "")))
    air = np.flatnonzero(mode == 1)
    prefix = np.array([176, 618, 157, 81, 160, 235])[carrier[air] % 6]
    awb = serial[air] % 10_000_000
    docs.append((air, pc.binary_join_element_wise(_lpad(prefix, 3), _lpad(awb * 10 + awb % 7, 8), "-")))
    post = np.flatnonzero(mode == 2)
    s = serial[post]
    origin = pa.array([c.code for c in COUNTRIES]).take(pa.array(trade.d_dispatch[post]))
    tail = pc.binary_join_element_wise(_lpad(s * 10 + s10_check(s), 9), origin, "")
    docs.append((post, pc.binary_join_element_wise("RR", tail, "")))
    return _scatter(n, boxes), _scatter(n, docs)
