"""ShopLens core: settings, the layout of a data directory, the canonical schema and source ingest."""
