"""The CLV model: fitted BG/NBD (and Gamma-Gamma where the source knows prices) applied to customers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.clv.btyd import BetaGeo, GammaGamma
from ml.params import param

HORIZONS = (30, 90)  # days ahead of the expected purchases in customer_value
VALUE_COLUMNS = ["user_id", "frequency", "recency", "T", "monetary_value", "p_alive",
                 *(f"expected_purchases_{h}d" for h in HORIZONS), "expected_order_value", f"expected_spend_{HORIZONS[-1]}d"]


@dataclass(frozen=True)
class ClvParams:
    """How the CLV model is fitted and judged."""

    holdout_days: int = param(28, "Days after calibration whose purchases judge the model.")
    min_calibration_days: int = param(21, "Fewest days of calibration data to fit on.")
    min_customers: int = param(30, "Fewest customers in calibration to fit on.")
    penalizer: float = param(0.0, "L2 penalty on the model parameters (0 = plain maximum likelihood).")


@dataclass(frozen=True)
class ClvModel:
    """Purchases from BG/NBD; spend per purchase from Gamma-Gamma, None when the source has no prices."""

    purchases: BetaGeo
    spend: GammaGamma | None

    def params(self) -> dict[str, float]:
        fitted = {"r": self.purchases.r, "alpha": self.purchases.alpha, "a": self.purchases.a, "b": self.purchases.b}
        if self.spend is not None:
            fitted |= {"p": self.spend.p, "q": self.spend.q, "gamma": self.spend.gamma}
        return fitted

    def expected_purchases(self, summary: pd.DataFrame, days: int) -> np.ndarray:
        return self.purchases.expected_purchases(days, summary["frequency"], summary["recency"], summary["T"])

    def value(self, summary: pd.DataFrame) -> pd.DataFrame:
        """VALUE_COLUMNS per customer of an rfm_summary: P(alive), expected purchase days in each horizon,
        expected value of an order and expected spend over the longest horizon (NaN without prices).
        On arrays: the serving API values one customer per request."""
        x, t_x, T, m = (summary[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("frequency", "recency", "T", "monetary_value"))
        values = {"p_alive": self.purchases.p_alive(x, t_x, T)}
        for h in HORIZONS:
            values[f"expected_purchases_{h}d"] = self.purchases.expected_purchases(h, x, t_x, T)
        if self.spend is None:
            order = np.full(len(x), np.nan)
        else:  # no known value of their own (no repeats, or unpriced ones): the population mean
            known = ~np.isnan(m)
            order = self.spend.expected_value(np.where(known, x, 0.0), np.where(known, m, 0.0))
        values["expected_order_value"] = order
        values[f"expected_spend_{HORIZONS[-1]}d"] = values[f"expected_purchases_{HORIZONS[-1]}d"] * order
        inputs = {c: summary[c].to_numpy() for c in ("user_id", "frequency", "recency", "T", "monetary_value")}
        return pd.DataFrame({**inputs, **values})[VALUE_COLUMNS]
