"""The online serving API: FastAPI over the MLflow champions and the Feast online store (`shoplens serve`)."""
