"""Emerging risks: each group's baseline and recent finding rate joined by a line, the groups the
test flags in red."""

from __future__ import annotations

from typing import Any


def emerging_chart(result: dict[str, Any], *, top: int = 20) -> Any:
    """An Altair dumbbell chart from :func:`workbench.strategic.emerging_risks`."""
    import altair as alt

    groups = result["groups"][:top]
    points = [{"group": g["group"], "window": w, "rate": g[f"{w}_rate"], "flagged": g["flagged"],
               "examined": g[f"{w}_examined"], "q": g["q"]} for g in groups for w in ("baseline", "recent")]
    order = [g["group"] for g in groups]
    base = alt.Chart(alt.Data(values=points)).encode(
        y=alt.Y("group:N", sort=order, title=result["dimension"]),
        x=alt.X("rate:Q", title="Finding rate", axis=alt.Axis(format="%")),
    )
    line = base.mark_line(color="#999").encode(detail="group:N")
    dots = base.mark_point(filled=True, size=70).encode(
        shape=alt.Shape("window:N", title="Window"),
        color=alt.condition("datum.flagged", alt.value("#e2574c"), alt.value("#4c78a8")),
        tooltip=["group:N", "window:N", alt.Tooltip("rate:Q", format=".1%"), "examined:Q",
                 alt.Tooltip("q:Q", format=".3g")],
    )
    return (line + dots).properties(title=f"Emerging risks by {result['dimension']} ({result['test']})",
                                    width=480, height=max(120, 18 * len(groups)))
