"""Rule text in the style of ASYCUDA selectivity criteria, for the profiles that style can express
exactly — and a report naming, for every other profile, what it could not express and why.

A profile becomes one rule per alternative of its criteria (``any`` and lists of values expand
into several rules; a declaration is selected when one rule holds for one of its items, which is
the workbench's own meaning)::

    # RP-FRUIT-01 v2 (1/2) · national · import · valid 2026-01-01 to 2026-12-31 · control physical
    If ComCod="080810" and CtyOrigCod="US" Then RedLane IS 100

Nothing is approximated. These are not expressed, and the report says which applies:

- indicator, attribute and boolean fields, and fields without a rule-text name;
- ``not``, ``ne``, ``not_in``, and ``lt``/``lte``/``between`` (a rule engine that reads an empty
  value as "" or 0 would select declarations the workbench does not: a missing value is false
  here), ``contains``, ``matches``, ``in_list``;
- exceptions, and selection percentages below 100 (the keyed sample cannot travel as text;
  ``RedLane IS 40`` would draw another sample);
- text values holding a double quote or a line break; more than :data:`MAX_RULES` alternatives.
"""

from __future__ import annotations

import itertools
from typing import Any

from workbench.export.content import Content
from workbench.export.manifest import canonical
from workbench.profiles.spec import All, Any_, Comparison, Node, Not, Profile, walk

MAX_RULES = 64

TEXT_FIELDS = {
    "item.hs_code": "ComCod",
    "item.country_origin": "CtyOrigCod",
    "declaration.country_dispatch": "CtyExpCod",
    "declaration.office_code": "OfficeCod",
    "declaration.procedure_code": "CPC",
    "declaration.importer_id": "ImpCod",
    "declaration.exporter_id": "ExpCod",
    "declaration.declarant_id": "DecCod",
    "declaration.transport_mode": "TptMode",
}
CUTS = {"item.hs6": 6, "item.hs_chapter": 2}          # cuts of ComCod
NUMBER_FIELDS = {"item.net_mass_kg": "NetMass", "item.customs_value_base": "ItmStatVal", "item.quantity": "SupQty"}
LANE_WORDS = {"green": "GreenLane", "blue": "BlueLane", "yellow": "YellowLane", "orange": "OrangeLane",
              "red": "RedLane"}


def _quoted(value: str) -> str:
    return '"' + value + '"'


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def leaf_problem(comp: Comparison) -> str | None:
    """Why a comparison cannot be written as rule text, or None."""
    field, op, value = comp.field, comp.op, comp.value
    if field.startswith("indicator."):
        return f"{field}: indicator values are computed in the workbench; rule text cannot compute them"
    if field.startswith("attr."):
        return f"{field}: source attributes have no rule-text name"
    if field in NUMBER_FIELDS:
        if op in ("gt", "gte") and value > 0:
            return None
        if op == "eq" and value != 0:
            return None
        return (f"{comp.describe()}: a rule engine reading an empty value as 0 would select declarations the "
                "workbench does not (a missing value is false here)")
    if field not in TEXT_FIELDS and field not in CUTS:
        return f"{field}: no rule-text name for this field"
    if op in ("ne", "not_in"):
        return f"{comp.describe()}: a negative test selects empty values in rule text and not in the workbench"
    if op not in ("eq", "in", "prefix"):
        return f"{comp.describe()}: rule text has no '{op}'"
    values = value if isinstance(value, list) else [value]
    if any('"' in str(v) or "\n" in str(v) or "\r" in str(v) for v in values):
        return f"{comp.describe()}: a value holds a double quote or a line break"
    if field in CUTS and any(len(str(v)) > CUTS[field] for v in values):
        return f"{comp.describe()}: a value is longer than the {CUTS[field]}-digit cut"
    return None


def _atoms(comp: Comparison) -> list[str]:
    """The alternatives of one comparison, each an atom of rule text."""
    field, op = comp.field, comp.op
    values = comp.value if isinstance(comp.value, list) else [comp.value]
    if field in NUMBER_FIELDS:
        sym = {"gt": ">", "gte": ">=", "eq": "="}[op]
        return [f"{NUMBER_FIELDS[field]}{sym}{_number(comp.value)}"]
    if field in CUTS:
        cut = CUTS[field]
        if op == "prefix":
            return [f"Left(ComCod,{len(v)})={_quoted(v)}" for v in values]
        return [f"Left(ComCod,{cut})={_quoted(str(v))}" for v in values]
    name = TEXT_FIELDS[field]
    if op == "prefix":
        return [f"Left({name},{len(v)})={_quoted(v)}" for v in values]
    return [f"{name}={_quoted(str(v))}" for v in values]


