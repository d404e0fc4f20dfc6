"""One truth for a profile: what the workbench selects from its store (the backtest's query over
the frame, as of the bundle's reference date) is exactly what the targeting service selects when
it is sent the same declarations — as they were lodged, with the indicator values the bundle's
contract asks for — and the bundle.

The example profiles (indicators, exceptions, a 40 % keyed sample) and a list-reading profile go
through the real service on loopback; random profiles go through the service's scorer directly.
The scorer has two paths — the reference evaluator over rows built in Python for small requests,
DuckDB over the compiled profiles for batches — and every test here runs each of them.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicator_fixtures import copy_store
from test_export_bundle import REF, shared_world
from test_targeting_service import Service
from workbench.export import make_bundle
from workbench.export.bundle import Bundle
from workbench.profiles.backtest import compile_set
from workbench.profiles.compiler import used_fields
from workbench.profiles.frame import build_frame
from workbench.profiles.registry import live_profiles
from workbench.profiles.selection import store_salt
from workbench.profiles.spec import parse_profile
from workbench.store.connection import open_store
from workbench.profiles.fields import all_fields
from workbench.targeting.bulk import arrow_stream, read_stream
from workbench.targeting.message import parse
from workbench.targeting.rows import TWINS, frame_rows, plain
from workbench.targeting.scorer import Scorer

PATHS = ("python", "sql", "columns")

START, END = dt.date(2025, 7, 1), dt.date(2026, 1, 1)
HEADER = ("office_code", "direction", "procedure_code", "transport_mode", "importer_id", "exporter_id",
          "declarant_id", "carrier_id", "voyage_id", "bill_of_lading", "container_id", "country_dispatch",
          "country_origin", "currency")
ITEM = ("hs_code", "description", "country_origin", "quantity", "quantity_unit", "net_mass_kg", "customs_value",
        "customs_value_base", "duty_rate", "duty", "preference_code")


def records(con, sql, params=None):
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def lodgement_messages(con, indicators: list[str]) -> list[dict]:
    """The declarations lodged in the window as first lodged, from the store's own tables, each
    item with the indicator values of the store's build (the bundle's contract)."""
    decls = records(con, """select * from declaration where lodged_at >= ? and lodged_at < ?
                            qualify row_number() over (partition by declaration_id order by known_at, version) = 1
                            order by declaration_id""", [START, END])
    items: dict[tuple, list] = {}
    for it in records(con, "select * from declaration_item"):
        items.setdefault((it["declaration_id"], it["version"]), []).append(it)
    values: dict[tuple, dict] = {}
    if indicators:
        for r in records(con, """select it.declaration_id, it.version, it.item_no, v.indicator_id, v.value, v.flag
                                 from indicator_value_latest v join indicator_item it
                                   on it.declaration_id = v.declaration_id and it.version = v.version
                                  and it.item_no = v.item_no and it.build_id = v.build_id
                                 where list_contains(?::VARCHAR[], v.indicator_id)""", [indicators]):
            values.setdefault((r["declaration_id"], r["version"], r["item_no"]), {})[r["indicator_id"]] = \
                {"value": r["value"], "flag": r["flag"]}
    out = []
    for d in decls:
        out.append({"declaration_id": d["declaration_id"], "lodged_at": d["lodged_at"].isoformat(),
                    **{k: d[k] for k in HEADER}, "attrs": json.loads(d["attrs"]) if d["attrs"] else {},
                    "items": [{"item_no": it["item_no"], **{k: it[k] for k in ITEM},
                               "attrs": json.loads(it["attrs"]) if it["attrs"] else {},
                               "indicators": {ind: values.get((d["declaration_id"], d["version"], it["item_no"]), {})
                                              .get(ind, {"value": None, "flag": None}) for ind in indicators}}
                              for it in sorted(items[(d["declaration_id"], d["version"])], key=lambda i: i["item_no"])]})
    return out


@pytest.fixture(scope="module")
def setting(world_store, tmp_path_factory):
    master, key = shared_world(world_store, tmp_path_factory, indicators=True)
    db = copy_store(master, tmp_path_factory.mktemp("one-truth") / "world.duckdb")   # the bundle is kept in it
    with open_store(db) as con:
        bundle = make_bundle(con, signing_key=key, reference_date=REF).bundle
        profiles = live_profiles(con, REF)
        salt = store_salt(con)
        # the frame holds every field the random profiles below may read, not only the examples' fields
        build_frame(con, START, END, fields=used_fields(profiles) | RANDOM_FIELDS,
                    lists=set().union(*(p.lists_used() for p in profiles)))
        _, sql, params = compile_set(profiles, salt)
        workbench = {(r[0], r[4]) for r in con.execute(sql, params).fetchall()}
        frame = records(con, "select * from pf_item")
        messages = lodgement_messages(con, bundle.manifest.indicators.required)
        indicators = bundle.manifest.indicators.required
        build_frame(con, START, END, fields={f.name for f in all_fields()} |
                    {f"indicator.{i}{s}" for i in indicators for s in ("", ".flag")} | {"attr.any"})
        full = records(con, "select * from pf_item")
    return {"db": db, "key": key, "bundle": bundle, "salt": salt, "selected": workbench, "frame": frame,
            "messages": messages, "parsed": parse({"declarations": messages})[0], "profiles": profiles,
            "full_frame": full}


def test_rows_built_in_python_are_the_workbench_frame_rows(setting):
    """Every fixed field, the indicators and the attributes, item by item: the Python twin of
    each field gives what the workbench's frame holds for the same declaration."""
    scorer = Scorer(setting["bundle"])
    try:
        indicators = scorer.indicators
        assert set(TWINS) == {f.name for f in all_fields()}
        built = {}
        for d in setting["parsed"]:
            assert plain(d)
            for row in frame_rows(d, sorted(TWINS), indicators, attrs=True, trusted=scorer._trusted(d)):
                built[(row["declaration_id"], row["item_no"])] = row
    finally:
        scorer.close()
    frame = setting["full_frame"]
    assert len(built) == len(frame) > 5000
    columns = sorted(TWINS) + [f"indicator.{i}{s}" for i in indicators for s in ("", ".flag")] + ["lodged_at"]
    differ = []
    for row in frame:
        mine = built[(row["declaration_id"], row["item_no"])]
        for c in columns:
            if mine[c] != row[c] or type(mine[c]) is not type(row[c]):
                differ.append((row["declaration_id"], row["item_no"], c, mine[c], row[c]))
        if mine["attrs"] != (json.loads(row["attrs"]) if row["attrs"] else {}):
            differ.append((row["declaration_id"], row["item_no"], "attrs", mine["attrs"], row["attrs"]))
    assert differ == []


