"""Where every artefact of a data directory lives: one map read by the assets, the CLI and the scenario.

    warehouse.duckdb  landing.duckdb  raw/  sources/  feast/  mlflow/  dagster/  dbt_target/
    training_sets/<model>.parquet     models/<model>/plots/
    monitoring/reports/<day>/<name>.{html,json}  monitoring/samples/<day>.parquet
    monitoring/reference/<model>-v<version>.parquet  monitoring/workspace/
    shoplens.log  pseudonymise.key  pseudonymised  source.txt  api.key
    team/ (servers.json, postgres/, redis/, mlflow/: `shoplens team up`)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """The layout of one data directory (nothing is created here)."""

    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def landing_db(self) -> Path:
        return self.root / "landing.duckdb"

    @property
    def raw(self) -> Path:
        """Validated canonical tables written by ingest and read by dbt sources."""
        return self.root / "raw"

    @property
    def default_source(self) -> Path:
        """Where `shoplens demo` writes the embedded default (the simulated shop)."""
        return self.root / "sources" / "simulated"

    @property
    def source_marker(self) -> Path:
        """The spec of the source this data directory holds."""
        return self.root / "source.txt"

    @property
    def feast(self) -> Path:
        """The Feast registry, feature_store.yaml and SQLite online store."""
        return self.root / "feast"

    @property
    def feast_sources(self) -> Path:
        """The feature marts exported as parquet for Feast's offline store."""
        return self.feast / "sources"

    @property
    def mlflow(self) -> Path:
        """The local MLflow store (mlflow.db) and its artifacts."""
        return self.root / "mlflow"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def dbt_target(self) -> Path:
        """dbt's target: each dagster-dbt invocation gets a folder of its own below it."""
        return self.root / "dbt_target"

    @property
    def log_file(self) -> Path:
        """Every Dagster log line, trace and library print of the data directory's runs."""
        return self.root / "shoplens.log"

    @property
    def key_file(self) -> Path:
        return self.root / "pseudonymise.key"

    @property
    def pseudonymised_marker(self) -> Path:
        """Present while the landed user ids are keyed hashes (so the serving API hashes the ids it is asked)."""
        return self.root / "pseudonymised"

    @property
    def api_key_file(self) -> Path:
        """The serving API's key when SHOPLENS_API_KEYS sets none (created on the first start, mode 0600)."""
        return self.root / "api.key"

    def training_set(self, model: str) -> Path:
        return self.root / "training_sets" / f"{model}.parquet"

    def plots(self, model: str) -> Path:
        return self.root / "models" / model / "plots"

    @property
    def monitoring(self) -> Path:
        return self.root / "monitoring"

    def reports(self, day: date | str) -> Path:
        return self.monitoring / "reports" / str(day)

    def sample(self, day: date | str) -> Path:
        """The day's active users with the champions' features and scores."""
        return self.monitoring / "samples" / f"{day}.parquet"

    def reference(self, model: str, version: int) -> Path:
        """A champion version's rows over its last training days."""
        return self.monitoring / "reference" / f"{model}-v{version}.parquet"

    @property
    def workspace(self) -> Path:
        """The Evidently workspace (`evidently ui --workspace ...`)."""
        return self.monitoring / "workspace"

    @property
    def team(self) -> Path:
        """The throwaway team servers' data (`shoplens team up`): postgres/, redis/, mlflow/ and their logs."""
        return self.root / "team"

    @property
    def team_servers(self) -> Path:
        """The addresses and process ids of the running team servers (written by `shoplens team up`)."""
        return self.team / "servers.json"

    @property
    def spark(self) -> Path:
        """dbt and Feast on Spark (`shoplens spark build`): the warehouse folder, metastore, logs and Feast store."""
        return self.root / "spark"

    @property
    def spark_tables(self) -> Path:
        """The Spark-built marts, one parquet folder per table."""
        return self.spark / "warehouse" / "shoplens.db"

    @property
    def scenarios(self) -> Path:
        return self.root / "scenarios"
