"""Dagster definitions for ShopLens, one folder per domain; logic lives in the packages they call."""
