"""`shoplens`: simulate a shop, ingest a source and materialize the whole graph, open the UI."""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import time
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import date
from functools import partial
from pathlib import Path

from shoplens.config import REPO_ROOT, data_dir, default_source_dir, raw_dir, warehouse_path
from shoplens.ingest.sources import ENCODINGS, SourceError

DEMO = {"users": 5000, "days": 60, "seed": 42}


class Stop(Exception):
    """What stops a run: printed as one line (the details are in the log file)."""


def _simulate(users: int, days: int, seed: int, out: Path, start: date, drift_day: int | None) -> None:
    from simulator import SimConfig, simulate

    cfg = SimConfig(users=users, days=days, seed=seed, start_date=start, drift_day=drift_day)
    summary = simulate(cfg, out)
    print(f"simulated {summary} into {out}")


def _pseudonymise_key() -> str:
    """The keyed-hash key: SHOPLENS_PSEUDONYMISE_KEY, else one generated once and kept in the data dir."""
    if os.environ.get("SHOPLENS_PSEUDONYMISE_KEY"):
        return os.environ["SHOPLENS_PSEUDONYMISE_KEY"]
    key_file = data_dir() / "pseudonymise.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
        print(f"generated a pseudonymisation key in {key_file}")
    return key_file.read_text().strip()


def _forget_other_source(spec: str) -> None:
    """A data directory holds one source: landing a different one starts its state afresh."""
    marker = data_dir() / "source.txt"
    previous = marker.read_text().strip() if marker.exists() else None
    if previous and previous != spec:
        print(f"data directory held {previous}; clearing its raw tables, warehouse and run history")
        for path in (raw_dir(), data_dir() / "dagster", data_dir() / "landing.duckdb", warehouse_path()):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    marker.write_text(spec)


def log_file() -> Path:
    """Where every Dagster log line and stack trace of the data directory's runs goes."""
    return data_dir() / "shoplens.log"


def _dagster_home() -> Path:
    """DAGSTER_HOME inside the data directory; no telemetry (the project runs offline); every
    run's log lines, traces included, appended to the log file."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir() / "dagster")))
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        import yaml

        handler = {"class": "logging.FileHandler", "level": "DEBUG", "filename": str(log_file()), "formatter": "plain"}
        settings.write_text(yaml.safe_dump({
            "telemetry": {"enabled": False},
            "python_logs": {"dagster_handler_config": {
                "handlers": {"log_file": handler},
                "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
            }},
        }))
    return home


def _checked(result):
    """The run's result, or stop with the root cause of its first failed step (e.g. a missing column)."""
    if result.success:
        return result
    failure = result.get_step_failure_events()[0]
    error = failure.step_failure_data.error
    with log_file().open("a") as log:
        log.write(f"step {failure.step_key} failed:\n{error.to_string()}\n")
    while error.cause:
        error = error.cause
    raise Stop(f"step {failure.step_key} failed: {_short(error.message)}")


def _short(message: str, lines: int = 4) -> str:
    """An error's gist: dbt's own error lines when Dagster wraps a dbt failure, else the first line."""
    text = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", message).splitlines() if line.strip()]
    marker = "Errors parsed from dbt logs:"
    if marker in text:
        text = text[text.index(marker) + 1:]
    gist = "\n  ".join(text[:lines]) if marker in message else next(iter(text), "(no message)")
    return gist.removeprefix("shoplens.ingest.sources.SourceError: ")


def load_definitions():
    """The code location, with Dagster's beta and sqlglot warnings silenced for the console."""
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", message="sqlglot")
    from orchestration.definitions import defs

    return defs


