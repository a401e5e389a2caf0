"""A vectorised, seeded generator of an online shop with exact ground truth."""

from simulator.config import SimConfig
from simulator.run import SimSummary, simulate

__all__ = ["SimConfig", "SimSummary", "simulate"]
