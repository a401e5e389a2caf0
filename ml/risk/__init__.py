"""Suspicious sessions: per-session behaviour features, rule / isolation-forest / XGBoost detectors on a [0, 1] score."""