def _terms(node: Node) -> list[list[str]]:
    """The criteria as alternatives of conjunctions (each a list of atoms)."""
    if isinstance(node, Comparison):
        return [[atom] for atom in _atoms(node)]
    if isinstance(node, Any_):
        return [t for child in node.any for t in _terms(child)]
    if isinstance(node, All):
        out: list[list[str]] = [[]]
        for child in node.all:
            out = [a + b for a, b in itertools.product(out, _terms(child))]
            if len(out) > MAX_RULES:
                raise OverflowError
        return out
    raise ValueError("not")  # pragma: no cover - refused by profile_problems first


def profile_problems(profile: Profile) -> list[str]:
    problems = []
    if profile.exceptions is not None:
        problems.append("exceptions: rule text cannot subtract declarations from a rule")
    if profile.treatment.selection_pct < 100:
        problems.append(f"selection {profile.treatment.selection_pct:g} %: the keyed sample cannot travel as text "
                        f"('{LANE_WORDS[profile.treatment.lane]} IS {profile.treatment.selection_pct:g}' would draw "
                        "another sample)")
    for node in walk(profile.criteria):
        if isinstance(node, Not):
            problems.append("not: a negation selects empty values in rule text and not in the workbench")
        elif isinstance(node, Comparison):
            problem = leaf_problem(node)
            if problem:
                problems.append(problem)
    return list(dict.fromkeys(problems))


def scope_terms(profile: Profile) -> list[list[str]]:
    scope = profile.scope
    terms: list[list[str]] = [[]]
    for name, values in (("OfficeCod", scope.offices), ("CPC", scope.procedures)):
        if values:
            terms = [t + [f"{name}={_quoted(v)}"] for t in terms for v in values]
    return terms


def translate(profile: Profile, version: int) -> tuple[list[str], list[str]]:
    """(rule lines, problems) for one profile: lines only when there are no problems."""
    problems = profile_problems(profile)
    for value in profile.scope.offices + profile.scope.procedures:
        if '"' in value or "\n" in value:
            problems.append(f"scope value {value!r} holds a double quote or a line break")
    if problems:
        return [], problems
    try:
        terms = [s + t for s, t in itertools.product(scope_terms(profile), _terms(profile.criteria))]
    except OverflowError:
        terms = None
    if terms is None or len(terms) > MAX_RULES:
        return [], [f"criteria expand to more than {MAX_RULES} rules"]
    header = [profile.level, profile.scope.direction or "any direction"]
    valid = profile.validity
    if valid.from_ or valid.to:
        header.append(f"valid {valid.from_ or '…'} to {valid.to or '…'}")
    header.append(f"control {profile.treatment.control}")
    lane = LANE_WORDS[profile.treatment.lane]
    lines = []
    for n, term in enumerate(terms, 1):
        lines.append(f"# {profile.id} v{version} ({n}/{len(terms)}) · " + " · ".join(header))
        lines.append(f"If {' and '.join(dict.fromkeys(term))} Then {lane} IS 100")
    return lines, []


def report(content: Content) -> dict[str, Any]:
    expressed, not_expressed, lines = [], [], []
    for profile, row in content.profiles:
        rule_lines, problems = translate(profile, row["version"])
        if problems:
            not_expressed.append({"profile": profile.id, "version": row["version"], "reasons": problems})
        else:
            expressed.append({"profile": profile.id, "version": row["version"], "rules": len(rule_lines) // 2})
            lines += rule_lines
    return {"expressed": expressed, "not_expressed": not_expressed, "lines": lines}


def rules_files(content: Content) -> dict[str, bytes]:
    got = report(content)
    head = [f"# Selectivity rules from the Customs Risk Workbench, reference date {content.reference_date}.",
            "# Generated: do not edit. Profiles that rule text cannot express exactly are left out; "
            "see rules/report.json.", ""]
    text = "\n".join(head + got["lines"]) + "\n"
    summary = {"reference_date": content.reference_date, "expressed": got["expressed"],
               "not_expressed": got["not_expressed"]}
    return {"rules/selectivity.txt": text.encode("utf-8"), "rules/report.json": canonical(summary)}
