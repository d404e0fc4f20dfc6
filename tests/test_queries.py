"""The query library: every query parses, declares its parameters, and runs on the fixture stores."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.queries import Param, ParamError, QueryError, fetch, get_query, list_queries, parse_query, run_query
from workbench.store.connection import open_store

QUERIES = list_queries()

# Values for required parameters, per query, that find something in the tiny store.
REQUIRED = {
    "declaration_detail": {"declaration_id": "tiny:D1"},
    "trader_declarations": {"party_id": "tiny:P1"},
    "new_importers": {"since": "2024-01-01"},
    "party_search": {"name": "harbour"},
    "watchlist_search": {"name": "cuba"},
    "indicator_hits": {"indicator": "route.dispatch_not_origin"},
}


def test_there_is_a_library():
    assert len(QUERIES) >= 12
    for q in QUERIES:
        assert q.title and q.description and q.sql
        for p in q.params:
            assert p.description


@pytest.fixture(scope="module")
def tiny_with_build(tmp_path_factory):
    import os

    from conftest import load_tiny

    os.environ.setdefault("WORKBENCH_USER", "tester")
    db = tmp_path_factory.mktemp("q") / "tiny.duckdb"
    load_tiny(db)
    from workbench.indicators import build

    with open_store(db) as con:
        build(con)
    return db


@pytest.mark.parametrize("name", [q.name for q in QUERIES])
def test_every_query_runs_on_the_tiny_store(tiny_with_build, name):
    query = get_query(name)
    assert {p.name for p in query.params if p.required} <= set(REQUIRED.get(name, {}))
    with open_store(tiny_with_build, read_only=True) as con:
        columns, rows = fetch(con, name, REQUIRED.get(name))
    assert columns
    if name != "watchlist_search":          # the tiny store holds no watch list
        assert rows, f"{name} found nothing"


def test_known_answers(tiny_with_build):
    with open_store(tiny_with_build, read_only=True) as con:
        by_month = run_query(con, "declarations_by_month").fetchall()
        results = dict(((r[0], r[1]), r[2:]) for r in run_query(con, "inspection_results").fetchall())
        late = run_query(con, "late_results", {"min_days": 30}).fetchall()
        hits = run_query(con, "indicator_hits", {"indicator": "route.dispatch_not_origin"}).fetchall()
        top = run_query(con, "top_importers", {"top": 1}).fetchall()
        uv = run_query(con, "unit_value_stats", {"hs_prefix": "6403", "origin": "CN"}).fetchall()
    assert by_month == [(dt.date(2024, 1, 1), 2, 3, 4031.25), (dt.date(2024, 2, 1), 2, 2, 2600.0)]
    assert results[("profile", "red")] == (1, 1, 1, 1.0, 2100.0)
    assert results[("random", "yellow")] == (1, 1, 0, 0.0, 0.0)
    assert [(r[0], r[8]) for r in late] == [("tiny:I1", 38.8)]
    assert {h[0] for h in hits} == {"tiny:D2", "tiny:D4"}
    assert top[0][:4] == ("tiny:P1", "Harbour Imports Ltd", 2, 5000.0)
    assert uv == [("640399", "CN", "pr", 2, 3.8563, 11.0313, 18.2063)]


def test_parameters_are_typed_and_bound_never_formatted(tiny_with_build):
    with open_store(tiny_with_build, read_only=True) as con:
        with pytest.raises(ParamError, match="required"):
            run_query(con, "party_search")
        with pytest.raises(ParamError, match="unknown parameter"):
            run_query(con, "party_search", {"name": "x", "nme": "y"})
        with pytest.raises(ParamError, match="not a valid integer"):
            run_query(con, "top_importers", {"top": "ten"})
        with pytest.raises(ParamError, match="not one of"):
            run_query(con, "declarations_by_month", {"direction": "sideways"})
        # a hostile value is just a value
        assert run_query(con, "party_search", {"name": "x'; drop table party; --"}).fetchall() == []
        assert con.execute("select count(*) from party").fetchall() == [(4,)]


def test_query_files_are_checked():
    header = "/*\ntitle: t\ndescription: d\nparameters:\n  a: {type: integer, description: x}\n*/\n"
    assert parse_query("ok", header + "select $a as a").params[0].name == "a"
    with pytest.raises(QueryError, match="placeholders and parameters differ"):
        parse_query("bad", header + "select $b")
    with pytest.raises(QueryError, match="reads"):
        parse_query("bad", header + "delete from party where 1 = $a")
    with pytest.raises(QueryError, match="one statement"):
        parse_query("bad", header + "select $a; drop table party")
    with pytest.raises(QueryError, match="header"):
        parse_query("bad", "select 1")
    assert Param("d", "date", "x", default="2024-01-02").default == dt.date(2024, 1, 2)


def test_team_folders_add_queries(tmp_path, tiny_with_build):
    (tmp_path / "my_count.sql").write_text("/*\ntitle: Count\ndescription: Declarations.\n*/\n"
                                           "select count(*) as n from declaration_current")
    with open_store(tiny_with_build, read_only=True) as con:
        assert fetch(con, "my_count", extra_dirs=[tmp_path]) == (["n"], [(4,)])


def test_cli_list_show_run(tiny_with_build):
    runner = CliRunner()
    out = runner.invoke(app, ["query", "list", "--json"])
    assert out.exit_code == 0 and {q["name"] for q in json.loads(out.output)} == {q.name for q in QUERIES}
    out = runner.invoke(app, ["query", "show", "late_results", "--json"])
    assert json.loads(out.output)["parameters"][0]["name"] == "min_days"
    out = runner.invoke(app, ["query", "run", "top_importers", "-p", "top", "1", "--db", str(tiny_with_build), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["importer_id"] == "tiny:P1"
    out = runner.invoke(app, ["query", "run", "top_importers", "-p", "top", "--db", str(tiny_with_build)])
    assert out.exit_code == 1 and "needs a name and a value" in str(out.exception)
    out = runner.invoke(app, ["query", "run", "nope", "--db", str(tiny_with_build)])
    assert "no query named" in str(out.exception)
