"""Throwaway team servers on 127.0.0.1: PostgreSQL, Redis, an MLflow tracking server and an Evidently UI
service on PostgreSQL (`shoplens team up|down`).

Their data lives under the data directory's team/; `up` records their addresses in team/servers.json,
which the team profile reads for every server variable left unset. A real team points
SHOPLENS_POSTGRES_URL, SHOPLENS_ONLINE_STORE, MLFLOW_TRACKING_URI and SHOPLENS_EVIDENTLY_URL at its own
servers instead.
The servers have no passwords: they listen on 127.0.0.1 only, for one machine's trial.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from shoplens.settings import TEAM_DATABASES, Settings

USER = "shoplens"
HTTP_SERVICES = ("mlflow", "evidently")
SERVERS = ("postgres", "redis", *HTTP_SERVICES)
START_TIMEOUT_S = 90


class TeamError(RuntimeError):
    """A server could not be installed, started or reached (the message says which and why)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, ready, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
            raise TeamError(f"{what} did not start in {START_TIMEOUT_S} s; its log {log} ends:\n{tail}")
        time.sleep(0.2)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.waitpid(pid, os.WNOHANG)  # reaps it when it is our own exited child
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _terminate(pid: int) -> None:
    """SIGTERM to the process, or to its whole group when it leads one (mlflow's workers)."""
    if os.getpgid(pid) == pid:
        os.killpg(pid, signal.SIGTERM)
    else:
        os.kill(pid, signal.SIGTERM)


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on the PATH, else Debian's newest /usr/lib/postgresql/<version>/bin."""
    if found := shutil.which("initdb"):
        return Path(found).resolve().parent
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return debian[-1].parent if debian else None


class _Postgres:
    """A cluster made by initdb and run by pg_ctl; as root, run as the `postgres` user (it refuses root)."""

    def __init__(self, root: Path):
        self.root, self.cluster, self.log = root, root / "postgres", root / "postgres.log"
        self.bin = postgres_bin()
        if not self.bin:
            raise TeamError("PostgreSQL's server is not installed: apt-get install postgresql (Debian)")
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True)
        if done.returncode:
            raise TeamError(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-1500:]}")

    def start(self, port: int) -> int:
        """Start the cluster (made on first use) with ShopLens' databases; returns the postmaster's pid."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_user:  # the postgres user must own the cluster and reach it
            self.root.chmod(0o755)
            shutil.chown(self.root, user="postgres")
            if subprocess.run([*self.as_user, "test", "-w", str(self.root)]).returncode:
                raise TeamError(f"user postgres cannot reach {self.root} (PostgreSQL refuses to run as root): "
                                f"choose a data directory every user can traverse")
        if not (self.cluster / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.cluster), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.cluster), "-l", str(self.log), "-w", "-t", str(START_TIMEOUT_S),
                  "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {self.root}", "start")
        for database in TEAM_DATABASES.values():
            self._create_database(port, database)
        return int((self.cluster / "postmaster.pid").read_text().split()[0])

    def _create_database(self, port: int, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres", autocommit=True) as con:
            if not con.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
                con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))

    def running(self) -> bool:
        return (self.cluster / "PG_VERSION").exists() and subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.cluster), "status"], capture_output=True).returncode == 0

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.cluster), "-m", "fast", "-w", "stop")


def _start_redis(root: Path, port: int) -> int:
    if not shutil.which("redis-server"):
        raise TeamError("redis-server is not installed: apt-get install redis-server (Debian)")
    folder, log = root / "redis", root / "redis.log"
    folder.mkdir(parents=True, exist_ok=True)
    pidfile = folder / "redis.pid"
    subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
                    "--daemonize", "yes", "--pidfile", str(pidfile), "--logfile", str(log), "--save", "",
                    "--appendonly", "yes"], check=True)

    def ready() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    _wait("redis-server", ready, log)
    return int(pidfile.read_text())


def _start_service(root: Path, name: str, command: list[str], port: int, health: str, env: dict | None = None) -> int:
    """A Python web service from the venv, in its own process group, logging to team/<name>.log;
    returns its pid once http://127.0.0.1:<port><health> answers."""
    log = root / f"{name}.log"
    with log.open("a") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / command[0]), *command[1:]], stdout=out,
                                   stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True)

    def ready() -> bool:
        if process.poll() is not None:
            raise TeamError(f"{name} exited ({process.returncode}); its log {log} ends:\n"
                            f"{log.read_text(errors='replace')[-2000:]}")
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=1).status == 200
        except OSError:
            return False

    _wait(name, ready, log)
    return process.pid


