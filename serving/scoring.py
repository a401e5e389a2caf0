"""Scores of users from their online features: the champions' computations, as the batch assets make them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.catalogue import CLV_MODEL, CLV_SERVICE, SEGMENTS_MODEL, TRAINING_SETS
from ml.clv.data import SUMMARY_COLUMNS
from ml.clv.model import VALUE_COLUMNS
from ml.feature_store import OnlineReader
from ml.holdout import model_features
from ml.scoring import deciles_among
from ml.segments.features import SOURCE_COLUMNS, segment_features
from serving.champions import PROPENSITY, Champions

USER_SERVICES = sorted({spec.service for spec in TRAINING_SETS.values()} | {CLV_SERVICE})
CLV_INPUTS = [c for c in SUMMARY_COLUMNS if c != "feature_timestamp"]
CLV_COLUMNS = [c for c in VALUE_COLUMNS if c not in CLV_INPUTS]  # P(alive), expected purchases and spend


def probabilities(model, matrix: np.ndarray, columns: dict[str, int]) -> np.ndarray:
    """P(label) of an XGBoost classifier for each row of `matrix` (`columns`: feature name -> column), its features
    picked in training order: a plain array gives the same numbers as a DataFrame, without pandas' per-call cost."""
    return model.predict_proba(matrix[:, [columns[f] for f in model_features(model)]])[:, 1]


def deciles(scores: np.ndarray, population: np.ndarray | None) -> np.ndarray:
    """The batch's decile of each score among the batch-scored users; NaN without them or without a score."""
    if population is None:
        return np.full(len(scores), np.nan)
    return np.where(np.isnan(scores), np.nan, deciles_among(scores, population))


def score_columns(reader: OnlineReader, champions: Champions, lookup_ids: list[str]) -> dict[str, np.ndarray]:
    """Per id in order: known, feature_timestamp, each classifier champion's score, the propensity decile, the
    segment and (customers: users with a purchase) the CLV champion's value, as arrays; models without a champion
    leave their columns out, unknown users get NaN (None for names)."""
    stamps, matrix = reader.read_arrays(lookup_ids)
    known, columns = ~np.isnan(stamps), {f: i for i, f in enumerate(reader.features)}
    out = {"known": known, "feature_timestamp": stamps}  # epoch seconds, UTC
    for name, spec in TRAINING_SETS.items():
        model = champions.model(name)
        if model is not None:
            out[spec.score_column] = np.where(known, probabilities(model, matrix, columns), np.nan)
    if PROPENSITY in champions.models:
        out["propensity_decile"] = deciles(out[TRAINING_SETS[PROPENSITY].score_column], champions.batch_propensities)
    segmenter = champions.model(SEGMENTS_MODEL)
    if segmenter is not None and known.any():
        raw = {"user_id": np.asarray(lookup_ids)[known], **{c: matrix[known, columns[c]] for c in SOURCE_COLUMNS}}
        assigned = segmenter.assign(segment_features(raw, segmenter.mean_of("review_rating")))
        out["segment_id"], out["segment_name"] = np.full(len(known), np.nan), np.full(len(known), None, dtype=object)
        out["segment_id"][known], out["segment_name"][known] = assigned["segment_id"], assigned["segment_name"]
    clv = champions.model(CLV_MODEL)
    customers = ~np.isnan(matrix[:, columns["frequency"]])
    if clv is not None and customers.any():
        summaries = pd.DataFrame({"user_id": np.asarray(lookup_ids)[customers],
                                  **{c: matrix[customers, columns[c]] for c in CLV_INPUTS if c != "user_id"}})
        valued = clv.value(summaries)
        for column in CLV_COLUMNS:
            out[column] = np.full(len(known), np.nan)
            out[column][customers] = valued[column].to_numpy()
    return out
