"""Every benchmark at its default sizes (see bench/README.md for the figures)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
for script in ("bench_pipeline.py", "bench_daily_features.py", "bench_features.py", "bench_training.py",
               "bench_monitoring.py", "bench_scenario.py", "bench_model_quality.py", "bench_damaged.py",
               "bench_recommender.py", "bench_recommender_quality.py", "bench_clv_segments.py", "bench_clv_quality.py",
               "bench_sentiment.py", "bench_session_risk.py", "bench_serving.py"):
    subprocess.run([sys.executable, str(HERE / script)], check=True)