def run_config(spec: str, pseudonymise_key: str | None = None, log_level: str = "CRITICAL",
               encoding: str = "utf-8") -> dict:
    """The source resource's config (the key passed by environment, so it never shows in the run's config).
    The console hears only `log_level` and up (the log file hears everything)."""
    if pseudonymise_key:
        os.environ["SHOPLENS_PSEUDONYMISE_KEY"] = pseudonymise_key
    key_config = {"env": "SHOPLENS_PSEUDONYMISE_KEY"} if pseudonymise_key else None
    return {
        "resources": {"source": {"config": {"spec": spec, "pseudonymise_key": key_config, "encoding": encoding}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }


@contextmanager
def _quiet(verbose: bool):
    """Unless verbose, what the libraries print (dbt's progress, Feast's, MLflow's notices, warnings) goes to the log file."""
    if verbose:
        yield
        return
    with log_file().open("a") as log, redirect_stdout(log), redirect_stderr(log):
        yield


def execute(job: str, config: dict, tags: dict | None = None, partition_key: str | None = None,
            exit_on_failure: bool = True, verbose: bool = False):
    """Run a job in this process on the data directory's Dagster instance; stop on failure unless told not to."""
    import dagster as dg

    with _quiet(verbose):
        result = load_definitions().resolve_job_def(job).execute_in_process(
            instance=dg.DagsterInstance.get(), run_config=config, tags=tags, partition_key=partition_key, raise_on_error=False
        )
    return _checked(result) if exit_on_failure else result


def _count_checks(result) -> tuple[int, int]:
    import dagster as dg

    checks = [event.asset_check_evaluation_data for event in result.all_events
              if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    return sum(check.passed for check in checks), len(checks)


def _not_done(result) -> list[str]:
    """Each asset of a run that says in its metadata what it could not do, and why."""
    notes = []
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        reason = meta.get("reason") if "trained" in meta else meta.get("note")
        if reason is not None and str(reason.value):
            notes.append(f"{event.asset_key.to_user_string()}: {reason.value}")
    return notes


def _monitored_day(days: list[str]) -> tuple[str | None, list[str]]:
    """The newest day with enough active users to monitor, and why each newer day was skipped."""
    from ml.scoring import active_counts
    from orchestration.monitoring.resources import MonitoringSettings

    minimum = MonitoringSettings().min_day_rows
    counts = active_counts(warehouse_path())
    dense = [day for day in days if counts.get(date.fromisoformat(day), 0) >= minimum]
    if not dense:
        return None, [f"no day has {minimum} active users to compare (the busiest has {max(counts.values(), default=0)})"]
    thin = [counts.get(date.fromisoformat(day), 0) for day in days if day > dense[-1]]
    if not thin:
        return dense[-1], []
    return dense[-1], [f"{len(thin)} thin day(s) after {dense[-1]} skipped: {min(thin)}-{max(thin)} active users, "
                       f"fewer than {minimum}"]


def materialize(spec: str, pseudonymise_key: str | None, tags: dict | None = None, monitor: bool = True,
                verbose: bool = False, encoding: str = "utf-8"):
    """Land the source, build every asset over all its event days in one run, then monitor the
    newest day with enough rows (unless `monitor` is off); returns the landing and build run results."""
    _forget_other_source(spec)
    _dagster_home()
    os.environ["SHOPLENS_SOURCE"] = spec
    import dagster as dg

    from orchestration.partitions import EVENT_DAYS

    started = time.perf_counter()
    config = run_config(spec, pseudonymise_key, "DEBUG" if verbose else "CRITICAL", encoding)
    run = partial(execute, verbose=verbose)
    print(f"landing {spec} ...", flush=True)
    landing = run("ingest_source_job", config)
    meta = landing.asset_materializations_for_node("landed_source")[0].metadata
    for name, value in meta.items():
        if name.startswith("rows_") or name in ("quarantined_rows", "event_days", "first_day", "last_day", "sparse_days", "lacks"):
            print(f"  {name}: {value.value}")
    print(f"  quarantine reasons:\n{meta['quarantine_reasons'].value}")
    days = dg.DagsterInstance.get().get_dynamic_partitions(EVENT_DAYS.name)
    if not days:
        raise Stop("no valid events in the source: nothing to build (see the quarantine above)")
    print(f"building every asset for {days[0]}..{days[-1]} ({len(days)} days) ...", flush=True)
    build = run("build_job", config, tags={
        "dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1], **(tags or {})})
    assets = {event.asset_key for event in build.get_asset_materialization_events()}
    passed, checks = _count_checks(build)
    print(f"built {len(assets)} assets, {passed}/{checks} checks passed, in {time.perf_counter() - started:.1f} s")
    not_done = _not_done(build)
    if monitor:
        day, skipped = _monitored_day(days)
        not_done += [f"monitoring: {note}" for note in skipped]
        if day is not None:
            print(f"monitoring {day} ...", flush=True)
            monitoring = run("monitoring_job", config, partition_key=day)
            passed, checks = _count_checks(monitoring)
            decision = monitoring.asset_materializations_for_node("retrain_decision")[0].metadata
            not_done += _not_done(monitoring)
            print(f"monitored {day}: {passed}/{checks} checks passed; retrain: {decision['retrain'].value}; "
                  f"reports in {data_dir() / 'monitoring' / 'reports' / day}")
    if not_done:
        print("not done, and why:\n" + "\n".join(f"  - {note}" for note in not_done))
    print(f"warehouse: {warehouse_path()}\nlog: {log_file()}")
    return landing, build


def _cmd_simulate(args: argparse.Namespace) -> None:
    _simulate(args.users, args.days, args.seed, Path(args.out), args.start_date, args.drift_day)


def _cmd_run(args: argparse.Namespace) -> None:
    from shoplens.ingest import parse_source

    # a simulated shop carries its ground truth: its ids must stay joinable to it
    keep_ids = args.no_pseudonymise or parse_source(args.source, args.encoding).ground_truth is not None
    materialize(args.source, None if keep_ids else _pseudonymise_key(), verbose=args.verbose, encoding=args.encoding)


def _cmd_demo(args: argparse.Namespace) -> None:
    out = default_source_dir()
    if not (out / "events").exists():
        _simulate(**DEMO, out=out, start=date(2024, 1, 1), drift_day=None)
    materialize(f"canonical:{out}", None, verbose=args.verbose)


def _cmd_scenario(args: argparse.Namespace) -> None:
    """Run the drift scenario in a fresh data directory of its own, so the demo's state is untouched."""
    import json
    from dataclasses import asdict

    root = data_dir() / "scenarios" / "drift"
    shutil.rmtree(root, ignore_errors=True)
    os.environ["SHOPLENS_DATA_DIR"] = str(root)
    os.environ["DAGSTER_HOME"] = str(root / "dagster")
    from shoplens.scenario import HEADER, DriftScenario, row, report, run_drift_scenario

    scenario = DriftScenario(users=args.users, clean_days=args.clean_days, drift_days=args.drift_days,
                             cohort_rate=args.cohort_rate, seed=args.seed)
    print(f"drift scenario in {root}: {scenario}")
    print(HEADER)
    result = run_drift_scenario(scenario)
    print("\ntimeline\n" + HEADER + "\n" + "\n".join(row(day) for day in result.timeline) + "\n\n" + report(result))
    (root / "scenario_drift.json").write_text(json.dumps({
        "scenario": asdict(scenario), "timeline": [asdict(d) for d in result.timeline],
        "false_alarm_rate": result.false_alarm_rate, "detection_delay_days": result.detection_delay_days,
        "retrain_runs": result.retrain_runs, "promotion_decisions": result.promotion_decisions,
    }, indent=2, default=str))
    print(f"reports: {root / 'monitoring' / 'reports'}; trend: evidently ui --workspace {root / 'monitoring' / 'workspace'}")


def _cmd_dev(args: argparse.Namespace) -> None:
    _dagster_home()
    dagster = Path(sys.executable).parent / "dagster"
    os.execv(dagster, [str(dagster), "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-h", "127.0.0.1"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="shoplens", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="print Dagster's log lines and stack traces too")
    # also after the command (`shoplens run --verbose`); SUPPRESS keeps the top-level value otherwise
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", parents=[verbose], help="simulate the default shop (once) and materialize every asset")
    demo.set_defaults(func=_cmd_demo)

    run = commands.add_parser("run", parents=[verbose], help="materialize every asset on a real dataset")
    run.add_argument("--source", required=True, metavar="FORMAT:PATH",
                     help="canonical, rees46, retailrocket, online_retail or olist, then the file or directory")
    run.add_argument("--no-pseudonymise", action="store_true",
                     help="keep user ids as they are (by default real data gets a keyed hash)")
    run.add_argument("--encoding", default="utf-8", choices=sorted(ENCODINGS),
                     help="of the source's CSV files (default utf-8; undecodable rows are quarantined)")
    run.set_defaults(func=_cmd_run)

    sim = commands.add_parser("simulate", help="write a simulated shop with its ground truth")
    sim.add_argument("--users", type=int, default=DEMO["users"])
    sim.add_argument("--days", type=int, default=DEMO["days"])
    sim.add_argument("--seed", type=int, default=DEMO["seed"])
    sim.add_argument("--out", required=True)
    sim.add_argument("--start-date", type=date.fromisoformat, default=date(2024, 1, 1))
    sim.add_argument("--drift-day", type=int, default=None, help="day index from which the shop drifts")
    sim.set_defaults(func=_cmd_simulate)

    scenario = commands.add_parser("scenario", help="end-to-end proofs on a simulated shop")
    scenario.add_argument("name", choices=["drift"], help="drift: the shop drifts on a known day; monitoring must notice")
    scenario.add_argument("--users", type=int, default=3000)
    scenario.add_argument("--clean-days", type=int, default=12, help="monitored days before the drift")
    scenario.add_argument("--drift-days", type=int, default=5, help="monitored days from the drift on")
    scenario.add_argument("--cohort-rate", type=float, default=3.0, help="low-intent sign-ups relative to regular ones")
    scenario.add_argument("--seed", type=int, default=11)
    scenario.set_defaults(func=_cmd_scenario)

    dev = commands.add_parser("dev", help="the Dagster UI on http://127.0.0.1:3000")
    dev.set_defaults(func=_cmd_dev)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except SourceError as error:  # a bad spec, before any run
        sys.exit(f"shoplens: {error}")
    except Stop as stop:
        sys.exit(f"shoplens: {stop}\n  details: {log_file()} (or run again with --verbose)")


if __name__ == "__main__":
    main()
