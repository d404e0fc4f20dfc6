"""Batches as columns: an Arrow stream scored by the real service on loopback (answered in JSON
or as an Arrow stream, logged either way, refused clearly when malformed, with nothing logged);
and a JSON batch read by Arrow only when that reads it exactly as the exact way does — every
body Arrow takes and the columns' checks pass gets the very decisions the exact way gives, and
every body the schema refuses is left to the exact way, which words the error."""

from __future__ import annotations

import copy
import csv
import dataclasses
import json

import pyarrow as pa
import pytest

from test_targeting_service import Service, bundles, message  # noqa: F401 - bundles is a fixture
from workbench.targeting.app import decode
from workbench.targeting.bulk import ARROW_STREAM, arrow_stream, message_schema
from workbench.targeting.message import MessageError, parse
from workbench.targeting.scorer import Scorer

INDICATORS = ["price.unit_value_low", "route.via_hub"]


def batch(n: int = 40) -> list[dict]:
    """Apples from the US (RP-FRUIT-01 selects them) and pears (it does not), two items each."""
    out = []
    for k in range(n):
        m = message(f"synth:B{k:04d}", hs="0808100000" if k % 3 == 0 else "0808300000")
        m["items"].append({"item_no": 2, "hs_code": "8528720000", "customs_value_base": 90.0 + k,
                           "indicators": {"price.unit_value_low": {"value": k / 10, "flag": k % 2 == 0}}})
        out.append(m)
    return out


def as_table(messages: list[dict], indicators: list[str] = INDICATORS) -> pa.Table:
    import datetime as dt

    rows = [dict(m, lodged_at=dt.datetime.fromisoformat(m["lodged_at"].replace("Z", "+00:00")).replace(tzinfo=None))
            for m in messages]
    return pa.Table.from_pylist(rows, schema=message_schema(indicators))


