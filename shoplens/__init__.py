"""ShopLens core: configuration, the canonical schema, source ingest and the CLI."""
