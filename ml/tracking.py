"""MLflow tracking and registry of the settings: experiments, training runs, aliases.

By default everything MLflow keeps lives under the data directory's `mlflow/`: the SQLite
tracking and registry store (`mlflow.db`) and one artifact folder per model
(`artifacts/<model>`); with MLFLOW_TRACKING_URI a team's server keeps them. Models are
addressed by aliases (`models:/<name>@champion`, `@challenger`), never by stages.

mlflow is imported inside the functions (≈ 2-3 s): importing this module is cheap.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from shoplens.settings import Settings

CHAMPION = "champion"
CHALLENGER = "challenger"
MODEL_ARTIFACT = "model"  # the name= the model is logged under in its run
PLOTS_DIR = "plots"
FLAVOR_TAG = "flavor"  # model version tag: which mlflow flavor loads it natively
FLAVORS = ("xgboost", "sklearn", "pyfunc")
REPO_ROOT = Path(__file__).resolve().parent.parent

Flavor = Literal["xgboost", "sklearn", "pyfunc"]


@dataclass(frozen=True)
class TrainedVersion:
    """A logged training run and the registered model version it produced."""

    run_id: str
    version: int
    model_uri: str  # models:/<name>/<version>


def configure(settings: Settings) -> str:
    """Point MLflow's tracking and registry at the settings' store; return the URI."""
    import mlflow

    if settings.local_mlflow:
        settings.paths.mlflow.mkdir(parents=True, exist_ok=True)
    uri = settings.tracking_uri
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def client(settings: Settings):
    """An MlflowClient bound to the settings' store (also sets the global URIs)."""
    configure(settings)
    return bound_client(settings)


def bound_client(settings: Settings):
    """An MlflowClient bound to the settings' store, leaving MLflow's global URIs alone (for background threads)."""
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)


def artifact_location(name: str, settings: Settings) -> str | None:
    """file:// URI of a model's artifact folder in the local store (a server chooses its own)."""
    return (settings.paths.mlflow / "artifacts" / name).as_uri() if settings.local_mlflow else None


