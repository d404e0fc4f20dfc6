"""Names, addresses, phones and e-mails of the world's traders and people.

Domestic companies read like New Zealand firms, foreign suppliers like firms of their country.
Each generator takes a numpy random generator and a count and returns plain Python lists
(party counts are in the tens of thousands, far below the declaration volumes).
"""

from __future__ import annotations

import re

import numpy as np

from workbench.synth.reference import COUNTRIES

PLACES = (
    "Kauri", "Harbour", "Southern Cross", "Pacific", "Tasman", "Aotea", "Waitemata", "Manukau",
    "Ruapehu", "Coromandel", "Rangitoto", "Kaimai", "Hauraki", "Otago", "Canterbury", "Marlborough",
    "Northland", "Waikato", "Bay of Plenty", "Hawke's Bay", "Taranaki", "Matariki", "Kowhai",
    "Totara", "Rimu", "Pohutukawa", "Tui", "Kereru", "Kea", "Takahe", "Harakeke", "Silver Fern",
    "Long White Cloud", "Southern Alps", "Golden Bay", "Bluff", "Cook Strait", "East Cape",
    "Albany", "Penrose", "Onehunga", "Mt Wellington", "East Tamaki", "Wiri", "Ellerslie", "Parnell",
    "Newmarket", "Petone", "Hornby", "Sockburn", "Te Rapa", "Mount Maunganui", "Papanui", "Avondale",
)
WORDS = (
    "Summit", "Evergreen", "Blue Harbour", "Crest", "Keystone", "Pinnacle", "Horizon", "Sterling",
    "Orbit", "Meridian", "Vantage", "Liberty", "Crown", "Phoenix Rise", "Apex", "Atlas", "Beacon",
    "Cascade", "Compass", "Delta", "Echo", "Falcon", "Granite", "Heritage", "Icon", "Jade", "Kestrel",
    "Lighthouse", "Maple", "Northstar", "Oak", "Prime", "Quantum", "Redwood", "Sapphire", "Titan",
    "Unity", "Vertex", "Westgate", "Zenith", "Allied", "Bright", "Coastal", "Dynamic", "Eastern",
    "First", "Global", "Golden", "Grand", "Great", "Island", "Kingfisher", "Legacy", "Majestic",
    "Metro", "Modern", "National", "Nova", "Ocean", "Olympic", "Omega", "Pioneer", "Premier",
    "Rainbow", "Regal", "Royal", "Silverline", "Smart", "Star", "Sunrise", "Trident", "Trinity",
    "United", "Universal", "Victory", "Vista", "Wave", "Willow", "Zephyr", "Anchor", "Aurora",
)
SECTOR_WORDS = {
    "produce": ("Fresh Produce", "Fruit Company", "Growers", "Greengrocers", "Orchards", "Produce Importers"),
    "food": ("Foods", "Food Distributors", "Provisions", "Fine Foods", "Grocery Wholesale", "Seafoods"),
    "beverages": ("Wines", "Beverages", "Wine & Spirits", "Liquor Merchants", "Brewing Supplies", "Cellars"),
    "tobacco": ("Tobacco", "Tobacconists", "Smoke Supplies", "Leaf Traders"),
    "health": ("Health Products", "Cosmetics", "Pharma", "Beauty Supplies", "Wellness", "Personal Care"),
    "household": ("Homewares", "Household Supplies", "Kitchenware", "Home & Living", "Lighting", "Variety Wholesale"),
    "apparel": ("Apparel", "Fashions", "Clothing", "Textiles", "Garments", "Accessories"),
    "footwear": ("Footwear", "Shoes", "Shoe Company", "Boots & Shoes"),
    "electronics": ("Electronics", "Digital", "Technologies", "Mobile", "Computers", "Tech Distributors"),
    "appliances": ("Appliances", "Home Appliances", "Air Conditioning", "Whiteware"),
    "vehicles": ("Motors", "Auto Parts", "Tyres", "Automotive", "Car Imports", "Cycles"),
    "metals": ("Steel", "Metals", "Steel & Wire", "Aluminium", "Fasteners", "Metal Supplies"),
    "building": ("Building Supplies", "Timber", "Tiles", "Construction Supplies", "Solar", "Hardware"),
    "furniture": ("Furniture", "Furnishings", "Interiors", "Office Furniture", "Sofas"),
    "toys": ("Toys", "Sports", "Leisure", "Fitness", "Games", "Hobbies"),
    "services": ("Customs Brokers", "Freight & Customs", "Customs Services", "Shipping & Customs",
                 "Forwarding", "Customs Clearance"),
}
GENERIC = ("Trading", "Imports", "Importers", "International", "Enterprises", "Holdings", "Distributors",
           "Wholesale", "Group", "Supplies", "Traders", "Merchants", "Global", "Services")
