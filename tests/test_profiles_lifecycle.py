"""The profile lifecycle: four eyes, immutability of approved versions, validity and review
dates, target lists under the same rules, and an audit trail that shows tampering."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from workbench.access import AccessDenied, grant
from workbench.profiles.lifecycle import LifecycleError
from workbench.profiles.registry import (get_profile, list_profiles, live_profiles, save_profile,
                                         tampered_profiles, transition)
from workbench.profiles.spec import SpecError, parse_profile
from workbench.profiles.targets import get_list, parse_list, save_list, tampered_lists
from workbench.profiles.targets import transition as move_list
from workbench.store import audit
from workbench.store.connection import open_store
from workbench.strategic.register import add_risk

TODAY = dt.date(2026, 3, 1)


def spec(**changes):
    data = {"id": "RP-TEST-01", "title": "Cheap footwear", "risk": "R-TEST",
            "criteria": {"field": "item.hs6", "prefix": ["6403"]},
            "treatment": {"lane": "red", "control": "physical"}}
    data.update(changes)
    return parse_profile(data)


@pytest.fixture
def con(tmp_path):
    with open_store(tmp_path / "life.duckdb") as c:          # created by 'tester', its admin
        add_risk(c, risk_id="R-TEST", title="Test risk", likelihood=4, consequence=4)
        for user in ("alice", "bob"):
            grant(c, admin="tester", user=user, role="approver", reason="test approvers")
        yield c


def submitted(con, author="tester", **changes):
    p = spec(**changes)
    save_profile(con, p, actor=author)
    transition(con, "submit", p.id, reason="ready", actor=author)
    return p


def test_nobody_approves_what_they_wrote(con):
    submitted(con)
    with pytest.raises(AccessDenied, match="approver"):          # tester is admin, not approver
        transition(con, "approve", "RP-TEST-01", reason="ok", actor="tester")
    grant(con, admin="tester", user="tester", role="approver", reason="test")
    with pytest.raises(AccessDenied, match="four eyes"):
        transition(con, "approve", "RP-TEST-01", reason="ok", actor="tester")
    row = transition(con, "approve", "RP-TEST-01", reason="backtest reviewed", actor="alice")
    assert row["status"] == "approved" and row["approved_by"] == "alice"


def test_an_editor_is_an_author_too(con):
    submitted(con, author="alice")
    # bob edits alice's submitted version: it returns to draft with bob among its editors
    save_profile(con, spec(title="Cheap footwear, edited"), actor="bob")
    _, row = get_profile(con, "RP-TEST-01")
    assert row["status"] == "draft" and set(row["editors"]) == {"alice", "bob"} and row["version"] == 1
    transition(con, "submit", "RP-TEST-01", reason="ready", actor="alice")
    for editor in ("alice", "bob"):
        with pytest.raises(AccessDenied, match="four eyes"):
            transition(con, "approve", "RP-TEST-01", reason="ok", actor=editor)
    grant(con, admin="tester", user="carol", role="approver", reason="third person")
    assert transition(con, "approve", "RP-TEST-01", reason="ok", actor="carol")["status"] == "approved"


def test_an_approved_version_never_changes(con):
    submitted(con)
    transition(con, "approve", "RP-TEST-01", reason="ok", actor="alice")
    transition(con, "activate", "RP-TEST-01", reason="go", actor="alice", today=TODAY)
    before, row1 = get_profile(con, "RP-TEST-01", 1)
    assert save_profile(con, spec(), actor="tester") == (1, "unchanged")
    version, happened = save_profile(con, spec(treatment={"lane": "orange"}), actor="tester")
    assert (version, happened) == (2, "new version")
    after, row1_again = get_profile(con, "RP-TEST-01", 1)
    assert after == before and row1_again["spec_sha256"] == row1["spec_sha256"] and row1_again["status"] == "active"
    assert get_profile(con, "RP-TEST-01")[0].treatment.lane == "orange"
    # the new version goes through the same rules; activating it retires version 1
    transition(con, "submit", "RP-TEST-01", reason="lane change", actor="tester")
    transition(con, "approve", "RP-TEST-01", reason="ok", actor="bob")
    transition(con, "activate", "RP-TEST-01", reason="go", actor="bob", today=TODAY)
    statuses = {r[0]: r[1] for r in con.execute("select version, status from profile_version").fetchall()}
    assert statuses == {1: "retired", 2: "active"}


def test_transitions_follow_the_order_and_need_a_reason(con):
    save_profile(con, spec(), actor="tester")
    with pytest.raises(LifecycleError, match="needs it submitted"):
        transition(con, "approve", "RP-TEST-01", reason="ok", actor="alice")
    with pytest.raises(LifecycleError, match="needs it approved"):
        transition(con, "activate", "RP-TEST-01", reason="ok", actor="alice")
    with pytest.raises(LifecycleError, match="say why"):
        transition(con, "submit", "RP-TEST-01", reason="  ", actor="tester")
    with pytest.raises(AccessDenied, match="did not write"):
        transition(con, "submit", "RP-TEST-01", reason="mine now", actor="mallory")
    with pytest.raises(LifecycleError, match="no profile RP-NOPE"):
        transition(con, "submit", "RP-NOPE", reason="x", actor="tester")
    # an author may withdraw their own draft
    assert transition(con, "retire", "RP-TEST-01", reason="not needed", actor="tester")["status"] == "retired"


def test_the_register_risk_must_exist(con):
    with pytest.raises(SpecError, match="not in the strategic risk register"):
        save_profile(con, spec(risk="R-NOWHERE"), actor="tester")
    assert con.execute("select count(*) from profile_version").fetchone()[0] == 0


def test_expired_profiles_are_not_live_and_cannot_be_activated(con):
    submitted(con, validity={"from": "2025-01-01", "to": "2025-12-31"}, review_on="2025-06-30")
    transition(con, "approve", "RP-TEST-01", reason="ok", actor="alice")
    with pytest.raises(LifecycleError, match="expired on 2025-12-31"):
        transition(con, "activate", "RP-TEST-01", reason="go", actor="alice", today=TODAY)
    transition(con, "activate", "RP-TEST-01", reason="go", actor="alice", today=dt.date(2025, 3, 1))
    assert [p.id for p in live_profiles(con, dt.date(2025, 7, 1))] == ["RP-TEST-01"]
    assert live_profiles(con, TODAY) == []
    row = list_profiles(con, today=dt.date(2025, 7, 1))[0]
    assert row["effective_status"] == "active" and row["flags"] == ["review overdue since 2025-06-30"]
    row = list_profiles(con, today=TODAY)[0]
    assert row["effective_status"] == "expired" and "expired on 2025-12-31" in row["flags"]


def test_every_transition_is_audited_and_tampering_shows(con, tmp_path):
    submitted(con)
    transition(con, "approve", "RP-TEST-01", reason="backtest lift 4", actor="alice")
    logged = con.execute("select actor, action, reason from audit_log where object_type = 'profile' order by seq").fetchall()
    assert logged == [("tester", "profile.create", "created"), ("tester", "profile.submit", "ready"),
                      ("alice", "profile.approve", "backtest lift 4")]
    assert audit.verify(con).ok and tampered_profiles(con) == []
    # someone edits an approved spec in the database behind the workbench's back
    tampered = json.loads(con.execute("select spec from profile_version").fetchone()[0])
    tampered["treatment"]["lane"] = "green"
    con.execute("update profile_version set spec = ?", [json.dumps(tampered)])
    assert any("changed outside the workbench" in p for p in tampered_profiles(con))
    # ... and rewrites the audit entry to cover it
    con.execute("update audit_log set reason = 'nothing to see' where action = 'profile.approve'")
    assert not audit.verify(con).ok


def test_target_lists_share_the_lifecycle_and_feed_in_list(con):
    tl = parse_list({"id": "TL-OP-1", "title": "Operation one traders", "kind": "trader", "operation": "OP ONE",
                     "entries": [{"value": "imp:2", "reason": "IR-7 graded B2", "from": "2024-02-01"},
                                 {"value": "imp:1", "reason": "seizure 2023-11"}]})
    assert save_list(con, tl, actor="tester") == (1, "created")
    move_list(con, "submit", "TL-OP-1", reason="ready", actor="tester")
    with pytest.raises(AccessDenied, match="four eyes"):
        grant(con, admin="tester", user="tester", role="approver", reason="t")
        move_list(con, "approve", "TL-OP-1", reason="ok", actor="tester")
    move_list(con, "approve", "TL-OP-1", reason="ok", actor="alice")
    stored, row = get_list(con, "TL-OP-1")
    assert stored.sha256() == tl.sha256() == row["content_sha256"]      # entry order does not matter
    assert tampered_lists(con) == []
    con.execute("update target_list_entry set reason = 'changed' where value = 'imp:1'")
    assert tampered_lists(con)
    with pytest.raises(SpecError, match="listed twice"):
        parse_list({"id": "TL-X", "title": "dupes", "kind": "trader",
                    "entries": [{"value": "a", "reason": "one"}, {"value": "a", "reason": "two"}]})
