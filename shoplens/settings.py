"""One typed settings object, built once from the environment and the CLI's flags.

Nothing reads the environment but `Settings.from_env`; everything else receives a Settings.
The variables (README, "Configuration"):

    SHOPLENS_DATA_DIR           ./data        where every artefact lives (see shoplens/paths.py)
    SHOPLENS_PROFILE            local         local: embedded stores; team: the servers below (README, "Team profile")
    SHOPLENS_POSTGRES_URL       team servers  postgresql://user@host:port (team: Dagster's storage, Feast's registry)
    SHOPLENS_SOURCE             the demo shop the source `dagster dev` lands (FORMAT:PATH)
    SHOPLENS_ONLINE_STORE       SQLite        redis://host:port for a Redis online store (team: required)
    SHOPLENS_PSEUDONYMISE_KEY   generated     the keyed hash of real user ids
    SHOPLENS_DBT_MEMORY_LIMIT   4.5GB         DuckDB's memory cap inside dbt
    SHOPLENS_LANDING_MEMORY_LIMIT 2GB         DuckDB's memory cap while landing a source
    MLFLOW_TRACKING_URI         SQLite        a team's MLflow server instead of data/mlflow (team: required)
    SHOPLENS_MLFLOW_UI          http://127.0.0.1:5000   where links to MLflow runs point
    SHOPLENS_EVIDENTLY_UI       http://127.0.0.1:8000   where links to Evidently reports point
    SHOPLENS_EVIDENTLY_URL      local workspace an Evidently UI service that stores the snapshots (team: required)
    SHOPLENS_API_KEYS           data/api.key  comma-separated keys of the serving API (else the key file)
    SHOPLENS_MODEL_POLL_SECONDS 30            how often the serving API checks the registry for new champions

Under the team profile an unset server variable takes the address `shoplens team up` recorded
in the data directory (the throwaway servers on 127.0.0.1).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from shoplens.paths import Paths

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

PROFILES = ("local", "team")
TEAM_SERVERS = {"postgres_url": "postgres", "online_store": "redis", "mlflow_tracking_uri": "mlflow",
                "evidently_url": "evidently"}  # field -> servers.json
TEAM_DATABASES = {"dagster": "shoplens_dagster", "feast": "shoplens_feast", "mlflow": "shoplens_mlflow",
                  "evidently": "shoplens_evidently"}

ENVIRONMENT = {  # field -> variable
    "data_dir": "SHOPLENS_DATA_DIR",
    "profile": "SHOPLENS_PROFILE",
    "postgres_url": "SHOPLENS_POSTGRES_URL",
    "source": "SHOPLENS_SOURCE",
    "online_store": "SHOPLENS_ONLINE_STORE",
    "pseudonymise_key": "SHOPLENS_PSEUDONYMISE_KEY",
    "dbt_memory_limit": "SHOPLENS_DBT_MEMORY_LIMIT",
    "landing_memory_limit": "SHOPLENS_LANDING_MEMORY_LIMIT",
    "mlflow_tracking_uri": "MLFLOW_TRACKING_URI",
    "mlflow_ui": "SHOPLENS_MLFLOW_UI",
    "evidently_ui": "SHOPLENS_EVIDENTLY_UI",
    "evidently_url": "SHOPLENS_EVIDENTLY_URL",
    "api_keys": "SHOPLENS_API_KEYS",
    "model_poll_seconds": "SHOPLENS_MODEL_POLL_SECONDS",
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = REPO_ROOT / "data"
    profile: str = "local"
    postgres_url: str | None = None  # postgresql://user@host:port; the team profile's databases live there
    source: str | None = None  # None: the simulated demo shop in the data directory
    online_store: str | None = None  # None: SQLite in the data directory
    pseudonymise_key: str | None = field(default=None, repr=False)
    dbt_memory_limit: str = "4.5GB"  # 11.4 M events build in 4,993 MiB (bench/README.md, Scale part 6)
    landing_memory_limit: str = "2GB"
    mlflow_tracking_uri: str | None = None  # None: SQLite in the data directory
    mlflow_ui: str = "http://127.0.0.1:5000"  # `shoplens ui mlflow` serves the local store there
    evidently_ui: str = "http://127.0.0.1:8000"  # `shoplens ui evidently` serves the workspace there
    evidently_url: str | None = None  # None: a local workspace in the data directory
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    model_poll_seconds: float = 30.0

    def __post_init__(self):
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser().resolve())
        if self.online_store and not self.online_store.startswith("redis://"):
            raise ValueError(f"SHOPLENS_ONLINE_STORE must be redis://host:port (or unset for SQLite), "
                             f"got {self.online_store!r}")
        if self.profile not in PROFILES:
            raise ValueError(f"SHOPLENS_PROFILE must be one of {', '.join(PROFILES)}, got {self.profile!r}")
        if self.team:
            missing = [ENVIRONMENT[name] for name in TEAM_SERVERS if not getattr(self, name)]
            if missing:
                raise ValueError(f"the team profile needs {', '.join(missing)}: set them, or start throwaway servers "
                                 f"with `make team-up` (they record themselves in {self.paths.team_servers})")
        if self.postgres_url:
            url = urlsplit(self.postgres_url)
            if url.scheme not in ("postgresql", "postgres") or not url.hostname or url.path not in ("", "/"):
                raise ValueError(f"SHOPLENS_POSTGRES_URL must be postgresql://user@host:port (a server; ShopLens "
                                 f"keeps its own databases there), got {self.postgres_url!r}")
            if url.password:
                raise ValueError("SHOPLENS_POSTGRES_URL must not hold a password (it would reach the config files "
                                 "ShopLens writes): libpq reads it from PGPASSWORD or ~/.pgpass")
        if not self.model_poll_seconds > 0:
            raise ValueError(f"SHOPLENS_MODEL_POLL_SECONDS must be more than 0, got {self.model_poll_seconds!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """The environment's settings (unset or empty variables keep the default), then `overrides`
        (the CLI's flags; None values are ignored)."""
        environ = os.environ if environ is None else environ
        values = {name: environ[var] for name, var in ENVIRONMENT.items() if environ.get(var)}
        if "api_keys" in values:
            values["api_keys"] = tuple(key.strip() for key in values["api_keys"].split(",") if key.strip())
        if "model_poll_seconds" in values:
            try:
                values["model_poll_seconds"] = float(values["model_poll_seconds"])
            except ValueError:
                raise ValueError(f"SHOPLENS_MODEL_POLL_SECONDS must be a number of seconds, got {values['model_poll_seconds']!r}") from None
        values |= {name: value for name, value in overrides.items() if value is not None}
        if values.get("profile") == "team":
            data_dir = Path(values.get("data_dir", cls.data_dir)).expanduser().resolve()
            values = {**recorded_team_servers(Paths(data_dir)), **values}
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @property
    def paths(self) -> Paths:
        return Paths(self.data_dir)

    @property
    def source_spec(self) -> str:
        return self.source or f"canonical:{self.paths.default_source}"

    @property
    def tracking_uri(self) -> str:
        """MLflow's tracking and registry store: the given server, else SQLite in the data directory."""
        return self.mlflow_tracking_uri or f"sqlite:///{self.paths.mlflow / 'mlflow.db'}"

    @property
    def local_mlflow(self) -> bool:
        return self.mlflow_tracking_uri is None

    @property
    def evidently_link(self) -> str:
        """Where links to Evidently reports point: the service that stores them, else the local UI."""
        return (self.evidently_url or self.evidently_ui).rstrip("/")

    @property
    def team(self) -> bool:
        return self.profile == "team"

    def database_url(self, component: str, driver: str = "") -> str:
        """The team database of `component` (dagster, feast, mlflow) on SHOPLENS_POSTGRES_URL; `driver` e.g.
        "psycopg" gives SQLAlchemy's postgresql+psycopg://."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        server = urlsplit(self.postgres_url)
        return f"{scheme}://{server.netloc}/{TEAM_DATABASES[component]}"

    def dbt_vars(self) -> dict[str, str]:
        """What dbt's profile and sources read (passed as --vars, never through the environment)."""
        return {"data_dir": str(self.data_dir), "memory_limit": self.dbt_memory_limit}

    def environment(self) -> dict[str, str]:
        """The variables that give a child process (`dagster dev`, the `feast` CLI) these settings."""
        values = {var: getattr(self, name) for name, var in ENVIRONMENT.items()}
        values[ENVIRONMENT["api_keys"]] = ",".join(self.api_keys)
        env = {var: str(value) for var, value in values.items() if value}
        return {**env, "DAGSTER_HOME": str(self.paths.dagster_home), "DO_NOT_TRACK": "1"}


def recorded_team_servers(paths: Paths) -> dict[str, str]:
    """The addresses `shoplens team up` recorded in the data directory, by settings field (none: {})."""
    if not paths.team_servers.exists():
        return {}
    recorded = json.loads(paths.team_servers.read_text())
    return {name: recorded[key] for name, key in TEAM_SERVERS.items() if recorded.get(key)}


def without_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less every variable the settings read, and DAGSTER_HOME: what a child process may
    inherit besides the settings handed to it (MLflow exports MLFLOW_TRACKING_URI once a URI is set)."""
    return {name: value for name, value in environ.items() if name not in {*ENVIRONMENT.values(), "DAGSTER_HOME"}}