def _start_mlflow(root: Path, port: int, backend: str) -> int:
    """`mlflow server` on a PostgreSQL backend, artifacts proxied from a folder; one worker, no job runner
    (the defaults start 13 processes in 2.7 GB)."""
    (root / "mlflow").mkdir(parents=True, exist_ok=True)
    command = ["mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--backend-store-uri", backend,
               "--artifacts-destination", str(root / "mlflow" / "artifacts"), "--workers", "1"]
    return _start_service(root, "mlflow", command, port, "/health", {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})


def _start_evidently(root: Path, port: int, database: str) -> int:
    """`evidently ui` with its SQL storage (projects, snapshots and their points in PostgreSQL), so
    adding a day's snapshot does not re-read the earlier ones as a workspace folder does."""
    conf = root / "evidently.yaml"
    conf.write_text(f"storage:\n  type: sql\ndatabase:\n  url: {json.dumps(database)}\n")
    command = ["evidently", "ui", "--host", "127.0.0.1", "--port", str(port), "--conf-path", str(conf)]
    return _start_service(root, "evidently", command, port, "/api/version")


def recorded(settings: Settings) -> dict | None:
    """What `up` recorded, while its servers still run (else None)."""
    path = settings.paths.team_servers
    if not path.exists():
        return None
    servers = json.loads(path.read_text())
    return servers if all(_alive(pid) for pid in servers["pids"].values()) else None


def up(settings: Settings) -> dict:
    """Start the four servers (or find them running); returns what servers.json records, start-up seconds included."""
    if running := recorded(settings):
        return {**running, "already_running": True}
    root = settings.paths.team
    down(settings)  # whatever is left of an earlier start
    ports = {name: _free_port() for name in SERVERS}
    url = f"postgresql://{USER}@127.0.0.1:{ports['postgres']}"
    on_postgres = settings.with_(postgres_url=url)
    seconds, pids = {}, {}
    for name, start in (("postgres", lambda: _Postgres(root).start(ports["postgres"])),
                        ("redis", lambda: _start_redis(root, ports["redis"])),
                        ("mlflow", lambda: _start_mlflow(root, ports["mlflow"], on_postgres.database_url("mlflow", "psycopg2"))),
                        ("evidently", lambda: _start_evidently(root, ports["evidently"],
                                                               on_postgres.database_url("evidently", "psycopg")))):
        started = time.perf_counter()
        pids[name] = start()
        seconds[name] = round(time.perf_counter() - started, 2)
    servers = {"postgres": url, "redis": f"redis://127.0.0.1:{ports['redis']}",
               **{name: f"http://127.0.0.1:{ports[name]}" for name in HTTP_SERVICES},
               "pids": pids, "start_seconds": seconds}
    settings.paths.team_servers.write_text(json.dumps(servers, indent=2) + "\n")
    return servers


def down(settings: Settings) -> list[str]:
    """Stop the servers `up` started (their data stays for the next `up`); returns the ones stopped."""
    path, stopped = settings.paths.team_servers, []
    pids = json.loads(path.read_text())["pids"] if path.exists() else {}
    for name in (*HTTP_SERVICES, "redis"):
        if _alive(pids.get(name)):
            _terminate(pids[name])
            stopped.append(name)
    if (settings.paths.team / "postgres").exists() and (postgres := _Postgres(settings.paths.team)).running():
        postgres.stop()
        stopped.append("postgres")
    for name in (*HTTP_SERVICES, "redis"):
        deadline = time.monotonic() + 30
        while _alive(pids.get(name)) and time.monotonic() < deadline:
            time.sleep(0.1)
    path.unlink(missing_ok=True)
    return stopped
