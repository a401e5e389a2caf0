"""The sentiment plots: how the model scores the rating-3 reviews it never trained on, and the weekly share negative."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ml.sentiment.model import NEGATIVE_THRESHOLD


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    return path


def save_neutral_histogram(neutral: pd.DataFrame, path: Path) -> Path:
    """Histogram of P(negative) over the rating-3 reviews, the decision threshold marked."""
    fig = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.hist(neutral["negative_prob"], bins=np.linspace(0, 1, 21), color="tab:gray")
    ax.axvline(NEGATIVE_THRESHOLD, color="tab:red", linestyle="--", label="negative from here")
    ax.set_xlabel("P(negative)")
    ax.set_ylabel(f"rating-3 reviews (n={len(neutral)})")
    ax.legend()
    return _save(fig, path)


def save_weekly_share(weekly: pd.DataFrame, path: Path) -> Path:
    """The share of scored reviews predicted negative per week, with the reviews scored each week."""
    fig = Figure(figsize=(7, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(weekly["week"], weekly["share_negative"], marker="o")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share predicted negative")
    twin = ax.twinx()
    twin.bar(weekly["week"], weekly["n_scored"], width=5, alpha=0.2, color="tab:gray")
    twin.set_ylabel("reviews scored")
    fig.autofmt_xdate()
    return _save(fig, path)
