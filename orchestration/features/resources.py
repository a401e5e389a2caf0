import dagster as dg


class FeastStore(dg.ConfigurableResource):
    """The data directory's Feast store (see ml/feature_store.py for where it keeps things)."""

    def open(self):
        from ml.feature_store import open_store

        return open_store()
