"""Feast definitions: every feature ShopLens trains and serves on is declared here once.

The objects are built by `feature_repo.repository.feature_objects(folder)` for the folder
the feature marts are exported to (a data directory's `feast/sources`), never at import.
"""
