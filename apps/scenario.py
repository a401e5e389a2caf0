"""`shoplens scenario drift`: a simulated shop drifts on a known day and is monitored day by day.

The champions are trained on the first `train_days` days only (`shoplens/as_of`); every later
day runs `monitoring_job` for that day, then one tick of `retrain_sensor`, whose run requests
are executed like the daemon would. The data of all days is built up front in one backfill:
the marts are point-in-time, so a day's reports see nothing of the days after it, and a
retraining sees only what was known on the day it was requested.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from apps.materialize import materialize
from apps.runner import Runner, source_config
from shoplens.paths import Paths
from shoplens.settings import Settings


@dataclass(frozen=True)
class DriftScenario:
    """The shop and its calendar: train, then `clean_days` monitored days, then the drift."""

    users: int = 3000
    train_days: int = 52  # churn needs 3 weekly cutoffs with 30 days of outcome: 51 days
    clean_days: int = 12
    drift_days: int = 5
    cohort_rate: float = 3.0  # low-intent sign-ups per day from the drift on, relative to regular ones
    seed: int = 11
    start: date = date(2024, 1, 1)

    @property
    def drift_day(self) -> int:
        return self.train_days + self.clean_days

    @property
    def days(self) -> int:
        return self.drift_day + self.drift_days

    def date(self, index: int) -> date:
        return self.start + timedelta(days=index)


@dataclass(frozen=True)
class Day:
    """One monitored day as on-call would read it."""

    day: date
    drifting: bool  # the simulator's truth
    active_users: int
    share_drifted: float | None
    drifted_scores: list[str]
    realised_auc: float | None
    retrain: bool
    reasons: list[str]
    sensor: str
    champion: int | None


@dataclass
class ScenarioResult:
    scenario: DriftScenario
    timeline: list[Day] = field(default_factory=list)
    retrain_runs: list[str] = field(default_factory=list)
    promotion_decisions: list[str] = field(default_factory=list)

    @property
    def false_alarm_rate(self) -> float:
        clean = [d for d in self.timeline if not d.drifting]
        return sum(d.retrain for d in clean) / len(clean)

    @property
    def detection_delay_days(self) -> int | None:
        """Days from the drift's start to the first day the policy asked for retraining."""
        detected = [d.day for d in self.timeline if d.drifting and d.retrain]
        return (detected[0] - self.scenario.date(self.scenario.drift_day)).days if detected else None


def _day(settings: Settings, day: date, drifting: bool, sensor: str) -> Day:
    import pyarrow.parquet as pq

    from ml.tracking import version_by_alias

    paths: Paths = settings.paths
    reports = paths.reports(day)
    decision = json.loads((reports / "retrain_decision.json").read_text())
    evidence = decision["evidence"]
    performance = json.loads((reports / "model_performance_report.json").read_text())["models"]
    sample = paths.sample(day)
    return Day(
        day=day,
        drifting=drifting,
        active_users=pq.ParquetFile(sample).metadata.num_rows if sample.exists() else 0,
        share_drifted=evidence["drift_share"],
        drifted_scores=evidence["drifted_scores"],
        realised_auc=performance.get("purchase_propensity", {}).get("realised", {}).get("roc_auc"),
        retrain=decision["retrain"],
        reasons=decision["reasons"],
        sensor=sensor,
        champion=version_by_alias("purchase_propensity", "champion", settings),
    )


def _promotion_decisions(result) -> list[str]:
    import dagster as dg

    return [f"{e.asset_check_evaluation_data.check_name}: {e.asset_check_evaluation_data.metadata['decision'].value}"
            for e in result.all_events
            if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
            and e.asset_check_evaluation_data.check_name.endswith("_promotion")]


