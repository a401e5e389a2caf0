import dagster as dg

from orchestration.risk.assets import session_risk_model, suspicious_sessions
from orchestration.risk.checks import risk_checks

defs = dg.Definitions(assets=[session_risk_model, suspicious_sessions], asset_checks=risk_checks)
