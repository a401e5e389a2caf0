"""Land a source, build every asset over its event days in one run, monitor the newest dense day.

What `shoplens run`, `shoplens demo`, the drift scenario and the tests all do, reported as an
Outcome the CLI prints (progress goes through `say`).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from apps.runner import Runner, Stop, count_checks, materialization, not_done, source_config

CLASSIFIERS = ("purchase_propensity", "churn")  # the model assets whose AUC the summary shows


@dataclass
class Outcome:
    landing: dict  # landed_source's metadata
    days: list[str]
    assets: int = 0
    checks: tuple[int, int] = (0, 0)
    models: dict[str, dict] = field(default_factory=dict)  # model -> its asset's metadata
    monitored_day: str | None = None
    retrain: bool | None = None
    retrain_reasons: str = ""
    not_done: list[str] = field(default_factory=list)
    seconds: float = 0.0


def forget_other_source(runner: Runner, spec: str, say: Callable[[str], None]) -> None:
    """A data directory holds one source: landing a different one starts its state afresh."""
    paths = runner.settings.paths
    runner.settings.data_dir.mkdir(parents=True, exist_ok=True)
    previous = paths.source_marker.read_text().strip() if paths.source_marker.exists() else None
    if previous and previous != spec:
        say(f"data directory held {previous}; clearing its raw tables, warehouse and run history")
        for path in (paths.raw, paths.dagster_home, paths.landing_db, paths.warehouse):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    paths.source_marker.write_text(spec)


def monitored_day(runner: Runner, days: list[str]) -> tuple[str | None, list[str]]:
    """The newest day with enough active users to monitor, and why each newer day was skipped."""
    from ml.scoring import active_counts
    from orchestration.monitoring.resources import MonitoringSettings

    minimum = MonitoringSettings().min_day_rows
    counts = active_counts(runner.settings.paths.warehouse)
    dense = [day for day in days if counts.get(date.fromisoformat(day), 0) >= minimum]
    if not dense:
        return None, [f"no day has {minimum} active users to compare (the busiest has {max(counts.values(), default=0)})"]
    thin = [counts.get(date.fromisoformat(day), 0) for day in days if day > dense[-1]]
    if not thin:
        return dense[-1], []
    return dense[-1], [f"{len(thin)} thin day(s) after {dense[-1]} skipped: {min(thin)}-{max(thin)} active users, "
                       f"fewer than {minimum}"]


def materialize(runner: Runner, spec: str, encoding: str = "utf-8", tags: dict | None = None, monitor: bool = True,
                say: Callable[[str], None] = lambda line: None) -> Outcome:
    """Land, build, then monitor (unless `monitor` is off); see the module doc."""
    from orchestration.partitions import EVENT_DAYS

    forget_other_source(runner, spec, say)
    config = source_config(spec, encoding)
    started = time.perf_counter()
    say(f"[1/3] landing {spec}")
    landing = materialization(runner.run("ingest_source_job", config), "landed_source")
    days = runner.instance.get_dynamic_partitions(EVENT_DAYS.name)
    say(f"      {landing['rows_read']:,} rows read, {landing['rows_events']:,} events landed, "
        f"{landing['quarantined_rows']:,} quarantined; {len(days)} event days ({_elapsed(started)})")
    for line in _landing_notes(landing):
        say(f"      {line}")
    if not days:
        raise Stop("no valid events in the source: nothing to build (see the quarantine above)")
    outcome = Outcome(landing, days)
    step = time.perf_counter()
    say(f"[2/3] building every asset for {days[0]}..{days[-1]}")
    build = runner.run("build_job", config, tags={
        "dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1], **(tags or {})})
    outcome.assets = len({event.asset_key for event in build.get_asset_materialization_events()})
    outcome.checks = count_checks(build)
    outcome.models = {model: materialization(build, f"{model}_model")
                      for model in (*CLASSIFIERS, "demand_forecast", "recommender", "clv", "sentiment", "session_risk")}
    outcome.models["segments"] = materialization(build, "user_segments")
    outcome.not_done = not_done(build)
    say(f"      {outcome.assets} assets, {outcome.checks[0]}/{outcome.checks[1]} checks passed ({_elapsed(step)})")
    if monitor:
        _monitor(runner, config, outcome, say)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _monitor(runner: Runner, config: dict, outcome: Outcome, say: Callable[[str], None]) -> None:
    day, skipped = monitored_day(runner, outcome.days)
    outcome.not_done += [f"monitoring: {note}" for note in skipped]
    if day is None:
        return
    step = time.perf_counter()
    say(f"[3/3] monitoring {day}")
    monitoring = runner.run("monitoring_job", config, partition_key=day)
    passed, checks = count_checks(monitoring)
    decision = materialization(monitoring, "retrain_decision")
    outcome.monitored_day, outcome.retrain, outcome.retrain_reasons = day, decision["retrain"], decision["reasons"]
    outcome.checks = (outcome.checks[0] + passed, outcome.checks[1] + checks)
    outcome.not_done += not_done(monitoring)
    say(f"      monitored {day}: {passed}/{checks} checks passed; retrain: {'yes' if decision['retrain'] else 'no'} "
        f"({_elapsed(step)})")


def _landing_notes(landing: dict) -> list[str]:
    """The quarantine's reasons (rows of its markdown table), what the source lacks, its sparse days."""
    reasons = [f"quarantined: {row.strip('| ').replace(' | ', ': ')} rows" for row in
               landing["quarantine_reasons"].splitlines()[2:]] if landing["quarantined_rows"] else []
    lacks = [f"lacks: {landing['lacks']}"] if landing["lacks"] != "nothing" else []
    sparse = [f"sparse days: {landing['sparse_days']}"] if landing["sparse_days"] != "none" else []
    return reasons + lacks + sparse


def _elapsed(since: float) -> str:
    return f"{time.perf_counter() - since:.1f} s"
