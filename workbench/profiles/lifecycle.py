"""The lifecycle shared by profiles and target lists: draft → submitted → approved → active → retired.

Rules, the same from the CLI, notebooks and the JupyterLab panel (they all call these functions):

- saving changes a draft (or sends a submitted version back to draft); saving over an approved,
  active or retired version makes a new version — an approved version never changes;
- nobody approves a version they authored or edited (four eyes); approving, rejecting,
  activating and retiring need the ``approver`` role (an author may withdraw their own draft);
- activating a version retires the version that was active before it; an expired version
  (its validity ended) cannot be activated;
- every change is an event with who, when and why, written with its audit-log entry in one
  transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from workbench.access import AccessDenied, roles_of
from workbench.identity import check_user_name
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import one, rows

STATUSES = ("draft", "submitted", "approved", "active", "retired")
MOVES = {
    "submit": (("draft",), "submitted"),
    "reject": (("submitted",), "draft"),
    "approve": (("submitted",), "approved"),
    "activate": (("approved",), "active"),
    "retire": (("draft", "submitted", "approved", "active"), "retired"),
}


class LifecycleError(ValueError):
    """A transition the rules do not allow, or an unknown object or version."""


@dataclass(frozen=True)
class Ledger:
    """Where one kind of object keeps its versions and events."""

    kind: str                # 'profile' | 'target_list' (the audit log's object_type)
    versions: str            # table of versions
    events: str              # table of events
    key: str                 # id column
    digest: str              # content hash column

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    # reading --------------------------------------------------------------------------------
    def latest(self, con: duckdb.DuckDBPyConnection, obj_id: str) -> dict[str, Any] | None:
        return self._row(con, f"where {self.key} = ? order by version desc limit 1", [obj_id])

    def get(self, con: duckdb.DuckDBPyConnection, obj_id: str, version: int | None = None) -> dict[str, Any]:
        row = (self._row(con, f"where {self.key} = ? and version = ?", [obj_id, version]) if version
               else self.latest(con, obj_id))
        if row is None:
            what = f"{obj_id} version {version}" if version else obj_id
            raise LifecycleError(f"no {self.kind.replace('_', ' ')} {what} in the store")
        return row

    def _row(self, con: duckdb.DuckDBPyConnection, where: str, params: list) -> dict[str, Any] | None:
        cur = con.execute(f"select * from {self.versions} {where}", params)
        names = [d[0] for d in cur.description]
        got = cur.fetchall()
        return dict(zip(names, got[0])) if got else None

    def history(self, con: duckdb.DuckDBPyConnection, obj_id: str) -> list[dict[str, Any]]:
        cur = con.execute(f"select * from {self.events} where {self.key} = ? order by event_at, version", [obj_id])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    # writing --------------------------------------------------------------------------------
    def save(self, con: duckdb.DuckDBPyConnection, obj_id: str, digest: str, actor: str, *,
             write: Callable[[int, dict[str, Any] | None], None], details: dict[str, Any],
             reason: str | None = None) -> tuple[int, str]:
        """Store new content for ``obj_id``. ``write(version, life)`` inserts the version's row
        with the lifecycle columns ``life`` (a new version) or, with ``life`` None, updates the
        content columns of an existing draft. Returns (version, what happened: 'created',
        'updated', 'new version' or 'unchanged')."""
        check_user_name(actor)
        now = self.now()
        with transaction(con):
            last = self.latest(con, obj_id)
            if last and last[self.digest] == digest and last["status"] != "retired":
                return last["version"], "unchanged"
            if last is None or last["status"] in ("approved", "active", "retired"):
                version = 1 if last is None else last["version"] + 1
                write(version, {"status": "draft", "author": actor, "editors": [actor],
                                "created_at": now, "updated_at": now})
                happened, before = ("created" if last is None else "new version"), None
            else:
                version, before = last["version"], last["status"]
                write(version, None)
                con.execute(f"update {self.versions} set status = 'draft', updated_at = ?, "
                            f"editors = list_distinct(list_append(editors, ?)), submitted_by = NULL, "
                            f"submitted_at = NULL where {self.key} = ? and version = ?",
                            [now, actor, obj_id, version])
                happened = "updated"
            self._event(con, obj_id, version, now, actor, "create" if happened == "created" else "save",
                        before, "draft", reason or happened, digest, details)
        return version, happened

    def move(self, con: duckdb.DuckDBPyConnection, obj_id: str, version: int | None, action: str, actor: str,
             reason: str, *, today: dt.date | None = None) -> dict[str, Any]:
        """Apply a transition; returns the version's row after it."""
        check_user_name(actor)
        if action not in MOVES:
            raise LifecycleError(f"unknown action {action!r}")
        if not reason or not reason.strip():
            raise LifecycleError(f"{action}: say why (a reason is recorded with every transition)")
        target = MOVES[action][1]
        now = self.now()
        today = today or now.date()
        with transaction(con):
            row = self.get(con, obj_id, version)
            version = row["version"]
            self.check(con, row, action, actor, today)
            superseded = None
            if action == "activate":
                prev = one(con, f"select version from {self.versions} where {self.key} = ? and status = 'active' "
                                f"and version <> ?", [obj_id, version])
                if prev:
                    superseded = prev[0]
                    self._set_status(con, obj_id, superseded, "retired", actor, now)
                    self._event(con, obj_id, superseded, now, actor, "retire", "active", "retired",
                                f"superseded by version {version}: {reason}",
                                self.get(con, obj_id, superseded)[self.digest], {})
            self._set_status(con, obj_id, version, target, actor, now)
            self._event(con, obj_id, version, now, actor, action, row["status"], target, reason,
                        row[self.digest], {"superseded": superseded} if superseded else {})
            return self.get(con, obj_id, version)

    def check(self, con: duckdb.DuckDBPyConnection, row: dict[str, Any], action: str, actor: str,
              today: dt.date) -> None:
        """Raise :class:`AccessDenied` or :class:`LifecycleError` when ``actor`` may not apply
        ``action`` to this version (``row`` from :meth:`get`) — the rules :meth:`move` applies,
        for a UI that shows only the buttons that would work."""
        sources = MOVES[action][0]
        if row["status"] not in sources:
            raise LifecycleError(f"{self.kind.replace('_', ' ')} {row[self.key]} v{row['version']} is {row['status']}: "
                                 f"{action} needs it {' or '.join(sources)}")
        roles = roles_of(con, actor)
        own = actor in row["editors"]
        if action == "submit":
            if not own and "approver" not in roles:
                raise AccessDenied(f"{actor} did not write {row[self.key]} v{row['version']}: "
                                   "only its authors (or an approver) submit it")
            return
        if action == "retire" and own and row["status"] in ("draft", "submitted"):
            return  # authors may withdraw their own unapproved work
        if "approver" not in roles:
            raise AccessDenied(f"{actor} needs the 'approver' role to {action}; ask an admin to grant it")
        if action == "approve" and own:
            raise AccessDenied(f"four eyes: {actor} authored or edited {row[self.key]} v{row['version']} "
                               "and cannot approve it; another approver must")
        if action == "activate" and row.get("valid_to") is not None and row["valid_to"] < today:
            raise LifecycleError(f"{row[self.key]} v{row['version']} expired on {row['valid_to']}: "
                                 "it cannot be activated; save a new version with a later validity")

    def _set_status(self, con: duckdb.DuckDBPyConnection, obj_id: str, version: int, status: str,
                    actor: str, now: dt.datetime) -> None:
        col = {"submitted": "submitted", "approved": "approved", "active": "activated", "retired": "retired"}.get(status)
        extra = f", {col}_by = ?, {col}_at = ?" if col else ""
        params = [status] + ([actor, now] if col else []) + [now, obj_id, version]
        con.execute(f"update {self.versions} set status = ?{extra}, updated_at = ? "
                    f"where {self.key} = ? and version = ?", params)

    def _event(self, con: duckdb.DuckDBPyConnection, obj_id: str, version: int, now: dt.datetime, actor: str,
               action: str, before: str | None, after: str, reason: str | None, digest: str,
               details: dict[str, Any]) -> None:
        con.execute(f"insert into {self.events} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [obj_id, version, now, actor, action, before, after, reason, digest])
        audit.record(con, actor=actor, action=f"{self.kind}.{action}", object_type=self.kind,
                     object_id=f"{obj_id}@{version}", reason=reason,
                     details={"version": version, "from": before, "to": after, self.digest: digest, **details})

    # integrity ------------------------------------------------------------------------------
    def tampered(self, con: duckdb.DuckDBPyConnection, digest_of: Callable[[dict[str, Any]], str]) -> list[str]:
        """Versions whose stored content no longer matches its hash, or whose hash differs from
        the one the audit log recorded at its last transition."""
        problems = []
        logged = {r[0]: r[1] for r in rows(con, f"""
            select object_id, json_extract_string(details, '$.{self.digest}') from audit_log
            where object_type = ? qualify row_number() over (partition by object_id order by seq desc) = 1
        """, [self.kind])}
        cur = con.execute(f"select * from {self.versions} order by {self.key}, version")
        names = [d[0] for d in cur.description]
        for r in cur.fetchall():
            row = dict(zip(names, r))
            ref = f"{row[self.key]}@{row['version']}"
            actual = digest_of(row)
            if actual != row[self.digest]:
                problems.append(f"{ref}: content changed outside the workbench (hash {actual[:12]} != "
                                f"recorded {row[self.digest][:12]})")
            elif logged.get(ref) != row[self.digest]:
                problems.append(f"{ref}: content hash differs from the audit log's")
        return problems


PROFILES = Ledger("profile", "profile_version", "profile_event", "profile_id", "spec_sha256")
TARGET_LISTS = Ledger("target_list", "target_list_version", "target_list_event", "list_id", "content_sha256")
