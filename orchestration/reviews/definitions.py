import dagster as dg

from orchestration.reviews.assets import product_sentiment, review_sentiment, sentiment_model
from orchestration.reviews.checks import review_checks

defs = dg.Definitions(assets=[sentiment_model, review_sentiment, product_sentiment], asset_checks=review_checks)