def log_rows(state) -> list[dict]:
    with open(state / "decisions.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_an_arrow_batch_is_scored_as_the_same_json_batch_and_logged(tmp_path, bundles):
    state = tmp_path / "state"
    svc = Service(state, bundles[2], max_body_mb=2)
    try:
        assert svc.client.post("/score", content=arrow_stream(as_table(batch(2))),
                               headers={"Content-Type": ARROW_STREAM}).status_code == 409      # nothing active
        assert svc.client.post("/bundles", content=bundles[0].packed()).status_code == 201
        messages = batch()
        body = arrow_stream(as_table(messages, []))
        by_json = svc.client.post("/score", json={"declarations": messages}).json()["decisions"]
        in_json = svc.client.post("/score", content=body, headers={"Content-Type": ARROW_STREAM})
        assert in_json.status_code == 200, in_json.text
        in_arrow = svc.client.post("/score", content=body, headers={"Content-Type": ARROW_STREAM, "Accept": ARROW_STREAM})
        assert in_arrow.headers["content-type"] == ARROW_STREAM
        table = pa.ipc.open_stream(in_arrow.content).read_all()

        def same(decisions):
            return [{k: v for k, v in d.items() if k not in ("decision_id", "decided_at")} for d in decisions]
        rows = table.to_pylist()
        for r in rows:
            for entry in r["profiles"]:
                if entry["reason"] is None:
                    del entry["reason"]
        assert same(in_json.json()["decisions"]) == same(by_json) == same(rows)
        assert sum(d["selected"] for d in by_json) == 14                     # every third: apples
        logged = log_rows(state)
        assert len(logged) == 3 * len(messages)
        assert [r["decision_id"] for r in logged[-len(messages):]] == table.column("decision_id").to_pylist()
        assert [r["lane"] for r in logged[-len(messages):]] == [d["lane"] for d in by_json]

        before = len(log_rows(state))
        good = as_table(messages[:3], [])

        def refused(data: bytes, words: str, status: int = 422, headers=None):
            r = svc.client.post("/score", content=data, headers={"Content-Type": ARROW_STREAM, **(headers or {})})
            assert r.status_code == status, (words, r.text)
            assert words in r.json()["error"], (words, r.json())

        refused(b"not an arrow stream at all", "not an Arrow IPC stream")
        refused(arrow_stream(good.append_column("colour", pa.array(["red"] * 3))), "unexpected column 'colour'")
        refused(arrow_stream(good.drop_columns(["lodged_at"])), "column 'lodged_at' is required")
        refused(arrow_stream(good.set_column(0, "declaration_id", pa.array(["a", "b", "a"]))), "declaration a appears twice")
        refused(arrow_stream(good.set_column(1, "lodged_at", pa.array(["2025-01-01"] * 3))),
                "lodged_at: a timestamp is expected")
        odd = copy.deepcopy(messages[:3])
        odd[1]["items"][1]["hs_code"] = "85-28"
        refused(arrow_stream(as_table(odd, [])), "declarations[1] (synth:B0001) hs_code: 2 to 10 digits")
        odd = copy.deepcopy(messages[:3])
        odd[2]["items"][1]["item_no"] = 1
        refused(arrow_stream(as_table(odd, [])), "declarations[2] (synth:B0002) item_no: 1 appears twice")
        odd = copy.deepcopy(messages[:3])
        odd[0]["items"] = []
        refused(arrow_stream(as_table(odd, [])), "declarations[0] (synth:B0000) items: 1 to 999 items")
        refused(arrow_stream(good.slice(0, 0)), "non-empty list of declarations")
        refused(arrow_stream(good), "bearer token", 401, {"Authorization": "Bearer wrong-token-000000000000"})
        # a JSON batch over the columns' threshold that the schema refuses: the exact way's words
        big = copy.deepcopy(batch(400))
        big[7]["items"][0]["hs_code"] = "08-08"
        body = json.dumps({"declarations": big}).encode()
        assert len(body) > 64 * 1024
        r = svc.client.post("/score", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["error"].startswith(
            "declarations[7] (synth:B0007) items[0].hs_code: String should match pattern"), r.text
        assert len(log_rows(state)) == before                               # nothing refused was logged
    finally:
        svc.stop()


@pytest.fixture(scope="module")
def scorer(bundles):
    """The service's scorer over the first bundle, its contract asking for two indicators."""
    bundle = bundles[0]
    m = bundle.manifest
    manifest = m.model_copy(update={"indicators": m.indicators.model_copy(update={"required": INDICATORS})})
    s = Scorer(dataclasses.replace(bundle, manifest=manifest))
    yield s
    s.close()


def exact(scorer: Scorer, body: bytes):
    """What the service's exact way answers: its decisions, or the error it words."""
    try:
        declarations, _ = parse(decode(body))
        return scorer.score(declarations, explain=True)
    except (ValueError, MessageError) as exc:
        return f"refused: {exc}"


def bodies() -> dict[str, bytes]:
    good = batch(6)
    spaced = json.dumps({"declarations": good}).encode()

    def edit(change) -> bytes:
        doc = copy.deepcopy(good)
        change(doc)
        return json.dumps({"declarations": doc}).encode()

    out = {
        "plain": spaced,
        "compact": json.dumps({"declarations": good}, separators=(",", ":")).encode(),
        "pretty, over lines": json.dumps({"declarations": good}, indent=2).encode(),
        "time with a fraction": edit(lambda d: d[0].update(lodged_at="2025-12-01T10:00:00.250")),
        "time without Z": edit(lambda d: d[0].update(lodged_at="2025-12-01T10:00:00")),
        "time with an offset": edit(lambda d: d[0].update(lodged_at="2025-12-01T10:00:00+02:00")),
        "a date for a time": edit(lambda d: d[0].update(lodged_at="2025-12-01")),
        "an impossible day": edit(lambda d: d[0].update(lodged_at="2025-02-30T10:00:00Z")),
        "attrs given": edit(lambda d: d[0].update(attrs={"freight": "12"})),
        "attrs null": edit(lambda d: d[0].update(attrs=None)),
        "attrs not an object": edit(lambda d: d[0].update(attrs=[1])),
        "indicators null": edit(lambda d: d[0]["items"][1].update(indicators=None)),
        "an indicator null": edit(lambda d: d[0]["items"][1].update(indicators={"route.via_hub": None})),
        "an indicator not read": edit(lambda d: d[0]["items"][1]["indicators"].update(
            {"history.hs6": {"value": 3, "flag": True}})),
        "an indicator of the wrong shape": edit(lambda d: d[0]["items"][1]["indicators"].update(
            {"history.hs6": {"value": "high"}})),
        "an indicator entry with more": edit(lambda d: d[0]["items"][1]["indicators"]["price.unit_value_low"].update(
            colour="red")),
        "importer trusted given": edit(lambda d: d[1].update(importer_trusted=True)),
        "a number as text": edit(lambda d: d[0]["items"][0].update(customs_value_base="500")),
        "text as a number": edit(lambda d: d[0].update(office_code=7)),
        "item number as 1.0": edit(lambda d: d[0]["items"][0].update(item_no=1.0)),
        "item number 0": edit(lambda d: d[0]["items"][0].update(item_no=0)),
        "item numbers twice": edit(lambda d: d[0]["items"][1].update(item_no=1)),
        "no items": edit(lambda d: d[0].update(items=[])),
        "items null": edit(lambda d: d[0].update(items=None)),
        "an item null": edit(lambda d: d[0]["items"].append(None)),
        "a bad HS code": edit(lambda d: d[0]["items"][0].update(hs_code="08.08")),
        "an unknown field": edit(lambda d: d[0].update(colour="red")),
        "an id twice": edit(lambda d: d[1].update(declaration_id=d[0]["declaration_id"])),
        "an empty id": edit(lambda d: d[1].update(declaration_id="")),
        "a declaration null": edit(lambda d: d.append(None)),
        "non-ASCII text": edit(lambda d: d[0]["items"][0].update(description="Äpfel, frisch")),
        "escaped text": edit(lambda d: d[0]["items"][0].update(description='a "quoted"\\nline\tand \u00e9')),
        "NaN": spaced.replace(b'"customs_value_base": 500.0', b'"customs_value_base": NaN', 1),
        "Infinity": spaced.replace(b'"customs_value_base": 500.0', b'"customs_value_base": Infinity', 1),
        "a huge number": spaced.replace(b'"customs_value_base": 500.0', b'"customs_value_base": 1e400', 1),
        "a long number": spaced.replace(b'"customs_value_base": 500.0',
                                        b'"customs_value_base": 123456789012345678901234567890.123', 1),
        "a key twice": spaced.replace(b'"direction": "import"', b'"direction": "import", "direction": "export"', 1),
        "a lone surrogate": spaced.replace(b'"office_code": "AKLP"', b'"office_code": "AK\\ud800"', 1),
        "a trailing comma": spaced[:-2] + b",]}",
        "two objects": spaced + b"\n" + spaced,
        "a key beside declarations": spaced[:-1] + b', "priority": 1}',
        "declarations null": b'{"declarations": null}',
        "no declarations": b'{"declarations": []}',
        "one declaration, not a batch": json.dumps(good[0]).encode(),
    }
    return out


READ_BY_ARROW = {"plain", "compact", "pretty, over lines", "time with a fraction", "time without Z", "attrs given",
                 "attrs null", "indicators null", "an indicator null", "an indicator not read", "importer trusted given",
                 "non-ASCII text", "escaped text", "a long number"}


@pytest.mark.parametrize("case", sorted(bodies()))
def test_a_json_batch_read_by_arrow_is_decided_exactly_as_the_exact_way(scorer, case):
    body = bodies()[case]
    expected = exact(scorer, body)
    table = scorer.read_json(body)
    if case in READ_BY_ARROW:
        assert table is not None, case                       # the fast way takes what it can read alike
    if table is None:
        return                                               # left to the exact way: one answer, by construction
    try:
        decided = scorer.score_table(table, explain=True)
    except MessageError:
        # refused on the columns: the service then hands the body to the exact way for its words
        assert isinstance(expected, str), (case, expected)
        return
    assert decided == expected, case                         # nothing the schema refuses is scored
