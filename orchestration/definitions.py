"""The one code location: the per-domain definitions merged (modules imported, not their `defs`,
so this module holds exactly one Definitions object)."""

import dagster as dg

from orchestration import jobs
from orchestration.features import definitions as features
from orchestration.ingest import definitions as ingest
from orchestration.monitoring import definitions as monitoring
from orchestration.training import definitions as training
from orchestration.transform import definitions as transform

defs = dg.Definitions.merge(
    ingest.defs, transform.defs, features.defs, training.defs, monitoring.defs,
    dg.Definitions(jobs=[jobs.ingest_source_job, jobs.build_job, jobs.daily_job, jobs.monitoring_job, jobs.retrain_job]),
)
