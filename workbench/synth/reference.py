"""The fixed backdrop of the world: countries, currencies and the tariff.

The home customs territory is New Zealand-like (offices, cities, phone formats); partners are
real ISO codes with invented attributes (which are transhipment hubs, which have a free-trade
agreement, which carry biosecurity pests or are drug-source routes). Tariff lines are real
HS 2022 subheadings with a two-digit national suffix and made-up duty rates.
"""

from __future__ import annotations

from dataclasses import dataclass

HOME = "NZ"
HOME_CURRENCY = "NZD"
HS_VERSION = "HS2022"


@dataclass(frozen=True)
class Country:
    code: str
    alpha3: str
    name: str
    region: str
    currency: str
    phone: str
    hub: bool = False
    fta: bool = False
    pests: bool = False
    drugs: bool = False
    transit_days: int = 18
    cities: tuple[str, ...] = ()


_C = Country
COUNTRIES: tuple[Country, ...] = (
    _C("NZ", "NZL", "New Zealand", "Oceania", "NZD", "64", transit_days=0),
    _C("CN", "CHN", "China", "East Asia", "CNY", "86", drugs=True, transit_days=18,
       cities=("Shanghai", "Ningbo", "Shenzhen", "Guangzhou", "Qingdao",
               "Xiamen", "Yiwu", "Dongguan", "Foshan", "Tianjin")),
    _C("HK", "HKG", "Hong Kong", "East Asia", "HKD", "852", hub=True, fta=True, drugs=True, transit_days=14,
       cities=("Kowloon", "Kwun Tong", "Tsuen Wan", "Sha Tin")),
    _C("SG", "SGP", "Singapore", "Southeast Asia", "SGD", "65", hub=True, fta=True, transit_days=12,
       cities=("Singapore", "Jurong", "Tuas")),
    _C("MY", "MYS", "Malaysia", "Southeast Asia", "MYR", "60", hub=True, fta=True, pests=True, transit_days=13,
       cities=("Port Klang", "Kuala Lumpur", "Penang", "Johor Bahru")),
    _C("VN", "VNM", "Viet Nam", "Southeast Asia", "VND", "84", hub=True, fta=True, pests=True, transit_days=16,
       cities=("Ho Chi Minh City", "Hai Phong", "Da Nang", "Binh Duong")),
    _C("AE", "ARE", "United Arab Emirates", "Middle East", "AED", "971", hub=True, transit_days=22,
       cities=("Dubai", "Jebel Ali", "Sharjah", "Ajman")),
    _C("PA", "PAN", "Panama", "Central America", "USD", "507", hub=True, drugs=True, transit_days=25,
       cities=("Colon", "Panama City")),
    _C("TH", "THA", "Thailand", "Southeast Asia", "THB", "66", fta=True, pests=True, drugs=True, transit_days=16,
       cities=("Bangkok", "Laem Chabang", "Chonburi", "Samut Prakan")),
    _C("JP", "JPN", "Japan", "East Asia", "JPY", "81", fta=True, transit_days=14,
       cities=("Tokyo", "Osaka", "Nagoya", "Yokohama", "Kobe")),
    _C("KR", "KOR", "Korea, Republic of", "East Asia", "KRW", "82", fta=True, transit_days=15,
       cities=("Busan", "Seoul", "Incheon", "Ulsan")),
    _C("TW", "TWN", "Taiwan", "East Asia", "USD", "886", transit_days=15,
       cities=("Kaohsiung", "Taipei", "Taichung")),
    _C("IN", "IND", "India", "South Asia", "INR", "91", pests=True, drugs=True, transit_days=20,
       cities=("Mumbai", "Chennai", "New Delhi", "Ahmedabad", "Kolkata")),
    _C("ID", "IDN", "Indonesia", "Southeast Asia", "USD", "62", fta=True, pests=True, transit_days=12,
       cities=("Jakarta", "Surabaya", "Semarang")),
    _C("PH", "PHL", "Philippines", "Southeast Asia", "USD", "63", fta=True, pests=True, transit_days=14,
       cities=("Manila", "Cebu", "Davao")),
    _C("BD", "BGD", "Bangladesh", "South Asia", "USD", "880", transit_days=24, cities=("Dhaka", "Chittagong")),
    _C("PK", "PAK", "Pakistan", "South Asia", "USD", "92", drugs=True, transit_days=24,
       cities=("Karachi", "Lahore", "Sialkot")),
    _C("AU", "AUS", "Australia", "Oceania", "AUD", "61", fta=True, transit_days=4,
       cities=("Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide")),
    _C("FJ", "FJI", "Fiji", "Oceania", "USD", "679", fta=True, pests=True, transit_days=5, cities=("Suva", "Lautoka")),
    _C("WS", "WSM", "Samoa", "Oceania", "USD", "685", fta=True, pests=True, transit_days=6, cities=("Apia",)),
    _C("US", "USA", "United States", "North America", "USD", "1", drugs=True, transit_days=20,
       cities=("Los Angeles", "Long Beach", "Oakland", "Seattle", "Houston", "Newark")),
    _C("CA", "CAN", "Canada", "North America", "CAD", "1", fta=True, drugs=True, transit_days=22,
       cities=("Vancouver", "Toronto", "Montreal")),
    _C("MX", "MEX", "Mexico", "Central America", "USD", "52", fta=True, pests=True, drugs=True, transit_days=24,
       cities=("Manzanillo", "Guadalajara", "Monterrey")),
    _C("CO", "COL", "Colombia", "South America", "USD", "57", pests=True, drugs=True, transit_days=26,
       cities=("Cartagena", "Buenaventura", "Bogota")),
    _C("PE", "PER", "Peru", "South America", "USD", "51", fta=True, pests=True, drugs=True, transit_days=22,
       cities=("Callao", "Lima")),
    _C("CL", "CHL", "Chile", "South America", "USD", "56", fta=True, transit_days=20,
       cities=("Valparaiso", "San Antonio", "Santiago")),
    _C("BR", "BRA", "Brazil", "South America", "USD", "55", pests=True, drugs=True, transit_days=28,
       cities=("Santos", "Sao Paulo", "Itajai")),
    _C("ZA", "ZAF", "South Africa", "Africa", "USD", "27", pests=True, drugs=True, transit_days=20,
       cities=("Durban", "Cape Town", "Johannesburg")),
    _C("DE", "DEU", "Germany", "Europe", "EUR", "49", transit_days=35,
       cities=("Hamburg", "Bremen", "Munich", "Stuttgart")),
    _C("FR", "FRA", "France", "Europe", "EUR", "33", transit_days=35,
       cities=("Le Havre", "Lyon", "Marseille", "Bordeaux")),
    _C("IT", "ITA", "Italy", "Europe", "EUR", "39", transit_days=33, cities=("Genoa", "Milan", "La Spezia", "Naples")),
    _C("ES", "ESP", "Spain", "Europe", "EUR", "34", pests=True, transit_days=33,
       cities=("Valencia", "Barcelona", "Algeciras")),
    _C("NL", "NLD", "Netherlands", "Europe", "EUR", "31", drugs=True, transit_days=36,
       cities=("Rotterdam", "Amsterdam", "Tilburg")),
    _C("BE", "BEL", "Belgium", "Europe", "EUR", "32", drugs=True, transit_days=36, cities=("Antwerp", "Ghent")),
    _C("GB", "GBR", "United Kingdom", "Europe", "GBP", "44", fta=True, transit_days=38,
       cities=("Felixstowe", "Southampton", "London", "Manchester")),
    _C("TR", "TUR", "Turkiye", "Europe", "USD", "90", pests=True, transit_days=30,
       cities=("Istanbul", "Izmir", "Mersin")),
    _C("PL", "POL", "Poland", "Europe", "EUR", "48", transit_days=38, cities=("Gdansk", "Warsaw")),
    _C("CH", "CHE", "Switzerland", "Europe", "EUR", "41", transit_days=36, cities=("Basel", "Zurich")),
)
COUNTRY_CODES = tuple(c.code for c in COUNTRIES)
PARTNERS = tuple(c for c in COUNTRIES if c.code != HOME)

