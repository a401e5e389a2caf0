"""The simulator's configuration: one frozen dataclass with sensible defaults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

DRIFT_KINDS = ("price", "category", "cohort")


@dataclass(frozen=True)
class SimConfig:
    """Size, seed and generating parameters of one simulated shop.

    `users` counts the regular human users (half exist at day 0, half arrive over the
    period); a drift cohort, when switched on, adds users on top of that.
    """

    users: int = 5000
    days: int = 60
    seed: int = 7
    start_date: date = date(2024, 1, 1)
    drift_day: int | None = None
    drift_kinds: tuple[str, ...] = DRIFT_KINDS

    # catalogue
    n_products: int = 2000
    n_categories: int = 20
    brands_per_category: int = 8
    latent_dim: int = 8
    zipf_exponent: float = 1.1
    candidates_per_view: int = 8  # popularity-sampled candidates per view (Gumbel-max on utility)

    # population
    initial_share: float = 0.5  # share of `users` already present at day 0
    prehistory_days: int = 30  # initial users' first_seen lies in the 30 days before start
    bot_share: float = 0.02  # share of all sessions that are bot sessions

    # per-user daily Markov process
    activity_shape: float = 0.3  # gamma shape of the base activity rate
    activity_mean: float = 0.06  # mean base activity rate (per day)
    activity_cap: float = 0.95
    weekday_factors: tuple[float, ...] = (0.92, 0.9, 0.92, 0.96, 1.05, 1.3, 1.25)  # Mon..Sun
    engagement_floor: float = 0.5  # g(e) = floor + (ceil - floor) * (1 - exp(-e))
    engagement_ceil: float = 2.0
    rho: float = 0.95  # daily engagement decay
    beta: float = 1.0  # engagement gained on a day with a purchase
    extra_sessions_mean: float = 0.15  # sessions on an active day = 1 + Poisson(lambda_u)
    intent_mean: float = -2.6  # logit of the per-session purchase probability
    intent_sd: float = 0.7
    engagement_intent: float = 0.8  # logit boost * (1 - exp(-e))
    hazard_min: float = 0.002  # h(e) = min + (max - min) * exp(-e / scale)
    hazard_max: float = 0.04
    hazard_scale: float = 0.7

    # sessions
    views_geometric_p: float = 0.22  # views per session = Geometric(p) >= 1
    cart_prob_no_purchase: float = 0.28
    remove_prob: float = 0.35
    two_items_prob: float = 0.25
    quantity_two_prob: float = 0.1

    # staples: products a user rebuys on a personal cycle (staple_user_share = 0 switches them off)
    staple_user_share: float = 0.07  # share of regular users with staples (the low-intent cohort has none)
    staples_max: int = 3  # a staple user has 1..staples_max distinct staples
    staple_cycle_mean_days: float = 14.0
    staple_cycle_shape: float = 4.0  # gamma shape of each user's cycle per staple
    staple_cycle_min_days: float = 3.0
    # daily P(buy staple) = buy_max / (1 + exp(-steepness * (due - 1))), due = days since last buy / cycle
    staple_buy_max: float = 0.6
    staple_steepness: float = 6.0

    # reviews
    review_prob: float = 0.3
    review_max_delay_days: float = 5.0

    # drift
    drift_price_factor: float = 1.25
    drift_category_boost: float = 4.0
    drift_n_categories: int = 3
    drift_cohort_rate: float = 1.0  # cohort arrivals per day relative to regular arrivals
    drift_cohort_intent: float = -4.5

    top_k: int = 20
    top_k_products: int = 50  # products per user and cutoff in user_product_cutoffs (those with p > 0)
    oracle_futures: int = 100  # Monte Carlo futures per user behind p_buy_7d; each adds ~2 % to the run time
    oracle_purchase_futures: int = 20  # futures per user behind expected_purchase_days_28d
    # the cutoffs' Monte Carlo ground truth (user_cutoffs, user_product_cutoffs) and the top preferences
    # that pad it: ~85 % of the run time; off, the same events (the oracles draw from streams of their
    # own) without those three files
    oracles: bool = True

    def __post_init__(self) -> None:
        if self.users < 1 or self.days < 1:
            raise ValueError("users and days must be positive")
        if self.drift_day is not None and not 0 <= self.drift_day < self.days:
            raise ValueError(f"drift_day must lie in [0, {self.days}), got {self.drift_day}")
        unknown = set(self.drift_kinds) - set(DRIFT_KINDS)
        if unknown:
            raise ValueError(f"unknown drift kinds {sorted(unknown)}; known: {DRIFT_KINDS}")
        if len(self.weekday_factors) != 7:
            raise ValueError("weekday_factors needs 7 values (Mon..Sun)")
        if not 0.0 <= self.staple_user_share <= 1.0 or not 0.0 < self.staple_buy_max <= 1.0:
            raise ValueError("staple_user_share must lie in [0, 1] and staple_buy_max in (0, 1]")
        if self.staples_max < 1 or min(self.staple_cycle_mean_days, self.staple_cycle_shape, self.staple_cycle_min_days) <= 0:
            raise ValueError("staples_max and the staple cycle parameters must be positive")
        if min(self.top_k_products, self.oracle_futures, self.oracle_purchase_futures) < 1:
            raise ValueError("top_k_products, oracle_futures and oracle_purchase_futures must be positive")

    def drift_on(self, kind: str) -> bool:
        return self.drift_day is not None and kind in self.drift_kinds

    def to_json_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["start_date"] = self.start_date.isoformat()
        d["drift_kinds"] = list(self.drift_kinds)
        d["weekday_factors"] = list(self.weekday_factors)
        return d
