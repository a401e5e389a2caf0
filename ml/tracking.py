"""MLflow tracking and registry of a data directory: experiments, training runs, aliases.

Everything MLflow keeps lives under `<data_dir>/mlflow`: the SQLite tracking and registry
store (`mlflow.db`), one artifact folder per model (`artifacts/<model>`) and the promotion
history (`promotions.parquet`, see ml/promotion.py). Models are addressed by aliases
(`models:/<name>@champion`, `@challenger`), never by stages.

mlflow is imported inside the functions (≈ 2-3 s): importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import pandas as pd

CHAMPION = "champion"
CHALLENGER = "challenger"
MODEL_ARTIFACT = "model"  # the name= the model is logged under in its run
PLOTS_DIR = "plots"
FLAVOR_TAG = "flavor"  # model version tag: which mlflow flavor loads it natively
FLAVORS = ("xgboost", "sklearn")
PRIMARY_METRICS = ("test_roc_auc", "test_wape")  # the promotion metric, when not named
REPO_ROOT = Path(__file__).resolve().parent.parent

Flavor = Literal["xgboost", "sklearn"]


@dataclass(frozen=True)
class TrainedVersion:
    """A logged training run and the registered model version it produced."""

    run_id: str
    version: int
    model_uri: str  # models:/<name>/<version>


def mlflow_dir(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / "mlflow"


def tracking_uri(data_dir: Path) -> str:
    """sqlite:////abs/<data_dir>/mlflow/mlflow.db (tracking and registry share it)."""
    return f"sqlite:///{mlflow_dir(data_dir) / 'mlflow.db'}"


def configure(data_dir: Path) -> str:
    """Point MLflow's tracking and registry at the data directory's SQLite store; return the URI."""
    import mlflow

    mlflow_dir(data_dir).mkdir(parents=True, exist_ok=True)
    uri = tracking_uri(data_dir)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def client(data_dir: Path):
    """An MlflowClient bound to the data directory's store (also sets the global URIs)."""
    from mlflow import MlflowClient

    uri = configure(data_dir)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def artifact_location(name: str, data_dir: Path) -> str:
    """file:// URI of a model's artifact folder: <data_dir>/mlflow/artifacts/<name>."""
    return (mlflow_dir(data_dir) / "artifacts" / name).as_uri()


def experiment(name: str, data_dir: Path) -> str:
    """Id of the model's experiment, created with an explicit artifact location if missing."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_ALREADY_EXISTS, ErrorCode

    mlc = client(data_dir)
    found = mlc.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return mlc.create_experiment(name, artifact_location=artifact_location(name, data_dir))
    except MlflowException as exc:  # another process created it in between
        if exc.error_code != ErrorCode.Name(RESOURCE_ALREADY_EXISTS):
            raise
        return mlc.get_experiment_by_name(name).experiment_id


def git_commit() -> str:
    """The repository's HEAD commit, or "unknown" outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def fingerprint(frame: pd.DataFrame) -> str:
    """Stable 16-hex-digit hash of a frame's content, index, column names and dtypes."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def pip_requirements(flavor: Flavor) -> list[str]:
    """Exact pins of what loading the model needs (given explicitly: inferring costs ≈ 5 s)."""

    def pin(*dists: str) -> str:
        for dist in dists:
            try:
                return f"{dist}=={metadata.version(dist)}"
            except metadata.PackageNotFoundError:
                continue
        raise RuntimeError(f"none of {dists} is installed")

    reqs = [pin("mlflow"), pin("numpy"), pin("pandas"), pin("scikit-learn")]
    if flavor == "xgboost":
        reqs.append(pin("xgboost-cpu", "xgboost"))
    return reqs


def _clean_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Metrics as floats, None, NaN and infinities dropped (MLflow would store them as values)."""
    clean = {}
    for key, value in metrics.items():
        if value is None:
            continue
        value = float(value)
        if not math.isfinite(value):
            continue
        clean[key] = value
    return clean


def _log_plots(plots: dict[str, Path]) -> None:
    """Log each plot under plots/, named after its key (the file's suffix kept)."""
    import mlflow

    if not plots:
        return
    with tempfile.TemporaryDirectory(prefix="shoplens_plots_") as tmp:
        for key, path in plots.items():
            path = Path(path)
            if not path.is_file():
                raise FileNotFoundError(f"plot {key!r}: {path} does not exist")
            name = key if key.endswith(path.suffix) else f"{key}{path.suffix}"
            shutil.copyfile(path, Path(tmp) / name)
        mlflow.log_artifacts(tmp, artifact_path=PLOTS_DIR)


