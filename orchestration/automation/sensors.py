"""The drift-triggered retraining: one `retrain_job` run per drift episode."""

import json

import dagster as dg

from orchestration import tags
from orchestration.jobs import retrain_job

DECISION = dg.AssetKey("retrain_decision")


def next_requests(decisions: list[tuple[str, bool, str]], episode: str | None) -> tuple[list[dg.RunRequest], str | None]:
    """Run requests for new decisions (day, retrain, reasons), oldest first.

    An episode opens on the first day the policy says retrain and closes on the next day it
    does not; only its opening day requests a run, so a lasting drift retrains once.
    """
    requests = []
    for day, retrain, reasons in decisions:
        if retrain and episode is None:
            episode = day
            requests.append(dg.RunRequest(
                run_key=f"retrain-{day}",
                tags={tags.AS_OF: day, tags.RETRAIN_REASONS: reasons[:4000], tags.TRIGGER: "drift_sensor"},
            ))
        elif not retrain:
            episode = None
    return requests, episode


@dg.sensor(job=retrain_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Reads each new retrain_decision; launches retrain_job with the reasons as tags, once per drift episode.")
def retrain_sensor(context: dg.SensorEvaluationContext):
    cursor = json.loads(context.cursor) if context.cursor else {"after": None, "episode": None}
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=DECISION, after_storage_id=cursor["after"]), limit=1000, ascending=True
    ).records
    if not records:
        return dg.SkipReason("no new retrain decision")
    decisions = []
    for record in records:
        metadata = record.asset_materialization.metadata
        decisions.append((record.partition_key, bool(metadata["retrain"].value), metadata["reasons"].value))
    requests, episode = next_requests(decisions, cursor["episode"])
    context.update_cursor(json.dumps({"after": records[-1].storage_id, "episode": episode}))
    if requests:
        return requests
    state = f"drift episode open since {episode}: already retrained for it" if episode else "the policy asked for no retraining"
    return dg.SkipReason(f"{len(records)} new decision(s); {state}")
