"""The recommender's knobs in the launchpad: every field of ml.recommend's params, with its description."""

import dataclasses
import typing

import dagster as dg
from pydantic import Field, create_model

from ml.recommend.config import GENERATORS, RankerParams, RecommenderParams
from ml.recommend.pairs import PairThresholds

RANKER_DESCRIPTIONS = {
    "objective": "XGBoost ranking objective: rank:ndcg or rank:pairwise.",
    "n_estimators": "Most boosting rounds; early stopping on the validation cutoff stops sooner.",
    "learning_rate": "Shrinkage of each tree.",
    "max_depth": "Deepest tree.",
    "min_child_weight": "Least hessian weight in a leaf.",
    "subsample": "Share of rows each tree sees.",
    "colsample_bytree": "Share of features each tree sees.",
    "early_stopping_rounds": "Stop after this many rounds without a better validation NDCG.",
}
PAIR_DESCRIPTIONS = {
    "min_orders": "Least number of orders holding both products.",
    "min_support": "Least share of all orders holding both products.",
    "min_confidence": "Least share of the product's orders that also hold the partner.",
    "min_lift": "Least lift (confidence over the partner's share of orders; 1 = chance).",
    "top_n": "Partners kept per product.",
}


def config_of(params: type, descriptions: dict[str, str] | None = None) -> type[dg.Config]:
    """A dg.Config with the fields, defaults and descriptions of a frozen params dataclass
    (descriptions from the fields' metadata unless given)."""
    hints = typing.get_type_hints(params)
    fields = {
        f.name: (hints[f.name], Field(default=f.default, description=(descriptions or {}).get(f.name) or f.metadata["description"]))
        for f in dataclasses.fields(params)
    }
    config = create_model(params.__name__.removesuffix("Params") + "Config", __base__=dg.Config, **fields)
    config.__doc__ = params.__doc__
    return config


GENERATOR_CONFIGS = {name: config_of(params) for name, (_, params) in GENERATORS.items()}
RankerConfig = config_of(RankerParams, RANKER_DESCRIPTIONS)
PairsConfig = config_of(PairThresholds, PAIR_DESCRIPTIONS)


class RecommenderConfig(dg.Config):
    """Protocol, candidates, ranker and every generator of one training run."""

    recommend_seen: bool = Field(default=True, description="Replenishment protocol (items the user bought may be "
                                 "recommended); false: discovery (they are filtered out). Both are evaluated.")
    seed: int = Field(default=0, description="Seed of the ranker: same data and seed, same lists.")
    candidates_per_generator: int = Field(default=RecommenderParams.candidates_per_generator,
                                          description="Candidates each generator proposes per user before ranking.")
    train_cutoffs: int = Field(default=RecommenderParams.train_cutoffs,
                               description="Weekly cutoffs the ranker learns from, before the validation and test cutoffs.")
    active_days: int = Field(default=RecommenderParams.active_days,
                             description="Users with an event in these days before the cutoff get a list.")
    ranker: RankerConfig = Field(default_factory=RankerConfig, description="The XGBoost ranker.")  # type: ignore[valid-type]
    popularity: GENERATOR_CONFIGS["popularity"] = Field(default_factory=GENERATOR_CONFIGS["popularity"])  # type: ignore
    buyagain: GENERATOR_CONFIGS["buyagain"] = Field(default_factory=GENERATOR_CONFIGS["buyagain"])  # type: ignore
    personal_frequency: GENERATOR_CONFIGS["personal_frequency"] = Field(  # type: ignore
        default_factory=GENERATOR_CONFIGS["personal_frequency"])
    als: GENERATOR_CONFIGS["als"] = Field(default_factory=GENERATOR_CONFIGS["als"])  # type: ignore
    bpr: GENERATOR_CONFIGS["bpr"] = Field(default_factory=GENERATOR_CONFIGS["bpr"])  # type: ignore
    itemknn: GENERATOR_CONFIGS["itemknn"] = Field(default_factory=GENERATOR_CONFIGS["itemknn"])  # type: ignore
    copurchase: GENERATOR_CONFIGS["copurchase"] = Field(default_factory=GENERATOR_CONFIGS["copurchase"])  # type: ignore

    def params(self) -> RecommenderParams:
        return RecommenderParams(
            protocol="replenishment" if self.recommend_seen else "discovery",
            candidates_per_generator=self.candidates_per_generator,
            train_cutoffs=self.train_cutoffs,
            active_days=self.active_days,
            seed=self.seed,
            ranker=RankerParams(**self.ranker.model_dump()),
            generators=tuple(params(**getattr(self, name).model_dump()) for name, (_, params) in GENERATORS.items()),
        )
