"""The people and companies of the world: importers with their trade profiles, foreign suppliers,
customs brokers, carriers and the directors behind the companies.

A party is one *record* as the service holds it; an entity is the real-world trader behind it.
Most entities have one record; some importers appear under several variant records (see
:mod:`workbench.synth.variants`), and ground truth keeps which records are the same entity.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from workbench.synth import names
from workbench.synth.reference import COUNTRIES, CURRENCIES, HOME
from workbench.synth.sectors import SECTOR_LINES, SECTORS
from workbench.synth.world import WorldConfig, stream

DAY = 86400
YEAR = 365 * DAY

SEA_LINES = (("Oceanic Star Line", "OSLU", "SG"), ("Pacific Crown Shipping", "PCSU", "HK"),
             ("Blue Meridian Lines", "BMLU", "DE"), ("Southern Cross Container Line", "SCCU", "AU"),
             ("Orient Horizon Shipping", "OHSU", "CN"), ("Atlas Maritime", "ATMU", "FR"),
             ("Jade Sea Transport", "JSTU", "TW"), ("Kiwi Coastal Shipping", "KCSU", "NZ"))
AIRLINES = (("Aotearoa Air Cargo", "AO", "NZ"), ("Silk Route Airways Cargo", "SR", "CN"),
            ("Lion City Air Freight", "LC", "SG"), ("Pacific Wings Cargo", "PW", "AU"),
            ("Golden Crane Airlines", "GC", "HK"), ("Desert Falcon Air Cargo", "DF", "AE"))
POSTAL = (("International Postal Exchange", "XP", "NZ"), ("Swift Parcel Express", "SP", "AU"),
          ("Red Kite Couriers", "RK", "HK"))
_COUNTRY = {c.code: c for c in COUNTRIES}


@dataclass
class PartyTable:
    """Every party record, by index; columns as plain lists until written."""

    name: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    address: list[str | None] = field(default_factory=list)
    city: list[str | None] = field(default_factory=list)
    postcode: list[str | None] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    phone: list[str | None] = field(default_factory=list)
    email: list[str | None] = field(default_factory=list)
    tax_id: list[str | None] = field(default_factory=list)
    registered: list[int | None] = field(default_factory=list)   # epoch seconds of registration
    trusted: list[bool] = field(default_factory=list)
    role: list[str] = field(default_factory=list)
    entity: list[int] = field(default_factory=list)
    variant_of: list[int] = field(default_factory=list)          # party index of the main record, or -1
    code: list[str | None] = field(default_factory=list)         # carrier code (SCAC-like, IATA-like)

    def add(self, *, name: str, kind: str, country: str, role: str, entity: int | None = None,
            address: str | None = None, city: str | None = None, postcode: str | None = None,
            phone: str | None = None, email: str | None = None, tax_id: str | None = None,
            registered: int | None = None, trusted: bool = False, variant_of: int = -1,
            code: str | None = None) -> int:
        i = len(self.name)
        self.name.append(name)
        self.kind.append(kind)
        self.country.append(country)
        self.role.append(role)
        self.entity.append(i if entity is None else entity)
        self.address.append(address)
        self.city.append(city)
        self.postcode.append(postcode)
        self.phone.append(phone)
        self.email.append(email)
        self.tax_id.append(tax_id)
        self.registered.append(registered)
        self.trusted.append(trusted)
        self.variant_of.append(variant_of)
        self.code.append(code)
        return i

    def __len__(self) -> int:
        return len(self.name)


@dataclass
class Trader:
    """An importing entity and how it trades."""

    party: int
    sectors: list[str]
    lines: list[int]
    line_w: list[float]
    suppliers: list[int]
    supplier_w: list[float]
    brokers: list[int]                    # party indices; the importer itself when self-declaring
    weight: float
    start: int                            # epoch seconds: first possible lodgement
    end: int                              # epoch seconds: last possible lodgement
    modes: tuple[float, float, float]
    season_amp: float
    season_phase: float
    price_level: float
    area: str = "9"
    phone_local: int = 0
    phone_fmt: int = 0
    variants: list[int] = field(default_factory=list)
    schemes: set[str] = field(default_factory=set)
    front: bool = False
    splitter: bool = False
    phoenix_of: int = -1                  # trader index of the predecessor
    successor: int = -1
    shares: tuple[str, ...] = ()          # what a phoenix shares with its predecessor
    shell: int = -1                       # hub exporter used to launder origin
    directors: list[int] = field(default_factory=list)
    quota: float = -1.0                   # expected declarations when fixed (fronts), else by weight


@dataclass
class Population:
    parties: PartyTable
    traders: list[Trader]
    exporters: list[int]
    exporter_currency: dict[int, str]
    brokers: list[int]
    carriers: dict[str, list[int]]        # mode -> party indices
    links: list[tuple[int, int, str, int]] = field(default_factory=list)   # from, to, type, known_at
    traders_by_party: dict[int, Trader] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)                           # names in use (lower case)
    phone: dict[int, tuple[str, int, int]] = field(default_factory=dict)   # area, local number, format
    by_sector: dict[str, list[int]] = field(default_factory=dict)          # suppliers per sector


def _tax_id(rng: np.random.Generator) -> str:
    return "9429" + f"{int(rng.integers(0, 10**9)):09d}"


def add_domestic_companies(pop: Population, rng: np.random.Generator, sectors: list[str], role: str,
                           registered: list[int]) -> list[int]:
    """Create domestic company records (name, address, phone, e-mail, tax id, directors)."""
    taken = pop.taken
    company = names.company_names(rng, sectors, taken)
    addr, city, post, area = names.domestic_addresses(rng, len(sectors))
    out = []
    for i, nm in enumerate(company):
        local, fmt = int(rng.integers(2_000_000, 9_999_999)), int(rng.integers(0, names.PHONE_FORMATS))
        p = pop.parties.add(
            name=nm, kind="company", country=HOME, role=role, address=addr[i], city=city[i], postcode=post[i],
            phone=names.domestic_phone(area[i], local, fmt), email=names.company_email(nm, rng),
            tax_id=_tax_id(rng), registered=registered[i])
        pop.phone[p] = (area[i], local, fmt)
        out.append(p)
    return out


def add_directors(pop: Population, rng: np.random.Generator, companies: list[int]) -> None:
    """One to three directors per company; about one person in ten sits on two boards."""
    counts = rng.choice([1, 2, 3], len(companies), p=[0.55, 0.35, 0.10])
    total = int(counts.sum())
    people = names.person_names(rng, total)
    addr, city, post, _ = names.domestic_addresses(rng, total)
    persons = []
    for k in range(total):
        local = int(rng.integers(2_000_000, 9_999_999))
        persons.append(pop.parties.add(
            name=people[k], kind="person", country=HOME, role="director", address=addr[k], city=city[k],
            postcode=post[k], phone=names.mobile_phone(local, int(rng.integers(0, 4)))))
    k = 0
    for company, n in zip(companies, counts):
        for _ in range(int(n)):
            person = persons[k] if rng.random() > 0.1 or k == 0 else persons[int(rng.integers(0, k))]
            k += 1
            link_director(pop, person, company)


def link_director(pop: Population, person: int, company: int) -> None:
    """Record ``person`` as a director of ``company`` (first seen at the company's registration)."""
    reg = pop.parties.registered[company]
    pop.links.append((person, company, "director_of", int(reg if reg is not None else 0)))
    trader = pop.traders_by_party.get(company)
    if trader is not None:
        trader.directors.append(person)


def build_population(cfg: WorldConfig) -> Population:
    """Importers (with trade profiles), suppliers, brokers, carriers and directors."""
    rng = stream(cfg.seed, "parties")
    n = cfg.declarations
    n_imp = max(30, round(n / cfg.declarations_per_importer))
    n_exp = max(40, round(n / cfg.declarations_per_exporter))
    pop = Population(PartyTable(), [], [], {}, [], {})

    _add_carriers(pop, rng)
    _add_exporters(pop, rng, n_exp, cfg)

    shares = np.array([s.share for s in SECTORS])
    main = rng.choice(len(SECTORS), n_imp, p=shares / shares.sum())
    sectors = [SECTORS[m].name for m in main]
    start, end = cfg.start_epoch, cfg.end_epoch
    span = end - start
    new = rng.random(n_imp) < cfg.new_importer_share
    reg = np.where(new, start + (rng.random(n_imp) * 0.9 * span).astype(np.int64),
                   start - (rng.uniform(0.3, 25.0, n_imp) * YEAR).astype(np.int64))
    reg = reg // DAY * DAY
    parties = add_domestic_companies(pop, rng, sectors, "importer", [int(r) for r in reg])

    n_brok = max(4, round(n_imp / cfg.importers_per_broker))
    breg = (start - rng.uniform(2, 30, n_brok) * YEAR).astype(np.int64) // DAY * DAY
    pop.brokers = add_domestic_companies(pop, rng, ["services"] * n_brok, "declarant", [int(r) for r in breg])
    broker_w = rng.pareto(1.2, n_brok) + 0.2
    broker_cdf = np.cumsum(broker_w / broker_w.sum())

    weight = rng.lognormal(0.0, 1.25, n_imp)
    churn = rng.random(n_imp) < cfg.churn_share
    draws = _TraderDraws.make(rng, cfg, main, weight, broker_cdf, len(pop.brokers))
    opened = np.maximum(start, reg + rng.integers(3, 60, n_imp) * DAY)
    closed = np.where(churn, start + (rng.uniform(0.3, 1.0, n_imp) * span).astype(np.int64), end)
    closed = np.where(closed <= opened, end, closed)
    for i in range(n_imp):
        t = _new_trader(pop, draws, i, parties[i], sectors[i], float(weight[i]))
        t.start, t.end = int(opened[i]), int(closed[i])
        pop.traders.append(t)
        pop.traders_by_party[parties[i]] = t
    add_directors(pop, rng, parties + pop.brokers)
    return pop


@dataclass
class _TraderDraws:
    """Every random number the importers' profiles need, drawn at once (row i for importer i);
    the per-importer loop then uses plain Python, which is much faster on tiny lists."""

    second: list[int]            # second sector index, -1 for none
    n_lines: list[int]
    n_suppliers: list[int]
    line_keys: list[list[float]]
    line_w: list[list[float]]
    supplier_u: list[list[float]]
    supplier_w: list[list[float]]
    broker: list[list[int]]      # [] when self-declaring
    modes: list[tuple[float, float, float]]
    season_amp: list[float]
    season_phase: list[float]
    price_level: list[float]

    @classmethod
    def make(cls, rng: np.random.Generator, cfg: WorldConfig, main: np.ndarray, weight: np.ndarray,
             broker_cdf: np.ndarray, n_brokers: int) -> _TraderDraws:
        n = len(main)
        second = np.where(rng.random(n) < 0.3, rng.integers(0, len(SECTORS), n), -1)
        second = np.where(second == main, -1, second)
        r = rng.random(n)
        picks = np.minimum(np.searchsorted(broker_cdf, rng.random((n, 2)), side="right"), n_brokers - 1)
        broker = [[] if r[i] < 0.1 else list(dict.fromkeys(picks[i, : 2 if r[i] > 0.9 else 1].tolist()))
                  for i in range(n)]
        base = np.array([SECTORS[m].modes for m in main])
        mix = np.array([cfg.mode_share["sea"], cfg.mode_share["air"], cfg.mode_share["post"]])
        modes = rng.gamma(base * 6 + mix * 2 + 0.05)
        modes[weight > 3, 2] *= 0.2          # big importers ship in containers, not parcels
        modes /= modes.sum(axis=1, keepdims=True)
        seasonal = np.array([SECTORS[m].seasonal for m in main])
        return cls(
            second=second.tolist(), n_lines=rng.integers(2, 9, n).tolist(), n_suppliers=rng.integers(1, 7, n).tolist(),
            line_keys=rng.random((n, 32)).tolist(), line_w=rng.exponential(1.0, (n, 8)).tolist(),
            supplier_u=rng.random((n, 14)).tolist(), supplier_w=rng.gamma(0.8, 1.0, (n, 6)).tolist(),
            broker=broker, modes=[tuple(x) for x in modes.tolist()],
            season_amp=(seasonal * rng.uniform(0.5, 1.2, n)).tolist(),
            season_phase=rng.uniform(0, 2 * np.pi, n).tolist(), price_level=rng.lognormal(0, 0.1, n).tolist())


def _normalised(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


@functools.lru_cache(maxsize=None)
def _line_pool(sectors: tuple[str, ...]) -> list[int]:
    return sorted({li for s in sectors for li in SECTOR_LINES[s]})


def _new_trader(pop: Population, d: _TraderDraws, i: int, party: int, sector: str, weight: float) -> Trader:
    sec = [sector] + ([SECTORS[d.second[i]].name] if d.second[i] >= 0 else [])
    pool = _line_pool(tuple(sec))
    keys = d.line_keys[i]
    order = sorted(range(len(pool)), key=keys.__getitem__)
    k = min(len(pool), d.n_lines[i])
    lines = [pool[j] for j in order[:k]]
    pools = [pop.by_sector[s] for s in sec if pop.by_sector.get(s)]
    first = len(pools[0])
    total = first + (len(pools[1]) if len(pools) > 1 else 0)
    picked = (int(u * total) for u in d.supplier_u[i])
    suppliers = list(dict.fromkeys(pools[0][j] if j < first else pools[1][j - first] for j in picked))
    suppliers = suppliers[: d.n_suppliers[i]]
    brokers = [pop.brokers[b] for b in d.broker[i]] or [party]
    area, local, fmt = pop.phone[party]
    return Trader(
        party=party, sectors=sec, lines=lines, line_w=_normalised(d.line_w[i][:k]), suppliers=suppliers,
        supplier_w=_normalised(d.supplier_w[i][: len(suppliers)]), brokers=brokers, weight=weight, start=0, end=0,
        modes=d.modes[i], season_amp=d.season_amp[i], season_phase=d.season_phase[i],
        price_level=d.price_level[i], area=area, phone_local=local, phone_fmt=fmt)


def _add_exporters(pop: Population, rng: np.random.Generator, n_exp: int, cfg: WorldConfig) -> None:
    shares = np.array([s.share for s in SECTORS])
    sec_idx = rng.choice(len(SECTORS), n_exp, p=shares / shares.sum())
    # every sector gets suppliers even in a tiny world
    sec_idx[: len(SECTORS)] = np.arange(len(SECTORS))
    countries: list[str] = [""] * n_exp
    for s, sector in enumerate(SECTORS):
        where = np.flatnonzero(sec_idx == s)
        codes = list(sector.origins)
        w = np.array([sector.origins[c] for c in codes], dtype=float)
        for i, c in zip(where, rng.choice(len(codes), len(where), p=w / w.sum())):
            countries[i] = codes[c]
    nm = names.foreign_names(rng, countries, pop.taken)
    addr, city, post = names.foreign_addresses(rng, countries)
    for i, code in enumerate(countries):
        local = int(rng.integers(10_000_000, 99_999_999))
        p = pop.parties.add(name=nm[i], kind="company", country=code, role="exporter", address=addr[i],
                            city=city[i], postcode=post[i], phone=names.foreign_phone(code, local),
                            email=names.company_email(nm[i], rng, domestic=False))
        pop.exporters.append(p)
        pop.by_sector.setdefault(SECTORS[sec_idx[i]].name, []).append(p)
        own = _COUNTRY[code].currency
        r = rng.random()
        pop.exporter_currency[p] = own if (r < 0.55 and own in CURRENCIES) else ("USD" if r < 0.95 else "EUR")


def add_exporter(pop: Population, rng: np.random.Generator, country: str, sector: str = "metals") -> int:
    """One more supplier (used for hub shell companies)."""
    nm = names.foreign_names(rng, [country], pop.taken)[0]
    addr, city, post = names.foreign_addresses(rng, [country])
    p = pop.parties.add(name=nm, kind="company", country=country, role="exporter", address=addr[0], city=city[0],
                        postcode=post[0], phone=names.foreign_phone(country, int(rng.integers(10**7, 10**8 - 1))),
                        email=names.company_email(nm, rng, domestic=False))
    pop.exporters.append(p)
    pop.exporter_currency[p] = "USD"
    return p


def _add_carriers(pop: Population, rng: np.random.Generator) -> None:
    for mode, table in (("sea", SEA_LINES), ("air", AIRLINES), ("post", POSTAL)):
        pop.carriers[mode] = []
        for nm, code, country in table:
            addr, city, post = names.foreign_addresses(rng, [country]) if country != HOME else \
                names.domestic_addresses(rng, 1)[:3]
            p = pop.parties.add(name=nm, kind="company", country=country, role="carrier", address=addr[0],
                                city=city[0], postcode=post[0], code=code,
                                email=f"cargo@{names.slug(nm)}.com")
            pop.carriers[mode].append(p)
