"""Charts of a backtest: the capture curve, the hit-rate trend and the overlap matrix.

Data in (the plain records of :class:`workbench.profiles.backtest.BacktestResult`), chart out.
"""

from __future__ import annotations

from typing import Any

import altair as alt


def capture_curve(capture: list[dict[str, Any]], *, title: str = "Capture curve") -> alt.Chart:
    """Share of the window's known offences found against the share of declarations inspected,
    following the profile set's ranking; the diagonal is what random selection would find."""
    data = alt.Data(values=capture)
    curve = alt.Chart(data).mark_line(point=False).encode(
        x=alt.X("inspected_share:Q", title="share of declarations inspected", axis=alt.Axis(format="%")),
        y=alt.Y("offences_share:Q", title="share of known offences found", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("inspected_share:Q", format=".2%"), alt.Tooltip("offences_share:Q", format=".1%")],
    )
    top = max((p["inspected_share"] for p in capture), default=0.0) or 1.0
    diagonal = alt.Chart(alt.Data(values=[{"x": 0.0, "y": 0.0}, {"x": top, "y": top}])).mark_line(
        strokeDash=[4, 4], color="gray").encode(x="x:Q", y="y:Q")
    return (diagonal + curve).properties(title=title, width=420, height=300)


def hit_rate_trend(weekly: list[dict[str, Any]], *, title: str = "Hit rate by week") -> alt.Chart:
    """Each profile's weekly hit rate among examined hits (points sized by examinations)."""
    data = alt.Data(values=[{**r, "week": str(r["week"])} for r in weekly])
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("week:T", title="week of lodgement"),
        y=alt.Y("hit_rate:Q", title="hit rate among examined hits", axis=alt.Axis(format="%")),
        color=alt.Color("profile_id:N", title="profile"),
        size=alt.Size("examined:Q", title="examined", legend=None),
        tooltip=["profile_id:N", "week:T", "hits:Q", "examined:Q", "positives:Q",
                 alt.Tooltip("hit_rate:Q", format=".1%")],
    ).properties(title=title, width=520, height=280)


def overlap_matrix(overlap: list[dict[str, Any]], *, title: str = "Declarations hit by both") -> alt.Chart:
    """Pairs of profiles and the declarations both hit (the diagonal: each profile's hits)."""
    data = alt.Data(values=overlap)
    base = alt.Chart(data).encode(
        x=alt.X("profile_a:N", title=None), y=alt.Y("profile_b:N", title=None))
    cells = base.mark_rect().encode(color=alt.Color("both_hit:Q", title="declarations", scale=alt.Scale(type="log")),
                                    tooltip=["profile_a:N", "profile_b:N", "both_hit:Q"])
    text = base.mark_text(fontSize=10).encode(text="both_hit:Q")
    return (cells + text).properties(title=title, width=320, height=320)
