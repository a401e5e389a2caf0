"""BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2005 note) by maximum likelihood.

Each customer is summarised as in the papers: x repeat purchases (purchase days after the
first), t_x the age at the last one, T the age at the end of calibration (ages from the first
purchase, in days), and m the mean value of the repeat purchases. Both fits run L-BFGS-B on the
log parameters over the distinct summaries, weighted by how many customers share each: at a
million customers there are far fewer distinct (x, t_x, T) than rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


class FitFailed(ValueError):
    """The optimiser did not converge to finite parameters."""


def _compress(columns: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the columns and how many times each occurs."""
    unique, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return [unique[:, j] for j in range(unique.shape[1])], counts.astype(np.float64)


def _fit(negative_ll, start: np.ndarray, penalizer: float, names: str) -> np.ndarray:
    def objective(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        return negative_ll(params) + penalizer * float(np.sum(params**2))

    result = minimize(objective, np.log(start), method="L-BFGS-B", bounds=[(-12.0, 12.0)] * len(start))
    params = np.exp(result.x)
    if not np.all(np.isfinite(params)) or not np.isfinite(result.fun):
        raise FitFailed(f"{names} did not converge: {result.message}")
    return params


@dataclass(frozen=True)
class BetaGeo:
    """BG/NBD: purchases ~ Poisson(lambda) while alive, lambda ~ Gamma(r, alpha); after each
    purchase the customer dies with probability p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    @staticmethod
    def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Per-customer log likelihood (equation 6 of the paper)."""
        r, alpha, a, b = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        a3 = -(r + x) * np.log(alpha + T)
        repeat = x > 0
        a4 = np.where(repeat, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x), -np.inf)
        return a1 + a2 + np.logaddexp(a3, a4)

    @classmethod
    def fit(cls, x, t_x, T, penalizer: float = 0.0) -> BetaGeo:
        (x, t_x, T), weight = _compress([np.asarray(v, dtype=np.float64) for v in (x, t_x, T)])
        scale = 10.0 / max(float(T.max()), 1e-9)  # ages rescaled for the optimiser; alpha scales back

        def nll(params):
            return -float(np.sum(weight * cls.log_likelihood(params, x, t_x * scale, T * scale))) / weight.sum()

        r, alpha, a, b = _fit(nll, np.ones(4), penalizer, "BG/NBD")
        return cls(r, alpha / scale, a, b)

    def _death_odds(self, x, t_x, T) -> np.ndarray:
        """a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x) for x > 0, else 0."""
        x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
        log_odds = (np.log(self.a) - np.log(np.maximum(self.b + x - 1, 1e-300))
                    + (self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x)))
        return np.where(x > 0, np.exp(np.minimum(log_odds, 700.0)), 0.0)

    def p_alive(self, x, t_x, T) -> np.ndarray:
        """P(still alive at T | x, t_x, T) (equation 11)."""
        return 1.0 / (1.0 + self._death_odds(x, t_x, T))

    def expected_purchases(self, t: float, x, t_x, T) -> np.ndarray:
        """E[purchases in (T, T + t] | x, t_x, T] (equation 10)."""
        x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T + t)
        term = 1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * term / (1.0 + self._death_odds(x, t_x, T))

    def expected_purchases_new(self, t: float) -> float:
        """E[purchases in (0, t]] of a customer just acquired (equation 7)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t))))


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma: the value of each purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma), independent of
    the purchase process; fitted on customers with at least one repeat purchase."""

    p: float
    q: float
    gamma: float

    @staticmethod
    def log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Per-customer log likelihood of the mean value m of x purchases (equation 3 of the note, up to a constant)."""
        p, q, g = params
        return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g)
                + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(g + m * x))

    @classmethod
    def fit(cls, x, m, penalizer: float = 0.0) -> GammaGamma:
        x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
        keep = (x > 0) & (m > 0)
        (x, m), weight = _compress([x[keep], m[keep]])
        scale = 1.0 / float(np.median(m))  # values rescaled for the optimiser; gamma scales back

        def nll(params):
            return -float(np.sum(weight * cls.log_likelihood(params, x, m * scale))) / weight.sum()

        p, q, g = _fit(nll, np.ones(3), penalizer, "Gamma-Gamma")
        return cls(p, q, g / scale)

    def expected_value(self, x, m) -> np.ndarray:
        """E[value of a purchase | x, m] (equation 5): the population mean p gamma / (q - 1) shrunk to m with x."""
        x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
        population = self.p * self.gamma / (self.q - 1) if self.q > 1 else np.nan
        own = self.p * (self.gamma + x * m) / (self.p * x + self.q - 1)
        return np.where(x > 0, own, population)