LEGAL = ("Limited", "Ltd", "Limited", "Ltd", "Ltd", "(NZ) Limited", "NZ Ltd", "Holdings Limited")
FAMILY = ("Brothers", "& Sons", "& Co", "Family", "& Partners")

FIRST = (
    "James", "Olivia", "Wiremu", "Aroha", "Jack", "Charlotte", "Liam", "Amelia", "Noah", "Isla",
    "Oliver", "Ava", "Hemi", "Mere", "Tama", "Ana", "William", "Sophie", "Thomas", "Emily", "Wei",
    "Li", "Jun", "Mei", "Hao", "Xin", "Raj", "Priya", "Arjun", "Anita", "Sanjay", "Deepa", "Mohammed",
    "Fatima", "Ali", "Aisha", "Tevita", "Losana", "Sione", "Mele", "Ioane", "Lupe", "Daniel", "Grace",
    "Samuel", "Ruby", "Benjamin", "Chloe", "Lucas", "Zoe", "Min-jun", "Ji-woo", "Hiroshi", "Yuki",
    "Nguyen", "Linh", "Minh", "Thao", "Carlos", "Maria", "Jose", "Ana Maria", "Ivan", "Elena",
    "Peter", "Susan", "David", "Karen", "Michael", "Jennifer", "Andrew", "Michelle", "Paul", "Helen",
    "Mark", "Rachel", "Stephen", "Nicola", "Craig", "Kirsty", "Hamish", "Fiona", "Angus", "Tania",
    "Vikram", "Harpreet", "Gurpreet", "Manpreet", "Jasmine", "Ahmed", "Omar", "Yusuf", "Layla", "Sara",
    "Tom", "Kate", "Ben", "Lucy", "Sam", "Holly", "Josh", "Hannah", "Ryan", "Megan",
)
SURNAMES = (
    "Smith", "Wilson", "Williams", "Brown", "Taylor", "Jones", "Singh", "Patel", "Chen", "Wang",
    "Li", "Zhang", "Liu", "Huang", "Kumar", "Sharma", "Ngata", "Parata", "Tipene", "Walker", "Harris",
    "Thompson", "King", "Campbell", "Stewart", "Anderson", "Clarke", "Robinson", "Wright", "Mitchell",
    "Kim", "Lee", "Park", "Choi", "Nguyen", "Tran", "Pham", "Tanaka", "Sato", "Suzuki", "Fonoti",
    "Tuilagi", "Fifita", "Taufa", "Lolohea", "Faleolo", "Gupta", "Reddy", "Khan", "Hussain", "Ahmed",
    "Rahman", "Morris", "Cooper", "Bell", "Young", "Scott", "Murray", "Reid", "Fraser", "Ross",
    "Hughes", "Edwards", "Turner", "Hall", "Allen", "Baker", "Marshall", "Kelly", "Ryan", "Murphy",
    "Walsh", "O'Brien", "McDonald", "MacKenzie", "Sutherland", "Te Whare", "Rewi", "Heke", "Tane",
    "Lopez", "Garcia", "Martinez", "Rossi", "Russo", "Bianchi", "Muller", "Schmidt", "Novak", "Petrov",
    "Ivanov", "Yilmaz", "Demir", "Silva", "Santos", "Haddad", "Nasser", "Cohen", "Levi", "Dubois",
)
STREETS = (
    "Queen", "Victoria", "Great South", "Great North", "Dominion", "Karangahape", "Customs", "Quay",
    "Fanshawe", "Hobson", "Nelson", "Albert", "Wakefield", "Cuba", "Lambton", "Willis", "Manners",
    "Colombo", "Riccarton", "Moorhouse", "Tuam", "Cashel", "Hereford", "Lichfield", "George", "Princes",
    "Stuart", "Cameron", "Devonport", "Maunganui", "Totara", "Kowhai", "Rata", "Matai", "Miro",
    "Halsey", "Beaumont", "Jervois", "Ponsonby", "Mount Eden", "Sandringham", "Dominion", "Carlton Gore",
    "Khyber Pass", "Parnell", "Ti Rakau", "Springs", "Harris", "Cryers", "Smales", "Kerrs", "Plunket",
    "Ash", "Birch", "Cedar", "Elm", "Kauri", "Pine", "Oak", "Rimu", "Beach", "Bay", "Hill", "Park",
    "Station", "Industry", "Commerce", "Enterprise", "Progress", "Mahunga", "Rosebank", "Patiki",
    "Felton Mathew", "Lunn", "Vestey", "Neilson", "Church", "Hugo Johnston", "Portage", "Tidal",
)
STREET_TYPES = ("Street", "Road", "Avenue", "Drive", "Place", "Lane", "Terrace", "Crescent", "Way", "Parade")
STREET_ABBR = {"Street": "St", "Road": "Rd", "Avenue": "Ave", "Drive": "Dr", "Place": "Pl", "Lane": "Ln",
               "Terrace": "Tce", "Crescent": "Cres", "Way": "Wy", "Parade": "Pde"}
