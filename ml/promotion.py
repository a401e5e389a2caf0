"""Champion/challenger promotion: a pure decision, the alias move, and its history.

MLflow keeps no history of alias moves (mlflow#2169), so every decision, promoted or not,
is appended to `<data_dir>/mlflow/promotions.parquet` (one row per decision).
"""

from __future__ import annotations

import fcntl
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ml.tracking import CHAMPION, client, mlflow_dir, version_by_alias

NAN_KEY = "nan_predictions"
CALIBRATION_KEY = "test_calibration_error"
HOLDOUT_KEY = "holdout_fingerprint"  # optional: when both sides give it, it must match
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
REASON_SEPARATOR = "; "


@dataclass(frozen=True)
class Decision:
    """Whether a challenger replaces the champion, and why (sentences with the numbers)."""

    promote: bool
    reasons: list[str] = field(default_factory=list)
    challenger_score: float | None = None
    champion_score: float | None = None
    metric: str | None = None


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
    No champion: promoted as "first model" if the guardrails pass.
    Missing values block promotion (fail closed).
    """
    reasons: list[str] = []
    blocked = False

    nan_count = challenger.get(NAN_KEY)
    if nan_count is None:
        blocked = True
        reasons.append(f"{NAN_KEY} not reported: cannot rule out NaN predictions")
    elif int(nan_count) > 0:
        blocked = True
        reasons.append(f"challenger made {int(nan_count)} NaN predictions on the holdout")

    if max_calibration_error is not None:
        calibration = _number(challenger.get(CALIBRATION_KEY))
        if calibration is None:
            blocked = True
            reasons.append(f"{CALIBRATION_KEY} not reported")
        elif calibration > max_calibration_error:
            blocked = True
            reasons.append(
                f"calibration error {calibration:.4f} exceeds the maximum {max_calibration_error:.4f}"
            )

    challenger_score = _number(challenger.get(metric))
    champion_score = _number(champion.get(metric)) if champion is not None else None
    if challenger_score is None:
        blocked = True
        reasons.append(f"challenger has no {metric} score")

    if champion is None:
        if not blocked:
            reasons.append("first model: no champion yet")
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
    )


def history_path(data_dir: Path) -> Path:
    return mlflow_dir(data_dir) / "promotions.parquet"


def _empty_history() -> pd.DataFrame:
    return pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in HISTORY_COLUMNS.items()})


def _read_history(path: Path) -> pd.DataFrame:
    if not path.exists():
        return _empty_history()
    return pd.read_parquet(path).astype(HISTORY_COLUMNS)


def _append_history(row: dict[str, Any], data_dir: Path) -> None:
    """Append one row; a lock file serialises writers, os.replace keeps readers safe."""
    path = history_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        new = pd.DataFrame([row]).astype(HISTORY_COLUMNS)
        old = _read_history(path)
        table = new if old.empty else pd.concat([old, new], ignore_index=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        table.to_parquet(tmp, index=False)
        os.replace(tmp, path)


def promote(model_name: str, version: int, decision: Decision, *, who: str, data_dir: Path) -> dict[str, Any]:
    """Apply a decision: move `champion` to `version` if promoted; always record it.

    The version gets tags `promotion_decision` (promoted / rejected) and `promotion_reasons`;
    the `challenger` alias is left alone (it stays on the newest version). Returns the
    history row written.
    """
    mlc = client(data_dir)
    old_champion = version_by_alias(model_name, CHAMPION, data_dir)
    if decision.promote:
        mlc.set_registered_model_alias(model_name, CHAMPION, str(version))
    reasons = REASON_SEPARATOR.join(decision.reasons)
    outcome = "promoted" if decision.promote else "rejected"
    mlc.set_model_version_tag(model_name, str(version), "promotion_decision", outcome)
    mlc.set_model_version_tag(model_name, str(version), "promotion_reasons", reasons)
    row = {
        "model": model_name,
        "decided_at": pd.Timestamp(datetime.now(timezone.utc)),
        "who": who,
        "old_champion_version": old_champion,
        "challenger_version": int(version),
        "promoted": bool(decision.promote),
        "metric": decision.metric,
        "champion_score": decision.champion_score,
        "challenger_score": decision.challenger_score,
        "reasons": reasons,
    }
    _append_history(row, data_dir)
    return row


def history(model_name: str, data_dir: Path) -> pd.DataFrame:
    """The model's promotion decisions, oldest first (empty frame if none)."""
    table = _read_history(history_path(data_dir))
    return table[table["model"] == model_name].sort_values("decided_at", kind="stable").reset_index(drop=True)
