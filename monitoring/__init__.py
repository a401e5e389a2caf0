"""Drift, performance and the retrain decision: Evidently reports and a pure policy (no Dagster)."""

import os

# ShopLens runs offline: no Evidently usage telemetry
os.environ.setdefault("DO_NOT_TRACK", "1")
