"""When to retrain: a pure function of the day's monitoring evidence and a configurable policy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class RetrainPolicy:
    """Thresholds of the retrain decision (Dagster's MonitoringSettings resource sets them)."""

    max_drift_share: float = 0.3  # retrain when at least this share of features drifted
    on_prediction_drift: bool = True  # retrain when a champion's score distribution drifted
    max_auc_drop: float = 0.05  # retrain when realised ROC AUC is this far below validation
    max_champion_age_days: int = 30  # retrain when a champion's data ends this long before the day


@dataclass(frozen=True)
class Evidence:
    """What the day's reports found; None where a report had nothing to say yet."""

    day: str
    drift_share: float | None = None
    drifted_scores: list[str] = field(default_factory=list)
    auc_drops: dict[str, float | None] = field(default_factory=dict)
    champion_age_days: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrainDecision:
    retrain: bool
    reasons: list[str]
    evidence: Evidence

    def to_dict(self) -> dict:
        return {"retrain": self.retrain, "reasons": self.reasons, "evidence": asdict(self.evidence)}


def decide(evidence: Evidence, policy: RetrainPolicy = RetrainPolicy()) -> RetrainDecision:
    """Retrain when any rule of the policy fires; every rule that fired is a reason."""
    reasons = []
    if evidence.drift_share is not None and evidence.drift_share >= policy.max_drift_share:
        reasons.append(f"feature drift: {evidence.drift_share:.0%} of features drifted (threshold {policy.max_drift_share:.0%})")
    if policy.on_prediction_drift and evidence.drifted_scores:
        reasons.append(f"prediction drift: {', '.join(evidence.drifted_scores)}")
    for model, drop in sorted(evidence.auc_drops.items()):
        if drop is not None and drop > policy.max_auc_drop:
            reasons.append(f"{model}: realised ROC AUC {drop:.3f} below validation (allowed {policy.max_auc_drop:.3f})")
    for model, age in sorted(evidence.champion_age_days.items()):
        if age > policy.max_champion_age_days:
            reasons.append(f"{model}: champion's data ends {age} days ago (allowed {policy.max_champion_age_days})")
    return RetrainDecision(bool(reasons), reasons, evidence)
