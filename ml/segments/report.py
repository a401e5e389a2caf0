"""Segment reports: per-segment profiles, transitions between two assignments, agreement with the simulator's
ground truth, and heatmaps (PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.metrics import adjusted_rand_score

from ml.segments.features import SEGMENT_FEATURES
from ml.segments.model import Segmenter

NEW = "(new)"
SCORE_COLUMNS = ("purchase_propensity", "churn_risk")


def segment_profiles(assigned: pd.DataFrame, features: pd.DataFrame, scores: pd.DataFrame | None) -> pd.DataFrame:
    """One row per segment (by segment_id): segment_id, segment_name, users, share_of_users, share_of_revenue
    (the segment's share of summed monetary; NaN when that total is 0), mean_<feature> for every SEGMENT_FEATURES
    feature, scored_users, mean_purchase_propensity, mean_churn_risk.

    `assigned` (user_id, segment_id, segment_name) and `features` (user_id + SEGMENT_FEATURES) are joined on user_id;
    `scores` has user_id, purchase_propensity, churn_risk (e.g. the `user_scores` table): users without a score
    row are left out of the score means (NaN for a segment nobody in which is scored, and everywhere when None)."""
    users = assigned[["user_id", "segment_id", "segment_name"]].merge(features[["user_id", *SEGMENT_FEATURES]], on="user_id")
    if scores is not None:
        users = users.merge(scores[["user_id", *SCORE_COLUMNS]].assign(scored=True), on="user_id", how="left")
    else:
        users = users.assign(**{c: np.nan for c in SCORE_COLUMNS}, scored=False)
    users["scored"] = users["scored"].astype("boolean").fillna(False).astype(bool)
    grouped = users.groupby(["segment_id", "segment_name"], sort=True)
    profiles = grouped.agg(
        users=("user_id", "size"),
        revenue=("monetary", "sum"),
        **{f"mean_{f}": (f, "mean") for f in SEGMENT_FEATURES},
        scored_users=("scored", "sum"),
        **{f"mean_{c}": (c, "mean") for c in SCORE_COLUMNS},
    ).reset_index()
    profiles.insert(3, "share_of_users", profiles["users"] / profiles["users"].sum())
    total = profiles.pop("revenue")
    profiles.insert(4, "share_of_revenue", total / total.sum() if total.sum() != 0 else np.nan)
    return profiles


def segment_transitions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """from_segment, to_segment, users: how many of `after`'s users moved from each segment of `before`
    (both frames: user_id, segment_name). Users only in `after` come from "(new)"; users only in `before`
    are left out, so the counts add up to `after`'s users."""
    moves = after[["user_id", "segment_name"]].merge(
        before[["user_id", "segment_name"]], on="user_id", how="left", suffixes=("_to", "_from")
    )
    moves["segment_name_from"] = moves["segment_name_from"].fillna(NEW)
    counts = moves.groupby(["segment_name_from", "segment_name_to"]).size().reset_index(name="users")
    return counts.rename(columns={"segment_name_from": "from_segment", "segment_name_to": "to_segment"})


def transition_matrix(transitions: pd.DataFrame) -> pd.DataFrame:
    """Rows from_segment, columns to_segment, user counts (0 where nobody moved)."""
    matrix = transitions.pivot_table(index="from_segment", columns="to_segment", values="users", aggfunc="sum", fill_value=0)
    return matrix.astype(int)


def latent_types(user_factors: pd.DataFrame, alive: pd.DataFrame | None) -> pd.DataFrame:
    """user_id, true_type from the simulator's ground truth: "churned" where `alive` (user_id, alive) is False at
    the cutoff, else "<low|high> activity, <low|high> intent" (high = above the median over all of `user_factors`
    of base_rate, resp. intent_logit)."""
    activity = np.where(user_factors["base_rate"] > user_factors["base_rate"].median(), "high", "low")
    intent = np.where(user_factors["intent_logit"] > user_factors["intent_logit"].median(), "high", "low")
    types = pd.DataFrame({"user_id": user_factors["user_id"], "true_type": [f"{a} activity, {i} intent" for a, i in zip(activity, intent)]})
    if alive is not None:
        gone = set(alive.loc[~alive["alive"].astype(bool), "user_id"])
        types.loc[types["user_id"].isin(gone), "true_type"] = "churned"
    return types


def adjusted_rand(assigned: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, int]:
    """(adjusted Rand index of segment_id against true_type, number of users compared) over the users in both
    frames; raises ValueError when they share none."""
    both = assigned[["user_id", "segment_id"]].merge(truth[["user_id", "true_type"]], on="user_id")
    if both.empty:
        raise ValueError("no user is both assigned and in the ground truth")
    return float(adjusted_rand_score(both["true_type"], both["segment_id"])), len(both)


def _heatmap(values: np.ndarray, labels: np.ndarray, rows: list[str], columns: list[str], title: str, path: Path, **imshow) -> Path:
    """A PNG heatmap of `values` with `labels` written in the cells (white on dark cells)."""
    fig = Figure(figsize=(1.2 + 1.1 * len(columns), 1.2 + 0.5 * len(rows)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(values, aspect="auto", **imshow)
    ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    for (r, c), text in np.ndenumerate(labels):
        red, green, blue, _ = image.cmap(image.norm(values[r, c]))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(c, r, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_title(title)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return Path(path)


def save_centroid_heatmap(segmenter: Segmenter, path: Path) -> Path:
    """PNG of the centroids: cells coloured by z-score, annotated with the raw value, one row per named segment."""
    raw = np.round(segmenter.inverse(segmenter.centroids), 3) + 0.0  # + 0.0 turns -0.0 into 0.0
    bound = max(float(np.abs(segmenter.centroids).max()), 1e-9)
    return _heatmap(
        segmenter.centroids,
        np.vectorize(lambda v: f"{v:.3g}")(raw),
        [f"{i}: {n}" for i, n in zip(segmenter.segment_ids, segmenter.names)],
        list(segmenter.features),
        "Segment centroids (colour: z-score, text: raw value)",
        path,
        cmap="RdBu_r",
        vmin=-bound,
        vmax=bound,
    )


def save_transition_heatmap(matrix: pd.DataFrame, path: Path) -> Path:
    """PNG of a transition matrix (rows from, columns to), cells annotated with the user counts."""
    values = matrix.to_numpy()
    return _heatmap(
        values,
        values.astype(str),
        [str(i) for i in matrix.index],
        [str(c) for c in matrix.columns],
        "Segment transitions (users; rows from, columns to)",
        path,
        cmap="Blues",
    )