def experiment(name: str, settings: Settings) -> str:
    """Id of the model's experiment, created with an explicit artifact location if missing."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_ALREADY_EXISTS, ErrorCode

    mlc = client(settings)
    found = mlc.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return mlc.create_experiment(name, artifact_location=artifact_location(name, settings))
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


def _is_xgboost(model) -> bool:
    return type(model).__module__.startswith("xgboost")


def _is_python_model(model) -> bool:
    return any(cls.__name__ == "PythonModel" and cls.__module__.startswith("mlflow") for cls in type(model).__mro__)


def flavor_of(model) -> Flavor:
    """How a model is logged: classifiers with the sklearn flavor, whose pyfunc scores with predict_proba
    (the xgboost flavor's pyfunc always predicts classes); XGBoost regressors natively; our own
    mlflow.pyfunc.PythonModel (the recommender) as pyfunc; anything else as sklearn."""
    if _is_python_model(model):
        return "pyfunc"
    return "xgboost" if _is_xgboost(model) and not hasattr(model, "predict_proba") else "sklearn"


def pip_requirements(model) -> list[str]:
    """Exact pins of what loading the model needs (given explicitly: inferring costs ≈ 5 s)."""

    def pin(*dists: str) -> str:
        for dist in dists:
            try:
                return f"{dist}=={metadata.version(dist)}"
            except metadata.PackageNotFoundError:
                continue
        raise RuntimeError(f"none of {dists} is installed")

    reqs = [pin("mlflow"), pin("numpy"), pin("pandas"), pin("scikit-learn")]
    if flavor_of(model) == "sklearn":
        reqs.append(pin("skops"))  # the sklearn flavor's serialization
    if _is_xgboost(model) or flavor_of(model) == "pyfunc":
        reqs.append(pin("xgboost-cpu", "xgboost"))
    if flavor_of(model) == "pyfunc":
        reqs += [pin("implicit"), pin("scipy"), pin("threadpoolctl")]
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
    params: dict[str, Any],
    metrics: dict[str, Any],
    plots: dict[str, Path],
    input_example: pd.DataFrame,
    training_data: pd.DataFrame,
    dataset_name: str,
    label: str | None,
    tags: dict[str, Any],
    settings: Settings,
    experiment_name: str | None = None,
) -> TrainedVersion:
    """Log one training run and register its model as a new version of `model_name`, the `challenger`.

    The run (in the model's own experiment, or `experiment_name`) holds params, metrics (None/NaN skipped), the plots under
    plots/, the lineage `tags` as given (None values dropped), `training_data` as an mlflow.data
    dataset named `dataset_name` (digest and schema; `label` its target), and the model with a
    signature inferred from `input_example` and its scores: through pyfunc a classifier gives
    probabilities (predict_proba), a regressor its predictions. Whether it becomes champion is the
    promotion gate's decision (ml.promotion.run_gate), the first model's included.
    """
    import mlflow
    import mlflow.data
    from mlflow.models import infer_signature

    flavor = flavor_of(model)
    predict_fn = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    predict = getattr(model, predict_fn)
    if flavor == "pyfunc":
        import mlflow.pyfunc

        def log_model(python_model, **kwargs):
            return mlflow.pyfunc.log_model(python_model=python_model, **kwargs)

        predict = partial(model.predict, None)
    elif flavor == "xgboost":
        import mlflow.xgboost

        log_model = mlflow.xgboost.log_model
    else:
        import mlflow.sklearn

        # skops (the safe serialization) trusts sklearn's types; an XGBoost classifier's are named
        trusted = [f"{type(model).__module__}.{type(model).__qualname__}", "xgboost.core.Booster"]
        log_model = partial(mlflow.sklearn.log_model, pyfunc_predict_fn=predict_fn,
                            skops_trusted_types=trusted if _is_xgboost(model) else None)

    tags = {key: str(value) for key, value in tags.items() if value is not None}
    experiment_id = experiment(experiment_name or model_name, settings)
    signature = infer_signature(input_example, predict(input_example))
    with mlflow.start_run(experiment_id=experiment_id, tags={**tags, FLAVOR_TAG: flavor}) as run:
        if params:
            mlflow.log_params(params)
        clean = _clean_metrics(metrics)
        if clean:
            mlflow.log_metrics(clean)
        _log_plots(plots)
        mlflow.log_input(mlflow.data.from_pandas(training_data, name=dataset_name, targets=label), context="training")
        info = log_model(
            model,
            name=MODEL_ARTIFACT,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements(model),
            registered_model_name=model_name,
        )
        run_id = run.info.run_id
    version = int(info.registered_model_version)

    mlc = client(settings)
    for key, value in {**tags, FLAVOR_TAG: flavor, "run_id": run_id}.items():
        mlc.set_model_version_tag(model_name, str(version), key, value)
    mlc.set_registered_model_alias(model_name, CHALLENGER, str(version))
    return TrainedVersion(run_id=run_id, version=version, model_uri=f"models:/{model_name}/{version}")


@dataclass(frozen=True)
class Champion:
    """The version a model's `champion` alias points at, with what monitoring compares against."""

    model_name: str
    version: int
    run_id: str
    trained_through: date  # the last day of data it was trained on
    metrics: dict[str, float]  # as logged at training time


def champion(model_name: str, settings: Settings) -> Champion | None:
    """The model's champion, or None while it has none."""
    mlc = client(settings)
    number = version_by_alias(model_name, CHAMPION, settings)
    if number is None:
        return None
    version = mlc.get_model_version(model_name, str(number))
    through = version.tags.get("trained_through") or version.tags["data_window"].split("..")[-1]
    metrics = mlc.get_run(version.run_id).data.metrics
    return Champion(model_name, number, version.run_id, date.fromisoformat(through), metrics)


def version_by_alias(model_name: str, alias: str, settings: Settings, mlc=None) -> int | None:
    """The version number the alias points at; None if the model or the alias does not exist (`mlc`: the client
    to ask, default `client(settings)`)."""
    from mlflow.exceptions import MlflowException

    try:
        return int((mlc or client(settings)).get_model_version_by_alias(model_name, alias).version)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise


def load_by_alias(model_name: str, alias: str, settings: Settings):
    """The native model (XGBClassifier, sklearn estimator, our PythonModel...) the alias points at."""
    return load_version(model_name, int(client(settings).get_model_version_by_alias(model_name, alias).version), settings)


def load_version(model_name: str, version: int, settings: Settings):
    """The native model of one registered version (what a server that must name the version it uses loads).

    Native, not the pyfunc wrapper, so classifiers keep predict_proba. The flavor comes from the
    version's `flavor` tag, or from the logged MLmodel when the tag is missing.
    """
    import mlflow

    uri = f"models:/{model_name}/{version}"
    flavor = client(settings).get_model_version(model_name, str(version)).tags.get(FLAVOR_TAG)
    if flavor not in FLAVORS:
        flavors = mlflow.models.get_model_info(uri).flavors
        flavor = next((f for f in FLAVORS if f in flavors), None)
        if flavor is None:
            raise ValueError(f"{uri} has none of the flavors {FLAVORS}: {sorted(flavors)}")
    if flavor == "xgboost":
        import mlflow.xgboost

        return mlflow.xgboost.load_model(uri)
    if flavor == "pyfunc":
        import mlflow.pyfunc

        return mlflow.pyfunc.load_model(uri).unwrap_python_model()
    import mlflow.sklearn

    return mlflow.sklearn.load_model(uri)
