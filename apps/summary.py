"""The closing summary of `shoplens run` / `demo`: what landed, how good the models are, what
monitoring decided, what was not done and why, and how to open each UI."""

from __future__ import annotations

from apps.materialize import Outcome
from shoplens.settings import REPO_ROOT, Settings

MAKE_TARGETS = {"dagster": "make dev", "mlflow": "make mlflow", "evidently": "make evidently", "feast": "make feast-ui"}


def _model_line(name: str, meta: dict) -> str:
    if not meta or meta.get("trained") is False:
        return f"    {name:<20} not trained: {meta.get('reason', 'no run')}"
    if "recall_at_20" in meta:
        oracle = meta.get("oracle_recall_ratio")
        return f"    {name:<20} recall@20 {meta['recall_at_20']:.3f} (best single method {meta['best_single_recall_at_20']:.3f}" + (
            f", {oracle:.1%} of the oracle's)" if oracle is not None else ")")
    if "holdout_mae" in meta:
        oracle = meta.get("oracle_correlation")
        return (f"    {name:<20} holdout MAE {meta['holdout_mae']:.3f} purchase days (same-rate baseline "
                f"{meta['baseline_holdout_mae']:.3f}), RMSE {meta['holdout_rmse']:.3f} ({meta['baseline_holdout_rmse']:.3f})"
                + (f", oracle correlation {oracle:.2f}" if oracle is not None else ""))
    if "test_macro_f1" in meta:
        vader = meta.get("vader_test_macro_f1")
        return (f"    {name:<20} test macro-F1 {meta['test_macro_f1']:.3f} ({meta['language']} reviews; VADER "
                + (f"{vader:.3f}" if vader is not None else "not applicable") + f", majority {meta['majority_test_macro_f1']:.3f})")
    if "detector" in meta:
        judged = (f", test PR AUC {meta['test_pr_auc']:.3f}, precision@{meta['k']:.0f} {meta['test_precision_at_k']:.3f} "
                  "against the labelled bots" if "test_pr_auc" in meta else f" ({meta['notes']})")
        return f"    {name:<20} {meta['detector']} detector flags {meta['flagged_share']:.1%} of sessions{judged}"
    if "silhouette" in meta:
        ari = meta.get("ari_vs_truth")
        return (f"    {name:<20} {meta['k']:.0f} segments, silhouette {meta['silhouette']:.2f}"
                + (f", ARI vs the true user types {ari:.2f}" if ari is not None else ""))
    if "test_wape" in meta:
        baseline = meta.get("baseline_seasonal_naive_test_wape")
        return f"    {name:<20} test WAPE {meta['test_wape']:.3f}" + (
            f" (seasonal-naive baseline {baseline:.3f})" if baseline is not None else "")
    if "test_roc_auc" not in meta:
        return f"    {name:<20} no test WAPE: {meta.get('metric_notes', 'no units sold in the test weeks')}"
    oracle = meta.get("oracle_auc_ratio")
    return f"    {name:<20} test ROC AUC {meta['test_roc_auc']:.3f}" + (
        f" ({oracle:.1%} of the oracle's)" if oracle is not None else "")


def ui_urls(settings: Settings) -> dict[str, str]:
    """Where each UI is served on this machine (`shoplens ui NAME` listens on its port)."""
    return {"dagster": "http://127.0.0.1:3000", "mlflow": settings.mlflow_ui, "evidently": settings.evidently_link,
            "feast": "http://127.0.0.1:8888"}


def _ui_lines(settings: Settings) -> list[str]:
    default = settings.data_dir == REPO_ROOT / "data"
    urls = ui_urls(settings)
    command = (lambda name: MAKE_TARGETS[name]) if default else (
        lambda name: f"shoplens --data-dir {settings.data_dir} ui {name}")
    serve = "make serve" if default else f"shoplens --data-dir {settings.data_dir} serve"
    return [*(f"    {name:<10} {url:<23} {command(name)}" for name, url in urls.items()),
            f"    {'api':<10} {'http://127.0.0.1:8080':<23} {serve}   (the serving API; its page: /docs)"]


def summary(outcome: Outcome, settings: Settings) -> str:
    land = outcome.landing
    lines = [
        f"done in {outcome.seconds:.0f} s: {outcome.assets} assets, {outcome.checks[0]}/{outcome.checks[1]} checks passed",
        f"  rows: {land['rows_read']:,} read, {land['rows_events']:,} events landed, {land['quarantined_rows']:,} "
        f"quarantined ({land['event_days']} days, {land['first_day']}..{land['last_day']})",
        "  models:",
        *(_model_line(name, meta) for name, meta in outcome.models.items()),
    ]
    if outcome.monitored_day:
        decision = "RETRAIN" if outcome.retrain else "no retraining needed"
        lines.append(f"  drift on {outcome.monitored_day}: {decision}"
                     + (f" ({outcome.retrain_reasons.replace(chr(10), ' ')})" if outcome.retrain else ""))
    if outcome.not_done:
        lines += ["  not done, and why:", *(f"    - {note}" for note in outcome.not_done)]
    lines += ["  open the UIs:", *_ui_lines(settings),
              f"  warehouse: {settings.paths.warehouse}", f"  log: {settings.paths.log_file}"]
    return "\n".join(lines)
