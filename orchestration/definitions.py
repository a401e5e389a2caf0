"""The one code location: the per-domain definitions merged, for one Settings.

`dagster dev` loads `defs`, built from the environment when the code location loads (not at
import); the CLI and the tests call `build_definitions` with settings of their own.
"""

import dagster as dg

from orchestration import jobs
from orchestration.automation import definitions as automation
from orchestration.features import definitions as features
from orchestration.ingest import definitions as ingest
from orchestration.monitoring import definitions as monitoring
from orchestration.ownership import with_owners_and_code_versions
from orchestration.profiles import definitions as profiles
from orchestration.recommendations import definitions as recommendations
from orchestration.reviews import definitions as reviews
from orchestration.risk import definitions as risk
from orchestration.training import definitions as training
from orchestration.transform import definitions as transform
from shoplens.settings import Settings


def build_definitions(settings: Settings, loggers: dict | None = None) -> dg.Definitions:
    """Every asset, check, job, schedule and sensor, with `settings` as the `shoplens` resource;
    `loggers` are added to Dagster's console logger for every job."""
    return with_owners_and_code_versions(dg.Definitions.merge(
        ingest.definitions(settings), transform.definitions(settings), features.defs, training.defs, recommendations.defs,
        profiles.defs, reviews.defs, risk.defs, monitoring.defs,
        automation.defs,
        dg.Definitions(
            jobs=[jobs.ingest_source_job, jobs.build_job, jobs.daily_job, jobs.monitoring_job, jobs.retrain_job],
            resources={"shoplens": settings},
            loggers={"console": dg.colored_console_logger, **(loggers or {})},
        ),
    ))


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