def test_the_service_selects_what_the_workbench_selects(setting, tmp_path):
    bundle = setting["bundle"]
    assert {p.id for p in setting["profiles"]} == {p.id for p in bundle.manifest.profiles}
    service = Service(tmp_path / "state", setting["key"].with_name(setting["key"].name + ".pub"))
    try:
        assert service.client.post("/bundles", content=bundle.packed()).status_code == 201
        decisions = []
        messages = setting["messages"]
        for n in range(0, len(messages), 2000):
            got = service.client.post("/score?explain=false", json={"declarations": messages[n:n + 2000]})
            assert got.status_code == 200, got.text
            decisions += got.json()["decisions"]
        # one at a time (the Python path), the selecting ones and as many others: the same decisions
        chosen = [n for n, d in enumerate(decisions) if d["profiles"] or d["sampled_out"]][:150]
        chosen += [n for n, d in enumerate(decisions) if not d["profiles"]][:150]
        for n in chosen:
            one = service.client.post("/score?explain=false", json=messages[n]).json()
            assert {k: v for k, v in one.items() if k not in ("decision_id", "decided_at")} == \
                {k: v for k, v in decisions[n].items() if k not in ("decision_id", "decided_at")}
    finally:
        service.stop()
    served = {(p["profile_id"], d["declaration_id"]) for d in decisions for p in d["profiles"]}
    by_profile = {pid for pid, _ in setting["selected"]}
    assert len(decisions) == len(messages) > 3000
    assert {"RP-BIO-01", "RP-LIST-01", "RP-MODEL-01"} <= by_profile           # the sample, the list, the model
    assert len(by_profile) >= 5                                               # indicator profiles select too
    assert served == setting["selected"]
    assert any(d["sampled_out"] for d in decisions)                           # the 40 % sample left some out
    assert not any(d["missing_indicators"] for d in decisions)


def test_both_paths_decide_alike_and_as_the_workbench_selects(setting):
    """The whole decision — lanes, items, reasons, samples left out — on each path, in process."""
    scorer = Scorer(setting["bundle"])
    try:
        parsed = setting["parsed"]
        assert scorer.takes_python(parsed, "python") and not scorer.takes_python(parsed, "sql")
        assert scorer.takes_python(parsed[:1]) and not scorer.takes_python(parsed)   # what a request takes
        decided = {path: scorer.score(parsed, explain=True, path=path) for path in PATHS}
        # the same batch as columns: read from JSON by Arrow, and sent as an Arrow stream
        body = json.dumps({"declarations": setting["messages"]}).encode()
        table = scorer.read_json(body)
        assert table is not None
        decided["json as columns"] = scorer.score_table(table, explain=True)
        decided["arrow stream"] = scorer.score_table(read_stream(arrow_stream(table), scorer.indicators), explain=True)
        decided["arrow stream, sql"] = scorer.score_table(table, explain=True, path="sql")
        as_table = scorer.score_table(table, explain=True, as_table=True).to_pylist()
        for d in as_table:                                    # the table's rows hold a null where JSON has no reason
            for entry in d["profiles"]:
                if entry["reason"] is None:
                    del entry["reason"]
        decided["arrow stream, answered as a table"] = as_table
    finally:
        scorer.close()
    for path in decided:
        served = {(p["profile_id"], d["declaration_id"]) for d in decided[path] for p in d["profiles"]}
        assert served == setting["selected"], path
        assert decided[path] == decided["python"], path
    assert sum(1 for d in decided["python"] for p in d["profiles"] if "reason" in p) == len(setting["selected"])
    assert any(d["sampled_out"] for d in decided["python"])


