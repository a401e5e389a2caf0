"""One model trained on 3,000 simulated reviews, shared by the tests that only read it."""

import pytest

from ml.sentiment.model import SentimentParams
from ml.sentiment.train import train_sentiment
from tests.ml.sentiment.reviews import simulated_reviews


@pytest.fixture(scope="session")
def simulated():
    return simulated_reviews(3000)


@pytest.fixture(scope="session")
def trained(simulated):
    return train_sentiment(simulated, SentimentParams())
