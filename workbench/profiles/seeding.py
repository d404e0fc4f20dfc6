"""Putting the example register and profiles into a store, through the ordinary doors.

The demo uses it: risks enter the register with ``add_risk``; each example profile is saved and
submitted by the acting user and approved and activated by a second, named approver — the four
eyes rule holds for the demo too. Profiles already in the store are left as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import yaml

from workbench.access import grant, roles_of
from workbench.examples import profile_files, register_file
from workbench.profiles.lifecycle import PROFILES
from workbench.profiles.registry import save_profile, transition
from workbench.profiles.spec import read_profile
from workbench.strategic.register import add_risk

DEMO_APPROVER = "demo.approver"


def seed_register(con: duckdb.DuckDBPyConnection, *, user: str) -> list[str]:
    """Add the example risks that are not in the register yet; returns the ids added."""
    data = yaml.safe_load(register_file().read_text(encoding="utf-8"))
    added = []
    for risk in data["risks"]:
        if con.execute("select 1 from risk_area where risk_id = ?", [risk["risk_id"]]).fetchall():
            continue
        add_risk(con, user=user, reason="example register", **risk)
        added.append(risk["risk_id"])
    return added


def seed_profiles(con: duckdb.DuckDBPyConnection, *, author: str, approver: str = DEMO_APPROVER,
                  today: dt.date | None = None) -> list[dict[str, Any]]:
    """Save, submit, approve and activate each example profile not yet in the store."""
    if "approver" not in roles_of(con, approver):
        grant(con, admin=author, user=approver, role="approver", reason="demo: a second person approves")
    done = []
    for path in profile_files():
        profile = read_profile(path)
        if PROFILES.latest(con, profile.id) is not None:
            continue
        version, _ = save_profile(con, profile, actor=author, reason="example profile")
        transition(con, "submit", profile.id, reason="example profile, backtested in the demo", actor=author)
        transition(con, "approve", profile.id, reason="demo approval", actor=approver, today=today)
        transition(con, "activate", profile.id, reason="demo activation", actor=approver, today=today)
        done.append({"profile_id": profile.id, "version": version, "risk": profile.risk})
    return done
