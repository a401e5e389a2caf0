"""Feast definitions: every feature ShopLens trains and serves on is declared here once.
Source files live under `$SHOPLENS_DATA_DIR/feast/sources`, read when this package is imported.
"""
