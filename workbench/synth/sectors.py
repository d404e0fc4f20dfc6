"""Lines of business: which tariff lines an importer in a sector buys, from where, and how.

Each sector lists its tariff lines, the partner countries that supply it (with weights), how
its goods travel (sea, air, post) and how seasonal its trade is.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.synth.reference import HS_INDEX


@dataclass(frozen=True)
class Sector:
    name: str
    share: float                           # share of importers whose main sector this is
    lines: tuple[str, ...]
    origins: dict[str, float]
    modes: tuple[float, float, float]      # sea, air, post
    seasonal: float                        # amplitude of the yearly cycle


SECTORS: tuple[Sector, ...] = (
    Sector("produce", 0.07, ("06029000", "06031900", "07031000", "07099900", "08039000", "08045000",
                             "08051000", "08061000", "08109000", "10063000", "12099100"),
           {"AU": 6, "US": 4, "PH": 4, "TH": 3, "VN": 2, "MX": 2, "CL": 3, "PE": 2, "FJ": 2, "WS": 1,
            "ZA": 1, "IN": 2, "ES": 1, "IT": 1, "CO": 1, "MY": 1, "ID": 1, "CN": 2}, (0.7, 0.3, 0.0), 0.6),
    Sector("food", 0.1, ("02013000", "03034200", "03061700", "04022100", "04069000", "09011100", "09024000",
                         "15119000", "17019900", "17029000", "17049000", "19053100", "20089900", "21069000"),
           {"AU": 8, "US": 3, "TH": 3, "MY": 2, "ID": 2, "IN": 2, "CN": 3, "IT": 2, "GB": 2, "DE": 1,
            "NL": 1, "FR": 1, "VN": 2, "BR": 1, "CO": 1}, (0.85, 0.1, 0.05), 0.2),
    Sector("beverages", 0.05, ("22030000", "22042100", "22071000", "22083000"),
           {"FR": 4, "IT": 3, "AU": 5, "GB": 3, "US": 2, "DE": 1, "CL": 2, "ES": 2, "MX": 1, "NL": 1, "BE": 1,
            "JP": 1}, (0.9, 0.05, 0.05), 0.25),
    Sector("tobacco", 0.01, ("24022000", "24039900"), {"ID": 3, "GB": 2, "DE": 1, "US": 1, "PH": 1, "CH": 1},
           (0.85, 0.1, 0.05), 0.0),
    Sector("health", 0.06, ("30049000", "33049900", "33051000", "34011100", "96032100"),
           {"FR": 2, "KR": 3, "US": 3, "JP": 2, "DE": 2, "IT": 1, "CN": 3, "GB": 1, "AU": 2, "IN": 2, "CH": 1},
           (0.5, 0.35, 0.15), 0.1),
    Sector("household", 0.1, ("39241000", "39269099", "63079000", "70132800", "73239300", "85163100",
                              "85395200", "94054200"),
           {"CN": 12, "VN": 2, "TH": 1, "IN": 1, "TR": 1, "MY": 1, "TW": 1, "HK": 1}, (0.7, 0.1, 0.2), 0.25),
    Sector("apparel", 0.1, ("52081200", "61091000", "61102000", "62034200", "62044300", "63079000",
                            "42022100", "42029200", "71171900", "90041000"),
           {"CN": 10, "BD": 4, "IN": 3, "VN": 3, "PK": 2, "TR": 2, "ID": 2, "IT": 1, "HK": 1}, (0.6, 0.2, 0.2), 0.3),
    Sector("footwear", 0.03, ("64039900", "64041900", "64069000"),
           {"CN": 8, "VN": 5, "ID": 2, "IT": 1, "IN": 1, "BR": 1}, (0.7, 0.15, 0.15), 0.2),
    Sector("electronics", 0.1, ("84713000", "84733000", "85044000", "85171300", "85177900", "85287200",
                                "85299000", "85444200", "91021100", "91149000"),
           {"CN": 10, "KR": 3, "JP": 2, "TW": 3, "MY": 2, "VN": 2, "US": 2, "TH": 1, "HK": 2, "SG": 1},
           (0.45, 0.4, 0.15), 0.2),
    Sector("appliances", 0.04, ("84151000", "84181000", "85163100", "85287200"),
           {"CN": 6, "KR": 3, "TH": 3, "JP": 1, "MY": 1, "TR": 1, "DE": 1}, (0.9, 0.08, 0.02), 0.3),
    Sector("vehicles", 0.08, ("40111000", "40122000", "87032300", "87089900", "87116000", "87120000", "84821000"),
           {"JP": 8, "KR": 2, "DE": 2, "US": 1, "GB": 1, "TH": 2, "CN": 4, "IN": 1, "TW": 1}, (0.88, 0.1, 0.02), 0.1),
    Sector("metals", 0.05, ("72085100", "72104900", "72142000", "73181500", "76042900", "76061200"),
           {"CN": 7, "KR": 3, "JP": 2, "AU": 3, "IN": 2, "TW": 2, "VN": 1, "MY": 1, "TR": 1}, (1.0, 0.0, 0.0), 0.1),
    Sector("building", 0.07, ("44071100", "44189900", "69072100", "48025600", "73181500", "85414300", "84798900"),
           {"CN": 8, "IT": 1, "ES": 1, "TR": 1, "IN": 1, "MY": 1, "VN": 1, "AU": 2, "DE": 1, "PL": 1},
           (0.95, 0.05, 0.0), 0.2),
    Sector("furniture", 0.06, ("94016100", "94019900", "94036000", "44189900"),
           {"CN": 7, "MY": 2, "VN": 3, "ID": 2, "IT": 1, "PL": 1, "TR": 1}, (0.95, 0.02, 0.03), 0.2),
    Sector("toys", 0.08, ("95030000", "95069100", "87120000", "71131900"),
           {"CN": 10, "TW": 1, "VN": 1, "US": 1, "DE": 1, "HK": 1}, (0.65, 0.15, 0.2), 0.5),
)
SECTOR_NAMES = tuple(s.name for s in SECTORS)
SECTOR_LINES = {s.name: tuple(HS_INDEX[h] for h in s.lines) for s in SECTORS}
BY_NAME = {s.name: s for s in SECTORS}
