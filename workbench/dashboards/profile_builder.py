"""The profile builder: choose criteria, move thresholds, and see hits, hit rate, lift and the
capture curve follow; then save the profile as a draft, into the ordinary lifecycle.

When it opens, the builder prepares the backtest window once (:class:`BuilderFrame`: the store
opened read-only, copied, closed); each change of a widget then compiles the profile and runs
only its SQL on the copy. **Load window** prepares another window. **Save as draft** stores the
profile with :func:`workbench.profiles.save_profile` (a draft by the current user, under the
four-eyes rules of the lifecycle; the risk must be in the register). The logic is plain Python:
tests set the widgets' values and read :attr:`ProfileBuilder.value` and
:attr:`ProfileBuilder.result`, no browser needed.

::

    from workbench.dashboards import BuilderCriteria, ProfileBuilder
    ProfileBuilder(BuilderCriteria(hs_prefixes="6403", max_value_per_kg=5))
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from workbench.dashboards.builder_criteria import BuilderCriteria, CriteriaError
from workbench.dashboards.builder_frame import BuilderFrame, BuilderResult
from workbench.dashboards.chart_widget import chart_widget
from workbench.dashboards.dashboard import Dashboard
from workbench.dashboards.html_table import records_html
from workbench.profiles.spec import LANES

METRICS = ("hits", "examination_rate", "examined", "positives", "hit_rate", "detection_rate", "lift", "revenue",
           "random_examined")
RATES = ("examination_rate", "hit_rate", "detection_rate")


def default_window(db: str | Path, months: int = 12) -> tuple[dt.date, dt.date]:
    """The last ``months`` of lodgements in the store (up to the day after the last one); the
    year to today when the store holds no declarations."""
    from workbench.profiles.monitor import data_end, months_back
    from workbench.store.connection import open_store

    with open_store(db, read_only=True) as con:
        try:
            end = data_end(con)
        except ValueError:
            end = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time())
    return months_back(end, months).date(), end.date()


def register_choices(db: str | Path) -> list[tuple[str, str]]:
    """(label, risk id) of the open risks of the register, for the risk a profile treats."""
    from workbench.store.connection import open_store
    from workbench.strategic import list_risks

    with open_store(db, read_only=True) as con:
        return [(f"{r['risk_id']}: {r['title']}", r["risk_id"]) for r in list_risks(con) if r["status"] == "open"]


def capture_spec(template: dict[str, Any], capture: list[dict[str, float]]) -> dict[str, Any]:
    """The capture chart's Vega-Lite spec for ``capture``: ``template`` (the spec of
    :func:`workbench.charts.profiles.capture_curve`) with the curve's points and the random
    diagonal's end swapped in. Building the Altair chart again costs about 100 ms; this costs
    nothing, and a threshold move must answer fast."""
    top = max((p["inspected_share"] for p in capture), default=0.0) or 1.0
    layers = []
    for layer in template["layer"]:
        values = layer["data"]["values"]
        if values and "inspected_share" in values[0]:
            values = list(capture)
        else:   # the diagonal: random selection finds offences in proportion to what it inspects
            values = [{"x": 0.0, "y": 0.0}, {"x": top, "y": top}]
        layers.append({**layer, "data": {"values": values}})
    return {**template, "layer": layers}


def _shown(measure: str, value: Any) -> Any:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if measure in RATES else value


class ProfileBuilder(Dashboard):
    """A dashboard that builds a profile from criteria and thresholds, measured live on a window."""

    def __init__(self, criteria: BuilderCriteria | None = None, *, db: str | Path | None = None,
                 since: dt.date | str | None = None, until: dt.date | str | None = None,
                 indicator_flags: list[str] | None = None) -> None:
        import ipywidgets as w

        from workbench.charts.profiles import capture_curve

        super().__init__(db)
        self._draw = capture_curve
        self._criteria = criteria or BuilderCriteria(hs_prefixes="85", max_value_per_kg=20.0)
        self.result: BuilderResult | None = None
        first, last = default_window(self.db)
        self.frame = BuilderFrame(self.db, since or first, until or last, indicator_flags=indicator_flags)
        c, wide = self._criteria, w.Layout(width="320px")
        style = {"description_width": "120px"}
        self.since = w.DatePicker(description="Window from", value=self.frame.start.date(), style=style)
        self.until = w.DatePicker(description="to (excluded)", value=self.frame.end.date(), style=style)
        self.load = w.Button(description="Load window")
        self.hs_prefixes = w.Text(description="HS prefixes", value=", ".join(c.hs_prefixes),
                                  placeholder="e.g. 6403, 6404",
                                  continuous_update=False, layout=wide, style=style)
        self.origins = w.Text(description="Origins", value=", ".join(c.origins), placeholder="e.g. VN, CN",
                              continuous_update=False, layout=wide, style=style)
        self.dispatch = w.Text(description="Dispatched from", value=", ".join(c.dispatch), placeholder="e.g. HK",
                               continuous_update=False, layout=wide, style=style)
        self.use_value = w.Checkbox(description="value per kg below", value=c.max_value_per_kg is not None,
                                    indent=False)
        self.max_value_per_kg = w.FloatLogSlider(value=c.max_value_per_kg or 20.0, base=10, min=-1, max=4, step=0.05,
                                                 description="", continuous_update=False, readout_format=".3g")
        self.max_value_per_kg.add_class("wb-threshold-value")
        self.use_duty = w.Checkbox(description="duty rate at least", value=c.min_duty_rate is not None, indent=False)
        self.min_duty_rate = w.FloatSlider(value=c.min_duty_rate or 0.05, min=0.0, max=0.5, step=0.01, description="",
                                           continuous_update=False, readout_format=".0%")
        self.flags = w.SelectMultiple(description="Indicators fired", options=self.frame.indicator_flags,
                                      value=[f for f in c.indicator_flags if f in self.frame.indicator_flags],
                                      rows=min(8, max(2, len(self.frame.indicator_flags))), layout=wide, style=style)
        self.exclude_trusted = w.Checkbox(description="leave out trusted traders", value=c.exclude_trusted,
                                          indent=False)
        self.lane = w.Dropdown(description="Lane", options=list(reversed(LANES)), value=c.lane,
                               style=style)
        self.selection_pct = w.FloatSlider(description="Selection %", value=c.selection_pct, min=1, max=100, step=1,
                                           continuous_update=False, style=style)
        self.status = w.HTML()
        self.window_text = w.HTML()
        self.headline = w.HTML()
        self.metrics = w.HTML()
        self.capture = chart_widget(self._draw([{"inspected_share": 0.0, "offences_share": 0.0}],
                                               title="Capture curve (hits ranked by the threshold)"))
        self._capture_template = self.capture.spec
        self.profile_id = w.Text(description="Profile id", placeholder="e.g. RP-REV-UV-02", layout=wide, style=style)
        self.title = w.Text(description="Title", layout=wide, style=style)
        self.risk = w.Dropdown(description="Treats risk", layout=wide, style=style,
                               options=register_choices(self.db) or [("(register empty)", "")])
        self.save = w.Button(description="Save as draft", button_style="primary")
        self.saved = w.HTML()
        self.controls = (self.hs_prefixes, self.origins, self.dispatch, self.use_value, self.max_value_per_kg,
                         self.use_duty, self.min_duty_rate, self.flags, self.exclude_trusted, self.lane,
                         self.selection_pct)
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.max_value_per_kg.observe(lambda _: self._switch_on(self.use_value), names="value")
        self.min_duty_rate.observe(lambda _: self._switch_on(self.use_duty), names="value")
        self.load.on_click(lambda _: self.load_window(self.since.value, self.until.value))
        self.save.on_click(lambda _: self.save_draft())
        criteria_box = w.VBox([
            w.HTML("<b>Window</b>"), self.since, self.until, self.load, self.window_text,
            w.HTML("<b>Criteria</b> (all must hold on one item)"), self.hs_prefixes, self.origins, self.dispatch,
            w.HBox([self.use_value, self.max_value_per_kg]), w.HBox([self.use_duty, self.min_duty_rate]),
            self.flags, self.exclude_trusted, w.HTML("<b>Treatment</b>"), self.lane, self.selection_pct, self.status,
        ], layout=w.Layout(min_width="480px"))
        save_box = w.VBox([w.HTML("<b>Save as a draft profile</b>"), self.profile_id, self.title, self.risk, self.save,
                           self.saved])
        results = w.VBox([self.headline, self.metrics, self.capture, save_box])
        self.widget = w.HBox([criteria_box, results])
        self.widget.add_class("wb-profile-builder")
        self.refresh()

    @property
    def value(self) -> BuilderCriteria:
        """The criteria the numbers on show were measured with."""
        return self._criteria

    @property
    def profile(self) -> Any:
        """The profile on show (a draft id and title until saved)."""
        return self._criteria.profile()

    @staticmethod
    def _switch_on(box: Any) -> None:
        if not box.value:
            box.value = True   # moving a slider uses it

    def _from_widgets(self) -> BuilderCriteria:
        return BuilderCriteria(
            hs_prefixes=self.hs_prefixes.value, origins=self.origins.value, dispatch=self.dispatch.value,
            max_value_per_kg=self.max_value_per_kg.value if self.use_value.value else None,
            min_duty_rate=round(self.min_duty_rate.value, 4) if self.use_duty.value else None,
            indicator_flags=tuple(self.flags.value), exclude_trusted=self.exclude_trusted.value,
            lane=self.lane.value, selection_pct=self.selection_pct.value)

    def _on_change(self, _change: Any = None) -> None:
        try:
            criteria = self._from_widgets()
            criteria.criteria()
        except CriteriaError as exc:
            self.show_error(exc)
            return
        if criteria != self._criteria or self.result is None:
            self._criteria = criteria
            self.refresh()

    def load_window(self, since: dt.date | str, until: dt.date | str) -> BuilderResult | None:
        """Prepare another backtest window from the store and measure the criteria on it."""
        from workbench.profiles.frame import FrameError
        from workbench.store.connection import StoreError

        try:
            frame = BuilderFrame(self.db, since, until, indicator_flags=list(self.frame.indicator_flags))
        except (StoreError, FrameError, ValueError) as exc:
            self.show_error(exc)
            return None
        self.frame.close()
        self.frame = frame
        return self.refresh()

    def refresh(self) -> BuilderResult | None:
        """Measure the current criteria on the window and redraw; returns the result."""
        try:
            wider = self._criteria.broader()
            result = self.frame.measure(self._criteria.profile(), within=wider.profile() if wider else None)
        except CriteriaError as exc:
            self.show_error(exc)
            return None
        self.result = result
        self.window_text.value = f"<small>{html.escape(self.frame.describe())}</small>"
        self.headline.value = (f"<b>{html.escape(self._criteria.describe())}</b><br>"
                               f"<span class='wb-builder-headline'>{html.escape(result.headline())}</span>")
        shown = [{"measure": k.replace("_", " "), "value": _shown(k, getattr(result, k))} for k in METRICS]
        self.metrics.value = f"<div class='wb-builder-metrics'>{records_html(shown, ('measure', 'value'))}</div>"
        self.capture.spec = capture_spec(self._capture_template, result.capture)
        self.status.value = f"<small>measured in {1000 * result.seconds:.0f} ms</small>"
        return result

    def save_draft(self) -> tuple[int, str] | None:
        """Save the profile on show as a draft (id, title and risk from the widgets); returns
        (version, what happened) or None with the reason on the status line."""
        from workbench.access import AccessDenied
        from workbench.profiles import LifecycleError, SpecError, save_profile
        from workbench.store.connection import StoreError, open_store

        pid, title, risk = self.profile_id.value.strip(), self.title.value.strip(), self.risk.value
        if not pid or not risk:
            self.saved.value = ("<span style='color:#c0392b'>give a profile id and the register risk it treats "
                                "(add risks with `workbench risk add`)</span>")
            return None
        try:
            profile = self._criteria.profile(profile_id=pid, title=title or None, risk=risk,
                                             rationale=f"Built in the profile builder on {self.frame.describe()}")
            with open_store(self.db) as con:
                version, happened = save_profile(con, profile, reason="saved from the profile builder")
        except (CriteriaError, SpecError, LifecycleError, AccessDenied, StoreError) as exc:
            self.saved.value = f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>"
            return None
        self.saved.value = (f"<span class='wb-saved'>{html.escape(pid)} v{version}: {happened}, status draft. "
                            f"Next: `workbench profile submit {html.escape(pid)} --reason ...`.</span>")
        return version, happened
