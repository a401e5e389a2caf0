import dagster as dg
from pydantic import Field

from monitoring.policy import RetrainPolicy
from monitoring.samples import REFERENCE_DAYS


class MonitoringSettings(dg.ConfigurableResource):
    """The retrain policy's thresholds and the size of each champion's reference window."""

    max_drift_share: float = Field(default=RetrainPolicy.max_drift_share, description="Retrain at this share of drifted features.")
    on_prediction_drift: bool = Field(default=RetrainPolicy.on_prediction_drift, description="Retrain when a champion's scores drift.")
    max_auc_drop: float = Field(default=RetrainPolicy.max_auc_drop,
                                description="Retrain when realised ROC AUC falls this far below validation.")
    max_champion_age_days: int = Field(default=RetrainPolicy.max_champion_age_days,
                                       description="Retrain when a champion's data ends this many days before the monitored day.")
    feature_p_value: float = Field(default=0.05, description="A feature drifted when its K-S p-value is below this.")
    score_p_value: float = Field(
        default=0.001,
        description="A champion's scores drifted when their K-S p-value is below this: one test per model and day "
        "decides alone, so it is stricter than the feature tests, which only count in bulk.",
    )
    min_day_rows: int = Field(
        default=10, description="A day with fewer active users is skipped as too thin to compare (reported, not an error)."
    )
    reference_days: int = Field(default=REFERENCE_DAYS, description="Days of a champion's training data its reference covers.")
    min_recommendation_coverage: float = Field(default=0.02, description="Warn when the recommendations show less "
                                               "than this share of the catalogue.")
    max_cold_user_share: float = Field(default=0.5, description="Warn when more than this share of users get only "
                                       "the popularity list.")

    def policy(self) -> RetrainPolicy:
        return RetrainPolicy(self.max_drift_share, self.on_prediction_drift, self.max_auc_drop, self.max_champion_age_days)
