"""Champion/challenger promotion: a pure decision, and the one gate that applies and records it.

`run_gate` is the whole rule, for the first model too: it scores the challenger and the
champion on the newest holdout, decides (`decide`), moves the `champion` alias and records
the decision. MLflow keeps no history of alias moves (mlflow#2169), so every decision,
promoted or not, is recorded in MLflow itself, where a shared server keeps it: tags on the
challenger version (`promotion_decision`, `promotion_reasons`, `promotion_run_id`) and one
run in the `promotion_decisions` experiment, which `history` reads back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ml.catalogue import Gate
from ml.tracking import CHALLENGER, CHAMPION, client, experiment, load_by_alias, version_by_alias
from shoplens.settings import Settings

NAN_KEY = "nan_predictions"
CALIBRATION_KEY = "test_calibration_error"
HOLDOUT_KEY = "holdout_fingerprint"  # optional: when both sides give it, it must match
DECISION_TAG = "promotion_decision"  # on the version: promoted / rejected; its presence marks it decided
PROMOTIONS_EXPERIMENT = "promotion_decisions"  # one run per decision, tagged as below
HISTORY_COLUMNS = {
    "model": "string",
    "decided_at": "datetime64[us, UTC]",
    "who": "string",
    "old_champion_version": "Int64",
    "challenger_version": "Int64",
    "promoted": "bool",
    "metric": "string",
    "champion_score": "float64",
    "challenger_score": "float64",
    "reasons": "string",
}
SCORES = ("champion_score", "challenger_score")  # the decision run's metrics; the other columns are its tags
REASON_SEPARATOR = "; "


@dataclass(frozen=True)
class Decision:
    """Whether a challenger replaces the champion, and why (sentences with the numbers)."""

    promote: bool
    reasons: list[str] = field(default_factory=list)
    challenger_score: float | None = None
    champion_score: float | None = None
    metric: str | None = None
    sane: bool = True  # no NaN predictions and calibrated: the guardrails pass


def _number(value: Any) -> float | None:
    """float(value), or None when missing or NaN."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def decide(
    challenger: dict[str, Any],
    champion: dict[str, Any] | None,
    *,
    metric: str = "test_roc_auc",
    margin: float = 0.005,
    max_calibration_error: float | None = 0.1,
    higher_is_better: bool = True,
) -> Decision:
    """Promote the challenger only if every gate passes (pure function).

    Gates, all evaluated so every failing one is reported:
    - `nan_predictions` is reported and 0;
    - `test_calibration_error` is reported and ≤ max_calibration_error (None: gate off, e.g.
      for regressors);
    - `metric` is reported (not NaN) and, when there is a champion scored on the same holdout
      (`holdout_fingerprint`, when both give one, must match), it beats the champion's score
      by ≥ margin in the right direction (higher_is_better=False for errors such as test_wape).
    No champion: promoted as "first model" unless it makes NaN predictions; a calibration
    error over the maximum is reported, not blocking (as before the gate had one function:
    the first model is champion, and its successors must be calibrated).
    Missing values block promotion (fail closed). `sane` says whether the first two (the
    guardrails) pass.
    """
    reasons: list[str] = []

    nan_count = challenger.get(NAN_KEY)
    if nan_count is None:
        reasons.append(f"{NAN_KEY} not reported: cannot rule out NaN predictions")
    elif int(nan_count) > 0:
        reasons.append(f"challenger made {int(nan_count)} NaN predictions on the holdout")

    broken = bool(reasons)  # NaN predictions, or not known to have none
    if max_calibration_error is not None:
        calibration = _number(challenger.get(CALIBRATION_KEY))
        if calibration is None:
            reasons.append(f"{CALIBRATION_KEY} not reported")
        elif calibration > max_calibration_error:
            reasons.append(
                f"calibration error {calibration:.4f} exceeds the maximum {max_calibration_error:.4f}"
            )
    sane = not reasons
    blocked = broken or (not sane and champion is not None)

    challenger_score = _number(challenger.get(metric))
    champion_score = _number(champion.get(metric)) if champion is not None else None
    if challenger_score is None:
        blocked = True
        reasons.append(f"challenger has no {metric} score")

    if champion is None:
        if not blocked:
            reasons.append("first model: no champion yet" + ("" if sane else " (champion despite the above)"))
    elif champion_score is None:
        # a champion that cannot be scored should not keep the challenger out forever
        if not blocked:
            reasons.append(f"champion has no {metric} score on this holdout; challenger replaces it")
    elif challenger.get(HOLDOUT_KEY) and champion.get(HOLDOUT_KEY) and (
        challenger[HOLDOUT_KEY] != champion[HOLDOUT_KEY]
    ):
        blocked = True
        reasons.append(
            f"scores are not comparable: holdout {challenger[HOLDOUT_KEY]} "
            f"vs champion's {champion[HOLDOUT_KEY]}"
        )
    elif challenger_score is not None:
        gain = challenger_score - champion_score if higher_is_better else champion_score - challenger_score
        direction = "higher" if higher_is_better else "lower"
        summary = (
            f"{metric} {challenger_score:.4f} vs champion {champion_score:.4f} "
            f"({direction} is better): improvement {gain:+.4f}"
        )
        if gain + 1e-12 >= margin:
            reasons.append(f"{summary}, at least the margin {margin:.4f}")
        else:
            blocked = True
            reasons.append(f"{summary}, short of the margin {margin:.4f} by {margin - gain:.4f}")

    return Decision(
        promote=not blocked,
        reasons=reasons,
        challenger_score=challenger_score,
        champion_score=champion_score,
        metric=metric,
        sane=sane,
    )


