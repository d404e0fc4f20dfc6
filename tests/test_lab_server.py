"""The workbench server extension against a real Jupyter server: every /workbench/api handler,
authenticated (named users from the users file, and the server's own token) and not, with bad
input, and the four-eyes rule holding for a request as it does on the command line.

The server runs from this venv on loopback (tests/test_lab_browser.running_lab), on a copy of the
``world_store`` fixture with the example register and profiles seeded as the demo seeds them,
plus one new version of a profile authored and submitted by alice, waiting for approval
(``lab_world_store``, seeded once per session; tests/test_lab_extension_ui.py uses it too).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from test_lab_browser import Lab, running_lab

ALICE, BOB, CAROL = "alice", "bob", "carol"   # alice and bob approve; carol is an analyst
PENDING = "RP-REV-UV-01"                        # alice's new version waits for approval
EXAMPLE_PROFILES = {"RP-BIO-01", "RP-NET-01", "RP-ORG-01", "RP-PRO-01", "RP-REV-MC-01", "RP-REV-SPLIT-01",
                    "RP-REV-UV-01"}
TOKENS = {name: secrets.token_hex(24) for name in (ALICE, BOB, CAROL)}


def seed_lab_store(db: Path) -> None:
    """The example profiles seeded (author tester, approver demo.approver), indicators built,
    alice and bob approvers, and a new version of PENDING authored and submitted by alice."""
    from workbench.access import grant, roles_of
    from workbench.indicators.build import build
    from workbench.profiles.registry import get_profile, save_profile, transition
    from workbench.profiles.seeding import seed_profiles, seed_register
    from workbench.profiles.spec import parse_profile
    from workbench.store.connection import open_store

    with open_store(db) as con:
        creator = con.execute("select user_name from user_role where role = 'admin' limit 1").fetchall()[0][0]
        if "admin" not in roles_of(con, "tester"):
            grant(con, admin=creator, user="tester", role="admin", reason="the tests act as tester")
        build(con, reason="lab tests")
        seed_register(con, user="tester")
        seed_profiles(con, author="tester", today=dt.date(2025, 1, 1))
        for user in (ALICE, BOB):
            grant(con, admin="tester", user=user, role="approver", reason="lab tests")
        profile, _ = get_profile(con, PENDING)
        changed = parse_profile({**profile.content(), "title": "Dutiable goods priced far below the norm (v2)"})
        save_profile(con, changed, actor=ALICE, reason="tighter title")
        transition(con, "submit", PENDING, reason="ready", actor=ALICE)


def write_users_file(home: Path) -> None:
    """$WORKBENCH_HOME/lab-users.json (mode 0600) giving alice, bob and carol their tokens."""
    from workbench.lab.identity import USERS_FILE

    users = home / USERS_FILE
    users.write_text(json.dumps({"users": [{"name": n, "token": t} for n, t in TOKENS.items()]}))
    os.chmod(users, 0o600)


@pytest.fixture(scope="session")
def lab_world_store(world_store, tmp_path_factory) -> Path:
    """A copy of the world seeded by :func:`seed_lab_store`, once per session (copy it to write)."""
    from indicator_fixtures import copy_store

    db = copy_store(world_store, tmp_path_factory.mktemp("lab-world") / "workbench.duckdb")
    seed_lab_store(db)
    return db


@pytest.fixture(scope="module")
def lab(tmp_path_factory, lab_world_store) -> Iterator[Lab]:
    with running_lab(tmp_path_factory.mktemp("lab-server"), store=lab_world_store,
                     prepare_home=write_users_file) as lab:
        yield lab


def call(lab: Lab, method: str, path: str, user: str | None = None, *, token: str | None = None,
         **kwargs) -> httpx.Response:
    """A request to /workbench/api/<path> as ``user`` (their token), with ``token``, or anonymous."""
    headers = {}
    if user is not None:
        token = TOKENS[user]
    if token is not None:
        headers["Authorization"] = f"token {token}"
    with httpx.Client(timeout=120) as client:   # a new client: no login cookie carried over
        return client.request(method, f"{lab.url}/workbench/api/{path}", headers=headers, **kwargs)


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()["error"]


ENDPOINTS = [
    ("GET", "me"), ("GET", "templates"), ("POST", "templates/welcome/notebook"),
    ("POST", "templates/welcome/report"), ("GET", "profiles"), ("GET", "profiles/performance"),
    ("GET", f"profiles/{PENDING}"), ("GET", f"profiles/{PENDING}/backtest"), ("POST", f"profiles/{PENDING}/approve"),
    ("GET", "target-lists/TL-NONE"), ("POST", "target-lists/TL-NONE/approve"), ("POST", "export"),
]


def test_every_handler_refuses_requests_without_a_valid_token(lab):
    for method, path in ENDPOINTS:
        for token in (None, "not-a-token-of-anyone-at-all-000000"):
            response = call(lab, method, path, token=token, json={"reason": "x"})
            assert response.status_code in (401, 403), (method, path, response.status_code)


def test_tokens_stand_for_named_users_and_the_server_token_for_its_starter(lab):
    assert call(lab, "GET", "me", ALICE).json() == {"name": ALICE, "roles": ["analyst", "approver"]}
    assert call(lab, "GET", "me", CAROL).json() == {"name": CAROL, "roles": ["analyst"]}
    # the server runs without WORKBENCH_USER: its own token is the login that started it
    starter = os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    assert call(lab, "GET", "me", token=lab.token).json()["name"] == starter


def test_templates_are_listed_with_their_typed_parameters(lab):
    templates = {t["name"]: t for t in call(lab, "GET", "templates", CAROL).json()["templates"]}
    assert {"welcome", "strategic_risk_assessment", "commodity_route_deep_dive"} <= set(templates)
    by = next(p for p in templates["strategic_risk_assessment"]["parameters"] if p["name"] == "by")
    assert by["type"] == "string" and by["default"] == "chapter" and "origin" in by["choices"]
    assert "path" not in templates["welcome"]   # no server paths handed to the browser


def test_a_notebook_is_created_from_a_template_with_the_parameters_injected(lab):
    response = call(lab, "POST", "templates/strategic_risk_assessment/notebook", CAROL,
                    json={"parameters": {"by": "origin", "top": "4", "since": ""}})
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["parameters"]["by"] == "origin" and made["parameters"]["top"] == 4
    notebook = json.loads((lab.root_dir / made["path"]).read_text())
    injected = [c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1
    source = "".join(injected[0]["source"])
    assert 'by = "origin"' in source and "top = 4" in source and "since = None" in source
    assert notebook["metadata"]["workbench"]["template"]["name"] == "strategic_risk_assessment"


def test_template_requests_with_bad_input_say_what_and_where(lab):
    path = "templates/strategic_risk_assessment/notebook"
    assert "top" in error_of(call(lab, "POST", path, CAROL, json={"parameters": {"top": "many"}}), 400)["message"]
    unknown = error_of(call(lab, "POST", path, CAROL, json={"parameters": {"colour": "red"}}), 400)
    assert "colour" in unknown["message"] and unknown["where"] == "body.parameters"
    assert error_of(call(lab, "POST", path, CAROL, json={"parameters": {}, "folder": "../etc"}),
                    400)["where"] == "body.folder"
    assert error_of(call(lab, "POST", path, CAROL, content=b"{not json"), 400)["where"] == "body"
    assert error_of(call(lab, "POST", path, CAROL, json={"parameters": [1, 2]}), 400)["where"] == "body.parameters"
    assert "no template named" in error_of(call(lab, "POST", "templates/nope/notebook", CAROL, json={}), 404)["message"]
    assert error_of(call(lab, "POST", "templates/welcome/report", CAROL,
                         json={"parameters": {"recent_months": "soon"}}), 400)["where"] == "body.parameters"


def test_a_template_runs_headless_to_a_report_in_the_users_folder(lab):
    response = call(lab, "POST", "templates/welcome/report", CAROL, json={"parameters": {"recent_months": "6"}})
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["ok"] and run["html"].startswith("reports/") and run["html"].endswith("welcome.html")
    html = (lab.root_dir / run["html"]).read_text()
    assert "declaration" in html
    provenance = json.loads((lab.root_dir / run["html"]).with_name("provenance.json").read_text())
    assert provenance["user"] == CAROL and provenance["parameters"]["recent_months"] == 6


def test_profiles_and_lists_are_listed_with_status_and_hit_rates(lab):
    overview = call(lab, "GET", "profiles", CAROL).json()
    rows = {(r["profile_id"], r["version"]): r for r in overview["profiles"]}
    assert {pid for pid, _ in rows} == EXAMPLE_PROFILES
    assert rows[(PENDING, 1)]["status"] == "active" and rows[(PENDING, 2)]["status"] == "submitted"
    assert rows[(PENDING, 1)]["review_on"] == "2027-06-30"
    assert overview["target_lists"] == [] and overview["user"]["name"] == CAROL
    perf = call(lab, "GET", "profiles/performance", CAROL).json()
    assert set(perf["profiles"]) == EXAMPLE_PROFILES
    assert perf["profiles"][PENDING]["target_hit_rate"] == 0.15
    assert error_of(call(lab, "GET", "profiles/performance?months=0", CAROL), 400)["where"] == "query.months"


def test_a_profile_shows_its_spec_history_and_backtest(lab):
    detail = call(lab, "GET", f"profiles/{PENDING}", CAROL).json()
    assert detail["version"] == 2 and detail["author"] == ALICE and detail["intact"]
    assert detail["spec"]["id"] == PENDING and detail["may"]["approve"] is False   # carol is no approver
    assert call(lab, "GET", f"profiles/{PENDING}", BOB).json()["may"]["approve"] is True
    assert call(lab, "GET", f"profiles/{PENDING}", ALICE).json()["may"]["approve"] is False  # four eyes
    assert call(lab, "GET", f"profiles/{PENDING}?version=1", CAROL).json()["status"] == "active"
    backtest = call(lab, "GET", f"profiles/{PENDING}/backtest?version=1", CAROL)
    assert backtest.status_code == 200, backtest.text
    result = backtest.json()
    assert result["profile"]["profile_id"] == PENDING and result["declarations"] > 0
    assert result["profile"]["hits"] > 0
    assert error_of(call(lab, "GET", f"profiles/{PENDING}/backtest?from=soon", CAROL), 400)["where"] == "query.from"
    assert error_of(call(lab, "GET", f"profiles/{PENDING}?version=x", CAROL), 400)["where"] == "query.version"
    assert error_of(call(lab, "GET", f"profiles/{PENDING}?version=9", CAROL), 404)
    assert error_of(call(lab, "GET", "profiles/RP-NOPE", CAROL), 404)
    assert error_of(call(lab, "GET", "target-lists/TL-NOPE", CAROL), 404)


def test_four_eyes_holds_the_author_is_refused_and_another_approver_succeeds(lab):
    path = f"profiles/{PENDING}/approve"
    assert error_of(call(lab, "POST", path, ALICE, json={"version": 2}), 400)["where"] == "body.reason"
    assert error_of(call(lab, "POST", path, ALICE, json={"reason": "ok", "version": "two"}), 400)["where"] == "body.version"
    assert error_of(call(lab, "POST", f"profiles/{PENDING}/bless", BOB, json={"reason": "ok"}), 404)
    assert error_of(call(lab, "POST", "profiles/RP-NOPE/approve", BOB, json={"reason": "ok"}), 404)
    refused = error_of(call(lab, "POST", path, ALICE, json={"reason": "looks right", "version": 2}), 403)
    assert "four eyes" in refused["message"]
    assert "approver" in error_of(call(lab, "POST", path, CAROL, json={"reason": "looks right"}), 403)["message"]

    approved = call(lab, "POST", path, BOB, json={"reason": "backtest reviewed", "version": 2})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == BOB
    again = error_of(call(lab, "POST", path, BOB, json={"reason": "twice"}), 403)
    assert "is approved" in again["message"]
    active = call(lab, "POST", f"profiles/{PENDING}/activate", BOB, json={"reason": "operation start"})
    assert active.status_code == 200 and active.json()["status"] == "active"

    import workbench as wb

    with wb.open_store(lab.db, read_only=True) as con:
        events = con.execute("select actor, action from audit_log where object_id = ? order by seq",
                             [f"{PENDING}@2"]).fetchall()
        v1 = con.execute("select status from profile_version where profile_id = ? and version = 1",
                         [PENDING]).fetchall()
    assert (BOB, "profile.approve") in events and (BOB, "profile.activate") in events
    assert (ALICE, "profile.approve") not in events
    assert v1 == [("retired",)]


def test_export_needs_a_signing_key_then_signs_what_is_live(lab):
    from workbench.export.keys import make_keypair

    missing = error_of(call(lab, "POST", "export", CAROL, json={"reason": "weekly"}), 409)
    assert "workbench export keygen" in missing["message"]
    assert error_of(call(lab, "POST", "export", CAROL, json={}), 400)["where"] == "body.reason"
    assert error_of(call(lab, "POST", "export", CAROL, json={"reason": "x", "reference_date": "June"}),
                    400)["where"] == "body.reference_date"
    home = lab.db.parent
    make_keypair(home / "keys" / "export-signing.key")
    response = call(lab, "POST", "export", CAROL, json={"reason": "weekly", "reference_date": "2025-06-01"})
    assert response.status_code == 200, response.text
    done = response.json()
    assert {p.split("@")[0] for p in done["profiles"]} == EXAMPLE_PROFILES
    assert done["deliveries"][0]["status"] == "delivered"
    assert (home / "exports" / done["bundle_id"]).is_dir()


def test_a_users_file_others_can_read_is_refused_until_it_is_private_again(lab):
    from workbench.lab.identity import USERS_FILE, UsersFileError, read_users

    users = lab.db.parent / USERS_FILE
    os.chmod(users, 0o644)
    try:
        with pytest.raises(UsersFileError, match="chmod 600"):
            read_users(users)
        assert call(lab, "GET", "me", ALICE).status_code in (401, 403)
        assert call(lab, "GET", "me", token=lab.token).status_code == 200   # the server's own token still works
    finally:
        os.chmod(users, 0o600)
    assert call(lab, "GET", "me", ALICE).json()["name"] == ALICE
    assert "lab-users.json: mode 0644 lets others read the tokens" in lab.log.read_text()


def test_bad_users_files_are_refused_with_where(tmp_path):
    from workbench.lab.identity import UsersFileError, read_users

    path = tmp_path / "users.json"
    cases = {
        '{"users": [{"name": "alice"}]}': "users[0]: needs a name and a token",
        '{"users": [{"name": "al ice", "token": "' + "x" * 30 + '"}]}': "users[0]: invalid user name",
        '{"users": [{"name": "alice", "token": "short"}]}': "shorter than 24",
        '{"users": [{"name": "a", "token": "' + "x" * 30 + '"}, {"name": "b", "token": "' + "x" * 30 + '"}]}':
            "users[1] (b): the same token",
        "[1, 2]": 'expected {"users"',
        "{not json": "not readable JSON",
    }
    for text, message in cases.items():
        path.write_text(text)
        os.chmod(path, 0o600)
        with pytest.raises(UsersFileError, match=re.escape(message)):
            read_users(path)
    assert read_users(tmp_path / "absent.json") == []


def test_reads_and_a_write_at_the_same_moment_do_not_collide(lab):
    """A backtest (a slow read) and a transition (a write) arrive together: DuckDB refuses one
    process a read-write connection while a read-only one is open, so the server must queue them."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        reads = [pool.submit(call, lab, "GET", f"profiles/{pid}/backtest", CAROL) for pid in ("RP-ORG-01", "RP-BIO-01")]
        write = pool.submit(call, lab, "POST", "profiles/RP-PRO-01/retire", BOB, json={"reason": "stopped performing"})
        listing = pool.submit(call, lab, "GET", "profiles", CAROL)
        responses = [f.result() for f in (*reads, write, listing)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200], [r.text[:200] for r in responses]
    assert responses[2].json()["status"] == "retired"


def test_jupyter_lists_the_extension_and_the_server_extension_enabled():
    """What `make lab` checks: the prebuilt extension and the server extension, enabled in this venv."""
    import subprocess
    import sys

    jupyter = Path(sys.executable).with_name("jupyter")

    def listed(*args: str) -> str:
        done = subprocess.run([str(jupyter), *args, "list"], capture_output=True, text=True, timeout=120)
        return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)   # without the colours

    lab, server = listed("labextension"), listed("server", "extension")
    assert re.search(r"customs-risk-workbench v\S+ enabled OK", lab), lab
    assert re.search(r"workbench\.lab enabled", server), server
