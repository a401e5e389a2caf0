"""The training knobs a person may change per run in the launchpad (defaults: ml/catalogue.py)."""

import dagster as dg
from pydantic import Field

from ml.catalogue import CLASSIFIER_XGB, DEMAND_XGB


class XGBoostConfig(dg.Config):
    """Seed and the main XGBoost settings of one training run."""

    seed: int = Field(default=0, description="Seed of XGBoost and of the baselines: same data and seed, same model.")
    n_estimators: int = Field(default=CLASSIFIER_XGB["n_estimators"],
                              description="Most boosting rounds; early stopping on the validation cutoff stops sooner.")
    learning_rate: float = Field(default=CLASSIFIER_XGB["learning_rate"], description="Shrinkage of each tree.")
    max_depth: int = Field(default=CLASSIFIER_XGB["max_depth"], description="Deepest tree.")

    def overrides(self) -> dict:
        return {"n_estimators": self.n_estimators, "learning_rate": self.learning_rate, "max_depth": self.max_depth}


class DemandConfig(XGBoostConfig):
    n_estimators: int = Field(default=DEMAND_XGB["n_estimators"],
                              description="Most boosting rounds; early stopping on the validation week stops sooner.")
    learning_rate: float = Field(default=DEMAND_XGB["learning_rate"], description="Shrinkage of each tree.")
    max_depth: int = Field(default=DEMAND_XGB["max_depth"], description="Deepest tree.")
