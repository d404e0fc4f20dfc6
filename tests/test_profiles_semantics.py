"""One meaning for a profile: the compiled SQL and the column evaluator each select exactly what
the reference evaluator selects, for random profiles on random declarations; and no value of a
spec changes the SQL."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.profiles import columns, evaluate
from workbench.profiles.compiler import compile_profile
from workbench.profiles.frame import create_empty_frame, frame_columns
from workbench.profiles.selection import keyed_bucket, threshold
from workbench.profiles.spec import SpecError, parse_profile

NASTY = ["'; DROP TABLE pf_item; --", '"item.hs_code"', "$p_0", "%", "_", "\\", "a'b", "ÉCLAIR", "über"]
TEXT = {
    "declaration.office_code": ["NZAKL", "NZWLG", "NZCHC"] + NASTY[:2],
    "declaration.country_dispatch": ["CN", "SG", "VN", "AE"],
    "item.hs_code": ["640399", "640411", "850110", "0808100000", "6403"],
    "item.description": ["leather shoes", "Spare PARTS", "general cargo", "apples", "über boots", "a'b"],
    "item.country_origin": ["CN", "VN", "US", "NZ"],
}
NUMBER = {
    "item.customs_value_base": [0.0, 12.5, 99.99, 100.0, 1000.0, -3.0],
    "item.net_mass_kg": [0.5, 1.0, 20.0, 2500.0],
    "declaration.lodged_hour": [0.0, 6.0, 13.0, 23.0],
    "indicator.price.unit_value_low": [0.0, 0.4, 1.0],
}
BOOLEAN = ["declaration.importer_trusted", "indicator.price.unit_value_low.flag"]
ATTR_VALUES = ["12", " 3.5 ", "abc", "1e2", "", "-0", ".5", "5.", "1_0", "nan", "inf", "0x10", "12 kg", "ÉCLAIR"]
LISTS = ["LIST-A", "LIST-B"]
INDICATORS = ["price.unit_value_low"]


def text_comparison(field: str) -> st.SearchStrategy:
    pool = st.sampled_from(TEXT.get(field, ATTR_VALUES) + NASTY)
    words = st.lists(pool, min_size=1, max_size=3)
    return st.one_of(
        pool.map(lambda v: {"field": field, "eq": v}),
        pool.map(lambda v: {"field": field, "ne": v}),
        words.map(lambda v: {"field": field, "in": v}),
        words.map(lambda v: {"field": field, "not_in": v}),
        st.lists(st.sampled_from(["64", "6403", "85", "0808", "NZ", "a", "ü", "'"]), min_size=1, max_size=3)
        .map(lambda v: {"field": field, "prefix": v}),
        st.lists(st.sampled_from(["parts", "SHOE", "cargo", "über", "'"]), min_size=1, max_size=2)
        .map(lambda v: {"field": field, "contains": v}),
        st.sampled_from(["^64", "parts$", "[0-9]{6}", "(?i)leather", "a.b", "^N"]).map(lambda v: {"field": field, "matches": v}),
        st.sampled_from(LISTS).map(lambda v: {"field": field, "in_list": v}),
    )


def number_comparison(field: str) -> st.SearchStrategy:
    num = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 12.5, 100.0, 1000.0, 3.0])
    return st.one_of(
        *[num.map(lambda v, op=op: {"field": field, op: v}) for op in ("eq", "ne", "gt", "gte", "lt", "lte")],
        st.tuples(num, num).map(lambda t: {"field": field, "between": sorted(t)}),
        st.lists(num, min_size=1, max_size=3).map(lambda v: {"field": field, "in": v}),
        st.lists(num, min_size=1, max_size=3).map(lambda v: {"field": field, "not_in": v}),
    )


def comparison() -> st.SearchStrategy:
    options = [text_comparison(f) for f in TEXT] + [number_comparison(f) for f in NUMBER]
    options += [st.sampled_from([True, False]).map(lambda v, f=f: {"field": f, "eq": v}) for f in BOOLEAN]
    options += [text_comparison("attr.freight"), number_comparison("attr.freight"), text_comparison("attr.code")]
    return st.one_of(*options)


trees = st.recursive(
    comparison(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"any": c}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=6,
)

BASE = dt.datetime(2024, 3, 1)


@st.composite
def profiles(draw):
    data = {"id": "RP-PROP", "title": "property test", "risk": "R-1", "criteria": draw(trees),
            "treatment": {"lane": "red", "selection_pct": draw(st.sampled_from([100, 100, 50, 12.5, 1]))},
            "scope": {"direction": draw(st.sampled_from(["import", None])),
                      "offices": draw(st.sampled_from([[], ["NZAKL"], ["NZAKL", "NZWLG"]]))}}
    if draw(st.booleans()):
        data["exceptions"] = draw(trees)
    if draw(st.booleans()):
        data["validity"] = {"from": "2024-03-02", "to": "2024-03-04"}
    return parse_profile(data)


def value(pool):
    return st.one_of(st.none(), st.sampled_from(pool))


@st.composite
def declarations(draw):
    rows = []
    for d in range(draw(st.integers(1, 6))):
        header = {"declaration_id": f"d{d}", "decl_version": 1,
                  "lodged_at": BASE + dt.timedelta(hours=draw(st.integers(0, 24 * 5))),
                  "declaration.direction": draw(st.sampled_from(["import", "export", None])),
                  "declaration.importer_trusted": draw(st.one_of(st.none(), st.booleans()))}
        for f in ("declaration.office_code", "declaration.country_dispatch"):
            header[f] = draw(value(TEXT[f]))
        header["declaration.lodged_hour"] = draw(value(NUMBER["declaration.lodged_hour"]))
        for n in range(1, draw(st.integers(1, 3)) + 1):
            row = dict(header, item_no=n)
            for f in ("item.hs_code", "item.description", "item.country_origin"):
                row[f] = draw(value(TEXT[f]))
            for f in ("item.customs_value_base", "item.net_mass_kg", "indicator.price.unit_value_low"):
                row[f] = draw(value(NUMBER[f]))
            row["indicator.price.unit_value_low.flag"] = draw(st.one_of(st.none(), st.booleans()))
            attrs = {}
            for name in ("freight", "code"):
                v = draw(value(ATTR_VALUES))
                if v is not None:
                    attrs[name] = v
            row["attrs"] = attrs
            rows.append(row)
    return rows


@st.composite
def list_members(draw):
    members = {}
    pool = TEXT["declaration.office_code"] + TEXT["item.hs_code"] + ATTR_VALUES + NASTY
    for list_id in LISTS:
        entries = []
        for v in draw(st.lists(st.sampled_from(pool), max_size=4, unique=True)):
            start = draw(st.sampled_from([None, BASE + dt.timedelta(days=2)]))
            end = draw(st.sampled_from([None, BASE + dt.timedelta(days=3)]))
            entries.append((v, start, end))
        members[list_id] = entries
    return members


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    create_empty_frame(c, INDICATORS)
    yield c
    c.close()


COLS = [name for name, _ in frame_columns(INDICATORS)]


def load_frame(con, rows, members):
    con.execute("DELETE FROM pf_item")
    con.execute("DELETE FROM pf_list")
    if rows:
        placeholders = ", ".join("?" for _ in COLS)
        con.executemany(f"INSERT INTO pf_item VALUES ({placeholders})",
                        [[json.dumps(r[c]) if c == "attrs" else r.get(c) for c in COLS] for r in rows])
    for list_id, entries in members.items():
        for v, start, end in entries:
            con.execute("INSERT INTO pf_list VALUES (?, ?, ?, ?)", [list_id, v, start, end])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(profile=profiles(), rows=declarations(), members=list_members(), salt=st.sampled_from(["", "s3cret", "'"]))
def test_compiled_sql_selects_exactly_what_the_evaluator_selects(con, profile, rows, members, salt):
    load_frame(con, rows, members)
    compiled = compile_profile(profile, salt=salt, version=3)
    from_sql = dict(con.execute(compiled.hits, compiled.params).fetchall())
    expected = evaluate.hits(profile, rows, members, salt=salt, version=3)
    assert from_sql == expected


@settings(max_examples=300, deadline=None)
@given(profile=profiles(), rows=declarations(), members=list_members())
def test_the_column_evaluator_matches_exactly_what_the_evaluator_matches(profile, rows, members):
    """Before the sample (the keyed sample is the evaluator's own code on both sides)."""
    fields = profile.fields_used() | {"declaration.direction", "declaration.office_code", "declaration.procedure_code"}
    frame = columns.Frame.from_rows(rows, fields)
    assert columns.matched(profile, frame, members) == evaluate.Prepared(profile).matched(rows, members)


def test_attribute_numbers_read_alike_in_sql_and_python(con):
    """The edge cases of reading text as a number, one by one."""
    rows = [{"declaration_id": f"d{n}", "decl_version": 1, "item_no": 1, "lodged_at": BASE,
             "declaration.direction": "import", "attrs": {"freight": v}} for n, v in enumerate(ATTR_VALUES)]
    load_frame(con, rows, {})
    p = parse_profile({"id": "RP-NUM", "title": "numbers", "risk": "R-1",
                       "criteria": {"field": "attr.freight", "gte": -1e9}, "treatment": {"lane": "red"}})
    compiled = compile_profile(p)
    got = dict(con.execute(compiled.hits, compiled.params).fetchall())
    assert got == evaluate.hits(p, rows)
    numeric = {ATTR_VALUES[int(d[1:])] for d in got}
    assert numeric == {"12", " 3.5 ", "1e2", "-0", ".5", "5."}


def test_keyed_selection_is_reproducible_and_close_to_the_percentage(con):
    ids = [f"nzcs:{n}" for n in range(20000)]
    kept = [i for i in ids if keyed_bucket("salt", "RP-1", 2, i) < threshold(12.5)]
    assert abs(len(kept) / len(ids) - 0.125) < 0.01
    again = [i for i in ids if keyed_bucket("salt", "RP-1", 2, i) < threshold(12.5)]
    assert kept == again
    other = [i for i in ids if keyed_bucket("other", "RP-1", 2, i) < threshold(12.5)]
    assert kept != other          # the salt matters
    sql = con.execute("""select count(*) from unnest(?::VARCHAR[]) t(i)
                         where (('0x' || left(sha256('salt' || '|' || 'RP-1' || '|' || '2' || '|' || i), 8))::UBIGINT % 10000) < 1250""",
                      [ids]).fetchone()[0]
    assert sql == len(kept)


@pytest.mark.parametrize("field", ['item.hs_code"; DROP TABLE pf_item; --', "item.hs_code OR 1=1",
                                   "declaration.direction)--", 'attr.x"]', "attr.a'b", "indicator.x.y;z",
                                   "pf_item.declaration_id", "lodged_at"])
def test_field_names_that_are_not_fields_are_rejected(field):
    with pytest.raises(SpecError) as err:
        parse_profile({"id": "RP-INJ", "title": "injection", "risk": "R-1",
                       "criteria": {"field": field, "eq": "x"}, "treatment": {"lane": "red"}})
    assert "criteria" in str(err.value)


@pytest.mark.parametrize("list_id", ["L'; DROP TABLE pf_list; --", "list a", "a"])
def test_list_ids_that_are_not_ids_are_rejected(list_id):
    with pytest.raises(SpecError, match="in_list"):
        parse_profile({"id": "RP-INJ", "title": "injection", "risk": "R-1",
                       "criteria": {"field": "item.hs_code", "in_list": list_id}, "treatment": {"lane": "red"}})


@pytest.mark.parametrize("nasty", NASTY + ["') OR true --", "x' OR '1'='1"])
def test_values_never_reach_the_sql_text(con, nasty):
    load_frame(con, [{"declaration_id": "d0", "decl_version": 1, "item_no": 1, "lodged_at": BASE,
                      "declaration.direction": "import", "item.description": nasty, "attrs": {"k": nasty}}], {})
    def spec(v):
        return parse_profile({"id": "RP-INJ", "title": "injection", "risk": "R-1", "treatment": {"lane": "red"},
                              "criteria": {"any": [{"field": "item.description", "eq": v},
                                                   {"field": "attr.k", "in": [v]},
                                                   {"field": "item.description", "contains": [v]}]}})
    compiled = compile_profile(spec(nasty), salt=nasty)
    assert compiled.hits == compile_profile(spec("plain"), salt="plain").hits   # same structure, values bound
    assert dict(con.execute(compiled.hits, compiled.params).fetchall()) == {"d0": 1}
    assert con.execute("select count(*) from pf_item").fetchone()[0] == 1


def test_example_and_documented_profiles_satisfy_the_published_schema():
    import re
    from pathlib import Path

    import jsonschema
    import yaml

    from workbench.examples import profile_files
    from workbench.profiles.spec import json_schema, read_profile

    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    docs = Path(__file__).resolve().parents[1] / "docs" / "analysts" / "profiles.md"
    documented = yaml.safe_load(re.search(r"```yaml\n(id: RP-.*?)```", docs.read_text(), re.S).group(1))
    specs = [yaml.safe_load(p.read_text()) for p in profile_files()] + [documented]
    assert len(specs) == 8                     # the seven examples and the documented one
    for data in specs:
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
        parse_profile(data)
    for p in profile_files():
        assert read_profile(p).risk.startswith("R-")