def test_the_bundle_carries_the_model_whose_score_a_profile_reads(setting):
    """RP-MODEL-01 reads the model's score: the bundle holds the store's latest model whole, and
    its booster predicts exactly what the store's does."""
    import numpy as np

    from workbench.models.registry import get_model

    bundle = setting["bundle"]
    m = bundle.manifest
    assert {"model.risk_score", "model.risk_percentile"} <= set(m.indicators.required)
    assert m.reference["model"] == "model/model.json" and m.reference["model_booster"] == "model/booster.txt"
    assert {"model/model.json", "model/booster.txt"} <= {f.path for f in m.files}     # hashed and signed
    meta = bundle.json_file("model/model.json")
    with open_store(setting["db"], read_only=True) as con:
        stored = get_model(con)
    assert meta["model_id"] == stored.model_id and meta["booster"]["sha256"] == stored.booster_sha256
    assert meta["percentiles"] == stored.percentiles and meta["calibration"] == stored.calibration
    assert meta["features"] == json.loads(json.dumps(stored.spec.to_dict(), default=str))
    import lightgbm as lgb

    shipped = lgb.Booster(model_str=bundle.files["model/booster.txt"].decode())
    X = np.random.default_rng(3).normal(size=(500, shipped.num_feature()))
    assert np.array_equal(shipped.predict(X, raw_score=True), stored.booster().predict(X, raw_score=True))


def test_indicators_left_out_are_named_alike_on_every_path(setting):
    """Declarations whose items leave out or null some of the contract's indicators: the same
    decisions, ``missing_indicators`` included, from the dicts and from the columns."""
    import copy

    scorer = Scorer(setting["bundle"])
    try:
        messages = copy.deepcopy(setting["messages"][:120])
        required = scorer.indicators
        for n, m in enumerate(messages[:60]):
            given = m["items"][0]["indicators"]
            if n % 3 == 0:
                given.pop(required[n % len(required)])
            elif n % 3 == 1:
                given[required[(n + 1) % len(required)]] = None
            else:
                m["items"][-1]["indicators"] = None
        dicts = scorer.score(parse({"declarations": messages})[0], explain=True)
        table = scorer.read_json(json.dumps({"declarations": messages}).encode())
        assert table is not None
        columns = scorer.score_table(table, explain=True)
        answered = scorer.score_table(table, explain=True, as_table=True).to_pylist()
    finally:
        scorer.close()
    for d in answered:
        for entry in d["profiles"]:
            if entry["reason"] is None:
                del entry["reason"]
    assert sum(1 for d in dicts if d["missing_indicators"]) == 60
    assert columns == dicts and answered == dicts


def test_what_python_would_read_otherwise_goes_through_duckdb(setting):
    """A number where the evaluator and DuckDB part ways (NaN, an attribute that is not text, a
    list matched against a number) sends the request the DuckDB way: one meaning still."""
    import copy

    from workbench.targeting.rows import reads_alike

    scorer = Scorer(setting["bundle"])
    try:
        plain_one = setting["parsed"][0]
        odd = [copy.deepcopy(plain_one) for _ in range(3)]
        odd[0]["items"][0]["customs_value_base"] = float("nan")
        odd[1]["attrs"] = {"freight": 12}
        odd[2]["items"][0]["indicators"] = {ind: {"value": float("inf"), "flag": True} for ind in scorer.indicators}
        assert scorer.takes_python([plain_one], "python")
        for d in odd:
            assert not scorer.takes_python([d], "python")
            assert scorer.score([d], path="python") == scorer.score([d], path="sql")
    finally:
        scorer.close()
    numbers = parse_profile({"id": "RP-N", "title": "listed values", "risk": "R-1", "treatment": {"lane": "red"},
                             "criteria": {"field": "item.customs_value_base", "in_list": "TL-SUNRISE"}})
    assert not reads_alike([numbers]) and reads_alike(setting["profiles"])


# --- random profiles ------------------------------------------------------------------------