# Relative share of partners in the home market's imports.
PARTNER_WEIGHT = {
    "CN": 24, "AU": 12, "US": 9, "JP": 5, "KR": 4, "DE": 4, "TH": 4, "SG": 3, "MY": 3, "VN": 3,
    "IN": 3, "IT": 2.5, "GB": 2.5, "ID": 2, "TW": 2, "FR": 2, "HK": 1.5, "CA": 1.5, "ES": 1.2,
    "NL": 1.2, "MX": 0.8, "CL": 0.8, "BR": 0.8, "BE": 0.6, "PH": 0.8, "TR": 0.7, "BD": 0.7,
    "PK": 0.5, "AE": 0.8, "PE": 0.5, "ZA": 0.5, "FJ": 0.5, "WS": 0.2, "PA": 0.1, "CO": 0.3,
    "PL": 0.5, "CH": 0.6,
}

# Currencies: units per USD at the start of the period, daily log volatility.
CURRENCIES: dict[str, tuple[float, float]] = {
    "USD": (1.0, 0.0), "EUR": (0.92, 0.004), "GBP": (0.79, 0.004), "CNY": (7.2, 0.002),
    "JPY": (148.0, 0.006), "AUD": (1.52, 0.005), "NZD": (1.64, 0.005), "HKD": (7.8, 0.0003),
    "SGD": (1.35, 0.003), "KRW": (1330.0, 0.005), "INR": (83.0, 0.003), "THB": (35.5, 0.004),
    "MYR": (4.6, 0.003), "AED": (3.6725, 0.0), "VND": (24500.0, 0.002), "CAD": (1.36, 0.004),
}

