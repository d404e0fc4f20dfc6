"""The risk model and profile mining learn only from what was known before the cut-off.

Two copies of the small synthetic world: in the second, everything known at or after the
cut-off is changed — later declarations and items rewritten, later inspection results flipped,
late results added for old declarations, later party versions altered. A model trained before
the cut-off must be the same, byte for byte, and mining must propose the same candidates with
the same evidence. Determinism with a seed rides along.
"""

from __future__ import annotations

import datetime as dt

import pytest

from indicator_fixtures import copy_store
from workbench.indicators import build
from workbench.models import TrainOptions
from workbench.models.training import fit
from workbench.profiles.mining import propose
from workbench.store.connection import open_store

CUTOFF = dt.datetime(2025, 4, 1)
INDICATORS = ["price.unit_value_low", "price.value_per_kg", "history.importer", "history.hs6", "route.via_hub",
              "description.vague"]
OPTIONS = TrainOptions(seed=11, rounds=60, calibration_weeks=13)


def _mutate_after(con, cutoff: dt.datetime) -> dict[str, int]:
    """Rewrite everything known at or after ``cutoff``; returns how many rows changed."""
    changed = {}
    for table, sql in (
        ("declaration", "update declaration set office_code = 'ZZ', country_dispatch = 'ZZ', "
                        "attrs = '{\"LATE\": \"x\"}' where known_at >= $c"),
        ("declaration_item", "update declaration_item set customs_value_base = customs_value_base * 7, "
                             "hs_code = '999999', country_origin = 'ZZ' where known_at >= $c"),
        ("inspection", "update inspection set result = case result when 'positive' then 'negative' else 'positive' end, "
                       "offence_type = 'undervaluation', revenue_recovered = 1e6 where known_at >= $c"),
        ("party", "update party set trusted_trader = not coalesce(trusted_trader, false) where known_at >= $c"),
    ):
        changed[table] = con.execute(sql, {"c": cutoff}).fetchall()[0][0]
    # late results for old declarations: positive findings that arrive after the cut-off
    changed["late"] = con.execute("""
        insert into inspection (inspection_id, version, known_at, declaration_id, selected_at, lane, selection_source,
                                result, offence_type, revenue_recovered, result_at, load_id, row_hash)
        select 'late-' || declaration_id, 1, $c + interval 3 day, declaration_id, known_at, 'red', 'random',
               'positive', 'undervaluation', 500, $c + interval 3 day, 0, 'x'
        from declaration where known_at < $c and version = 1 using sample 300 rows (reservoir, 3)""",
                                  {"c": cutoff}).fetchall()[0][0]
    return changed


@pytest.fixture(scope="module")
def stores(world_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pit")
    plain = copy_store(world_store, folder / "plain.duckdb")
    mutated = copy_store(world_store, folder / "mutated.duckdb")
    with open_store(mutated) as con:
        changed = _mutate_after(con, CUTOFF)
    assert all(n > 0 for n in changed.values()), changed
    for db in (plain, mutated):
        with open_store(db) as con:
            build(con, indicators=INDICATORS, reason="model test")
    return plain, mutated


def test_training_before_the_cutoff_reads_nothing_known_after_it(stores):
    plain, mutated = stores
    models = []
    for db in (plain, mutated):
        with open_store(db, read_only=True) as con:
            models.append(fit(con, CUTOFF, options=OPTIONS, user="tester"))
    a, b = models
    assert a.spec.to_dict() == b.spec.to_dict()
    assert a.metrics["train"] == b.metrics["train"] and a.metrics["calibration"] == b.metrics["calibration"]
    assert a.calibration == b.calibration and a.percentiles == b.percentiles
    assert a.booster_text == b.booster_text


def test_mining_before_the_cutoff_reads_nothing_known_after_it(stores):
    found = []
    for db in stores:
        with open_store(db, read_only=True) as con:
            result = propose(con, CUTOFF, min_support=15, min_positives=4, top=8)
            found.append([(c.profile.content(), c.train) for c in result.candidates])
    assert found[0], "mining proposed nothing on the small world"
    assert found[0] == found[1]


def test_the_same_seed_gives_the_same_model_and_another_seed_another(stores):
    plain, _ = stores
    with open_store(plain, read_only=True) as con:
        one = fit(con, CUTOFF, options=OPTIONS, user="tester")
        two = fit(con, CUTOFF, options=OPTIONS, user="tester")
        other = fit(con, CUTOFF, options=TrainOptions(seed=12, rounds=60, calibration_weeks=13), user="tester")
    assert one.booster_text == two.booster_text and one.percentiles == two.percentiles
    assert other.booster_text != one.booster_text
