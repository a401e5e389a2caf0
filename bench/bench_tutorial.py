"""The tutorial approach beside ShopLens on the same simulated shop, both against the oracle.

    python bench/bench_tutorial.py --size 1000000     # events; default: 1 M

What common blog posts on e-commerce behaviour prediction do: `pd.read_parquet` of the raw
events; at each weekly cutoff of the simulator's ground truth (those with 7 full days of data
after them), per-user features with a pandas groupby over all of the user's events before the
cutoff (counts of events, views, carts, purchases, spend, distinct products, sessions, days
since the last and the first event, mean price viewed); label = a purchase in the 7 days from
the cutoff; the cutoffs' rows concatenated; scikit-learn's RandomForestClassifier (100 trees).
Two stages run the very same code and differ only in the split:

- tutorial_random: `train_test_split(test_size=0.25, random_state=42)` over the rows, as the
  posts do. The leak: a user has a row at every cutoff, so training holds rows of the same user
  at later cutoffs than a test row (`test_rows_with_later_train_row`: the share of test rows so
  exposed). Those rows' features count the test row's label week (a purchase in it shows up in
  their n_purchases and spend), and a user who goes quiet leaves near-identical rows whose
  labels say "no purchase" for the weeks after, which a fully grown forest can memorise.
  The test set also mixes every cutoff, the early ones with a week or two of history.
- tutorial_time: train on every usable cutoff before the last, test on the last one (the way
  ShopLens splits: nothing in training comes after the test cutoff).

Both report test ROC AUC and, on the test rows that have ground truth (bots have none), the
model's and the oracle's ROC AUC (the simulator's true p_purchase_7d of each row) and their
ratio, overall and per cutoff (`by_cutoff`); the seconds spent reading, featurising and fitting
(with scoring); rows and features. A model that beats the oracle on the same rows is leaking:
the oracle knows everything there is to know at the cutoff. Read the two splits through their
oracle ratios and `by_cutoff`, not their raw AUCs: the random split's pooled test set is a
different population (every cutoff) from the time split's (the last one). With features over
the history before each cutoff, as here, the leak turned out small on the simulated shop: at
100 k events the random split's forest scored each cutoff's test rows within about 0.01 ROC AUC
of forests fitted on the earlier cutoffs' training rows alone. Features over the whole event
log, future included (the other classic mistake), leak the label week itself whatever the split.

ShopLens on the very same shop is bench_scale.py's end-to-end run at the same size (its
purchase-propensity champion's test ROC AUC, oracle ROC AUC and ratio, time and memory);
`make bench` puts the two side by side. Its test population differs (users active in the 30
days before the last cutoff), so compare each one's ratio to the oracle on its own rows.

The shop is bench_pipeline's (users = events / 14.4, 60 days, seed 7). Each stage runs in its
own process (seconds and peak RSS are its own; the shoplens stage's peak is its largest child
process). Results are printed and appended as one JSON line to bench/results/tutorial.jsonl.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench_pipeline import stage_simulate_with_oracles
from stages import main

HORIZON_DAYS = 7
LABEL = "purchased_next_7d"
KEYS = ["user_id", "cutoff_date"]


def read_events(work: Path):
    """The raw events as the posts read them: one pandas frame of every day's parquet file."""
    import pandas as pd

    return pd.read_parquet(
        work / "source" / "events", columns=["event_time", "user_id", "session_id", "event_type", "product_id", "price", "quantity"]
    )


def read_truth(work: Path):
    """The simulator's user_cutoffs: the oracle's p_purchase_7d per (user, cutoff date)."""
    import pandas as pd

    truth = pd.read_parquet(work / "source" / "ground_truth" / "user_cutoffs.parquet", columns=[*KEYS, "p_purchase_7d"])
    return truth.assign(cutoff_date=pd.to_datetime(truth["cutoff_date"]))


def usable_cutoffs(events, truth) -> list:
    """The ground truth's cutoff dates with a full label week of data after them."""
    import pandas as pd

    end = events["event_time"].max().normalize() + pd.Timedelta(days=1)  # midnight after the last day
    return sorted(c for c in truth["cutoff_date"].unique() if c + pd.Timedelta(days=HORIZON_DAYS) <= end)


