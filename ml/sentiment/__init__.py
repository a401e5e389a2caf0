"""Review sentiment: a TF-IDF classifier trained on the source's own ratings, VADER and the majority class beside it,
and what reviewers say per product and category."""
