"""Graded intelligence reports that name real traders of the world — rightly or wrongly.

Reports about scheme traders, fronts and phoenixes are mostly well graded (source reliability
A–C, information credibility 1–3); reports about innocent traders (tip-offs by competitors,
mistaken sightings) are mostly poorly graded, but not all. Names are written as a person
would: sometimes with a slip, so matching a report to a party takes fuzzy matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.synth.parties import DAY, Population
from workbench.synth.profiles import Profiles
from workbench.synth.reference import CONCEALED_GOODS, COUNTRIES, TARIFF
from workbench.synth.variants import variant_name
from workbench.synth.world import WorldConfig, stream

TRUE_GRADES = ([0.1, 0.35, 0.3, 0.15, 0.05, 0.05], [0.15, 0.35, 0.3, 0.1, 0.05, 0.05])
FALSE_GRADES = ([0.02, 0.1, 0.2, 0.3, 0.2, 0.18], [0.02, 0.1, 0.2, 0.3, 0.2, 0.18])
_COUNTRY = {c.code: c for c in COUNTRIES}


@dataclass
class Intel:
    received: np.ndarray            # int64 epoch seconds
    reliability: list[str]
    credibility: list[str]
    title: list[str]
    body: list[str]
    entities: list[str]             # "kind:value" mentions joined by "|"
    about: list[list[int]]          # trader indices the report is truly about (ground truth)
    truthful: list[bool]
    topic: list[str]

    @property
    def actionable(self) -> np.ndarray:
        """Reports an officer acts on: reliability A–C and credibility 1–3."""
        return np.array([r in "ABC" and c in "123" for r, c in zip(self.reliability, self.credibility)], dtype=bool)


def build_intel(cfg: WorldConfig, pop: Population, prof: Profiles) -> Intel:
    """About ``intel_per_10k`` reports per ten thousand declarations (at least 20)."""
    rng = stream(cfg.seed, "intel")
    n_reports = max(20, int(round(cfg.declarations * cfg.intel_per_10k / 10_000)))
    traders = pop.traders
    plan: list[tuple[str, int]] = []
    for i, t in enumerate(traders):
        if t.front:
            plan += [("concealment", i)] * int(rng.integers(1, 3))
        elif t.phoenix_of >= 0 and rng.random() < 0.5:
            plan.append(("phoenix", i))
        elif t.schemes and rng.random() < 0.25:
            plan.append((sorted(t.schemes)[int(rng.integers(0, len(t.schemes)))], i))
        elif t.splitter and rng.random() < 0.3:
            plan.append(("splitting", i))
    cap = int(0.7 * n_reports)
    if len(plan) > cap:
        keep = np.sort(rng.choice(len(plan), cap, replace=False))
        plan = [plan[k] for k in keep]
    n_true = len(plan)
    innocent = [i for i, t in enumerate(traders) if not (t.schemes or t.front or t.splitter or t.phoenix_of >= 0)]
    for i in rng.choice(innocent, n_reports - n_true, replace=True):
        plan.append((str(rng.choice(["undervaluation", "concealment", "misclassification", "false_origin"])), int(i)))
    truthful = [k < n_true for k in range(len(plan))]

    out = Intel(np.empty(len(plan), dtype=np.int64), [], [], [], [], [], [], [], [])
    for k, ((topic, i), honest) in enumerate(zip(plan, truthful)):
        t = traders[i]
        lo = max(cfg.start_epoch, t.start - 20 * DAY)
        hi = max(lo + DAY, min(cfg.end_epoch, t.end - 5 * DAY))
        out.received[k] = int(rng.integers(lo, hi)) // 60 * 60
        rel_p, cred_p = TRUE_GRADES if honest else FALSE_GRADES
        out.reliability.append("ABCDEF"[int(rng.choice(6, p=rel_p))])
        out.credibility.append("123456"[int(rng.choice(6, p=cred_p))])
        title, body, entities = _write(rng, pop, t, traders, topic)
        out.title.append(title)
        out.body.append(body)
        out.entities.append("|".join(entities))
        out.about.append([i] + ([t.phoenix_of] if topic == "phoenix" else []))
        out.truthful.append(honest)
        out.topic.append(topic)
    order = np.argsort(out.received, kind="stable")
    return Intel(out.received[order], *[[getattr(out, f)[j] for j in order] for f in
                                        ("reliability", "credibility", "title", "body", "entities", "about",
                                         "truthful", "topic")])


def _write(rng: np.random.Generator, pop: Population, t, traders, topic: str) -> tuple[str, str, list[str]]:
    p = pop.parties
    name = p.name[t.party] if rng.random() < 0.7 else variant_name(p.name[t.party], rng)
    ents = [f"party:{name}"]
    goods = TARIFF[t.lines[0]].description.lower()
    supplier = p.name[t.suppliers[0]] if t.suppliers else "an overseas supplier"
    country = _COUNTRY[p.country[t.suppliers[0]]].name if t.suppliers else "overseas"
    if rng.random() < 0.5 and p.phone[t.party]:
        ents.append(f"phone:{p.phone[t.party]}")
    if rng.random() < 0.4 and p.address[t.party]:
        ents.append(f"address:{p.address[t.party]}, {p.city[t.party]}")
    if topic == "concealment":
        drug = CONCEALED_GOODS[int(rng.integers(0, len(CONCEALED_GOODS)))]
        body = (f"Source reports that {name} is being used to bring {drug} into the country concealed in "
                f"consignments of {goods} shipped from {country} by {supplier}.")
        if t.directors:
            director = p.name[t.directors[0]]
            body += f" A person named {director} is said to arrange the clearances."
            ents.append(f"person:{director}")
        ents.append(f"party:{supplier}")
        return f"Possible concealment: {name}", body, ents
    if topic == "phoenix":
        old = traders[t.phoenix_of]
        body = (f"{name} appears to continue the business of {p.name[old.party]}, which stopped trading after "
                f"an earlier customs finding. Same suppliers ({supplier}); links through "
                f"{', '.join(t.shares) or 'people'} suspected.")
        ents.append(f"party:{p.name[old.party]}")
        return f"Suspected phoenix company: {name}", body, ents
    if topic == "undervaluation":
        body = (f"A competitor reports that {name} sells {goods} below the landed cost of honest importers; "
                f"invoices from {supplier} ({country}) are believed to be understated.")
        ents.append(f"party:{supplier}")
        return f"Suspected undervaluation: {name}", body, ents
    if topic == "misclassification":
        body = f"{name} is believed to declare {goods} under a lower-duty tariff heading, often as 'parts'."
        return f"Suspected misclassification: {name}", body, ents
    if topic == "false_origin":
        shell = p.name[t.shell] if t.shell >= 0 else supplier
        body = (f"Goods ({goods}) imported by {name} and invoiced by {shell} are said to be made in China and "
                f"relabelled in transit to claim a preferential origin.")
        ents.append(f"party:{shell}")
        return f"Suspected false origin: {name}", body, ents
    body = f"{name} is believed to split orders into many parcels below the de minimis threshold."
    return f"Suspected splitting: {name}", body, ents
