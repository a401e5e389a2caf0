"""Benchmark the serving API over HTTP on 127.0.0.1, beside the bare Feast read and the bare model call.

    python bench/bench_serving.py                      # builds the default shop (`shoplens demo`) in a temp dir
    python bench/bench_serving.py --data-dir data      # or serves a data directory already materialized

`shoplens serve` (uvicorn, 1 worker) is started on a free port; httpx clients with keep-alive send, at 1 and
at 8 concurrent clients, REQUESTS requests each of: `POST /score` with 1 user, with 100 users, and
`GET /users/{id}/recommendations?k=10` (users drawn from `user_scores`, seeded). Per case: p50 / p99 latency,
throughput, errors (non-200). The yardsticks, measured in the same run in the bench process while the server
idles: Feast's `get_online_features` of the propensity service for 1 and 100 users, the XGBoost champion's
`predict_proba` on one row (a DataFrame, as the batch asset calls it), and our `OnlineReader` for 1 and 100.
Results go to bench/results/serving.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from stages import append_result

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REQUESTS = 1200  # per case and concurrency
YARDSTICK_CALLS = 1000
KEY = "bench-key"


def _percentiles(seconds: list[float]) -> dict:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}


def _timed(call, n: int) -> dict:
    times = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - started)
    return _percentiles(times)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(data_dir: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from shoplens.settings import Settings, without_settings

    return {**without_settings(os.environ), **Settings(data_dir=data_dir, api_keys=(KEY,)).environment()}


def _serve(data_dir: Path, port: int) -> subprocess.Popen:
    import httpx

    server = subprocess.Popen([str(BIN / "shoplens"), "--data-dir", str(data_dir), "serve", "--port", str(port)],
                              env=_environment(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            sys.exit(f"shoplens serve exited:\n{server.stderr.read()[-3000:]}")
        time.sleep(0.5)
    server.terminate()
    sys.exit("shoplens serve was not ready in 150 s")


def _load(url: str, requests: list[tuple[str, str, dict | None]], clients: int) -> dict:
    """Send `requests` from `clients` threads (each its own keep-alive connection): latency, throughput, errors."""
    import httpx

    times, errors, lock = [], [], threading.Lock()
    share = [requests[i::clients] for i in range(clients)]

    def client(mine):
        with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=30) as http:
            for method, path, body in mine:
                started = time.perf_counter()
                response = http.request(method, path, json=body)
                elapsed = time.perf_counter() - started
                with lock:
                    times.append(elapsed)
                    if response.status_code != 200:
                        errors.append(response.status_code)

    threads = [threading.Thread(target=client, args=(mine,)) for mine in share]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {**_percentiles(times), "requests": len(times), "throughput_rps": round(len(times) / wall, 1), "errors": len(errors)}


def _yardsticks(data_dir: Path, users: list[str]) -> dict:
    import warnings

    warnings.filterwarnings("ignore", message="sqlglot")
    from ml.feature_store import OnlineReader, online_features, open_store
    from ml.holdout import model_features
    from ml.tracking import configure, load_by_alias
    from serving.scoring import USER_SERVICES
    from shoplens.settings import Settings

    settings = Settings(data_dir=data_dir)
    configure(settings)
    store = open_store(settings)
    model = load_by_alias("purchase_propensity", "champion", settings)
    reader = OnlineReader(store, USER_SERVICES, "user_id")
    hundred = users[:100]
    row = online_features(store, users[:1], "purchase_propensity_v2")[model_features(model)].astype(float)
    return {
        "feast_get_online_features_1": _timed(lambda i: online_features(store, [users[i % len(users)]], "purchase_propensity_v2"),
                                              YARDSTICK_CALLS),
        "feast_get_online_features_100": _timed(lambda i: online_features(store, hundred, "purchase_propensity_v2"), 100),
        "model_predict_proba_1_row": _timed(lambda i: model.predict_proba(row), YARDSTICK_CALLS),
        "online_reader_1": _timed(lambda i: reader.read([users[i % len(users)]]), YARDSTICK_CALLS),
        "online_reader_100": _timed(lambda i: reader.read(hundred), 100),
    }


def _users(data_dir: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        users = [u for (u,) in con.execute("select user_id from user_scores").fetchall()]
    return list(np.random.default_rng(0).permutation(users))


def run(data_dir: Path) -> dict:
    users = _users(data_dir)
    rng = np.random.default_rng(1)
    cases = {
        "score_1_user": lambda: ("POST", "/score", {"user_ids": [users[rng.integers(len(users))]]}),
        "score_100_users": lambda: ("POST", "/score", {"user_ids": list(rng.choice(users, 100, replace=False))}),
        "recommendations_1_user": lambda: ("GET", f"/users/{users[rng.integers(len(users))]}/recommendations?k=10", None),
    }
    result = {"bench": "serving", "users_scored_in_batch": len(users), "cpus": os.cpu_count(),
              "python": platform.python_version(), "requests_per_case": REQUESTS,
              "yardsticks": _yardsticks(data_dir, users)}
    port = _free_port()
    server = _serve(data_dir, port)
    try:
        url = f"http://127.0.0.1:{port}"
        _load(url, [cases["score_1_user"]() for _ in range(100)], 1)  # warm-up
        for name, make in cases.items():
            for clients in (1, 8):
                result[f"{name}_{clients}_clients"] = _load(url, [make() for _ in range(REQUESTS)], clients)
                print(name, clients, result[f"{name}_{clients}_clients"], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    yard = result["yardsticks"]
    result["score_1_user_goal_p99_ms"] = round(2 * (yard["feast_get_online_features_1"]["p99_ms"]
                                                    + yard["model_predict_proba_1_row"]["p99_ms"]), 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a materialized data directory (default: build the demo shop)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_serving_") as tmp:
        data_dir = args.data_dir.resolve() if args.data_dir else Path(tmp) / "data"
        if not args.data_dir:
            built = subprocess.run([str(BIN / "shoplens"), "--data-dir", str(data_dir), "demo"], env=_environment(data_dir),
                                   capture_output=True, text=True)
            if built.returncode:
                sys.exit(f"shoplens demo failed:\n{built.stdout[-2000:]}{built.stderr[-2000:]}")
        result = run(data_dir)
    print(json.dumps(result["yardsticks"], indent=1))
    append_result("serving", result)


if __name__ == "__main__":
    main()
