from monitoring.policy import Evidence, RetrainPolicy, decide


def test_a_quiet_day_keeps_the_champion():
    decision = decide(Evidence("2024-03-01", drift_share=0.1, auc_drops={"churn": 0.01}, champion_age_days={"churn": 5}))
    assert not decision.retrain and decision.reasons == []


def test_every_rule_that_fires_is_a_reason():
    evidence = Evidence("2024-03-01", drift_share=0.5, drifted_scores=["purchase_propensity"],
                        auc_drops={"churn": 0.08, "purchase_propensity": None}, champion_age_days={"churn": 40})
    decision = decide(evidence)
    assert decision.retrain
    assert [r.split(":")[0] for r in decision.reasons] == ["feature drift", "prediction drift", "churn", "churn"]
    assert "50%" in decision.reasons[0] and "0.080" in decision.reasons[2] and "40 days" in decision.reasons[3]


def test_thresholds_are_the_policys():
    evidence = Evidence("2024-03-01", drift_share=0.3, drifted_scores=["churn_risk"])
    assert decide(evidence, RetrainPolicy(max_drift_share=0.3)).retrain  # at the threshold counts
    lenient = decide(evidence, RetrainPolicy(max_drift_share=0.31, on_prediction_drift=False))
    assert not lenient.retrain


def test_unknown_evidence_never_triggers():
    assert not decide(Evidence("2024-03-01", drift_share=None, auc_drops={"churn": None})).retrain


def test_the_decision_serialises_with_its_evidence():
    as_dict = decide(Evidence("2024-03-01", drift_share=0.9)).to_dict()
    assert as_dict["retrain"] and as_dict["evidence"]["day"] == "2024-03-01"
