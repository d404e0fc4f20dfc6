"""Rule text: what the ASYCUDA style can express comes out exactly; everything else is named in the
report with its reason, never approximated."""

from __future__ import annotations

import datetime as dt

from workbench.export.content import Content
from workbench.export.rules import report, rules_files, translate
from workbench.profiles.spec import parse_profile


def profile(criteria, **extra):
    return parse_profile({"id": extra.pop("id", "RP-R-01"), "title": "rule text test", "risk": "R-1",
                          "criteria": criteria, "treatment": extra.pop("treatment", {"lane": "red"}), **extra})


def test_the_classic_rule():
    lines, problems = translate(profile({"all": [{"field": "item.hs_code", "eq": "080810"},
                                                 {"field": "item.country_origin", "eq": "US"}]},
                                        validity={"from": "2026-01-01", "to": "2026-12-31"}), 2)
    assert problems == []
    assert lines == ['# RP-R-01 v2 (1/1) · national · import · valid 2026-01-01 to 2026-12-31 · control physical',
                     'If ComCod="080810" and CtyOrigCod="US" Then RedLane IS 100']


def test_alternatives_become_several_rules_and_scope_joins_each():
    lines, problems = translate(profile(
        {"all": [{"field": "item.hs6", "prefix": ["6403", "6404"]},
                 {"any": [{"field": "declaration.country_dispatch", "in": ["SG", "AE"]},
                          {"field": "item.customs_value_base", "gt": 1000}]}]},
        scope={"offices": ["NZAKL"]}, treatment={"lane": "yellow", "control": "documentary"}), 1)
    assert problems == []
    rules = [line for line in lines if line.startswith("If ")]
    assert len(rules) == 6
    assert 'If OfficeCod="NZAKL" and Left(ComCod,4)="6403" and CtyExpCod="SG" Then YellowLane IS 100' in rules
    assert 'If OfficeCod="NZAKL" and Left(ComCod,4)="6404" and ItmStatVal>1000 Then YellowLane IS 100' in rules


def test_what_cannot_be_expressed_is_reported_with_reasons():
    cases = {
        "indicator": ({"field": "indicator.price.unit_value_low.flag", "eq": True}, {}, "indicator values"),
        "negation": ({"not": {"field": "item.country_origin", "eq": "CN"}}, {}, "negation"),
        "ne": ({"field": "item.country_origin", "ne": "CN"}, {}, "negative test"),
        "below": ({"field": "item.customs_value_base", "lt": 100}, {}, "empty value as 0"),
        "pattern": ({"field": "item.hs_code", "matches": "^08"}, {}, "no 'matches'"),
        "list": ({"field": "declaration.importer_id", "in_list": "TL-X"}, {}, "no 'in_list'"),
        "attr": ({"field": "attr.freight", "eq": "1"}, {}, "source attributes"),
        "sample": ({"field": "item.hs_code", "eq": "0808"}, {"treatment": {"lane": "red", "selection_pct": 40}},
                   "keyed sample"),
        "exceptions": ({"field": "item.hs_code", "eq": "0808"},
                       {"exceptions": {"field": "declaration.importer_trusted", "eq": True}}, "exceptions"),
        "quote": ({"field": "declaration.office_code", "eq": 'A"B'}, {}, "double quote"),
        "field": ({"field": "item.description", "contains": ["parts"]}, {}, "no rule-text name"),
    }
    for name, (criteria, extra, why) in cases.items():
        lines, problems = translate(profile(criteria, **extra), 1)
        assert lines == [], name
        assert any(why in p for p in problems), (name, problems)
    wide = profile({"all": [{"field": "item.hs_code", "in": [f"{n:04d}" for n in range(10)]},
                            {"field": "item.country_origin", "in": [f"C{n}" for n in range(10)]}]})
    assert translate(wide, 1) == ([], ["criteria expand to more than 64 rules"])


def test_report_and_files_name_every_profile():
    good = profile({"field": "item.hs_code", "eq": "080810"}, id="RP-GOOD")
    bad = profile({"field": "indicator.route.via_hub.flag", "eq": True}, id="RP-BAD")
    content = Content(reference_date=dt.date(2026, 1, 31), base_currency="USD", selection_salt="s",
                      profiles=[(good, {"version": 1}), (bad, {"version": 3})], lists=[], indicators=[],
                      trusted_traders=[], value_control=[], watch_lists=None, contract={})
    got = report(content)
    assert got["expressed"] == [{"profile": "RP-GOOD", "version": 1, "rules": 1}]
    assert got["not_expressed"][0]["profile"] == "RP-BAD" and got["not_expressed"][0]["version"] == 3
    files = rules_files(content)
    text = files["rules/selectivity.txt"].decode()
    assert 'If ComCod="080810" Then RedLane IS 100' in text and "RP-BAD" not in text
    assert b"RP-BAD" in files["rules/report.json"]
