"""The synthetic world: reproducible to the byte, schemes as configured, controls biased and late
as in life, traders misnamed so only fuzzy matching finds them, and both layouts loading to the
same store."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from rapidfuzz import fuzz, process, utils
from typer.testing import CliRunner

from workbench.ingest.mapping import parse_mapping
from workbench.synth import WorldConfig, generate, read_config
from workbench.synth.build import build_world
from workbench.synth.reference import COUNTRIES
from workbench.synth.variants import normalise
from workbench.synth.world import SCHEMES, scheme_bit

N = 20_000


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """A 20,000-declaration world with both layouts (the flat one with its Excel copy)."""
    out = tmp_path_factory.mktemp("synth") / "world"
    generate(out, declarations=N, seed=7, layout="both")
    return out


def _table(world: Path, name: str):
    return pq.read_table(world / name).to_pandas()


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes(tmp_path):
    a = generate(tmp_path / "a", declarations=2_000, seed=11, layout="both").out
    b = generate(tmp_path / "b", declarations=2_000, seed=11, layout="both").out
    c = generate(tmp_path / "c", declarations=2_000, seed=12, layout="normalised").out
    da, db = _digests(a), _digests(b)
    assert "flat/extract.xlsx" in da and "normalised/declaration_items.parquet" in da
    assert da == db
    assert _digests(c)["normalised/declarations.parquet"] != da["normalised/declarations.parquet"]


def test_manifest_lists_loads_in_dependency_order(world):
    manifest = json.loads((world / "manifest.json").read_text())
    names = [x["name"] for x in manifest["loads"]["normalised"]]
    assert names.index("exchange_rates") < names.index("declarations")
    assert names.index("parties") < names.index("party_links") < names.index("declarations")
    assert names.index("voyages") < names.index("declarations") < names.index("inspections")
    assert manifest["loads"]["flat"][-1]["mapping"] == "flat/mapping.yaml"
    assert "flat_excel" in manifest["loads"]
    for loads in manifest["loads"].values():
        for load in loads:
            assert (world / load["path"]).is_dir() and (world / load["mapping"]).is_file()
            assert not Path(load["path"]).is_absolute()


def test_mappings_parse_and_cover_every_country(world):
    for path in sorted(world.rglob("*.yaml")):
        parse_mapping(path.read_text(), path.name)
    flat = parse_mapping((world / "flat" / "mapping.yaml").read_text())
    dispatch = next(t for t in flat.targets if t.table == "declaration").columns["country_dispatch"]
    assert set(dispatch.map) == {c.alpha3 for c in COUNTRIES}


def test_scheme_prevalence_is_as_configured(world):
    cfg = WorldConfig()
    truth = _table(world, "ground_truth/declarations.parquet")
    assert len(truth) == N
    for scheme in ("undervaluation", "misclassification", "false_origin", "concealment", "biosecurity", "splitting"):
        share = truth.schemes.str.contains(scheme).mean()
        configured = getattr(cfg.schemes, scheme)
        assert abs(share - configured) <= max(0.1 * configured, 2 / N), (scheme, share, configured)
    assert truth.schemes.str.contains("phoenix").sum() > 0
    items = _table(world, "ground_truth/items.parquet")
    under = items[items.schemes.str.contains("undervaluation")]
    ratio = under.declared_customs_value / under.true_customs_value
    assert ratio.between(0.24, 0.61).all()
    mis = items[items.schemes.str.contains("misclassification")]
    assert (mis.declared_hs_code != mis.true_hs_code).all()
    fo = items[items.schemes.str.contains("false_origin")]
    assert (fo.true_country_origin == "CN").all() and (fo.declared_country_origin != "CN").all()


def test_scheme_rates_follow_the_config_file(tmp_path):
    toml = tmp_path / "world.toml"
    toml.write_text("[world]\ndays = 365\n\n[schemes]\nundervaluation = 0.04\nconcealment = 0.004\n")
    cfg = read_config(toml, declarations=8_000, seed=3)
    assert cfg.days == 365 and cfg.schemes.undervaluation == 0.04
    w = build_world(cfg)
    bit = scheme_bit("undervaluation")
    assert ((w.trade.d_mask & bit) > 0).mean() == pytest.approx(0.04, rel=0.1)
    assert ((w.trade.d_mask & scheme_bit("concealment")) > 0).sum() == round(0.004 * 8_000)
    assert w.trade.d_lodged.max() < cfg.end_epoch


def test_targeted_selections_find_more_than_random(world):
    """Labels are biased: profiles and intelligence pick offending declarations far more often
    than the random stream, which alone reflects the true compliance rate."""
    truth = _table(world, "ground_truth/inspections.parquet")
    insp = _table(world, "normalised/inspections.parquet").drop_duplicates("inspection_id", keep="last")
    both = insp.merge(truth, on=["inspection_id", "declaration_id"])
    rate = both.groupby("selection_source").truly_offending.mean()
    assert rate["profile"] > 2 * rate["random"]
    assert rate["intelligence"] > 2 * rate["random"]
    found = both[both.result != "pending"].groupby("selection_source").result.apply(lambda r: (r == "positive").mean())
    assert found["profile"] > found["random"] and found["intelligence"] > found["random"]
    decl = _table(world, "ground_truth/declarations.parquet")
    assert rate["random"] < 3 * decl.offending.mean() + 0.02
    # detection is imperfect: some offending declarations were examined and nothing was found
    assert (both.truly_offending & (both.schemes_missed != "")).any()


def test_results_arrive_late(world):
    insp = _table(world, "normalised/inspections.parquet")
    pending = insp[insp.result == "pending"]
    assert pending.inspection_id.is_unique
    assert (pending.known_at == pending.selected_at).all()
    results = insp[insp.result != "pending"]
    assert (results.known_at == results.result_at).all()
    delay = (results.result_at - results.selected_at).dt.total_seconds() / 86400
    assert (delay[results.lane == "blue"] >= 30).all()
    lab = results.offence_type.isin(["prohibited_goods", "biosecurity", "false_origin", "undervaluation"])
    assert (delay[lab & (results.lane != "orange")] >= 2).all()
    assert delay.max() > 60 and delay.median() < 10
    truth = _table(world, "ground_truth/inspections.parquet")
    late = truth[~truth.result_known_at_extract]
    assert len(late) > 0 and not late.inspection_id.isin(results.inspection_id).any()


def test_name_variants_are_resolvable_only_by_fuzzy_means(world):
    truth = _table(world, "ground_truth/parties.parquet")
    parties = _table(world, "normalised/parties.parquet").set_index("party_id")
    variants = truth[truth.is_variant]
    assert len(variants) >= 10
    mains = truth[(truth.role == "importer") & ~truth.is_variant].party_id.tolist()
    main_names = [parties.loc[p, "name"] for p in mains]
    resolved = 0
    for v in variants.itertuples():
        name, true_name = parties.loc[v.party_id, "name"], parties.loc[v.variant_of, "name"]
        assert normalise(name) != normalise(true_name)
        assert parties.loc[v.party_id, "tax_id"] != parties.loc[v.variant_of, "tax_id"]
        assert fuzz.token_sort_ratio(name, true_name, processor=utils.default_process) >= 75
        best = process.extractOne(name, main_names, scorer=fuzz.token_sort_ratio, processor=utils.default_process)
        resolved += mains[best[2]] == v.variant_of
        assert truth.set_index("party_id").loc[v.party_id, "entity_id"] == \
            truth.set_index("party_id").loc[v.variant_of, "entity_id"]
    assert resolved / len(variants) >= 0.9
    decl = _table(world, "normalised/declarations.parquet")
    assert decl.importer_id.isin(variants.party_id).any()


def test_phoenix_companies_share_something_with_a_past_offender(world):
    phoenix = _table(world, "ground_truth/phoenix.parquet")
    parties = _table(world, "normalised/parties.parquet").set_index("party_id")
    links = _table(world, "normalised/party_links.parquet")
    insp = _table(world, "ground_truth/inspections.parquet")
    decl = _table(world, "ground_truth/declarations.parquet")
    assert len(phoenix) >= 2
    digits = lambda s: re.sub(r"\D", "", s or "")[-7:]  # noqa: E731
    for p in phoenix.itertuples():
        new, old = parties.loc[p.phoenix_id], parties.loc[p.predecessor_id]
        assert new["name"] != old["name"] and new.registered_on > old.registered_on
        shared = set(p.shares.split(","))
        if "address" in shared:
            assert fuzz.ratio(new.address, old.address, processor=utils.default_process) >= 80
        if "phone" in shared:
            assert digits(new.phone) == digits(old.phone)
        if "director" in shared:
            d_new = set(links[links.to_party_id == p.phoenix_id].from_party_id)
            d_old = set(links[links.to_party_id == p.predecessor_id].from_party_id)
            assert d_new & d_old
        caught = insp[insp.declaration_id.isin(decl[decl.importer_entity_id == p.predecessor_id].declaration_id)]
        assert caught.finding.notna().any(), f"predecessor {p.predecessor_id} was never caught"


def test_intelligence_is_graded_and_names_the_world(world):
    reports = _table(world, "normalised/intel_reports.parquet")
    truth = _table(world, "ground_truth/intel.parquet")
    parties = _table(world, "normalised/parties.parquet")
    assert set(reports.source_reliability) <= set("ABCDEF") and set(reports.info_credibility) <= set("123456")
    names = parties.name.tolist()
    for mention in reports.entities.str.split("|").explode():
        kind, _, value = mention.partition(":")
        if kind == "party":
            best = process.extractOne(value, names, scorer=fuzz.token_sort_ratio, processor=utils.default_process)
            assert best[1] >= 80, value
    merged = reports.merge(truth, on="report_id")
    good = merged.source_reliability.isin(list("ABC"))
    assert merged[merged.truthful].pipe(lambda m: m.source_reliability.isin(list("ABC")).mean()) > \
        merged[~merged.truthful].pipe(lambda m: m.source_reliability.isin(list("ABC")).mean())
    assert good.any()


def test_flat_extract_is_foreign_looking(world):
    con = duckdb.connect()
    head = con.execute(f"select * from read_csv('{world / 'flat' / 'extract.csv'}', delim=';', all_varchar=true) "
                       "limit 5000").df()
    assert {"NUM_DECL", "DATE_DEPOT", "RESULTAT_CONTROLE", "CODE_SH", "UNITE_POIDS"} <= set(head.columns)
    assert head.DATE_DEPOT.str.match(r"^\d\d/\d\d/\d{4}$").all()
    assert set(head.UNITE_POIDS) == {"kg", "lb"}
    assert set(head.RESULTAT_CONTROLE.dropna()) <= {"POSITIF", "NEGATIF", "EN_COURS"}
    assert (head.CODE_SH.str.len() < 8).any()       # leading zeros lost


def test_flat_and_normalised_layouts_load_to_the_same_store(tmp_path):
    from workbench.ingest.loader import load

    out = generate(tmp_path / "w", declarations=3_000, seed=5, layout="both")
    stores = {}
    for layout in ("normalised", "flat"):
        db = tmp_path / f"{layout}.duckdb"
        for step in out.manifest["loads"][layout]:
            s = load(out.out / step["path"], out.out / step["mapping"], db=db)
            assert s.rows_quarantined == 0 and s.rows_waiting == 0, (layout, step["name"], s.problems)
        stores[layout] = db
    queries = [
        "select count(*), min(lodged_at), max(lodged_at) from declaration_current",
        "select count(*), round(sum(customs_value_base), 2), round(sum(net_mass_kg), 1), round(sum(duty), 2) "
        "from declaration_item_current",
        "select list(distinct hs_code order by hs_code) from declaration_item_current",
        "select count(*), count(*) filter (where result = 'positive'), round(sum(revenue_recovered), 2) "
        "from inspection_current",
        "select md5(string_agg(declaration_id || importer_id || exporter_id || country_origin || currency, ',' "
        "order by declaration_id)) from declaration_current",
    ]
    for q in queries:
        answers = [duckdb.connect(str(stores[x]), read_only=True).execute(q).fetchall() for x in ("normalised", "flat")]
        assert answers[0] == answers[1], q


def test_world_store_fixture_loads_cleanly(tmp_path):
    from workbench.synth.fixtures import build_world_store

    db = build_world_store(tmp_path, declarations=3_000, seed=2)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from declaration_current").fetchone()[0] == 3_000
    unconverted = "select count(*) from declaration_item_current where customs_value_base is null"
    assert con.execute(unconverted).fetchone()[0] == 0
    assert con.execute("select count(*) from quarantine").fetchone()[0] == 0
    assert (tmp_path / "world" / "ground_truth" / "declarations.parquet").exists()


def test_generate_command(tmp_path):
    from workbench.cli import app

    out = tmp_path / "cli-world"
    result = CliRunner().invoke(app, ["generate", "-n", "500", "--seed", "3", "--out", str(out),
                                      "--layout", "normalised", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["declarations"] == 500 and list(data["loads"]) == ["normalised"]
    assert not (out / "flat").exists()
    bad = CliRunner().invoke(app, ["generate", "--out", str(out), "--layout", "wide"])
    assert bad.exit_code != 0


def test_every_scheme_has_a_bit():
    bits = [scheme_bit(s) for s in SCHEMES]
    assert len(set(bits)) == len(SCHEMES) and max(bits) < 256
