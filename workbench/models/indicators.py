"""The model's score as indicators of the catalogue, registered through its door.

- ``model.risk_score``: the latest model's calibrated score (the chance an examination finds
  something), firing in the model's top ``top_pct`` % — a profile can say
  ``indicator.model.risk_score.flag eq true``;
- ``model.risk_percentile``: where the score falls among the calibration window's declarations,
  0 to 100 — ``indicator.model.risk_percentile gte 98`` is "model score in the top 2 %".

Both read the scores stored by ``workbench model train`` / ``workbench model score`` for the
latest model. Point in time: scores exist only for declarations first lodged at or after the
model's cut-off, so nothing the model learnt was known after a scored declaration's lodgement;
earlier declarations have no value.

The catalogue loads this module through the entry point ``workbench.indicators: model``; it does
not import the models package itself.
"""

from __future__ import annotations

from workbench.indicators.catalogue import Catalogue, Evidence, Indicator
from workbench.indicators.wording import num, pct
from workbench.queries.params import Param

AS_OF = ("The latest model, trained on outcomes known before its cut-off; only declarations first lodged at or after "
         "the cut-off have a score, from their features as lodged (indicator values point in time).")
TOP = Param("top_pct", "number", "Fires for scores in this top share of the calibration window (percent).",
            default=5.0, minimum=0.0, maximum=100.0)

SCORES = """
select d.decl_key, s.{value} as value, s.percentile >= 100 - $top_pct as flag, s.{ref} as ref,
       s.model_id::DOUBLE as support, s.reasons as detail
from ix_decl d
join model_score s on s.declaration_id = d.declaration_id and s.version = d.version
where s.model_id = (select max(model_id) from model)
"""


def _score_reason(e: Evidence) -> str:
    text = f"model {num(e.support)} score {pct(e.value)}, percentile {num(e.ref)}"
    if e.flag:
        text += f", in its top {num(e.params['top_pct'])} %"
    return text + (f"; raised by {e.detail}" if e.detail else "")


def _percentile_reason(e: Evidence) -> str:
    text = f"model {num(e.support)} percentile {num(e.value)} (score {pct(e.ref)})"
    return text + (f"; raised by {e.detail}" if e.detail else "")


RISK_SCORE = Indicator(
    id="model.risk_score",
    title="Supervised risk score",
    what="The latest model's calibrated probability that an examination of the declaration finds an offence (or the "
         "model's target), from its source fields, attributes and indicators; fires in the model's top `top_pct` %.",
    why="Combines every signal the way past examinations showed they matter; ranks declarations for a budget.",
    as_of=AS_OF, grain="declaration", needs=("ix_decl", "ix_item"),
    sql=SCORES.format(value="score", ref="percentile"), reason=_score_reason, params=(TOP,),
    absent="no model, or the declaration was lodged before the model's cut-off (or after its last scoring run)",
    unit="probability", registered_by="workbench.models")

RISK_PERCENTILE = Indicator(
    id="model.risk_percentile",
    title="Supervised risk score percentile",
    what="Where the latest model's score of the declaration falls among the declarations of its calibration window, "
         "0-100; fires at or above 100 - `top_pct`.",
    why="A budget in words: percentile 98 or more is the model's top 2 %.",
    as_of=AS_OF, grain="declaration", needs=("ix_decl", "ix_item"),
    sql=SCORES.format(value="percentile", ref="score"), reason=_percentile_reason, params=(TOP,),
    absent="no model, or the declaration was lodged before the model's cut-off (or after its last scoring run)",
    unit="percentile", registered_by="workbench.models")


def register(cat: Catalogue) -> None:
    for ind in (RISK_SCORE, RISK_PERCENTILE):
        cat.add(ind)
