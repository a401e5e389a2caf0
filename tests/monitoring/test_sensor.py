"""The retrain sensor's episode logic, and the sensor itself on a real Dagster instance."""

import dagster as dg

from orchestration import tags
from orchestration.automation.sensors import next_requests


def test_one_request_per_episode():
    decisions = [("d1", False, ""), ("d2", True, "- drift"), ("d3", True, "- drift"), ("d4", False, ""),
                 ("d5", True, "- old"), ("d6", True, "- old")]
    requests, episode = next_requests(decisions, None)
    assert [r.tags[tags.AS_OF] for r in requests] == ["d2", "d5"]
    assert requests[0].tags[tags.RETRAIN_REASONS] == "- drift" and requests[0].run_key == "retrain-d2"
    assert episode == "d5"


def test_an_open_episode_carries_over_ticks():
    requests, episode = next_requests([("d7", True, "- drift")], "d5")
    assert requests == [] and episode == "d5"


def test_the_sensor_reads_decisions_from_the_instance_and_keeps_a_cursor():
    from orchestration.automation.sensors import retrain_sensor
    from orchestration.partitions import EVENT_DAYS

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(EVENT_DAYS.name, ["2024-03-01", "2024-03-02", "2024-03-03"])

        def decide(day, retrain):
            instance.report_runless_asset_event(dg.AssetMaterialization(
                "retrain_decision", partition=day, metadata={"retrain": retrain, "reasons": dg.MetadataValue.md("- drift")}))

        decide("2024-03-01", False)
        decide("2024-03-02", True)
        tick = retrain_sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert [r.tags[tags.AS_OF] for r in tick.run_requests] == ["2024-03-02"]
        decide("2024-03-03", True)
        again = retrain_sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=tick.cursor))
        assert again.run_requests == [] and "already retrained" in again.skip_message
        idle = retrain_sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=again.cursor))
        assert idle.skip_message == "no new retrain decision"
