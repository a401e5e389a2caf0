"""The sentiment model's promotion gate."""

from orchestration.training.checks import promotion_check

review_checks = [promotion_check("sentiment")]
