"""Pure-Python modelling: feature-store access, datasets, models, evaluation (no Dagster imports)."""
