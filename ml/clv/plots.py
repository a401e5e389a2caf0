"""The BTYD calibration plot: mean holdout purchases by calibration frequency, actual beside predicted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def save_calibration_plot(by_frequency: pd.DataFrame, holdout_days: int, path: Path) -> Path:
    """Grouped bars per frequency bucket: actual, BG/NBD and the same-rate baseline; customers on top."""
    fig = Figure(figsize=(7, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.arange(len(by_frequency))
    for offset, column, label in ((-0.27, "actual", "actual"), (0.0, "predicted", "BG/NBD"), (0.27, "baseline", "same rate")):
        ax.bar(x + offset, by_frequency[column], width=0.27, label=label)
    for i, n in enumerate(by_frequency["customers"]):
        ax.annotate(f"n={n}", (i, 0), xytext=(0, -24), textcoords="offset points", ha="center", fontsize=7)
    ax.set_xticks(x, by_frequency["frequency"])
    ax.set_xlabel("repeat purchase days in calibration")
    ax.set_ylabel(f"mean purchase days in the {holdout_days}-day holdout")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    return path