def log_training_run(
    model_name: str,
    *,
    model,
    flavor: Flavor,
    params: dict[str, Any],
    metrics: dict[str, Any],
    plots: dict[str, Path],
    input_example: pd.DataFrame,
    tags: dict[str, Any],
    data_dir: Path,
    promotion_metric: str | None = None,
    who: str = "training",
) -> TrainedVersion:
    """Log one training run and register its model as a new version of `model_name`.

    The run (in the model's own experiment) holds params, metrics (None/NaN skipped), the
    plots under plots/, the lineage `tags` as given (None values dropped), and the model with
    a signature inferred from `input_example` and its predictions. The new version gets alias
    `challenger`; if the model has no `champion` yet it also becomes champion, recorded in the
    promotion history with reason "first model" and the score of `promotion_metric` (default:
    the first of PRIMARY_METRICS found in `metrics`).
    """
    import mlflow
    from mlflow.models import infer_signature

    if flavor not in FLAVORS:
        raise ValueError(f"flavor must be one of {FLAVORS}, got {flavor!r}")
    if flavor == "xgboost":
        import mlflow.xgboost

        log_model = mlflow.xgboost.log_model
    else:
        import mlflow.sklearn

        log_model = mlflow.sklearn.log_model

    tags = {key: str(value) for key, value in tags.items() if value is not None}
    experiment_id = experiment(model_name, data_dir)
    signature = infer_signature(input_example, model.predict(input_example))
    with mlflow.start_run(experiment_id=experiment_id, tags={**tags, FLAVOR_TAG: flavor}) as run:
        if params:
            mlflow.log_params(params)
        clean = _clean_metrics(metrics)
        if clean:
            mlflow.log_metrics(clean)
        _log_plots(plots)
        info = log_model(
            model,
            name=MODEL_ARTIFACT,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements(flavor),
            registered_model_name=model_name,
        )
        run_id = run.info.run_id
    version = int(info.registered_model_version)

    mlc = client(data_dir)
    for key, value in {**tags, FLAVOR_TAG: flavor, "run_id": run_id}.items():
        mlc.set_model_version_tag(model_name, str(version), key, value)
    mlc.set_registered_model_alias(model_name, CHALLENGER, str(version))
    if version_by_alias(model_name, CHAMPION, data_dir) is None:
        from ml.promotion import Decision, promote

        metric = promotion_metric or next((m for m in PRIMARY_METRICS if m in clean), None)
        first = Decision(
            promote=True,
            reasons=["first model: no champion yet"],
            challenger_score=clean.get(metric) if metric else None,
            champion_score=None,
            metric=metric,
        )
        promote(model_name, version, first, who=who, data_dir=data_dir)
    return TrainedVersion(run_id=run_id, version=version, model_uri=f"models:/{model_name}/{version}")


@dataclass(frozen=True)
class Champion:
    """The version a model's `champion` alias points at, with what monitoring compares against."""

    model_name: str
    version: int
    run_id: str
    trained_through: date  # the last day of data it was trained on
    metrics: dict[str, float]  # as logged at training time


def champion(model_name: str, data_dir: Path) -> Champion | None:
    """The model's champion, or None while it has none."""
    mlc = client(data_dir)
    number = version_by_alias(model_name, CHAMPION, data_dir)
    if number is None:
        return None
    version = mlc.get_model_version(model_name, str(number))
    through = version.tags.get("trained_through") or version.tags["data_window"].split("..")[-1]
    metrics = mlc.get_run(version.run_id).data.metrics
    return Champion(model_name, number, version.run_id, date.fromisoformat(through), metrics)


def version_by_alias(model_name: str, alias: str, data_dir: Path) -> int | None:
    """The version number the alias points at; None if the model or the alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return int(client(data_dir).get_model_version_by_alias(model_name, alias).version)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise


def load_by_alias(model_name: str, alias: str, data_dir: Path):
    """The native model (XGBClassifier, sklearn estimator...) the alias points at.

    Native, not pyfunc, so classifiers keep predict_proba. The flavor comes from the
    version's `flavor` tag, or from the logged MLmodel when the tag is missing.
    """
    import mlflow

    mlc = client(data_dir)
    version = mlc.get_model_version_by_alias(model_name, alias)
    uri = f"models:/{model_name}@{alias}"
    flavor = version.tags.get(FLAVOR_TAG)
    if flavor not in FLAVORS:
        flavors = mlflow.models.get_model_info(uri).flavors
        flavor = next((f for f in FLAVORS if f in flavors), None)
        if flavor is None:
            raise ValueError(f"{uri} has none of the flavors {FLAVORS}: {sorted(flavors)}")
    if flavor == "xgboost":
        import mlflow.xgboost

        return mlflow.xgboost.load_model(uri)
    import mlflow.sklearn

    return mlflow.sklearn.load_model(uri)
