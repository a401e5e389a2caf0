"""`shoplens`: simulate a shop, ingest a source and materialize the whole graph, open the UI."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import time
import warnings
from datetime import date
from pathlib import Path

from shoplens.config import REPO_ROOT, data_dir, default_source_dir, raw_dir, warehouse_path

DEMO = {"users": 5000, "days": 60, "seed": 42}


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


def _dagster_home() -> Path:
    """DAGSTER_HOME inside the data directory; no telemetry (the project runs offline)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir() / "dagster")))
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        settings.write_text("telemetry:\n  enabled: false\n")
    return home


def _checked(result):
    """The run's result, or exit with the root cause of its first failed step (e.g. a missing column)."""
    if result.success:
        return result
    failure = result.get_step_failure_events()[0]
    error = failure.step_failure_data.error
    while error.cause:
        error = error.cause
    sys.exit(f"shoplens: step {failure.step_key} failed: {error.message.strip()}")


def materialize(spec: str, pseudonymise_key: str | None):
    """Land the source, then build every asset over all its event days in one run; returns both run results."""
    _forget_other_source(spec)
    _dagster_home()
    os.environ["SHOPLENS_SOURCE"] = spec
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", message="sqlglot")

    from orchestration.definitions import defs
    from orchestration.partitions import EVENT_DAYS

    started = time.perf_counter()
    instance = dg.DagsterInstance.get()
    if pseudonymise_key:  # passed by environment so the key never shows in the run's config
        os.environ["SHOPLENS_PSEUDONYMISE_KEY"] = pseudonymise_key
    key_config = {"env": "SHOPLENS_PSEUDONYMISE_KEY"} if pseudonymise_key else None
    run_config = {
        "resources": {"source": {"config": {"spec": spec, "pseudonymise_key": key_config}}},
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }
    landing = _checked(
        defs.resolve_job_def("ingest_source_job").execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        )
    )
    meta = landing.asset_materializations_for_node("landed_source")[0].metadata
    print(f"landed {spec}")
    for name, value in meta.items():
        if name.startswith("rows_") or name in ("quarantined_rows", "event_days", "first_day", "last_day"):
            print(f"  {name}: {value.value}")
    print(f"  quarantine reasons:\n{meta['quarantine_reasons'].value}")
    days = instance.get_dynamic_partitions(EVENT_DAYS.name)
    if not days:
        sys.exit("no valid events in the source: nothing to build (see the quarantine above)")
    build = _checked(
        defs.resolve_job_def("build_job").execute_in_process(
            instance=instance,
            run_config=run_config,
            tags={"dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1]},
            raise_on_error=False,
        )
    )
    assets = {event.asset_key for event in build.get_asset_materialization_events()}
    checks = [event.asset_check_evaluation_data for event in build.all_events
              if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    passed = sum(check.passed for check in checks)
    print(f"built {len(assets)} assets for {days[0]}..{days[-1]} ({len(days)} days), "
          f"{passed}/{len(checks)} checks passed, in {time.perf_counter() - started:.1f} s")
    print(f"warehouse: {warehouse_path()}")
    return landing, build


def _cmd_simulate(args: argparse.Namespace) -> None:
    _simulate(args.users, args.days, args.seed, Path(args.out), args.start_date, args.drift_day)


def _cmd_run(args: argparse.Namespace) -> None:
    from shoplens.ingest import parse_source

    # a simulated shop carries its ground truth: its ids must stay joinable to it
    keep_ids = args.no_pseudonymise or parse_source(args.source).ground_truth is not None
    materialize(args.source, None if keep_ids else _pseudonymise_key())


def _cmd_demo(args: argparse.Namespace) -> None:
    out = default_source_dir()
    if not (out / "events").exists():
        _simulate(**DEMO, out=out, start=date(2024, 1, 1), drift_day=None)
    materialize(f"canonical:{out}", None)


def _cmd_dev(args: argparse.Namespace) -> None:
    _dagster_home()
    dagster = Path(sys.executable).parent / "dagster"
    os.execv(dagster, [str(dagster), "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-h", "127.0.0.1"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="shoplens", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="simulate the default shop (once) and materialize every asset")
    demo.set_defaults(func=_cmd_demo)

    run = commands.add_parser("run", help="materialize every asset on a real dataset")
    run.add_argument("--source", required=True, metavar="FORMAT:PATH",
                     help="canonical, rees46, retailrocket, online_retail or olist, then the file or directory")
    run.add_argument("--no-pseudonymise", action="store_true",
                     help="keep user ids as they are (by default real data gets a keyed hash)")
    run.set_defaults(func=_cmd_run)

    sim = commands.add_parser("simulate", help="write a simulated shop with its ground truth")
    sim.add_argument("--users", type=int, default=DEMO["users"])
    sim.add_argument("--days", type=int, default=DEMO["days"])
    sim.add_argument("--seed", type=int, default=DEMO["seed"])
    sim.add_argument("--out", required=True)
    sim.add_argument("--start-date", type=date.fromisoformat, default=date(2024, 1, 1))
    sim.add_argument("--drift-day", type=int, default=None, help="day index from which the shop drifts")
    sim.set_defaults(func=_cmd_simulate)

    dev = commands.add_parser("dev", help="the Dagster UI on http://127.0.0.1:3000")
    dev.set_defaults(func=_cmd_dev)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
