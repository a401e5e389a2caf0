"""Benchmark the customer models at scale: the BG/NBD + Gamma-Gamma fit and the K-means segmentation.

    python bench/bench_clv_segments.py --size 100000     # customers; default: 100 k then 1 M

Synthetic, seeded. BTYD: customers drawn from BG/NBD (r 0.5, alpha 10 days, a 0.8, b 3) and
Gamma-Gamma (p 6, q 4, gamma 15), first purchases uniform over a 365-day calibration, ages in whole
days, values to the cent. Segments: user_id + SEGMENT_FEATURES around five planted behaviour
profiles (shares 35/25/20/12/8 %), lognormal noise (sigma 0.3).

Stages, each in its own process so its peak RSS is its own (`peak_before_fit_mib`: the peak once
the data is loaded; `load_1m`: the load average as the fit starts, other work sharing the cores):
`generate` (parquet into the work dir); `btyd` (BetaGeo.fit, GammaGamma.fit, then expected purchases
in 30 days and P(alive) for every customer; yardstick: the distinct (x, t_x, T) rows the fit
compresses to); `segments` (ml.segments.model.fit_segments with the default SegmentParams: k 3..8,
10 restarts each, a silhouette per k on a 10 k sample, its seconds apart); `kmeans_once` (the
yardstick: one plain sklearn KMeans(k=5, n_init=1) on the same standardised matrix).
Results go to bench/results/profiles.jsonl.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from stages import main, peak_mib

CALIBRATION_DAYS = 365
BGNBD = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 3.0}
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "gamma": 15.0}
# recency_days, frequency, monetary, tenure_days, categories, cart_abandonment, session_minutes, review_rating
PROFILES = {
    "dormant": ((200, 1, 30, 350, 0, 0.0, 0, 3.0), 0.35),
    "newcomer": ((5, 0, 0, 4, 3, 0.2, 3, 4.0), 0.25),
    "bargain": ((30, 2, 40, 150, 5, 0.9, 6, 4.0), 0.20),
    "binger": ((10, 6, 300, 100, 18, 0.4, 40, 2.0), 0.12),
    "loyal": ((2, 20, 2000, 300, 8, 0.1, 10, 4.5), 0.08),
}


def btyd_summaries(n: int, rng: np.random.Generator):
    """frequency, recency, T (whole days) and monetary_value of n customers drawn from BG/NBD and Gamma-Gamma."""
    import pandas as pd

    rate, death = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], n), rng.beta(BGNBD["a"], BGNBD["b"], n)
    first = rng.uniform(0, CALIBRATION_DAYS, n)
    x, last, t = np.zeros(n), first.copy(), first.copy()
    alive = np.arange(n)
    while alive.size:
        t[alive] += rng.exponential(1 / rate[alive])
        alive = alive[t[alive] < CALIBRATION_DAYS]
        x[alive] += 1
        last[alive] = t[alive]
        alive = alive[rng.random(alive.size) >= death[alive]]
    nu = rng.gamma(GAMMA_GAMMA["q"], 1 / GAMMA_GAMMA["gamma"], n)
    mean_value = rng.gamma(GAMMA_GAMMA["p"] * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1)))
    return pd.DataFrame({
        "frequency": x,
        "recency": np.floor(last) - np.floor(first),
        "T": CALIBRATION_DAYS - np.floor(first),
        "monetary_value": np.where(x > 0, np.round(mean_value, 2), np.nan),
    })


def segment_features(n: int, rng: np.random.Generator):
    """user_id + SEGMENT_FEATURES around the planted profiles (and the `group` each user was drawn from)."""
    import pandas as pd

    from ml.segments.features import SEGMENT_FEATURES

    group = rng.choice(len(PROFILES), n, p=[share for _, share in PROFILES.values()])
    centres = np.array([profile for profile, _ in PROFILES.values()], dtype=float)
    frame = pd.DataFrame(centres[group] * rng.lognormal(0, 0.3, (n, len(SEGMENT_FEATURES))), columns=list(SEGMENT_FEATURES))
    frame["cart_abandonment"] = frame["cart_abandonment"].clip(0, 1)
    frame["review_rating"] = frame["review_rating"].clip(1, 5)
    frame.insert(0, "user_id", [f"u{i:07d}" for i in range(n)])
    frame["group"] = np.array(list(PROFILES))[group]
    return frame


def stage_generate(work: Path, size: int) -> dict:
    rng = np.random.default_rng(0)
    summaries = btyd_summaries(size, rng)
    summaries.to_parquet(work / "btyd.parquet", index=False)
    features = segment_features(size, rng)
    features.to_parquet(work / "segments.parquet", index=False)
    return {"customers": size, "repeat_share": round(float((summaries["frequency"] > 0).mean()), 4),
            "mean_frequency": round(float(summaries["frequency"].mean()), 3),
            "groups": features["group"].value_counts().to_dict()}


def stage_btyd(work: Path, size: int) -> dict:
    import pandas as pd

    from ml.clv.btyd import BetaGeo, GammaGamma

    s = pd.read_parquet(work / "btyd.parquet")
    x, t_x, T = s["frequency"], s["recency"], s["T"]
    out = {"load_1m": os.getloadavg()[0], "peak_before_fit_mib": peak_mib(),
           "distinct_x_tx_T": len(s[["frequency", "recency", "T"]].drop_duplicates()), "repeat_customers": int((x > 0).sum())}
    started = time.perf_counter()
    purchases = BetaGeo.fit(x, t_x, T)
    fitted = time.perf_counter()
    spend = GammaGamma.fit(x, s["monetary_value"].fillna(0.0))
    spent = time.perf_counter()
    expected, alive = purchases.expected_purchases(30, x, t_x, T), purchases.p_alive(x, t_x, T)
    done = time.perf_counter()
    return {**out, "bgnbd_fit_seconds": round(fitted - started, 2), "gamma_gamma_fit_seconds": round(spent - fitted, 2),
            "predict_seconds": round(done - spent, 2), "fit_seconds": round(spent - started, 2),
            "distinct_x_m": len(s.loc[x > 0, ["frequency", "monetary_value"]].drop_duplicates()),
            "nan_predictions": int(np.isnan(expected).sum() + np.isnan(alive).sum()),
            "bgnbd": {k: round(float(getattr(purchases, k)), 3) for k in BGNBD},
            "gamma_gamma": {k: round(float(getattr(spend, k)), 3) for k in GAMMA_GAMMA}}


def stage_segments(work: Path, size: int) -> dict:
    import pandas as pd

    from ml.segments import model
    from ml.segments.model import SegmentParams, fit_segments

    silhouette_seconds = []
    score = model.silhouette_score

    def timed_score(*args, **kwargs):  # timed where fit_segments looks it up (its own module)
        started = time.perf_counter()
        try:
            return score(*args, **kwargs)
        finally:
            silhouette_seconds.append(time.perf_counter() - started)

    model.silhouette_score = timed_score
    features = pd.read_parquet(work / "segments.parquet")
    params = SegmentParams()
    out = {"load_1m": os.getloadavg()[0], "peak_before_fit_mib": peak_mib()}
    started = time.perf_counter()
    fit = fit_segments(features, params)
    return {**out, "fit_seconds": round(time.perf_counter() - started, 2), "silhouette_seconds": round(sum(silhouette_seconds), 2),
            "kmeans_runs": (params.k_max - params.k_min + 1) * params.n_init, "silhouette_sample": params.silhouette_sample,
            "k": fit.k, "silhouette": round(fit.silhouette, 4),
            "silhouette_by_k": {k: round(v, 4) for k, v in fit.silhouette_by_k.items()}, "threads": threads()}


def stage_kmeans_once(work: Path, size: int) -> dict:
    import pandas as pd
    from sklearn.cluster import KMeans

    from ml.segments.features import SEGMENT_FEATURES
    from ml.segments.model import HEAVY_TAILED

    features = pd.read_parquet(work / "segments.parquet", columns=list(SEGMENT_FEATURES))
    values = features.to_numpy(dtype=float)
    heavy = [i for i, name in enumerate(SEGMENT_FEATURES) if name in HEAVY_TAILED]
    values[:, heavy] = np.log1p(np.clip(values[:, heavy], 0, None))
    z = (values - values.mean(axis=0)) / np.where(values.std(axis=0) > 1e-12, values.std(axis=0), 1.0)
    out = {"load_1m": os.getloadavg()[0], "peak_before_fit_mib": peak_mib()}
    started = time.perf_counter()
    kmeans = KMeans(n_clusters=5, n_init=1, random_state=0).fit(z)
    return {**out, "fit_seconds": round(time.perf_counter() - started, 2), "iterations": int(kmeans.n_iter_),
            "threads": threads()}


def threads() -> dict:
    """The thread pools (OpenMP, BLAS) the K-means ran with."""
    from threadpoolctl import threadpool_info

    return {pool["user_api"]: pool["num_threads"] for pool in threadpool_info()}


STAGES = {"generate": stage_generate, "btyd": stage_btyd, "segments": stage_segments, "kmeans_once": stage_kmeans_once}

if __name__ == "__main__":
    main(__file__, "profiles", STAGES, [100_000, 1_000_000], __doc__, tiny=2_000)
