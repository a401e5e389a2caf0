import dagster as dg

from orchestration.profiles.assets import (
    campaign_lists,
    clv_model,
    customer_rfm,
    customer_value,
    segment_profiles,
    segment_transitions,
    user_segments,
)
from orchestration.profiles.checks import profile_checks

defs = dg.Definitions(assets=[user_segments, segment_profiles, segment_transitions, clv_model, customer_rfm, customer_value,
                              campaign_lists],
                      asset_checks=profile_checks)
