"""Broken inputs, told apart from drift: what makes a day's monitoring rows unusable."""

from __future__ import annotations

import pandas as pd


def not_applicable(current: pd.DataFrame, reference: pd.DataFrame, features: list[str]) -> list[str]:
    """Features null in every row of the day and of the reference: the source lacks what they are
    built from (views, prices, reviews...), so they are not compared, and not a broken input."""
    return [c for c in features if c in current.columns and c in reference.columns
            and current[c].isna().all() and reference[c].isna().all()]


def input_problems(current: pd.DataFrame, reference: pd.DataFrame, features: list[str], scores: list[str]) -> list[str]:
    """Every reason the rows cannot be compared; empty when they can. A feature null in both is
    not applicable to the source (`not_applicable`), not a problem."""
    absent = set(not_applicable(current, reference, features)) if not (current.empty or reference.empty) else set()
    features = [c for c in features if c not in absent]
    problems = []
    for name, frame in (("current", current), ("reference", reference)):
        if frame.empty:
            problems.append(f"{name} rows: none")
            continue
        missing = [c for c in features + scores if c not in frame.columns]
        if missing:
            problems.append(f"{name} rows lack column(s) {', '.join(missing)}")
        empty = [c for c in features if c in frame.columns and frame[c].isna().all()]
        if empty:
            problems.append(f"{name} feature(s) entirely null: {', '.join(empty)}")
        unscored = [c for c in scores if c in frame.columns and frame[c].isna().any()]
        if unscored:
            problems.append(f"{name} score(s) with NaN: {', '.join(unscored)}")
    return problems