INDICATOR_FLAGS = ["indicator.price.unit_value_low.flag", "indicator.route.via_hub.flag",
                   "indicator.description.vague.flag", "indicator.newness.first_time_importer.flag",
                   "indicator.model.risk_score.flag"]
TEXT = {"item.hs_chapter": ["08", "64", "85", "61", "52"], "item.country_origin": ["CN", "VN", "US", "SG", "IN"],
        "declaration.country_dispatch": ["CN", "SG", "AE", "US"], "declaration.transport_mode": ["sea", "air", "post"]}
NUMBER = {"item.customs_value_base": [50.0, 500.0, 5000.0], "item.net_mass_kg": [1.0, 100.0, 1000.0],
          "declaration.lodged_hour": [6.0, 12.0, 18.0], "indicator.price.unit_value_low": [1.0, 10.0, 100.0],
          "indicator.model.risk_percentile": [50.0, 90.0, 98.0], "indicator.model.risk_score": [0.05, 0.2, 0.5]}


RANDOM_FIELDS = set(INDICATOR_FLAGS) | set(TEXT) | set(NUMBER) | {"declaration.importer_id", "declaration.importer_trusted"}


def leaf():
    options = [st.sampled_from(v).map(lambda x, f=f: {"field": f, "eq": x}) for f, v in TEXT.items()]
    options += [st.lists(st.sampled_from(v), min_size=1, max_size=3).map(lambda x, f=f: {"field": f, "in": x})
                for f, v in TEXT.items()]
    options += [st.tuples(st.sampled_from(["gt", "lte"]), st.sampled_from(v)).map(lambda t, f=f: {"field": f, t[0]: t[1]})
                for f, v in NUMBER.items()]
    options += [st.sampled_from([True, False]).map(lambda x, f=f: {"field": f, "eq": x}) for f in INDICATOR_FLAGS]
    options += [st.just({"field": "declaration.importer_id", "in_list": "TL-SUNRISE"}),
                st.sampled_from([True, False]).map(lambda x: {"field": "declaration.importer_trusted", "eq": x})]
    return st.one_of(options)


trees = st.recursive(leaf(), lambda c: st.one_of(st.lists(c, min_size=1, max_size=3).map(lambda x: {"all": x}),
                                                  st.lists(c, min_size=1, max_size=3).map(lambda x: {"any": x}),
                                                  c.map(lambda x: {"not": x})), max_leaves=5)


@st.composite
def profiles(draw):
    data = {"id": "RP-RAND", "title": "random profile", "risk": "R-1", "criteria": draw(trees),
            "treatment": {"lane": draw(st.sampled_from(["red", "yellow"])),
                          "selection_pct": draw(st.sampled_from([100, 100, 30]))}}
    if draw(st.booleans()):
        data["exceptions"] = draw(trees)
    return parse_profile(data).with_version(draw(st.integers(1, 3)))


def scorer_for(bundle: Bundle, profile) -> Scorer:
    """The service's scorer over the real bundle's lists and reference state, with one profile."""
    import dataclasses

    m = bundle.manifest
    entry = m.profiles[0].model_copy(update={"id": profile.id, "version": profile.version,
                                             "path": "profiles/RP-RAND.json"})
    files = dict(bundle.files, **{"profiles/RP-RAND.json": json.dumps(profile.content()).encode()})
    indicators = sorted({f.split(".flag")[0].removeprefix("indicator.") for f in INDICATOR_FLAGS} |
                        {f.removeprefix("indicator.") for f in NUMBER if f.startswith("indicator.")})
    manifest = m.model_copy(update={"profiles": [entry], "indicators": m.indicators.model_copy(
        update={"required": indicators})})
    return Scorer(dataclasses.replace(bundle, manifest=manifest, files=files))


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(profile=profiles())
def test_random_profiles_select_alike_in_the_workbench_and_the_service(setting, profile, path):
    from workbench.profiles.evaluate import hits

    frame = setting["frame"]
    lists = {"TL-SUNRISE": []}
    with open_store(setting["db"], read_only=True) as con:
        for value, start, end in con.execute(
                "select e.value, greatest(e.valid_from, l.valid_from)::TIMESTAMP, "
                "(least(e.valid_to, l.valid_to) + INTERVAL 1 DAY)::TIMESTAMP from target_list_entry e "
                "join target_list_version l using (list_id, version) where l.status = 'active'").fetchall():
            lists["TL-SUNRISE"].append((value, start, end))
    workbench = hits(profile, frame, lists, salt=setting["salt"], version=profile.version)
    scorer = scorer_for(setting["bundle"], profile)
    try:
        assert scorer.takes_python(setting["parsed"], path) == (path == "python")
        decisions = scorer.score(setting["parsed"], explain=False, path=path)
    finally:
        scorer.close()
    served = {d["declaration_id"]: d["profiles"][0]["item_no"] for d in decisions if d["profiles"]}
    assert served == workbench
