"""The one code location: the per-domain definitions merged."""

import dagster as dg

from orchestration.features.definitions import defs as features_defs
from orchestration.ingest.definitions import defs as ingest_defs
from orchestration.jobs import build_job, ingest_source_job
from orchestration.transform.definitions import defs as transform_defs

defs = dg.Definitions.merge(ingest_defs, transform_defs, features_defs, dg.Definitions(jobs=[ingest_source_job, build_job]))
