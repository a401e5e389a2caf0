"""The one way the applications run ShopLens's jobs.

A Runner holds the definitions and the Dagster instance of one Settings, runs jobs in this
process with what the libraries print sent to the data directory's log file, and reads back
what a run did: checks passed, what it could not do and why, the first failure's root cause.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from functools import cached_property

import yaml

from shoplens.settings import Settings


class Stop(Exception):
    """What stops a run: printed as one line; the details are in `log` (the run's log file)."""

    def __init__(self, message: str, log=None):
        super().__init__(message)
        self.log = log


@dataclass
class Runner:
    settings: Settings
    verbose: bool = False  # print what the libraries and Dagster log instead of only filing it
    loggers: dict = field(default_factory=dict)  # extra Dagster loggers for every job (the CLI's progress)

    def __post_init__(self):
        import dagster as dg

        # Dagster's beta/preview notes and sqlglot's deprecation speak to us, not to the user
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
        warnings.filterwarnings("ignore", category=dg.PreviewWarning)
        warnings.filterwarnings("ignore", message="sqlglot")

    @cached_property
    def definitions(self):
        from orchestration.definitions import build_definitions

        with self.quiet():
            return build_definitions(self.settings, loggers=self.loggers)

    @cached_property
    def instance(self):
        import dagster as dg

        instance = dg.DagsterInstance.from_config(str(prepare_dagster_home(self.settings)))
        if self.settings.profile == "team":
            # dagster-postgres connects anew for every query (≈ 4,300 connections, 13 s, a tiny shop's run):
            # a pool of one held open, as dagster-webserver does, with no statement timeout for a run
            instance.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=4)
        return instance

    @contextmanager
    def quiet(self):
        """Unless verbose, what the libraries print (dbt's progress, Feast's, MLflow's notices,
        warnings) goes to the log file."""
        if self.verbose:
            yield
            return
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with self.settings.paths.log_file.open("a") as log, redirect_stdout(log), redirect_stderr(log):
            yield

    def run(self, job: str, config: dict | None = None, tags: dict | None = None, partition_key: str | None = None,
            check: bool = True):
        """Run a job; stop with its first failure's root cause unless `check` is off."""
        console = {"loggers": {"console": {"config": {"log_level": "DEBUG" if self.verbose else "CRITICAL"}}}}
        with self.quiet():
            result = self.definitions.resolve_job_def(job).execute_in_process(
                instance=self.instance, run_config={**(config or {}), **console}, tags=tags,
                partition_key=partition_key, raise_on_error=False,
            )
        return self.checked(result) if check else result

    def checked(self, result):
        """The run's result, or stop with the root cause of its first failed step (e.g. a missing column)."""
        if result.success:
            return result
        failure = result.get_step_failure_events()[0]
        error = failure.step_failure_data.error
        with self.settings.paths.log_file.open("a") as log:
            log.write(f"step {failure.step_key} failed:\n{error.to_string()}\n")
        while error.cause:
            error = error.cause
        raise Stop(f"step {failure.step_key} failed: {short(error.message)}", self.settings.paths.log_file)


def source_config(spec: str, encoding: str = "utf-8") -> dict:
    """The run config naming the source (the pseudonymisation key comes with the settings)."""
    return {"resources": {"source": {"config": {"spec": spec, "encoding": encoding}}}}


def prepare_dagster_home(settings: Settings):
    """DAGSTER_HOME inside the data directory, its dagster.yaml written from the settings: no telemetry (the project
    runs offline); every run's log lines, traces included, appended to the log file; at most one queued run that
    writes the warehouse at a time (DuckDB has one writer); the event log in SQLite with its connections kept open
    (orchestration/event_log.py), or under the team profile runs, event logs and schedules in PostgreSQL."""
    from orchestration import tags

    home = settings.paths.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    handler = {"class": "logging.FileHandler", "level": "DEBUG", "filename": str(settings.paths.log_file),
               "formatter": "plain"}
    config = {
        "telemetry": {"enabled": False},
        "python_logs": {"dagster_handler_config": {
            "handlers": {"log_file": handler},
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
        }},
        "concurrency": {"runs": {"tag_concurrency_limits": [{"key": tags.WAREHOUSE, "limit": 1}]}},
    }
    if settings.team:
        config["storage"] = {"postgres": {"postgres_url": settings.database_url("dagster")}}
    else:
        config["event_log_storage"] = {"module": "orchestration.event_log", "class": "LocalEventLogStorage",
                                       "config": {"base_dir": str(home / "history" / "runs")}}
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def short(message: str, lines: int = 4) -> str:
    """An error's gist: dbt's own error lines when Dagster wraps a dbt failure, else the first line."""
    text = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", message).splitlines() if line.strip()]
    marker = "Errors parsed from dbt logs:"
    if marker in text:
        text = text[text.index(marker) + 1:]
    gist = "\n  ".join(text[:lines]) if marker in message else next(iter(text), "(no message)")
    return gist.removeprefix("shoplens.ingest.sources.SourceError: ")


def count_checks(result) -> tuple[int, int]:
    """(passed, evaluated) asset checks of a run."""
    import dagster as dg

    checks = [event.asset_check_evaluation_data for event in result.all_events
              if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    return sum(check.passed for check in checks), len(checks)


def not_done(result) -> list[str]:
    """Each asset of a run that says in its metadata what it could not do, and why."""
    notes = []
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        reason = meta.get("reason") if "trained" in meta else meta.get("note")
        if reason is not None and str(reason.value):
            notes.append(f"{event.asset_key.to_user_string()}: {reason.value}")
    return notes


def materialization(result, asset: str) -> dict:
    """The metadata of an asset's materialization in a run (values unwrapped); {} when absent."""
    events = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset]
    return {k: v.value for k, v in events[-1].materialization.metadata.items()} if events else {}
