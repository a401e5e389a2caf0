"""`shoplens`: simulate a shop, ingest a source and materialize the whole graph, open the UIs."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import date
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from apps.runner import Runner, Stop
from shoplens.ingest.sources import ENCODINGS, SourceError
from shoplens.keys import kept_secret
from shoplens.settings import REPO_ROOT, Settings, without_settings

DEMO = {"users": 5000, "days": 60, "seed": 42}
UIS = ("dagster", "mlflow", "evidently", "feast")


def say(line: str) -> None:
    """A line of the story (on a terminal, over the step ticker's line)."""
    print(("\033[K" if sys.stdout.isatty() else "") + line, flush=True)


def _simulate(users: int, days: int, seed: int, out: Path, start: date, drift_day: int | None) -> None:
    from simulator import SimConfig, simulate

    summary = simulate(SimConfig(users=users, days=days, seed=seed, start_date=start, drift_day=drift_day), out)
    say(f"simulated {summary} into {out}")


def _pseudonymise_key(settings: Settings) -> str:
    """The keyed-hash key: the settings', else one generated once and kept in the data dir."""
    if settings.pseudonymise_key:
        return settings.pseudonymise_key
    key, created = kept_secret(settings.paths.key_file)
    if created:
        say(f"generated a pseudonymisation key in {settings.paths.key_file}")
    return key


def _runner(args: argparse.Namespace, settings: Settings) -> Runner:
    from apps.progress import ticker_loggers

    return Runner(settings, verbose=args.verbose, loggers={} if args.verbose else ticker_loggers())


def _materialize(args: argparse.Namespace, settings: Settings, spec: str, encoding: str = "utf-8") -> None:
    from apps.materialize import materialize
    from apps.summary import summary

    outcome = materialize(_runner(args, settings), spec, encoding, say=say)
    say(summary(outcome, settings))


def _cmd_run(args: argparse.Namespace, settings: Settings) -> None:
    from shoplens.ingest import parse_source

    # a simulated shop carries its ground truth: its ids must stay joinable to it
    keep_ids = args.no_pseudonymise or parse_source(args.source, args.encoding).ground_truth is not None
    key = None if keep_ids else _pseudonymise_key(settings)
    _materialize(args, settings.with_(pseudonymise_key=key), args.source, args.encoding)


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    out = settings.paths.default_source
    if not (out / "events").exists():
        _simulate(**DEMO, out=out, start=date(2024, 1, 1), drift_day=None)
    _materialize(args, settings.with_(pseudonymise_key=None), f"canonical:{out}")


def _cmd_simulate(args: argparse.Namespace, settings: Settings) -> None:
    _simulate(args.users, args.days, args.seed, Path(args.out), args.start_date, args.drift_day)


def _cmd_scenario(args: argparse.Namespace, settings: Settings) -> None:
    """Run the drift scenario in a fresh data directory of its own, so the demo's state is untouched."""
    from apps.scenario import DriftScenario, run_and_report

    root = settings.paths.scenarios / "drift"
    shutil.rmtree(root, ignore_errors=True)
    scenario = DriftScenario(users=args.users, clean_days=args.clean_days, drift_days=args.drift_days,
                             cohort_rate=args.cohort_rate, seed=args.seed)
    run_and_report(Runner(settings.with_(data_dir=root, pseudonymise_key=None), verbose=args.verbose), scenario, say)


def _ui_command(settings: Settings, name: str) -> list[str]:
    """The server command of a UI over the settings' data directory, on 127.0.0.1 and its URL's port."""
    from apps.summary import ui_urls

    bin_dir, paths = Path(sys.executable).parent, settings.paths
    listen = ["--host", "127.0.0.1", "--port", str(urlsplit(ui_urls(settings)[name]).port)]
    return {
        "dagster": [str(bin_dir / "dagster"), "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-h", "127.0.0.1",
                    "-p", listen[-1]],
        "mlflow": [str(bin_dir / "mlflow"), "ui", "--backend-store-uri", settings.tracking_uri, *listen],
        "evidently": [str(bin_dir / "evidently"), "ui", "--workspace", str(paths.workspace), *listen],
        "feast": [str(bin_dir / "feast"), "-f", str(paths.feast / "feature_store.yaml"), "ui", *listen],
    }[name]


def _cmd_ui(args: argparse.Namespace, settings: Settings) -> None:
    from apps.runner import prepare_dagster_home

    if args.name == "dagster":
        prepare_dagster_home(settings)
    if args.name == "feast":
        from ml.feature_store import write_store_yaml

        write_store_yaml(settings)
    if args.name == "mlflow" and not settings.local_mlflow:
        raise Stop(f"MLflow is the server at {settings.tracking_uri}: open its UI there")
    command = _ui_command(settings, args.name)
    say(" ".join(command))
    os.execve(command[0], command, {**without_settings(os.environ), **settings.environment()})


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    """The serving API under uvicorn; it reads the settings from the environment (each worker builds its own app)."""
    import uvicorn

    from ml.feature_store import has_registry

    if not has_registry(settings):
        raise Stop(f"nothing to serve in {settings.data_dir}: run `shoplens demo` or `shoplens run` first")
    os.environ.update(settings.environment())
    say(f"serving {settings.data_dir} on http://{args.host}:{args.port} ({args.workers} worker(s)); "
        f"the API's page: http://{args.host}:{args.port}/docs")
    uvicorn.run("serving.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info" if args.verbose else "warning")


def _cmd_team(args: argparse.Namespace, settings: Settings) -> None:
    from apps import team

    try:
        if args.action == "down":
            stopped = team.down(settings)
            say(f"stopped {', '.join(stopped)}; their data stays in {settings.paths.team}" if stopped
                else "no team servers were running")
            return
        servers = team.up(settings) if args.action == "up" else team.recorded(settings)
    except team.TeamError as error:
        raise Stop(str(error), settings.paths.team) from None
    if not servers:
        say(f"no team servers are running for {settings.data_dir} (start them: make team-up)")
        return
    for name, label in (("postgres", "PostgreSQL"), ("redis", "Redis"), ("mlflow", "MLflow"), ("evidently", "Evidently")):
        started = "" if servers.get("already_running") or args.action == "status" else f" (started in {servers['start_seconds'][name]} s)"
        say(f"{label:<10} {servers[name]}{started}")
    say(f"recorded in {settings.paths.team_servers}; use them: SHOPLENS_PROFILE=team make demo")


def _cmd_spark(args: argparse.Namespace, settings: Settings) -> None:
    from apps import spark

    try:
        if args.action == "build":
            say(f"building the marts on a local Spark from {settings.paths.raw} (dbt build --target spark) ...")
            built = spark.build(settings, tests=not args.no_tests)
            results = ", ".join(f"{count} {status}" for status, count in sorted(built.results.items()))
            say(f"built in {built.seconds:.0f} s: {results}")
            for table, rows in built.tables.items():
                say(f"    {table:<28} {rows:>10,} rows")
            say(f"tables: {settings.paths.spark_tables}; training sets from them: shoplens spark training-set")
            return
        for model, (rows, seconds, path) in spark.training_sets(settings).items():
            say(f"{model:<20} {rows:>8,} rows joined point in time on Spark in {seconds:.1f} s -> {path}")
    except spark.SparkError as error:
        raise Stop(str(error), settings.paths.spark) from None


def parser() -> argparse.ArgumentParser:
    formatter = argparse.ArgumentDefaultsHelpFormatter
    main = argparse.ArgumentParser(prog="shoplens", description=__doc__, formatter_class=formatter)
    main.add_argument("--version", action="version", version=f"%(prog)s {version('shoplens')}")
    main.add_argument("--data-dir", type=Path, default=None,
                      help="where every artefact lives (default: $SHOPLENS_DATA_DIR, else ./data)")
    main.add_argument("--verbose", action="store_true", help="print Dagster's log lines, dbt's output and stack traces too")
    # also after the command (`shoplens run --verbose`); SUPPRESS keeps the top-level value otherwise
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help, formatter_class=formatter)
        sub.set_defaults(func=func)
        return sub

    command("demo", _cmd_demo, "simulate the default shop (once) and materialize every asset on it")
    run = command("run", _cmd_run, "materialize every asset on a real shop's data")
    run.add_argument("--source", required=True, metavar="FORMAT:PATH",
                     help="canonical, rees46, retailrocket, online_retail or olist, then the file or directory")
    run.add_argument("--no-pseudonymise", action="store_true",
                     help="keep user ids as they are (by default real data gets a keyed hash)")
    run.add_argument("--encoding", default="utf-8", choices=sorted(ENCODINGS),
                     help="of the source's CSV files (undecodable rows are quarantined)")

    sim = command("simulate", _cmd_simulate, "write a simulated shop with its ground truth")
    sim.add_argument("--users", type=int, default=DEMO["users"], help="shoppers at the start")
    sim.add_argument("--days", type=int, default=DEMO["days"], help="days of events")
    sim.add_argument("--seed", type=int, default=DEMO["seed"], help="random seed (same seed, same shop)")
    sim.add_argument("--out", required=True, help="folder to write the shop into")
    sim.add_argument("--start-date", type=date.fromisoformat, default=date(2024, 1, 1), help="first day")
    sim.add_argument("--drift-day", type=int, default=None, help="day index from which the shop drifts (none: never)")

    scenario = command("scenario", _cmd_scenario, "end-to-end proofs on a simulated shop")
    scenario.add_argument("name", choices=["drift"], help="drift: the shop drifts on a known day; monitoring must notice")
    scenario.add_argument("--users", type=int, default=3000, help="shoppers of the simulated shop")
    scenario.add_argument("--clean-days", type=int, default=12, help="monitored days before the drift")
    scenario.add_argument("--drift-days", type=int, default=5, help="monitored days from the drift on")
    scenario.add_argument("--cohort-rate", type=float, default=3.0, help="low-intent sign-ups relative to regular ones")
    scenario.add_argument("--seed", type=int, default=11, help="random seed of the shop")

    serve = command("serve", _cmd_serve, "the serving API (scores, recommendations) over the data directory")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")

    team = command("team", _cmd_team, "throwaway PostgreSQL, Redis, MLflow and Evidently servers on 127.0.0.1 "
                   "for the team profile")
    team.add_argument("action", choices=["up", "down", "status"], help="start them (data under the data directory), "
                      "stop them, or show where they run")

    spark = command("spark", _cmd_spark, "the marts built on a local Spark, and training sets joined from them by "
                    "Feast's Spark offline store")
    spark.add_argument("action", choices=["build", "training-set"], help="build: dbt build --target spark over the "
                       "landed parquet; training-set: every classifier's training set from the Spark-built marts")
    spark.add_argument("--no-tests", action="store_true", help="build the models only (dbt run)")

    ui = command("ui", _cmd_ui, "serve a UI over the data directory on 127.0.0.1")
    ui.add_argument("name", choices=UIS, help="dagster :3000, mlflow :5000, evidently :8000 or feast :8888")
    return main


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    settings = Settings.from_env(data_dir=args.data_dir)
    try:
        args.func(args, settings)
    except SourceError as error:  # a bad spec, before any run
        sys.exit(f"shoplens: {error}")
    except Stop as stop:
        sys.exit(f"shoplens: {stop}\n  details: {stop.log or settings.paths.log_file} (or run again with --verbose)")


if __name__ == "__main__":
    main()
