"""Who owns each asset group, and the code version of the Python assets: a hash of the sources
their group runs, so the UI flags every asset whose logic changed since it was materialized.
(dbt assets keep dagster-dbt's code version: the checksum of their SQL.)"""

import hashlib
import warnings
from pathlib import Path

import dagster as dg

from shoplens.settings import REPO_ROOT

GROUPS = {  # group -> (owner, the sources its assets run)
    "ingest": ("team:data-engineering", ("orchestration/ingest", "shoplens/ingest", "shoplens/schema.py")),
    "staging": ("team:analytics-engineering", ()),
    "intermediate": ("team:analytics-engineering", ()),
    "marts": ("team:analytics-engineering", ()),
    "features": ("team:ml-platform", ("orchestration/features", "feature_repo", "ml/feature_store.py")),
    "training": ("team:data-science", ("orchestration/training", "ml")),
    "recommendations": ("team:data-science", ("orchestration/recommendations", "ml")),
    "profiles": ("team:data-science", ("orchestration/profiles", "ml")),
    "reviews": ("team:data-science", ("orchestration/reviews", "ml")),
    "risk": ("team:trust-and-safety", ("orchestration/risk", "ml")),
    "monitoring": ("team:on-call", ("orchestration/monitoring", "monitoring")),
}


def _sources_hash(paths: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        root = REPO_ROOT / path
        for file in sorted(root.rglob("*.py") if root.is_dir() else [root]):
            digest.update(str(file.relative_to(REPO_ROOT)).encode() + Path(file).read_bytes())
    return digest.hexdigest()[:12]


def with_owners_and_code_versions(defs: dg.Definitions) -> dg.Definitions:
    versions = {group: _sources_hash(paths) for group, (_, paths) in GROUPS.items() if paths}

    def mapped(spec: dg.AssetSpec) -> dg.AssetSpec:
        owner, _ = GROUPS[spec.group_name]
        return spec.replace_attributes(owners=[owner], code_version=spec.code_version or versions[spec.group_name])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)  # map_asset_specs is a "preview" in Dagster 1.13
        return defs.map_asset_specs(func=mapped)
