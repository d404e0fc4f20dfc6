"""Roles of users in a store: analyst, approver, admin.

Roles live in the store and change only by an admin's hand, each change recorded in the audit
log in the same transaction.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from workbench.identity import check_user_name
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import scalar

ROLES = ("analyst", "approver", "admin")


class AccessDenied(PermissionError):
    """The acting user lacks the role an action needs."""


def roles_of(con: duckdb.DuckDBPyConnection, user: str) -> set[str]:
    """Roles held by ``user``; everyone holds 'analyst'."""
    rows = con.execute("select role from user_role where user_name = ?", [user]).fetchall()
    return {"analyst"} | {r[0] for r in rows}


def require_role(con: duckdb.DuckDBPyConnection, user: str, role: str) -> None:
    if role not in roles_of(con, user):
        raise AccessDenied(f"{user} needs the {role!r} role for this; ask an admin to grant it")


def list_roles(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        "select user_name, role, granted_by, granted_at from user_role order by user_name, role"
    ).fetchall()
    return [dict(zip(("user", "role", "granted_by", "granted_at"), r)) for r in rows]


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return role


def grant(con: duckdb.DuckDBPyConnection, *, admin: str, user: str, role: str, reason: str) -> bool:
    """Give ``user`` a role; returns False when they already held it."""
    _check_role(role)
    check_user_name(user)
    require_role(con, admin, "admin")
    with transaction(con):
        held = scalar(
            con, "select count(*) from user_role where user_name = ? and role = ?", [user, role]
        )
        if held:
            return False
        con.execute(
            "insert into user_role values (?, ?, ?, ?)",
            [user, role, admin, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )
        audit.record(con, actor=admin, action="role.grant", object_type="user", object_id=user,
                     reason=reason, details={"role": role})
    return True


def revoke(con: duckdb.DuckDBPyConnection, *, admin: str, user: str, role: str, reason: str) -> bool:
    """Take a role away; the last admin cannot be removed."""
    _check_role(role)
    require_role(con, admin, "admin")
    with transaction(con):
        if role == "admin":
            admins = scalar(con, "select count(*) from user_role where role = 'admin'")
            if admins <= 1 and "admin" in roles_of(con, user):
                raise AccessDenied("cannot revoke the last admin of the store")
        deleted = con.execute(
            "delete from user_role where user_name = ? and role = ? returning 1", [user, role]
        ).fetchall()
        if not deleted:
            return False
        audit.record(con, actor=admin, action="role.revoke", object_type="user", object_id=user,
                     reason=reason, details={"role": role})
    return True