# Offices of the home service: code, mode, share of that mode's traffic.
OFFICES: dict[str, tuple[tuple[str, float], ...]] = {
    "sea": (("AKLS", 0.48), ("TRGS", 0.27), ("LYTS", 0.14), ("WLGS", 0.07), ("POES", 0.04)),
    "air": (("AKLA", 0.78), ("CHCA", 0.17), ("WLGA", 0.05)),
    "post": (("AKLP", 0.85), ("CHCP", 0.15)),
}
HOME_PORT = {"sea": "NZAKL", "air": "NZAKL"}


@dataclass(frozen=True)
class TariffLine:
    hs: str                 # 8 digits: HS 2022 subheading + national suffix
    description: str
    duty: float             # most-favoured-nation ad valorem rate
    unit: str               # quantity unit: 'kg', 'u', 'pr', 'l'
    price: float            # reference unit price in USD
    kg_per_unit: float
    lot: float              # typical quantity per item of a sea consignment
    flags: str = ""         # P produce with pest risk, R trade-remedy goods, C cover for concealment


_T = TariffLine
TARIFF: tuple[TariffLine, ...] = (
    _T("02013000", "Fresh or chilled boneless bovine meat", 0.05, "kg", 9.0, 1, 18000),
    _T("03034200", "Frozen yellowfin tunas", 0.0, "kg", 6.0, 1, 20000),
    _T("03061700", "Frozen shrimps and prawns", 0.05, "kg", 9.5, 1, 12000),
    _T("04022100", "Milk powder, fat content over 1.5%", 0.10, "kg", 4.2, 1, 20000),
    _T("04069000", "Cheese, other", 0.08, "kg", 8.0, 1, 10000),
    _T("06029000", "Live plants, other", 0.0, "u", 3.0, 0.5, 2000, "P"),
    _T("06031900", "Fresh cut flowers, other", 0.0, "kg", 12.0, 1, 800, "P"),
    _T("07031000", "Onions and shallots, fresh or chilled", 0.0, "kg", 0.6, 1, 20000, "P"),
    _T("07099900", "Vegetables, fresh or chilled, other", 0.0, "kg", 2.0, 1, 8000, "P"),
    _T("08039000", "Bananas, fresh", 0.0, "kg", 0.8, 1, 20000, "P"),
    _T("08045000", "Guavas, mangoes and mangosteens, fresh", 0.0, "kg", 2.8, 1, 9000, "P"),
    _T("08051000", "Oranges, fresh", 0.0, "kg", 1.0, 1, 18000, "P"),
    _T("08061000", "Grapes, fresh", 0.0, "kg", 2.5, 1, 15000, "P"),
    _T("08109000", "Fresh fruit, other (lychees, durian, rambutan)", 0.0, "kg", 3.5, 1, 6000, "P"),
    _T("09011100", "Coffee, not roasted, not decaffeinated", 0.0, "kg", 4.0, 1, 18000),
    _T("09024000", "Black tea, fermented", 0.0, "kg", 3.5, 1, 12000),
    _T("10063000", "Rice, semi-milled or wholly milled", 0.0, "kg", 0.6, 1, 24000, "P"),
    _T("12099100", "Vegetable seeds for sowing", 0.0, "kg", 40.0, 1, 300, "P"),
    _T("15119000", "Palm oil, refined", 0.0, "kg", 1.0, 1, 22000),
    _T("17019900", "Cane or beet sugar, refined", 0.12, "kg", 0.5, 1, 24000),
    _T("17029000", "Other sugars, including invert sugar", 0.02, "kg", 0.7, 1, 20000),
    _T("17049000", "Sugar confectionery without cocoa", 0.10, "kg", 3.0, 1, 8000),
    _T("19053100", "Sweet biscuits", 0.08, "kg", 4.0, 1, 8000),
    _T("20089900", "Fruit, otherwise prepared or preserved", 0.05, "kg", 2.5, 1, 10000),
    _T("21069000", "Food preparations not elsewhere specified", 0.05, "kg", 6.0, 1, 8000, "C"),
    _T("22030000", "Beer made from malt", 0.15, "l", 1.5, 1.1, 20000),
    _T("22042100", "Wine in containers of 2 l or less", 0.12, "l", 5.0, 1.3, 9000),
    _T("22071000", "Undenatured ethyl alcohol, 80% vol or higher", 0.05, "l", 1.2, 0.8, 18000),
    _T("22083000", "Whiskies", 0.25, "l", 14.0, 1.4, 6000),
    _T("24022000", "Cigarettes containing tobacco", 0.35, "u", 0.05, 0.001, 2000000),
    _T("24039900", "Manufactured tobacco, other", 0.10, "kg", 20.0, 1, 2000),
    _T("30049000", "Medicaments in measured doses, other", 0.0, "kg", 80.0, 1, 1500),
    _T("33049900", "Beauty or make-up preparations, other", 0.05, "kg", 25.0, 1, 3000),
    _T("33051000", "Shampoos", 0.05, "kg", 4.0, 1, 9000),
    _T("34011100", "Soap for toilet use", 0.05, "kg", 3.0, 1, 9000),
    _T("39241000", "Tableware and kitchenware of plastics", 0.05, "kg", 3.0, 1, 7000),
    _T("39269099", "Articles of plastics, other", 0.05, "kg", 5.0, 1, 6000, "C"),
    _T("40111000", "New pneumatic tyres of rubber, for motor cars", 0.15, "u", 45.0, 9, 1200, "R"),
    _T("40122000", "Used pneumatic tyres", 0.05, "u", 12.0, 9, 1500),
    _T("42022100", "Handbags with outer surface of leather", 0.10, "u", 60.0, 0.8, 1500),
    _T("42029200", "Travel bags with outer surface of textile", 0.10, "u", 15.0, 1.2, 3000),
    _T("44071100", "Pine wood sawn lengthwise, over 6 mm thick", 0.0, "kg", 0.5, 1, 22000, "P"),
    _T("44189900", "Builders' joinery and carpentry of wood, other", 0.05, "kg", 2.0, 1, 9000, "C"),
    _T("48025600", "Uncoated paper, 40-150 g/m2, in sheets", 0.0, "kg", 1.0, 1, 22000),
    _T("52081200", "Woven cotton fabrics, unbleached, over 100 g/m2", 0.0, "kg", 6.0, 1, 8000),
    _T("61091000", "T-shirts, singlets and vests of cotton, knitted", 0.20, "u", 3.5, 0.2, 12000),
    _T("61102000", "Jerseys and pullovers of cotton, knitted", 0.20, "u", 8.0, 0.4, 8000),
    _T("62034200", "Men's trousers and shorts of cotton", 0.20, "u", 9.0, 0.5, 8000),
    _T("62044300", "Women's dresses of synthetic fibres", 0.20, "u", 12.0, 0.4, 6000),
    _T("63079000", "Made-up textile articles, other", 0.05, "kg", 5.0, 1, 5000),
    _T("64039900", "Footwear with leather uppers, other", 0.20, "pr", 22.0, 0.9, 3000),
    _T("64041900", "Footwear with textile uppers, other", 0.20, "pr", 9.0, 0.6, 5000),
    _T("64069000", "Parts of footwear", 0.05, "kg", 7.0, 1, 3000),
    _T("69072100", "Ceramic tiles, water absorption 0.5% or less", 0.05, "kg", 0.6, 1, 22000, "C"),
    _T("70132800", "Drinking glasses, other than of glass-ceramics", 0.05, "kg", 3.0, 1, 8000),
    _T("71131900", "Jewellery of precious metal other than silver", 0.05, "u", 200.0, 0.02, 300),
    _T("71171900", "Imitation jewellery of base metal", 0.05, "kg", 20.0, 1, 500),
    _T("72085100", "Flat-rolled iron or steel, hot-rolled, over 10 mm", 0.10, "kg", 0.75, 1, 24000, "R"),
    _T("72104900", "Flat-rolled iron or steel, zinc-coated", 0.10, "kg", 0.95, 1, 24000, "R"),
    _T("72142000", "Bars and rods of iron, deformed (rebar)", 0.10, "kg", 0.7, 1, 24000, "R"),
    _T("73181500", "Screws and bolts of iron or steel", 0.08, "kg", 2.5, 1, 12000, "R"),
    _T("73239300", "Table and kitchen articles of stainless steel", 0.05, "kg", 6.0, 1, 6000),
    _T("76042900", "Aluminium alloy bars, rods and profiles", 0.10, "kg", 3.8, 1, 18000, "R"),
    _T("76061200", "Aluminium alloy plates, over 0.2 mm", 0.10, "kg", 4.0, 1, 18000, "R"),
    _T("84151000", "Air conditioning machines, window or wall types", 0.05, "u", 300.0, 35, 200),
    _T("84181000", "Combined refrigerator-freezers", 0.05, "u", 450.0, 70, 120),
    _T("84713000", "Portable automatic data processing machines", 0.0, "u", 600.0, 2.5, 500),
    _T("84733000", "Parts and accessories of computers", 0.0, "kg", 60.0, 1, 800),
    _T("84798900", "Machines with individual functions, other", 0.0, "u", 4000.0, 500, 8, "C"),
    _T("84821000", "Ball bearings", 0.05, "kg", 9.0, 1, 5000),
    _T("85044000", "Static converters", 0.05, "u", 40.0, 1.5, 2000),
    _T("85163100", "Hair dryers", 0.05, "u", 12.0, 0.8, 3000),
    _T("85171300", "Smartphones", 0.05, "u", 250.0, 0.3, 1500),
    _T("85177900", "Parts of telephone sets, other", 0.0, "kg", 80.0, 1, 500),
    _T("85287200", "Reception apparatus for television, colour", 0.10, "u", 280.0, 14, 400),
    _T("85299000", "Parts of reception apparatus, other", 0.0, "kg", 30.0, 1, 2000),
    _T("85395200", "LED lamps", 0.05, "u", 2.0, 0.06, 30000),
    _T("85414300", "Photovoltaic cells assembled in modules", 0.10, "u", 110.0, 22, 600, "R"),
    _T("85444200", "Electric conductors fitted with connectors", 0.05, "kg", 9.0, 1, 5000),
    _T("87032300", "Motor cars, spark-ignition, 1500-3000 cc", 0.10, "u", 18000.0, 1400, 4),
    _T("87089900", "Parts and accessories of motor vehicles, other", 0.05, "kg", 8.0, 1, 6000),
    _T("87116000", "Motorcycles with electric motor for propulsion", 0.05, "u", 900.0, 60, 60),
    _T("87120000", "Bicycles, not motorised", 0.10, "u", 150.0, 14, 300),
    _T("90041000", "Sunglasses", 0.10, "u", 6.0, 0.05, 5000),
    _T("91021100", "Wrist-watches, electrically operated, mechanical display", 0.15, "u", 45.0, 0.1, 2000),
    _T("91149000", "Clock or watch parts, other", 0.02, "kg", 150.0, 1, 100),
    _T("94016100", "Upholstered seats with wooden frames", 0.10, "u", 120.0, 25, 300, "C"),
    _T("94019900", "Parts of seats, other", 0.0, "kg", 4.0, 1, 5000),
    _T("94036000", "Wooden furniture, other", 0.10, "kg", 3.0, 1, 9000, "C"),
    _T("94054200", "LED luminaires and lighting fittings", 0.05, "u", 25.0, 1.5, 2000),
    _T("95030000", "Toys, scale models and puzzles", 0.05, "kg", 6.0, 1, 6000),
    _T("95069100", "Articles for gymnastics or fitness", 0.05, "kg", 4.0, 1, 8000),
    _T("96032100", "Toothbrushes", 0.05, "u", 0.3, 0.02, 60000),
)
HS_INDEX = {t.hs: i for i, t in enumerate(TARIFF)}

