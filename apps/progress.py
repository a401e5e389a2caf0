"""A one-line ticker of the steps a run has finished, on a terminal only (a log never sees it)."""

import logging
import sys
import time

import dagster as dg
from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata


class StepTicker(logging.Handler):
    """Rewrites one terminal line as each step of the running job succeeds."""

    def __init__(self, stream):
        super().__init__(logging.DEBUG)
        self.stream, self.done, self.started = stream, 0, time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        event = get_log_record_metadata(record)["dagster_event"] if has_log_record_metadata(record) else None
        if event is None or event.event_type != dg.DagsterEventType.STEP_SUCCESS:
            return
        self.done += 1
        line = f"      {self.done} steps done, last {event.step_key} ({time.perf_counter() - self.started:.0f} s)"
        self.stream.write(f"\r{line[:100]:<100}\r")
        self.stream.flush()


def ticker_loggers() -> dict:
    """The Dagster logger that drives the ticker, when stdout is a terminal (else none)."""
    stream = sys.__stdout__
    if not stream.isatty():
        return {}

    @dg.logger(description="ShopLens CLI progress: one terminal line per finished step.")
    def progress(_init_context) -> logging.Logger:
        logger = logging.Logger("shoplens_progress", logging.DEBUG)
        logger.addHandler(StepTicker(stream))
        return logger

    return {"progress": progress}
