"""The profile builder's numbers: a backtest window prepared once, then only the compiled profile
run on each change.

:class:`BuilderFrame` copies the window from the store into an in-memory DuckDB — the profiles'
own evaluation frame (:func:`workbench.profiles.build_frame`: declarations as first lodged,
indicators from the latest build) with every field the builder offers, and each declaration's
outcome as the backtest reads it (``pf_outcome``: examined, positive, revenue, random stream) —
with the store opened read-only and detached straight after. :meth:`BuilderFrame.measure` then
compiles a profile (:func:`workbench.profiles.compile_profile`, bound parameters only), runs it
on the copy — on the items of a broader profile's declarations, set apart once, when the
caller gives one (a threshold moved: the same criteria without thresholds) — and aggregates in
DuckDB: hits, examination rate, examined hits, positives, hit
rate, detection rate, lift over the random stream, revenue, and the capture curve. The metrics
are the backtest's, by the same definitions (a test holds them equal to
:func:`workbench.profiles.backtest`); only the ranking of the capture curve is the builder's:
hits are taken in the order the threshold would keep them if tightened (lowest value per kg
first, else highest duty rate, else the backtest's hash order), so the curve shows what a
tighter threshold would give up.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from workbench.dashboards.builder_criteria import FIELDS
from workbench.profiles.backtest import OUTCOMES
from workbench.profiles.compiler import compile_profile
from workbench.profiles.frame import as_timestamp, build_frame
from workbench.profiles.spec import Profile
from workbench.store.sql import rows

CAPTURE_POINTS = 100
_FIELD = re.compile(r"^indicator\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.flag$")


@dataclass(frozen=True)
class BuilderResult:
    """A profile measured on the window (rates rounded as the backtest rounds them)."""

    hits: int
    examination_rate: float | None
    examined: int
    positives: int
    hit_rate: float | None
    detection_rate: float | None
    lift: float | None
    revenue: float
    random_examined: int
    capture: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0

    def headline(self) -> str:
        """The result in one sentence."""
        if not self.hits:
            return "No declarations hit in the window."
        text = (f"{self.hits:,} hits ({(self.examination_rate or 0):.2%} of declarations); {self.examined:,} examined, "
                f"{self.positives:,} positive")
        if self.hit_rate is not None:
            text += f": hit rate {self.hit_rate:.1%}"
        if self.lift is not None:
            text += f", lift {self.lift:.2f}"
        if self.detection_rate is not None:
            text += f"; {self.detection_rate:.1%} of known offences in the window"
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rate(num: float | None, den: float | None) -> float | None:
    return round(num / den, 4) if num is not None and den else None


class BuilderFrame:
    """A backtest window of the store held in memory for the builder (see the module's text).

    ``declarations``, ``positives`` (known in the window), ``base_rate`` (the random stream's),
    ``indicator_flags`` (those the frame holds), ``salt`` and ``load_seconds`` describe it.
    """

    def __init__(self, db: str | Path, start: dt.date | dt.datetime | str, end: dt.date | dt.datetime | str, *,
                 indicator_flags: list[str] | tuple[str, ...] | None = None,
                 as_of: dt.datetime | None = None) -> None:
        from workbench.profiles.selection import store_salt
        from workbench.store.connection import connect

        started = time.perf_counter()
        self.db = Path(db)
        self.start, self.end = as_timestamp(start), as_timestamp(end)
        self.as_of = as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        connect(self.db, read_only=True).close()   # the same checks and messages as any read-only open
        self.con = duckdb.connect()
        self.con.execute("set enable_progress_bar = false")
        self.con.execute("attach ? as wb_store (read_only)", [str(self.db)])
        try:
            self.con.execute("set search_path = 'memory.main,wb_store.main'")
            self.salt = store_salt(self.con)
            offered = available_flags(self.con) if indicator_flags is None else list(indicator_flags)
            self.frame = build_frame(self.con, self.start, self.end, fields=set(FIELDS) | set(offered))
            self.con.execute(OUTCOMES, {"as_of": self.as_of})
        finally:
            self.con.execute("set search_path = 'memory.main'")
            self.con.execute("detach wb_store")
        self.indicator_flags = offered
        self._within_digest: str | None = None
        # only examined declarations carry an outcome: hits left-join this much shorter table
        self.con.execute("create or replace temp table pb_outcome as select * from pf_outcome where examined")
        self.declarations = self.frame.declarations
        (self.positives, self.random_examined, random_positive), = rows(self.con, """
            select count(*) filter (where positive), count(*) filter (where random_examined),
                   count(*) filter (where random_positive) from pf_outcome""")
        self.base_rate = _rate(random_positive, self.random_examined)
        self.load_seconds = time.perf_counter() - started

    def describe(self) -> str:
        """The window in one sentence."""
        text = (f"{self.declarations:,} declarations lodged {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} "
                f"(end excluded); {self.positives:,} with a known offence")
        if self.base_rate is not None:
            text += f"; random stream {self.base_rate:.1%} of {self.random_examined:,}"
        return text + "."

    def measure(self, profile: Profile, *, within: Profile | None = None) -> BuilderResult:
        """``profile`` on the window: the backtest's metrics and the capture curve.

        ``within`` is a broader profile — one whose hits include every hit of ``profile``, such
        as the same criteria without their thresholds (:meth:`BuilderCriteria.broader`) — whose
        declarations are set apart once and kept: ``profile`` then runs on their items only, so
        a move of a threshold reads a fraction of the window. Every item of those declarations
        is kept, so criteria, exceptions and sampling see what they see on the whole window.
        """
        started = time.perf_counter()
        frame = self._within(within) if within is not None else "pf_item"
        compiled = compile_profile(profile, salt=self.salt, frame=frame)
        con = self.con
        con.execute(f"create or replace temp table pb_hit as {compiled.hits}", compiled.params)
        (hits, examined, positives, revenue, random_examined, random_positive), = rows(con, """
            select count(*), count(*) filter (where o.examined), count(*) filter (where o.positive),
                   coalesce(sum(o.revenue) filter (where o.positive), 0),
                   count(*) filter (where o.random_examined), count(*) filter (where o.random_positive)
            from pb_hit h left join pb_outcome o using (declaration_id)""")
        hit_rate = _rate(positives, examined)
        capture = self._capture(profile, hits, frame)
        return BuilderResult(
            hits=hits, examination_rate=_rate(hits, self.declarations), examined=examined, positives=positives,
            hit_rate=hit_rate, detection_rate=_rate(positives, self.positives),
            lift=round(hit_rate / self.base_rate, 2) if hit_rate is not None and self.base_rate else None,
            revenue=round(revenue, 2), random_examined=random_examined,
            capture=capture, seconds=time.perf_counter() - started)

    def _within(self, broader: Profile) -> str:
        """The name of the table of the items of ``broader``'s hit declarations (made once per
        broader profile, the last one kept)."""
        digest = broader.sha256()
        if self._within_digest != digest:
            compiled = compile_profile(broader, salt=self.salt)
            self.con.execute(f"""create or replace temp table pb_within as
                select f.* from pf_item f semi join ({compiled.hits}) h using (declaration_id)""", compiled.params)
            self._within_digest = digest
        return "pb_within"

    def _capture(self, profile: Profile, hits: int, frame: str) -> list[dict[str, float]]:
        fields = profile.fields_used()
        # fixed texts of this module chosen by which fields the profile uses, never user input
        key = ('f."item.value_per_kg" asc nulls last, ' if "item.value_per_kg" in fields else
               'f."item.duty_rate" desc nulls last, ' if "item.duty_rate" in fields else "")
        join = f"join {frame} f on f.declaration_id = h.declaration_id and f.item_no = h.item_no" if key else ""
        found = rows(self.con, f"""
            with c as (
                select row_number() over w as rnk, sum(coalesce(o.positive, false)::integer) over w as found
                from pb_hit h {join} left join pb_outcome o on o.declaration_id = h.declaration_id
                window w as (order by {key}md5(h.declaration_id) rows between unbounded preceding and current row))
            select rnk / $decls, found / nullif($pos, 0) from c
            where rnk % $step = 0 or rnk = $hits order by rnk""",
                     {"decls": float(self.declarations or 1), "pos": float(self.positives or 0),
                      "step": max(1, hits // CAPTURE_POINTS), "hits": hits})
        return [{"inspected_share": 0.0, "offences_share": 0.0}] + [
            {"inspected_share": a, "offences_share": b or 0.0} for a, b in found]

    def close(self) -> None:
        self.con.close()


def available_flags(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The indicator flags of the latest indicator build (``indicator.ID.flag``), none without one."""
    found = rows(con, """
        select indicator_id from indicator_definition
        where build_id = (select max(build_id) from indicator_build) order by indicator_id""")
    flags = [f"indicator.{r[0]}.flag" for r in found]
    return [f for f in flags if _FIELD.match(f)]