# Misclassification: true line -> the lower-duty line it is declared under.
MISCLASSIFY: dict[str, str] = {
    "64039900": "64069000", "61091000": "63079000", "62034200": "63079000", "61102000": "63079000",
    "87032300": "87089900", "85287200": "85299000", "91021100": "91149000", "22083000": "22071000",
    "04022100": "21069000", "24022000": "24039900", "40111000": "40122000", "17019900": "17029000",
    "94016100": "94019900",
}

CHAPTERS: dict[str, str] = {
    "02": "Meat and edible meat offal", "03": "Fish and crustaceans", "04": "Dairy produce; eggs; honey",
    "06": "Live trees and other plants; cut flowers", "07": "Edible vegetables", "08": "Edible fruit and nuts",
    "09": "Coffee, tea, mate and spices", "10": "Cereals", "12": "Oil seeds; seeds for sowing",
    "15": "Animal or vegetable fats and oils", "17": "Sugars and sugar confectionery",
    "19": "Preparations of cereals; pastrycooks' products", "20": "Preparations of vegetables and fruit",
    "21": "Miscellaneous edible preparations", "22": "Beverages, spirits and vinegar",
    "24": "Tobacco and manufactured tobacco substitutes", "30": "Pharmaceutical products",
    "33": "Essential oils; perfumery and cosmetics", "34": "Soap and washing preparations",
    "39": "Plastics and articles thereof", "40": "Rubber and articles thereof",
    "42": "Articles of leather; handbags and travel goods", "44": "Wood and articles of wood",
    "48": "Paper and paperboard", "52": "Cotton", "61": "Apparel, knitted or crocheted",
    "62": "Apparel, not knitted", "63": "Other made-up textile articles", "64": "Footwear",
    "69": "Ceramic products", "70": "Glass and glassware", "71": "Pearls, precious metals, jewellery",
    "72": "Iron and steel", "73": "Articles of iron or steel", "76": "Aluminium",
    "84": "Machinery and mechanical appliances", "85": "Electrical machinery and equipment",
    "87": "Vehicles other than railway", "90": "Optical, medical and precision instruments",
    "91": "Clocks and watches", "94": "Furniture; lamps; prefabricated buildings",
    "95": "Toys, games and sports requisites", "96": "Miscellaneous manufactured articles",
}

VAGUE_DESCRIPTIONS = ("PARTS", "SPARE PARTS", "ACCESSORIES", "GENERAL CARGO", "SAMPLES", "GOODS AS PER INVOICE")

CONCEALED_GOODS = ("methamphetamine", "cocaine", "MDMA", "firearms and parts", "undeclared cigarettes",
                   "precursor chemicals")

PESTS_BY_CHAPTER = {
    "06": "plant pathogen (Xylella)", "07": "fruit fly larvae", "08": "fruit fly larvae",
    "10": "khapra beetle", "12": "seed-borne pathogen", "44": "wood-boring beetle",
}