# city, phone area code, postcode range
CITIES = (
    ("Auckland", "9", (600, 2699), 40), ("Wellington", "4", (5010, 6037), 10), ("Christchurch", "3", (7600, 8099), 12),
    ("Hamilton", "7", (3200, 3299), 6), ("Tauranga", "7", (3110, 3119), 6), ("Dunedin", "3", (9010, 9092), 4),
    ("Palmerston North", "6", (4410, 4481), 3), ("Napier", "6", (4110, 4112), 2), ("Nelson", "3", (7010, 7011), 2),
    ("Rotorua", "7", (3010, 3015), 2), ("New Plymouth", "6", (4310, 4312), 2), ("Whangarei", "9", (110, 112), 2),
    ("Invercargill", "3", (9810, 9812), 1),
)
PINYIN = ("Hua", "Xin", "Jin", "Long", "Heng", "Da", "Tian", "Yu", "Fu", "Hong", "Xing", "Sheng", "Tai",
          "Yong", "Hai", "Zhong", "Bao", "Li", "Kang", "Mei", "Rui", "Feng", "Guang", "Ming", "Chang", "Sen",
          "Wei", "Jia", "An", "Ding", "Shun", "Yuan", "Hao", "Xiang", "Teng", "Lian", "Cheng", "Run")
INDUSTRY = ("Trading", "Import & Export", "Industrial", "Manufacturing", "Technology", "Electronics",
            "Textile", "Garment", "Foods", "Metal Products", "Steel", "Rubber", "Furniture", "Household Products",
            "Shoes", "Auto Parts", "Lighting", "Packaging", "Agricultural Products", "Chemical", "Machinery",
            "Building Materials", "Ceramics", "Plastic Products", "Sporting Goods", "Toys", "Cosmetics",
            "Solar Energy", "Hardware", "Wine", "Fresh Fruit", "Seafood", "Logistics", "Supply Chain")
LEGAL_FOREIGN = {
    "CN": "Co., Ltd.", "HK": "Limited", "SG": "Pte. Ltd.", "MY": "Sdn. Bhd.", "VN": "Joint Stock Company",
    "AE": "FZE", "PA": "S.A.", "TH": "Co., Ltd.", "JP": "Co., Ltd.", "KR": "Co., Ltd.", "TW": "Co., Ltd.",
    "IN": "Pvt. Ltd.", "ID": "PT", "PH": "Inc.", "BD": "Ltd.", "PK": "(Pvt) Ltd.", "AU": "Pty Ltd",
    "FJ": "Limited", "WS": "Limited", "US": "Inc.", "CA": "Inc.", "MX": "S.A. de C.V.", "CO": "S.A.S.",
    "PE": "S.A.C.", "CL": "SpA", "BR": "Ltda.", "ZA": "(Pty) Ltd", "DE": "GmbH", "FR": "SARL", "IT": "S.r.l.",
    "ES": "S.L.", "NL": "B.V.", "BE": "NV", "GB": "Ltd", "TR": "A.S.", "PL": "Sp. z o.o.", "CH": "AG",
}
FOREIGN_STREETS = ("Industrial Road", "Commerce Avenue", "Harbour Road", "Export Zone", "Free Trade Zone",
                   "Science Park Road", "Development Avenue", "Logistics Park", "Port Road", "Market Street",
                   "Technology Road", "Business Park", "Station Road", "Central Avenue", "Riverside Road")
