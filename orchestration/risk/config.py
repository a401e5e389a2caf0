"""The session-risk knobs in the launchpad: every field of the detectors' params, and the exclusion switch."""

import dagster as dg
from pydantic import Field

from ml.risk.train import RiskParams
from orchestration.recommendations.config import config_of

RiskConfig = config_of(RiskParams)


class ExclusionConfig(dg.Config):
    """Whether flagged sessions leave the label populations, interactions and purchase histories."""

    exclude_flagged: bool = Field(default=True, description="Sessions scored at or above the detector's flag score are "
                                  "excluded (dbt's excluded_sessions); off, they are scored and listed only.")
    flag_score: float | None = Field(default=None, description="Flag at or above this score in [0, 1] instead of the "
                                     "one the champion detector was trained with.")
