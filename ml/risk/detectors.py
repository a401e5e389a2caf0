"""Three detectors of suspicious sessions, each scoring SESSION_FEATURES on [0, 1], higher = more suspicious.

- rules: the weights of the rules a session trips, summed and capped at 1. The two strong rules (a bot's pace,
  a bot's breadth) weigh 0.5, the weak ones 0.25, so the default flag score 0.5 means one strong rule or two weak ones.
- isolation_forest (unsupervised, raw features: a log would pull the bots' long tails back into the crowd):
  s = -IsolationForest.score_samples, the paper's anomaly score in (0, 1] (Liu et al. 2008: about 0.5 for
  ordinary points, towards 1 for isolated ones). Ordinary sessions often pass 0.5 (a quarter of the simulator's
  humans do), so the score is piecewise linear in s with 0.5 at the fit's boundary b, the (1 - contamination)
  quantile of s on the sessions it was fit on: 0.5 * s / b below b, 0.5 + 0.5 * (s - b) / (1 - b) above.
  On sessions like its fit ones it flags about `contamination` of them.
- xgboost (supervised, where sessions carry bot labels): P(bot), unweighted so it stays a probability.

Every detector explains a session by the same rules (`reasons`), so a reason reads the same whichever scored it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from xgboost import XGBClassifier

from ml.catalogue import CLASSIFIER_XGB
from ml.risk.features import SESSION_FEATURES

STRONG, WEAK = 0.5, 0.25


def feature_matrix(features: pd.DataFrame) -> np.ndarray:
    """SESSION_FEATURES as floats (n, d); NaN is refused (load_sessions fills every feature)."""
    values = features[list(SESSION_FEATURES)].to_numpy(dtype=float)
    if np.isnan(values).any():
        raise ValueError("session features contain NaN: fill them as ml.risk.features.load_sessions does")
    return values


@dataclass(frozen=True)
class Rules:
    """Thresholds of the rules; a session trips a rule at or beyond its threshold."""

    events_per_minute: float  # strong
    products: float  # strong
    uncarted_products: float  # this many products, none of the viewed ones carted
    night_share: float
    purchase_burst: float
    paymentless_carts: float
    regular_gap_cv: float  # gaps at most this regular...
    regular_min_events: float  # ...over at least this many events

    def tripped(self, f: pd.DataFrame) -> dict[str, np.ndarray]:
        """Rule name -> boolean mask over the rows of f."""
        value = {name: f[name].to_numpy(dtype=float) for name in SESSION_FEATURES}
        return {
            "fast": value["events_per_minute"] >= self.events_per_minute,
            "wide": value["n_products"] >= self.products,
            "uncarted": (value["uncarted_view_share"] >= 1.0) & (value["n_products"] >= self.uncarted_products),
            "regular": (value["gap_cv"] <= self.regular_gap_cv) & (value["n_events"] >= self.regular_min_events),
            "night": value["night_share"] >= self.night_share,
            "burst": value["purchase_burst"] >= self.purchase_burst,
            "paymentless": value["paymentless_carts"] >= self.paymentless_carts,
        }

    def score(self, f: pd.DataFrame) -> np.ndarray:
        """The summed weights of the rules tripped, capped at 1."""
        total = sum((STRONG if name in ("fast", "wide") else WEAK) * mask for name, mask in self.tripped(f).items())
        return np.minimum(np.asarray(total, dtype=float), 1.0)

    def reasons(self, f: pd.DataFrame) -> list[str]:
        """Per row, the rules it trips with their figures ("38 events/min, 60 products viewed, none carted"),
        or "no rule tripped"."""
        hit, v = self.tripped(f), {name: f[name].to_numpy(dtype=float) for name in SESSION_FEATURES}
        texts = {  # in the order they are written; the rows' values read from arrays (iloc per row is slow)
            "fast": lambda i: f"{v['events_per_minute'][i]:.0f} events/min",
            "products": lambda i: f"{v['n_products'][i]:.0f} products" + (" viewed, none carted" if hit["uncarted"][i] else ""),
            "regular": lambda i: f"regular gaps (CV {v['gap_cv'][i]:.2f} over {v['n_events'][i]:.0f} events)",
            "night": lambda i: f"{v['night_share'][i]:.0%} of events at night (00-06 UTC)",
            "burst": lambda i: f"{v['purchase_burst'][i]:.0f} purchases by the user in one hour",
            "paymentless": lambda i: f"{v['paymentless_carts'][i]:.0f} carts, no purchase",
        }
        hit["products"] = hit["wide"] | hit["uncarted"]
        parts: dict[int, list[str]] = {}
        for name, text in texts.items():
            for i in np.flatnonzero(hit[name]):
                parts.setdefault(i, []).append(text(i))
        out = ["no rule tripped"] * len(f)
        for i, found in parts.items():
            out[i] = ", ".join(found)
        return out


class Detector:
    """A fitted or rule-based scorer of sessions on [0, 1]; `reasons` come from the rules whatever scores."""

    name: str

    def __init__(self, rules: Rules) -> None:
        self.rules = rules

    @property
    def features(self) -> list[str]:
        """The columns `score` reads (SESSION_FEATURES)."""
        return list(SESSION_FEATURES)

    def fit(self, features: pd.DataFrame, labels: np.ndarray | None = None) -> Detector:
        return self

    def score(self, features: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def reasons(self, features: pd.DataFrame) -> list[str]:
        return self.rules.reasons(features)


class RuleDetector(Detector):
    name = "rules"

    def score(self, features: pd.DataFrame) -> np.ndarray:
        feature_matrix(features)  # refuses NaN, as the fitted detectors do
        return self.rules.score(features)


class IsolationDetector(Detector):
    name = "isolation_forest"

    def __init__(self, rules: Rules, n_estimators: int, max_samples: int, contamination: float, seed: int) -> None:
        super().__init__(rules)
        self.max_samples = max_samples
        self.forest = IsolationForest(n_estimators=n_estimators, max_samples=max_samples, contamination=contamination,
                                      random_state=seed, n_jobs=2)
        self.boundary = np.nan  # b: the anomaly score that maps to 0.5

    def fit(self, features: pd.DataFrame, labels: np.ndarray | None = None) -> IsolationDetector:
        values = feature_matrix(features)
        self.forest.set_params(max_samples=min(self.max_samples, len(values)))
        self.forest.fit(values)
        # sklearn puts offset_ at the contamination quantile of score_samples on the fit data, i.e. -b
        self.boundary = float(-self.forest.offset_)
        return self

    def anomaly(self, features: pd.DataFrame) -> np.ndarray:
        """The paper's anomaly score s in (0, 1]."""
        return -self.forest.score_samples(feature_matrix(features))

    def score(self, features: pd.DataFrame) -> np.ndarray:
        s, b = self.anomaly(features), self.boundary
        mapped = np.where(s <= b, 0.5 * s / b, 0.5 + 0.5 * (s - b) / max(1.0 - b, 1e-12))
        return np.clip(mapped, 0.0, 1.0)


class SupervisedDetector(Detector):
    name = "xgboost"

    def __init__(self, rules: Rules, n_estimators: int, seed: int) -> None:
        super().__init__(rules)
        # No early stopping: it would need a third slice of days, and min_child_weight keeps the trees coarse.
        settings = {k: v for k, v in CLASSIFIER_XGB.items() if k != "early_stopping_rounds"}
        self.model = XGBClassifier(**{**settings, "n_estimators": n_estimators, "random_state": seed})

    def fit(self, features: pd.DataFrame, labels: np.ndarray | None = None) -> SupervisedDetector:
        if labels is None:
            raise ValueError("the xgboost detector needs bot labels")
        self.model.fit(feature_matrix(features), np.asarray(labels, dtype=int))
        return self

    def score(self, features: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(feature_matrix(features))[:, 1]
