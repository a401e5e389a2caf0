"""Two-stage recommender: point-in-time histories, candidate generators, a learned ranker, list metrics."""