def run_drift_scenario(runner: Runner, scenario: DriftScenario, log=print) -> ScenarioResult:
    """Simulate, build, train on the clean past, then monitor each later day; see the module doc."""
    import dagster as dg

    from orchestration import tags
    from orchestration.automation.sensors import retrain_sensor
    from simulator import SimConfig, simulate

    source = runner.settings.data_dir / "scenario_source"
    simulate(SimConfig(users=scenario.users, days=scenario.days, seed=scenario.seed, start_date=scenario.start,
                       drift_day=scenario.drift_day, drift_cohort_rate=scenario.cohort_rate), source)
    spec = f"canonical:{source}"
    trained_through = scenario.date(scenario.train_days - 1)
    materialize(runner, spec, tags={tags.AS_OF: str(trained_through)}, monitor=False)
    config = source_config(spec)
    result = ScenarioResult(scenario)
    cursor = None
    for index in range(scenario.train_days, scenario.days):
        day = scenario.date(index)
        runner.run("monitoring_job", config, partition_key=str(day))
        context = dg.build_sensor_context(instance=runner.instance, cursor=cursor, definitions=runner.definitions)
        tick = retrain_sensor.evaluate_tick(context)
        cursor = tick.cursor
        for request in tick.run_requests:
            # a challenger that is not sane fails its promotion check and so the run: the champion stays
            run = runner.run("retrain_job", config, tags=request.tags, check=False)
            result.retrain_runs.append(run.run_id)
            result.promotion_decisions += _promotion_decisions(run)
        sensor = (f"requested retrain_job (run {result.retrain_runs[-1][:8]}, {'succeeded' if run.success else 'failed'})"
                  if tick.run_requests else (tick.skip_message or ""))
        entry = _day(runner.settings, day, index >= scenario.drift_day, sensor)
        result.timeline.append(entry)
        log(row(entry))
    return result


HEADER = f"{'day':<10}  {'truth':<6}  {'active':>6}  {'drifted':>7}  {'scores drifted':<28}  {'AUC':>5}  {'champion':>8}  decision / sensor"


def row(d: Day) -> str:
    share = "-" if d.share_drifted is None else f"{d.share_drifted:.0%}"
    auc = "-" if d.realised_auc is None else f"{d.realised_auc:.3f}"
    decision = "RETRAIN" if d.retrain else "ok"
    return (f"{d.day}  {'drift' if d.drifting else 'clean':<6}  {d.active_users:>6}  {share:>7}  "
            f"{', '.join(d.drifted_scores) or '-':<28}  {auc:>5}  {'v' + str(d.champion):>8}  {decision} / {d.sensor}")


def report(result: ScenarioResult) -> str:
    """The figures of the run: false alarms, detection delay, retraining and its promotion."""
    s = result.scenario
    delay = result.detection_delay_days
    lines = [
        f"drift from {s.date(s.drift_day)} (day {s.drift_day}): prices x1.25, shifted categories, "
        f"low-intent sign-ups at {s.cohort_rate:g}x the regular rate",
        f"false-alarm rate: {result.false_alarm_rate:.0%} of {sum(not d.drifting for d in result.timeline)} clean days",
        f"detection delay: {'not detected' if delay is None else f'{delay} day(s)'}",
        f"retraining runs requested by retrain_sensor: {len(result.retrain_runs)}",
        *(f"  {decision}" for decision in result.promotion_decisions),
    ]
    return "\n".join(lines)


def run_and_report(runner: Runner, scenario: DriftScenario, say=print) -> ScenarioResult:
    """Run the scenario, print its timeline and figures, and keep them as JSON in its data directory."""
    root = runner.settings.data_dir
    say(f"drift scenario in {root}: {scenario}")
    say(HEADER)
    result = run_drift_scenario(runner, scenario, log=say)
    say("\ntimeline\n" + HEADER + "\n" + "\n".join(row(day) for day in result.timeline) + "\n\n" + report(result))
    (root / "scenario_drift.json").write_text(json.dumps({
        "scenario": asdict(scenario), "timeline": [asdict(d) for d in result.timeline],
        "false_alarm_rate": result.false_alarm_rate, "detection_delay_days": result.detection_delay_days,
        "retrain_runs": result.retrain_runs, "promotion_decisions": result.promotion_decisions,
    }, indent=2, default=str))
    paths = runner.settings.paths
    say(f"reports: {paths.monitoring / 'reports'}; trend: shoplens --data-dir {root} ui evidently")
    return result
