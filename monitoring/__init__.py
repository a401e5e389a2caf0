"""Drift, performance and the retrain decision: Evidently reports and a pure policy (no Dagster)."""
