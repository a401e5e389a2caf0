"""MLFLOW_TRACKING_URI honoured: a team's MLflow server (a real `mlflow server` on 127.0.0.1)
keeps the runs, the registry and the promotion history; nothing goes to the data directory."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ml import tracking
from ml.catalogue import GATES
from ml.promotion import history, run_gate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow_server")
    port = _free_port()
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{root / 'server.db'}", "--artifacts-destination", str(root / "artifacts"),
         "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"mlflow server did not start:\n{(root / 'server.log').read_text()[-3000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_runs_registry_and_promotions_live_on_the_team_server(server, tmp_path, xgb_classifier, features, frame):
    from shoplens.settings import Settings

    settings = Settings.from_env({"SHOPLENS_DATA_DIR": str(tmp_path / "data"), "MLFLOW_TRACKING_URI": server})
    assert settings.tracking_uri == server and not settings.local_mlflow
    version = tracking.log_training_run(
        "churn", model=xgb_classifier, params={"seed": 7}, metrics={"test_roc_auc": 0.8}, plots={},
        input_example=features.head(5), training_data=frame, dataset_name="churn_training_set", label="label",
        tags={"dagster_run_id": "r1"}, settings=settings)
    metrics = {"nan_predictions": 0, "test_calibration_error": 0.01, "test_roc_auc": 0.8}
    outcome = run_gate("churn", settings, lambda model: metrics, GATES["churn"], margin=0.005,
                       max_calibration_error=0.15, who="test")
    assert outcome.promoted and tracking.version_by_alias("churn", "champion", settings) == version.version
    assert history("churn", settings)["promoted"].tolist() == [True]
    assert tracking.load_by_alias("churn", "champion", settings).predict_proba(features.head(3)).shape == (3, 2)
    assert not (tmp_path / "data").exists()  # the server holds it all