_BY_CODE = {c.code: c for c in COUNTRIES}


def _pick(rng: np.random.Generator, seq: tuple, n: int) -> list:
    idx = rng.integers(0, len(seq), n)
    return [seq[i] for i in idx]


LEGAL_WORDS = {"ltd", "limited", "co", "company", "nz", "holdings", "inc", "pty", "the"}


def normalise(name: str) -> str:
    """The exact-match key an analyst might try first: lower case, letters and digits only,
    legal suffixes dropped.

    >>> normalise("KAURI COAST Fresh-Produce (NZ) Ltd.")
    'kauri coast fresh produce'
    """
    words = re.findall(r"[a-z0-9]+", name.lower())
    return " ".join(w for w in words if w not in LEGAL_WORDS)


def _unique(make, n: int, taken: set[str]) -> list[str]:
    """Draw names with ``make(k)`` until ``n`` new ones are found whose normalised form is not
    already in ``taken`` (so two companies never differ only by case or legal suffix)."""
    out: list[str] = []
    tries = 0
    while len(out) < n:
        for name in make(max(16, (n - len(out)) * 2)):
            key = normalise(name)
            if key not in taken:
                taken.add(key)
                out.append(name)
                if len(out) == n:
                    break
        tries += 1
        if tries > 200:
            raise RuntimeError("name space exhausted")
    return out


def company_names(rng: np.random.Generator, sectors: list[str], taken: set[str]) -> list[str]:
    """Domestic company names, one per entry of ``sectors``, all distinct from ``taken``."""
    out: list[str] = [""] * len(sectors)
    for sector in sorted(set(sectors)):
        where = [i for i, s in enumerate(sectors) if s == sector]
        words = SECTOR_WORDS.get(sector, GENERIC)

        def make(k: int, words=words) -> list[str]:
            t = rng.integers(0, 4, k)
            places, ws = _pick(rng, PLACES, k), _pick(rng, WORDS, k)
            sec, gen = _pick(rng, words, k), _pick(rng, GENERIC, k)
            sur, fam, legal = _pick(rng, SURNAMES, k), _pick(rng, FAMILY, k), _pick(rng, LEGAL, k)
            first = _pick(rng, FIRST, k)
            names = []
            for i in range(k):
                if t[i] == 0:
                    names.append(f"{places[i]} {sec[i]} {legal[i]}")
                elif t[i] == 1:
                    names.append(f"{ws[i]} {sec[i]} {gen[i]} {legal[i]}")
                elif t[i] == 2:
                    names.append(f"{sur[i]} {fam[i]} {sec[i]} {legal[i]}")
                else:
                    names.append(f"{first[i][0]}{sur[i][0]} {places[i]} {gen[i]} {legal[i]}")
            return names

        for i, name in zip(where, _unique(make, len(where), taken)):
            out[i] = name
    return out


def foreign_names(rng: np.random.Generator, countries: list[str], taken: set[str]) -> list[str]:
    """Supplier names styled for their country."""
    out: list[str] = [""] * len(countries)
    for code in sorted(set(countries)):
        where = [i for i, c in enumerate(countries) if c == code]
        legal = LEGAL_FOREIGN.get(code, "Ltd")
        cities = _BY_CODE[code].cities or ("Central",)

        def make(k: int, code=code, legal=legal, cities=cities) -> list[str]:
            ind, city = _pick(rng, INDUSTRY, k), _pick(rng, cities, k)
            w, w2 = _pick(rng, WORDS, k), _pick(rng, WORDS, k)
            p1, p2 = _pick(rng, PINYIN, k), _pick(rng, PINYIN, k)
            sur, sur2 = _pick(rng, SURNAMES, k), _pick(rng, SURNAMES, k)
            form = rng.integers(0, 5, k)
            names = []
            for i in range(k):
                if code in ("CN", "TW", "HK"):
                    core = f"{city[i]} {p1[i]}{p2[i].lower()} {ind[i]}"
                elif form[i] == 0:
                    core = f"{sur[i]} {ind[i]}"
                elif form[i] == 1:
                    core = f"{city[i]} {w[i]} {ind[i]}"
                elif form[i] == 2:
                    core = f"{sur[i]} & {sur2[i]} {ind[i]}"
                elif form[i] == 3:
                    core = f"{w[i]} {w2[i]} {ind[i]}"
                else:
                    core = f"{w[i]} {ind[i]}"
                names.append(f"PT {core}" if code == "ID" else f"{core} {legal}")
            return names

        for i, name in zip(where, _unique(make, len(where), taken)):
            out[i] = name
    return out


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    first, sur = _pick(rng, FIRST, n), _pick(rng, SURNAMES, n)
    middle = rng.integers(0, 26, n)
    has_middle = rng.random(n) < 0.35
    return [f"{f} {chr(65 + m)}. {s}" if h else f"{f} {s}" for f, s, m, h in zip(first, sur, middle, has_middle)]


