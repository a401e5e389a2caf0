"""The sentiment model's knobs in the launchpad: every field of its params, with its description."""

from ml.sentiment.model import SentimentParams
from orchestration.recommendations.config import config_of

SentimentConfig = config_of(SentimentParams)
