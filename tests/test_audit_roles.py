"""The audit log reveals tampering; roles change only through admins and the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from workbench import access
from workbench.store import audit
from workbench.store.connection import open_store


def cli(*args):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True,
                          env=os.environ.copy())


def test_chain_verifies_and_cli_agrees(tiny_store):
    with open_store(tiny_store, read_only=True) as con:
        result = audit.verify(con)
    assert result.ok and result.entries == 6 and not result.warnings
    out = cli("audit", "verify", "--db", str(tiny_store), "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["ok"] is True


@pytest.mark.parametrize("tamper,expected", [
    ("update audit_log set reason = 'nothing to see' where seq = 3", "entry 3 (data.load load 1): content does not match"),
    ("delete from audit_log where seq = 4", "entry 4 is missing"),
    ("delete from audit_log where seq = 6", "log truncated: sidecar records entry 6"),
])
def test_tampering_is_revealed(tiny_store, tamper, expected):
    con = duckdb.connect(str(tiny_store))
    con.execute(tamper)
    con.close()
    with open_store(tiny_store, read_only=True) as con:
        result = audit.verify(con)
    assert not result.ok and any(expected in p for p in result.problems), result.problems
    out = cli("audit", "verify", "--db", str(tiny_store))
    assert out.returncode == 1 and "tampered" in out.stdout


def test_roles_change_only_by_admins_and_are_audited(tiny_store, monkeypatch):
    with open_store(tiny_store) as con:
        assert access.roles_of(con, "tester") == {"analyst", "admin"}
        with pytest.raises(access.AccessDenied):
            access.grant(con, admin="mallory", user="mallory", role="admin", reason="why not")
        assert access.grant(con, admin="tester", user="alice", role="approver", reason="team lead")
        with pytest.raises(access.AccessDenied, match="last admin"):
            access.revoke(con, admin="tester", user="tester", role="admin", reason="oops")
        entries = con.execute("select actor, action, object_id, details->>'role' from audit_log "
                              "where action like 'role.%' order by seq").fetchall()
    assert entries[-1] == ("tester", "role.grant", "alice", "approver")
    monkeypatch.setenv("WORKBENCH_USER", "alice")
    out = cli("user", "grant", "bob", "admin", "--reason", "self-service", "--db", str(tiny_store))
    assert out.returncode == 1 and "alice needs the 'admin' role" in out.stderr
    out = cli("user", "whoami", "--db", str(tiny_store), "--json")
    assert json.loads(out.stdout) == {"user": "alice", "roles": ["analyst", "approver"]}
