"""Where reports live: HTML and a JSON summary per day, and an Evidently workspace for the trend.

    <root>/reports/<day>/<name>.html   the Evidently report, opened by on-call
    <root>/reports/<day>/<name>.json   the figures the policy and Dagster read
    <root>/workspace                   `evidently ui --workspace <root>/workspace`, one
                                       snapshot per day and report (a rerun replaces it)

Under the team profile the snapshots go to an Evidently UI service on SQL storage instead
(`shoplens team up` starts one on PostgreSQL), named "<day> <report>" there too.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

PROJECT = "ShopLens monitoring"


def report_paths(root: Path, day: str, name: str) -> tuple[Path, Path]:
    folder = root / "reports" / day
    return folder / f"{name}.html", folder / f"{name}.json"


def save_summary(root: Path, day: str, name: str, summary: dict) -> Path:
    """Write a JSON summary for `day`, replacing an earlier run's."""
    _, path = report_paths(root, day, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"day": day, "report": name, **summary}, indent=2, default=str))
    return path


def save_report(root: Path, day: str, name: str, snapshot, summary: dict) -> tuple[Path, Path]:
    """Write the report's HTML and its JSON summary for `day`, replacing an earlier run's."""
    html, _ = report_paths(root, day, name)
    html.parent.mkdir(parents=True, exist_ok=True)
    snapshot.save_html(str(html))
    return html, save_summary(root, day, name, summary)


def load_summary(root: Path, day: str, name: str) -> dict | None:
    """A report's JSON summary for `day`, or None when it was not written."""
    _, path = report_paths(root, day, name)
    return json.loads(path.read_text()) if path.exists() else None


def _dashboard(project) -> None:
    from evidently.sdk.models import PanelMetric
    from evidently.sdk.panels import line_plot_panel

    project.dashboard.add_panel(line_plot_panel(
        "Share of drifted features",
        values=[PanelMetric(legend="share", metric="DriftedColumnsCount", metric_labels={"value_type": "share"},
                            tags=["feature_drift"])],
    ))
    project.dashboard.add_panel(line_plot_panel(
        "Drifted champion scores",
        values=[PanelMetric(legend="count", metric="DriftedColumnsCount", metric_labels={"value_type": "count"},
                            tags=["prediction_drift"])],
    ))


@cache
def _project(location: str):
    """The workspace (a folder, or the URL of an Evidently UI service) and its project, opened once per
    process: opening a local workspace parses every stored snapshot."""
    from evidently.ui.workspace import RemoteWorkspace, Workspace

    workspace = RemoteWorkspace(location) if location.startswith("http") else Workspace.create(location)
    projects = workspace.search_project(PROJECT)
    if projects:
        return workspace, projects[0]
    project = workspace.create_project(PROJECT, description="Daily drift and performance of the ShopLens champions")
    _dashboard(project)
    return workspace, project


def add_snapshot(root: Path, day: str, name: str, snapshot, server: str | None = None) -> str:
    """Add the snapshot, named "<day> <name>", to the project (created with its dashboard on first use)
    in the local workspace under `root` or on the Evidently UI service `server`, replacing the one an
    earlier run added for the same day and report; returns its path in the Evidently UI
    (`/projects/<project>/reports/<snapshot>`)."""
    key = f"{day} {name}"
    if server:
        workspace, project = _project(server.rstrip("/"))
        for snapshot_id in _remote_snapshots(server, project.id, key):
            _request(server, f"/api/projects/{project.id}/{snapshot_id}", "DELETE")
        added = workspace.add_run(project.id, snapshot, include_data=False, name=key).id
        return f"/projects/{project.id}/reports/{added}"
    workspace, project = _project(str(root / "workspace"))
    index_path = root / "workspace" / "shoplens_index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    indexed = f"{day}/{name}"
    if indexed in index:
        workspace.delete_run(project.id, index[indexed])
    index[indexed] = str(workspace.add_run(project.id, snapshot, include_data=False, name=key).id)
    index_path.write_text(json.dumps(index, indent=1))
    return f"/projects/{project.id}/reports/{index[indexed]}"


def _request(server: str, path: str, method: str = "GET"):
    """One call to the service's REST API (RemoteWorkspace 0.7.23 lists and deletes no snapshots,
    though the service has both routes)."""
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(server.rstrip("/") + path, method=method), timeout=60) as reply:
        body = reply.read()
    return json.loads(body) if body else None


def _remote_snapshots(server: str, project_id, key: str) -> list[str]:
    """The ids of the project's snapshots named `key` on the service."""
    return [report["id"] for report in _request(server, f"/api/projects/{project_id}/reports") if report["name"] == key]