def domestic_addresses(rng: np.random.Generator, n: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """(street address, city, postcode, phone area code) for ``n`` domestic parties."""
    w = np.array([c[3] for c in CITIES], dtype=float)
    city_idx = rng.choice(len(CITIES), n, p=w / w.sum())
    number = rng.integers(1, 400, n)
    unit = np.where(rng.random(n) < 0.25, rng.integers(1, 20, n), 0)
    street, stype = _pick(rng, STREETS, n), _pick(rng, STREET_TYPES, n)
    addr, city, post, area = [], [], [], []
    for i in range(n):
        c = CITIES[city_idx[i]]
        base = f"{number[i]} {street[i]} {stype[i]}"
        addr.append(f"Unit {unit[i]}, {base}" if unit[i] else base)
        city.append(c[0])
        post.append(f"{rng.integers(c[2][0], c[2][1] + 1):04d}")
        area.append(c[1])
    return addr, city, post, area


def foreign_addresses(rng: np.random.Generator, countries: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(street address, city, postcode) for foreign parties."""
    n = len(countries)
    number = rng.integers(1, 999, n)
    street = _pick(rng, FOREIGN_STREETS, n)
    district = _pick(rng, PINYIN, n)
    addr, city, post = [], [], []
    for i, code in enumerate(countries):
        cities = _BY_CODE[code].cities or ("Central",)
        city.append(cities[int(rng.integers(0, len(cities)))])
        if code in ("CN", "TW", "HK"):
            addr.append(f"No. {number[i]} {district[i]} {street[i]}")
        else:
            addr.append(f"{number[i]} {street[i]}")
        post.append(f"{rng.integers(10000, 99999)}")
    return addr, city, post


PHONE_FORMATS = 4


def domestic_phone(area: str, local: int, fmt: int) -> str:
    """A domestic landline number (seven local digits) written in one of the usual ways.

    >>> [domestic_phone("9", 3071234, f) for f in range(4)]
    ['+64 9 307 1234', '09 307 1234', '(09) 307-1234', '+6493071234']
    """
    s = f"{local:07d}"
    return (f"+64 {area} {s[:3]} {s[3:]}", f"0{area} {s[:3]} {s[3:]}",
            f"(0{area}) {s[:3]}-{s[3:]}", f"+64{area}{s}")[fmt]


def mobile_phone(local: int, fmt: int) -> str:
    s = f"{local:07d}"
    return (f"+64 21 {s[:3]} {s[3:]}", f"021 {s[:3]} {s[3:]}", f"021-{s}", f"+6421{s}")[fmt]


def foreign_phone(code: str, local: int) -> str:
    cc = _BY_CODE[code].phone
    s = f"{local:08d}"
    return f"+{cc} {s[:4]} {s[4:]}"


def slug(name: str) -> str:
    """Letters of the first words of a name, for e-mail domains.

    >>> slug("Kauri Coast Fresh Produce Ltd")
    'kauricoastfresh'
    """
    words = [w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in {"ltd", "limited", "co", "nz", "the"}]
    return "".join(w.lower() for w in words[:3]) or "mail"


def company_email(name: str, rng: np.random.Generator, domestic: bool = True) -> str:
    box = ("info", "accounts", "imports", "sales", "admin", "orders")[int(rng.integers(0, 6))]
    tld = ".co.nz" if domestic else (".com", ".net", ".com.cn", ".biz")[int(rng.integers(0, 4))]
    return f"{box}@{slug(name)}{tld}"
