"""The demo generates a world once, loads it through the ordinary ingest, summarises the store,
and adds nothing when run again."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from workbench.cli import app


def test_demo_loads_summarises_and_is_idempotent(tmp_path, _isolated_home):
    db = tmp_path / "demo.duckdb"
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "-n", "3000", "--seed", "4", "--db", str(db), "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert data["generated"] is True
    assert (_isolated_home / "demo-world" / "4-3000" / "manifest.json").exists()
    assert [x["name"] for x in data["loads"]][:3] == ["countries", "hs_codes", "exchange_rates"]
    assert all(x["rows_quarantined"] == 0 and x["rows_waiting"] == 0 for x in data["loads"])
    s = data["summary"]
    assert s["declarations"] == 3000
    assert s["lodged_from"] < s["lodged_to"]
    lanes = {r["lane"] for r in s["inspections_by_lane"]}
    assert {"yellow", "red"} <= lanes <= {"green", "yellow", "orange", "red", "blue"}
    sources = {r["selection_source"]: r for r in s["inspections_by_source"]}
    assert {"profile", "random"} <= set(sources)
    assert all(0 <= (r["finding_rate"] or 0) <= 1 for r in sources.values())
    assert len(s["top_hs_chapters"]) == 10 and s["top_hs_chapters"][0]["description"]
    streams = {r["stream"]: r for r in s["strategic"]["finding_rates"]}
    assert set(streams) == {"random", "targeted"}
    assert sum(r["examined"] for r in streams.values()) == sum(r["with_result"] for r in sources.values())

    again = runner.invoke(app, ["demo", "-n", "3000", "--seed", "4", "--db", str(db), "--json"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.output)
    assert second["generated"] is False
    assert all(x["already_loaded_as"] is not None for x in second["loads"])
    assert second["summary"]["tables"] == s["tables"] and second["summary"]["loads"] == s["loads"]
    # link analysis: parties resolved into traders, the entity graph built, then left as it is
    net = data["network"]
    parties = next(t["records"] for t in s["tables"] if t["table"] == "party")
    assert net["resolution"]["parties"] == parties and 0 < net["resolution"]["entities"] < parties
    assert net["graph_build"]["mode"] == "full" and net["nodes_by_type"]["party"] > 0
    assert not net["graph"]["stale"] and second["network"]["graph_build"]["mode"] == "up to date"
    # the tactical part: example profiles tied to the register, approved by a second person, backtested
    prof = data["profiles"]
    assert len(prof["seeded"]) == 7 and prof["indicator_build"] is not None
    assert {p["profile_id"] for p in prof["backtest"]["profiles"]} == {p["profile_id"] for p in prof["seeded"]}
    assert {g["risk_id"] for g in prof["coverage"]["gaps"]} == set()
    assert second["profiles"]["seeded"] == [] and second["profiles"]["indicator_build"] is None

    # the demo ends by exporting its approved profiles, signed, to a folder under WORKBENCH_HOME
    ex = data["export"]
    assert {p.split("@")[0] for p in ex["profiles"]} == {p["profile_id"] for p in prof["seeded"]}
    assert ex["status"] == "delivered" and ex["created"] and ex["key_made"]
    assert (_isolated_home / "exports" / ex["bundle_id"] / "manifest.json").exists()
    assert (second["export"]["bundle_id"], second["export"]["created"]) == (ex["bundle_id"], False)

    shown = runner.invoke(app, ["demo", "-n", "3000", "--seed", "4", "--db", str(db)], terminal_width=160)
    assert shown.exit_code == 0, shown.output
    for title in ("records", "inspections by lane", "inspections by selection source", "top HS chapters",
                  "strategic picture", "emerging risks by chapter", "active profiles backtested",
                  "coverage of the risk register", "exported 7 profiles", "link analysis:"):
        assert title in shown.output
    assert "already loaded" in shown.output


def test_demo_help_has_an_example():
    out = CliRunner().invoke(app, ["demo", "--help"], terminal_width=200)
    assert out.exit_code == 0 and "Example: workbench demo" in out.output