@dataclass(frozen=True)
class GateOutcome:
    """What the gate did with a challenger: the versions it compared, the decision, both holdout scores."""

    challenger_version: int
    champion_version: int | None  # before the decision; None for the first model
    decision: Decision
    challenger_scores: dict[str, Any]
    champion_scores: dict[str, Any] | None

    @property
    def promoted(self) -> bool:
        return self.decision.promote

    @property
    def sane(self) -> bool:
        return self.decision.sane

    @property
    def text(self) -> str:
        """One line: the verdict, then the reasons."""
        challenger, champion = self.challenger_version, self.champion_version
        if self.promoted:
            verdict = f"v{challenger} promoted to champion" + (f" over v{champion}" if champion else "")
        else:
            verdict = f"v{challenger} rejected, " + (f"champion stays v{champion}" if champion else "no champion yet")
        return f"{verdict}: {REASON_SEPARATOR.join(self.decision.reasons)}"


def run_gate(
    model_name: str,
    settings: Settings,
    score: Callable[[Any], dict[str, Any]],
    gate: Gate,
    *,
    margin: float,
    max_calibration_error: float,
    who: str,
) -> GateOutcome | None:
    """Decide on the model's `challenger`, move `champion` to it if promoted, record the decision.

    `score` scores a loaded model on the newest holdout (ml.holdout): the challenger and the
    champion are scored by the same function, and `decide` compares them by `gate` (the
    calibration maximum applies to calibrated models only). With no champion yet the challenger
    is the first model: promoted if the guardrails pass. Returns None, recording nothing, when
    no challenger awaits a decision (none was trained, or the newest is already decided).
    """
    mlc = client(settings)
    challenger = version_by_alias(model_name, CHALLENGER, settings)
    champion = version_by_alias(model_name, CHAMPION, settings)
    if challenger is None or challenger == champion or (
        DECISION_TAG in mlc.get_model_version(model_name, str(challenger)).tags
    ):
        return None
    challenger_scores = score(load_by_alias(model_name, CHALLENGER, settings))
    champion_scores = None if champion is None else score(load_by_alias(model_name, CHAMPION, settings))
    decision = decide(
        challenger_scores,
        champion_scores,
        metric=gate.metric,
        margin=margin,
        max_calibration_error=max_calibration_error if gate.calibrated else None,
        higher_is_better=gate.higher_is_better,
    )
    if decision.promote:
        mlc.set_registered_model_alias(model_name, CHAMPION, str(challenger))
    _record(model_name, challenger, champion, decision, who=who, settings=settings)
    return GateOutcome(challenger, champion, decision, challenger_scores, champion_scores)


def _record(model_name: str, version: int, old_champion: int | None, decision: Decision, *, who: str,
            settings: Settings) -> None:
    """One run of the promotions experiment (tags as HISTORY_COLUMNS, SCORES as metrics), then the
    version's tags, DECISION_TAG last."""
    mlc = client(settings)
    outcome = "promoted" if decision.promote else "rejected"
    reasons = REASON_SEPARATOR.join(decision.reasons)
    tags = {
        "model": model_name,
        "who": who,
        "old_champion_version": old_champion,
        "challenger_version": version,
        "promoted": decision.promote,
        "metric": decision.metric,
        "reasons": reasons,
    }
    run = mlc.create_run(
        experiment(PROMOTIONS_EXPERIMENT, settings),
        run_name=f"{model_name} v{version} {outcome}",
        tags={key: str(value) for key, value in tags.items() if value is not None},
    )
    run_id = run.info.run_id
    for key in SCORES:
        if getattr(decision, key) is not None:
            mlc.log_metric(run_id, key, getattr(decision, key))
    mlc.set_terminated(run_id)
    for key, value in {"promotion_reasons": reasons, "promotion_run_id": run_id, DECISION_TAG: outcome}.items():
        mlc.set_model_version_tag(model_name, str(version), key, value)


def history(model_name: str, settings: Settings) -> pd.DataFrame:
    """The model's promotion decisions (HISTORY_COLUMNS), oldest first; an empty frame if none."""
    import mlflow

    found = client(settings).get_experiment_by_name(PROMOTIONS_EXPERIMENT)
    runs = [] if found is None else mlflow.search_runs(
        experiment_ids=[found.experiment_id],
        filter_string=f"tags.model = '{model_name}'",
        order_by=["attributes.start_time ASC"],
        output_format="list",
    )
    rows = [
        {
            **{key: run.data.tags.get(key) for key in HISTORY_COLUMNS},
            **{key: run.data.metrics.get(key) for key in SCORES},
            "decided_at": pd.Timestamp(run.info.start_time, unit="ms", tz="UTC"),
            "promoted": run.data.tags["promoted"] == "True",
        }
        for run in runs
    ]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)).astype(HISTORY_COLUMNS)
