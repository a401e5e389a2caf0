"""Request and response bodies: what the OpenAPI page (/docs) shows and what pydantic enforces."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_BATCH = 1000  # users per request
MAX_K = 100  # items per list
MAX_ID_LENGTH = 128
ID_PATTERN = r"^[^\x00-\x1f\x7f]+$"  # no control characters

Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
K = Annotated[int, Field(ge=1, le=MAX_K, description=f"items per list, 1..{MAX_K}")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UsersRequest(Strict):
    user_ids: list[Id] = Field(min_length=1, max_length=MAX_BATCH, description=f"1..{MAX_BATCH} user ids, as your shop knows them")


class RecommendationsRequest(UsersRequest):
    k: K = 10


class UserScore(BaseModel):
    user_id: str
    known: bool = Field(description="false: the online store holds no features of this user (no scores)")
    purchase_propensity: float | None = Field(None, description="P(purchase in the next 7 days)")
    churn_risk: float | None = Field(None, description="P(no event in the next 30 days)")
    propensity_decile: int | None = Field(None, description="1..10 among the batch-scored users (10 = most likely)")
    segment_id: int | None = None
    segment_name: str | None = None
    p_alive: float | None = Field(None, description="customers: P(still buying), from the CLV champion")
    expected_purchases_30d: float | None = Field(None, description="customers: expected purchase days in the next 30 days")
    expected_purchases_90d: float | None = None
    expected_order_value: float | None = Field(None, description="customers: expected value of an order (none without prices)")
    expected_spend_90d: float | None = None
    feature_timestamp: datetime | None = Field(None, description="when the features used were known")
    model_versions: dict[str, int | None]


class ScoresResponse(BaseModel):
    scores: list[UserScore]
    model_versions: dict[str, int | None]


class Item(BaseModel):
    rank: int
    product_id: str
    score: float
    source: str = Field(description="the candidate generator that proposed it (popularity for cold users)")


class UserRecommendations(BaseModel):
    user_id: str
    cold: bool = Field(description="true: new, inactive or unknown user, given the popularity list")
    items: list[Item]


class RecommendationsResponse(BaseModel):
    recommendations: list[UserRecommendations]
    model_version: int | None


class UserRecommendationsResponse(UserRecommendations):
    model_version: int | None


class Partner(BaseModel):
    rank: int
    product_id: str
    n_orders_together: int
    confidence: float = Field(description="share of this product's orders that hold the partner too")
    lift: float


class AlsoBoughtResponse(BaseModel):
    product_id: str
    known: bool = Field(description="false: no partner passed the thresholds of frequently_bought_together")
    also_bought: list[Partner]


class Ready(BaseModel):
    ready: bool
    models: dict[str, int | None]
    missing: list[str]
    online_store: dict[str, str | bool]
    newest_feature_timestamp: datetime | None
    feature_age_seconds: float | None
