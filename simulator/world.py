"""The static world: the product catalogue and the user population with hidden traits."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from simulator.config import SimConfig

CATEGORIES = (
    "electronics", "fashion", "home", "beauty", "sports", "toys", "books", "grocery",
    "garden", "automotive", "health", "pets", "office", "music", "games", "jewelry",
    "shoes", "baby", "tools", "outdoor", "crafts", "kitchen", "video", "software",
)
COUNTRIES = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "PL", "SE", "CA")
COUNTRY_P = (0.34, 0.14, 0.13, 0.1, 0.07, 0.06, 0.05, 0.05, 0.03, 0.03)
CHANNELS = ("organic", "paid_search", "social", "referral", "email")
CHANNEL_P = (0.4, 0.25, 0.2, 0.1, 0.05)
CHANNEL_INTENT = (0.0, 0.25, -0.35, 0.15, 0.4)  # logit shift of purchase intent
COHORT_CHANNEL_P = (0.1, 0.1, 0.7, 0.05, 0.05)
US_PER_DAY = 86_400_000_000


@dataclass
class Products:
    category: np.ndarray  # int, index into CATEGORIES
    brand: np.ndarray  # int, global brand index
    price: np.ndarray  # list price at start (float64, cents-rounded)
    latent: np.ndarray  # (n, dim) float64
    popularity: np.ndarray  # normalised Zipf weights (pre-drift)

    @property
    def n(self) -> int:
        return len(self.price)


@dataclass
class Users:
    """Hidden traits of every human user (index = internal user number)."""

    taste: np.ndarray  # (n, dim)
    price_sens: np.ndarray
    base_rate: np.ndarray
    extra_sessions: np.ndarray  # lambda_u: sessions on an active day = 1 + Poisson(lambda_u)
    intent: np.ndarray  # logit of the per-session purchase probability
    arrival_day: np.ndarray  # int; 0 for initial users
    is_new: np.ndarray  # bool; arrives during the period (forced active on arrival day)
    is_cohort: np.ndarray  # bool; drift cohort
    e0: np.ndarray  # engagement at arrival
    country: np.ndarray  # int
    channel: np.ndarray  # int
    prehistory_us: np.ndarray  # initial users: first_seen offset before start (us, > 0)
    staples: np.ndarray  # (n, staples_max) product index, filled from the left, -1 = none
    staple_cycle: np.ndarray  # (n, staples_max) days; inf where there is no staple
    staple_last0: np.ndarray  # (n, staples_max) day of the last purchase before arrival (the phase)

    @property
    def n(self) -> int:
        return len(self.base_rate)

    @property
    def has_staples(self) -> np.ndarray:
        return self.staples[:, 0] >= 0  # staples fill the slots from the left

    def subset(self, idx: np.ndarray) -> Users:
        """The users at `idx` (repeats allowed: used to replicate users for Monte Carlo)."""
        return Users(**{f.name: getattr(self, f.name)[idx] for f in dataclasses.fields(self)})


def make_products(cfg: SimConfig, rng: np.random.Generator) -> Products:
    """Zipf popularity, a skewed category mix, brands per category, lognormal prices."""
    n, k = cfg.n_products, min(cfg.n_categories, len(CATEGORIES))
    cat_weights = 1.0 / np.arange(1, k + 1) ** 0.8
    category = rng.choice(k, size=n, p=cat_weights / cat_weights.sum())
    brand = category * cfg.brands_per_category + rng.zipf(1.6, size=n).clip(max=cfg.brands_per_category) - 1
    cat_log_price = rng.normal(3.3, 0.8, size=k)  # median price per category ~ e^3.3 = 27
    price = np.round(np.exp(cat_log_price[category] + rng.normal(0.0, 0.5, size=n)), 2).clip(min=0.99)
    cat_centre = rng.normal(0.0, 0.6, size=(k, cfg.latent_dim))
    latent = cat_centre[category] + rng.normal(0.0, 0.5, size=(n, cfg.latent_dim))
    ranks = rng.permutation(n) + 1
    pop = 1.0 / ranks ** cfg.zipf_exponent
    return Products(category, brand, price, latent, pop / pop.sum())


def _draw_traits(cfg: SimConfig, rng: np.random.Generator, n: int, intent_mean: float, channel_p) -> dict:
    d = cfg.latent_dim
    channel = rng.choice(len(CHANNELS), size=n, p=channel_p)
    return {
        "taste": rng.normal(0.0, 0.6, size=(n, d)),
        "price_sens": rng.gamma(4.0, 0.25, size=n),
        "base_rate": rng.gamma(cfg.activity_shape, cfg.activity_mean / cfg.activity_shape, size=n),
        "extra_sessions": rng.gamma(2.0, cfg.extra_sessions_mean / 2.0, size=n),
        "intent": rng.normal(intent_mean, cfg.intent_sd, size=n) + np.asarray(CHANNEL_INTENT)[channel],
        "country": rng.choice(len(COUNTRIES), size=n, p=COUNTRY_P),
        "channel": channel,
    }


def make_users(cfg: SimConfig, rng: np.random.Generator) -> Users:
    """Initial users, regular arrivals over the period and (with drift) a low-intent cohort."""
    n_init = int(round(cfg.users * cfg.initial_share))
    n_new = cfg.users - n_init
    n_cohort = 0
    if cfg.drift_on("cohort"):
        per_day = n_new / cfg.days
        n_cohort = int(round(cfg.drift_cohort_rate * per_day * (cfg.days - cfg.drift_day)))
    regular = _draw_traits(cfg, rng, cfg.users, cfg.intent_mean, CHANNEL_P)
    cohort = _draw_traits(cfg, rng, n_cohort, cfg.drift_cohort_intent, COHORT_CHANNEL_P)
    traits = {k: np.concatenate([regular[k], cohort[k]]) for k in regular}
    arrival = np.concatenate([
        np.zeros(n_init, dtype=np.int64),
        np.sort(rng.integers(0, cfg.days, size=n_new)),
        np.sort(rng.integers(cfg.drift_day or 0, cfg.days, size=n_cohort)),
    ])
    n = cfg.users + n_cohort
    is_new = np.arange(n) >= n_init
    is_cohort = np.arange(n) >= cfg.users
    # initial users carry engagement from their history; newcomers start at zero
    e0 = np.where(is_new, 0.0, rng.exponential(0.6, size=n))
    prehistory = np.where(is_new, 0, rng.integers(1, cfg.prehistory_days * US_PER_DAY // 1000, size=n) * 1000)
    m = cfg.staples_max  # no staples yet: staples.with_staples chooses them
    return Users(arrival_day=arrival, is_new=is_new, is_cohort=is_cohort, e0=e0, prehistory_us=prehistory,
                 staples=np.full((n, m), -1, dtype=np.int64), staple_cycle=np.full((n, m), np.inf),
                 staple_last0=np.zeros((n, m)), **traits)


def utility(taste: np.ndarray, price_sens: np.ndarray, latent: np.ndarray, price: np.ndarray) -> np.ndarray:
    """True utility of paired rows: taste_i . latent_i - price_sens_i * log(price_i)."""
    return np.einsum("ij,ij->i", taste, latent) - price_sens * np.log(price)


def utility_matrix(taste: np.ndarray, price_sens: np.ndarray, latent: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Utility of every product (columns) for every user (rows)."""
    return taste @ latent.T - np.outer(price_sens, np.log(price))