def featurise(events, cutoffs: list):
    """One row per user with an event before the cutoff, per cutoff: features over the whole
    history before the cutoff, the label from the 7 days after it."""
    import pandas as pd

    frames = []
    for cutoff in cutoffs:
        past = events[events["event_time"] < cutoff]
        past = past.assign(
            is_view=past["event_type"] == "view",
            is_cart=past["event_type"] == "cart",
            is_purchase=past["event_type"] == "purchase",
            spend=(past["price"] * past["quantity"]).where(past["event_type"] == "purchase", 0.0),
            view_price=past["price"].where(past["event_type"] == "view"),
        )
        features = past.groupby("user_id").agg(
            n_events=("event_time", "size"),
            n_views=("is_view", "sum"),
            n_carts=("is_cart", "sum"),
            n_purchases=("is_purchase", "sum"),
            total_spend=("spend", "sum"),
            n_products=("product_id", "nunique"),
            n_sessions=("session_id", "nunique"),
            last_event=("event_time", "max"),
            first_event=("event_time", "min"),
            mean_price_viewed=("view_price", "mean"),
        )
        features["days_since_last_event"] = (cutoff - features.pop("last_event")).dt.total_seconds() / 86400
        features["days_since_first_event"] = (cutoff - features.pop("first_event")).dt.total_seconds() / 86400
        features["mean_price_viewed"] = features["mean_price_viewed"].fillna(0.0)
        window = events[(events["event_time"] >= cutoff) & (events["event_time"] < cutoff + pd.Timedelta(days=HORIZON_DAYS))]
        buyers = window.loc[window["event_type"] == "purchase", "user_id"].unique()
        features[LABEL] = features.index.isin(buyers).astype(int)
        frames.append(features.reset_index().assign(cutoff_date=cutoff))
    return pd.concat(frames, ignore_index=True)


def fit_evaluate(train, test, truth) -> dict:
    """Fit the forest on `train`, score `test`; the model's and the oracle's ROC AUC on the test
    rows with ground truth, and how much of the test set the training set saw the future of."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score

    features = [c for c in train.columns if c not in (*KEYS, LABEL)]
    model = RandomForestClassifier(n_estimators=100, random_state=42, n_jobs=2)
    model.fit(train[features], train[LABEL])
    scores = model.predict_proba(test[features])[:, 1]
    joined = test[[*KEYS, LABEL]].assign(score=scores).merge(truth, on=KEYS, how="inner", validate="one_to_one")
    model_auc = roc_auc_score(joined[LABEL], joined["score"])
    oracle_auc = roc_auc_score(joined[LABEL], joined["p_purchase_7d"])
    last_train = train.groupby("user_id")["cutoff_date"].max()
    by_cutoff = {
        f"{cutoff:%Y-%m-%d}": {
            "rows": len(rows),
            "positive_rate": round(float(rows[LABEL].mean()), 4),
            "model_roc_auc": round(roc_auc_score(rows[LABEL], rows["score"]), 4),
            "oracle_roc_auc": round(roc_auc_score(rows[LABEL], rows["p_purchase_7d"]), 4),
        }
        for cutoff, rows in joined.groupby("cutoff_date")
        if rows[LABEL].nunique() == 2
    }
    return {
        "test_roc_auc": round(roc_auc_score(test[LABEL], scores), 4),
        "oracle_model_roc_auc": round(model_auc, 4),
        "oracle_roc_auc": round(oracle_auc, 4),
        "oracle_auc_ratio": round(model_auc / oracle_auc, 4),
        "oracle_rows": len(joined),
        "train_rows": len(train),
        "test_rows": len(test),
        "test_positive_rate": round(float(test[LABEL].mean()), 4),
        "features": len(features),
        "test_users_in_train": round(float(test["user_id"].isin(last_train.index).mean()), 4),
        "test_rows_with_later_train_row": round(float((test["user_id"].map(last_train) > test["cutoff_date"]).mean()), 4),
        "by_cutoff": by_cutoff,
    }


def tutorial(work: Path, split) -> dict:
    """Read, featurise, split with `split(rows, cutoffs) -> (train, test)`, fit and evaluate; each part timed."""
    started = time.perf_counter()
    events = read_events(work)
    truth = read_truth(work)
    cutoffs = usable_cutoffs(events, truth)
    read = time.perf_counter()
    rows = featurise(events, cutoffs)
    featurised = time.perf_counter()
    train, test = split(rows, cutoffs)
    result = fit_evaluate(train, test, truth)
    done = time.perf_counter()
    return {
        **result,
        "events": len(events),
        "rows": len(rows),
        "cutoffs": len(cutoffs),
        "read_s": round(read - started, 2),
        "featurise_s": round(featurised - read, 2),
        "fit_s": round(done - featurised, 2),
    }


def random_split(rows, cutoffs):
    """The posts' split: a quarter of the rows at random, whatever their cutoff."""
    from sklearn.model_selection import train_test_split

    return train_test_split(rows, test_size=0.25, random_state=42)


def time_split(rows, cutoffs):
    """ShopLens's way: earlier cutoffs train, the last usable cutoff tests."""
    last = rows["cutoff_date"] == cutoffs[-1]
    return rows[~last], rows[last]


def stage_random(work: Path, events: int) -> dict:
    return tutorial(work, random_split)


def stage_time(work: Path, events: int) -> dict:
    return tutorial(work, time_split)


STAGES = {"simulate": stage_simulate_with_oracles, "tutorial_random": stage_random, "tutorial_time": stage_time}

if __name__ == "__main__":
    main(__file__, "tutorial", STAGES, [1_000_000], __doc__, tiny=20_000)
