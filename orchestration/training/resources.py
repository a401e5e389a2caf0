import dagster as dg
from pydantic import Field

from shoplens.settings import Settings


class MlflowTracking(dg.ConfigurableResource):
    """Our thin MLflow resource (dagster-mlflow is legacy): the promotion gate's knobs; the store is the settings'."""

    promotion_margin: float = Field(default=0.005, description="How much a challenger must beat the champion by.")
    max_calibration_error: float = Field(default=0.15, description="Largest expected calibration error a champion may have.")
    min_cutoff_users: int = Field(default=20, description="Label cutoffs with a smaller population are left out of "
                                  "training and holdouts, and reported.")

    def setup(self, settings: Settings) -> str:
        from ml.tracking import configure

        return configure(settings)
