"""Every setting of the recommender in one frozen object: protocol, candidates, ranker, each generator."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ml.recommend import generators as g

PROTOCOLS = ("replenishment", "discovery")  # items bought before may be recommended / are filtered out

# name -> (generator class, its params class), in the order their features appear
GENERATORS = {
    "popularity": (g.PopularityGenerator, g.PopularityParams),
    "buyagain": (g.BuyAgainGenerator, g.BuyAgainParams),
    "personal_frequency": (g.PersonalFrequencyGenerator, g.PersonalFrequencyParams),
    "als": (g.ALSGenerator, g.ALSParams),
    "bpr": (g.BPRGenerator, g.BPRParams),
    "itemknn": (g.ItemKNNGenerator, g.ItemKNNParams),
    "copurchase": (g.CoPurchaseGenerator, g.CoPurchaseParams),
}


@dataclass(frozen=True)
class RankerParams:
    """XGBoost learning-to-rank settings."""

    objective: str = "rank:ndcg"  # or rank:pairwise
    n_estimators: int = 300  # most boosting rounds; early stopping on the validation cutoff stops sooner
    # shallow, heavily regularised trees: a week's buyers are few hundred groups on a 5 k-user shop
    learning_rate: float = 0.1
    max_depth: int = 3
    min_child_weight: float = 20.0
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    early_stopping_rounds: int = 30


@dataclass(frozen=True)
class RecommenderParams:
    """The whole recipe: what is recommended to whom, how candidates are found and ranked."""

    protocol: str = "replenishment"
    k: int = 20  # list length
    candidates_per_generator: int = 50
    train_cutoffs: int = 3  # weekly cutoffs the ranker learns from, before the validation and test cutoffs
    active_days: int = 90  # users with an event in these days before a cutoff get lists
    seed: int = 0
    ranker: RankerParams = field(default_factory=RankerParams)
    generators: tuple = field(default_factory=lambda: tuple(params() for _, params in GENERATORS.values()))

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {self.protocol!r}")

    def ranker_xgb(self) -> dict:
        return {**dataclasses.asdict(self.ranker), "tree_method": "hist", "n_jobs": 2, "eval_metric": f"ndcg@{self.k}"}

    def popularity_only(self) -> RecommenderParams:
        """The same settings with the popularity generator alone (the fallback)."""
        return dataclasses.replace(self, generators=(self.generator_params()["popularity"],))

    def generator_params(self) -> dict[str, object]:
        by_class = {type(p): p for p in self.generators}
        return {name: by_class[params] for name, (_, params) in GENERATORS.items() if params in by_class}

    def flat(self) -> dict[str, object]:
        """Every setting as a flat {name: value} (MLflow params)."""
        out = {k: v for k, v in dataclasses.asdict(self).items() if k not in ("ranker", "generators")}
        out |= {f"ranker_{k}": v for k, v in dataclasses.asdict(self.ranker).items()}
        for name, params in self.generator_params().items():
            out |= {f"{name}_{k}": v for k, v in dataclasses.asdict(params).items()}
        return out


def make_generators(params: RecommenderParams) -> dict[str, g.Generator]:
    """Fresh (unfitted) generators of the recipe, seeded by it."""
    return {name: GENERATORS[name][0](p) for name, p in params.generator_params().items()}
