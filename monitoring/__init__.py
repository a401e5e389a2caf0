"""Drift reports and the retrain decision (no Dagster imports)."""
