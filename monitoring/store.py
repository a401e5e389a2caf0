"""Where reports live: HTML and a JSON summary per day, and an Evidently workspace for the trend.

    <root>/reports/<day>/<name>.html   the Evidently report, opened by on-call
    <root>/reports/<day>/<name>.json   the figures the policy and Dagster read
    <root>/workspace                   `evidently ui --workspace <root>/workspace`, one
                                       snapshot per day and report (a rerun replaces it)
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
def _project(path: str):
    """The workspace and its project, opened once per process: opening parses every stored snapshot."""
    from evidently.ui.workspace import Workspace

    workspace = Workspace.create(path)
    projects = workspace.search_project(PROJECT)
    if projects:
        return workspace, projects[0]
    project = workspace.create_project(PROJECT, description="Daily drift and performance of the ShopLens champions")
    _dashboard(project)
    return workspace, project


def add_snapshot(root: Path, day: str, name: str, snapshot) -> str:
    """Add the snapshot to the workspace's project (created with its dashboard on first use),
    replacing the one an earlier run added for the same day and report; returns its path in the
    Evidently UI (`/projects/<project>/reports/<snapshot>`)."""
    workspace, project = _project(str(root / "workspace"))
    index_path = root / "workspace" / "shoplens_index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    key = f"{day}/{name}"
    if key in index:
        workspace.delete_run(project.id, index[key])
    index[key] = str(workspace.add_run(project.id, snapshot, include_data=False).id)
    index_path.write_text(json.dumps(index, indent=1))
    return f"/projects/{project.id}/reports/{index[key]}"
