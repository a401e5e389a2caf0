"""The profiles' knobs in the launchpad: every field of the segmentation, CLV and campaign params."""

import dagster as dg
from pydantic import Field

from ml.campaigns import CampaignThresholds
from ml.clv.model import ClvParams
from ml.segments.model import SegmentParams
from orchestration.recommendations.config import config_of

SegmentConfig = config_of(SegmentParams)
ClvConfig = config_of(ClvParams)
CampaignConfig = config_of(CampaignThresholds)


class TransitionConfig(dg.Config):
    """Which two days segment_transitions compares."""

    compare_days: int = Field(default=28, description="Each user's segment now against the one the same fit gives "
                              "them this many days earlier.")
