"""The strategic picture: the risk register, operational assessments from outcomes and the
emerging-risk test.

>>> from workbench.strategic import band
>>> band(3 * 4)
'high'
"""

from workbench.strategic.assessment import (
    DIMENSIONS,
    TEST_NAME,
    AssessmentError,
    emerging_risks,
    finding_rates,
    strategic_summary,
)
from workbench.strategic.register import (
    RegisterError,
    add_risk,
    band,
    change_risk,
    get_risk,
    list_risks,
    matrix_data,
    rate_risk,
    risk_history,
)

__all__ = ["DIMENSIONS", "TEST_NAME", "AssessmentError", "RegisterError", "add_risk", "band", "change_risk",
           "emerging_risks", "finding_rates", "get_risk", "list_risks", "matrix_data", "rate_risk", "risk_history",
           "strategic_summary"]
