"""The held-out figures as regression guards: a drop below the floor fails CI.

The figures themselves are printed by `make evaluate` (bot/evaluate.py) and kept in the README.
Intent macro-F1 is asserted at its target (0.90). The safety targets are stricter than these
floors and are NOT yet met on the unseen sets: recall 100% for `emergency` and `urgent` with at
most 3% false alarms. The floors sit just under what the current model measures (training is
seeded, so figures repeat) with one message of slack each (a fresh training run may move
DIET's probabilities, which the safety layer consults, very slightly), so any real regression
fails; raise them as the safety layer improves,
never lower them to make a change pass.
"""

from __future__ import annotations

import pytest

from bot.evaluate import (
    SAFETY_CHECK_SET,
    SAFETY_VALIDATION_SET,
    evaluate_nlu,
    evaluate_safety,
    nlu_examples,
    safety_messages,
)

TARGET_RECALL = 1.0
TARGET_MAX_FALSE_ALARMS = 0.03
TARGET_MACRO_F1 = 0.90
# Measured (README, "Evaluation"), less one message: the blind held-out set...
FLOOR_EMERGENCY_RECALL = 0.95
FLOOR_URGENT_RECALL = 0.97
CEILING_FALSE_ALARMS = 0.065
# ...the independent validation set...
VALIDATION_FLOORS = {"emergency": 0.95, "urgent": 0.97}
VALIDATION_CEILING_FALSE_ALARMS = 0.045
# ...and the second independent (check) set.
CHECK_FLOORS = {"emergency": 0.95, "urgent": 0.96}
CHECK_CEILING_FALSE_ALARMS = 0.07


@pytest.fixture(scope="module")
async def safety_report(agent_without_action_server):
    return await evaluate_safety(agent_without_action_server, safety_messages())


def test_the_safety_set_is_big_enough_and_balanced():
    messages = safety_messages()
    danger = [m for m in messages if m["level"] != "none"]
    benign = [m for m in messages if m["level"] == "none"]
    assert len(messages) >= 300 and len(danger) >= 150 and len(benign) >= 150
    assert {m["level"] for m in danger} == {"emergency", "urgent"}
    assert {m["kind"] for m in benign} >= {"figurative", "lookalike"}
    assert len({m["reason"] for m in danger}) == 7


async def test_emergencies_are_escalated_as_emergencies(safety_report):
    assert safety_report.recall_by_level["emergency"] >= FLOOR_EMERGENCY_RECALL


async def test_urgent_dangers_are_escalated(safety_report):
    assert safety_report.recall_by_level["urgent"] >= FLOOR_URGENT_RECALL


async def test_false_alarms_do_not_grow(safety_report):
    assert safety_report.false_alarm_rate <= CEILING_FALSE_ALARMS


async def test_intent_macro_f1_on_the_held_out_set(agent_without_action_server):
    report = await evaluate_nlu(agent_without_action_server, nlu_examples())
    assert report.macro_f1 >= TARGET_MACRO_F1


async def test_the_validation_set_does_not_regress(agent_without_action_server):
    report = await evaluate_safety(
        agent_without_action_server, safety_messages(SAFETY_VALIDATION_SET)
    )
    for level, floor in VALIDATION_FLOORS.items():
        assert report.recall_by_level[level] >= floor, level
    assert report.false_alarm_rate <= VALIDATION_CEILING_FALSE_ALARMS


async def test_the_check_set_does_not_regress(agent_without_action_server):
    report = await evaluate_safety(agent_without_action_server, safety_messages(SAFETY_CHECK_SET))
    for level, floor in CHECK_FLOORS.items():
        assert report.recall_by_level[level] >= floor, level
    assert report.false_alarm_rate <= CHECK_CEILING_FALSE_ALARMS


async def test_the_fast_layer_check_gives_the_trained_models_escalations(
    agent_without_action_server,
):
    """bot/evaluate_layer.py rebuilds the safety layer without Rasa to try changes quickly; its
    verdicts must be the escalations the trained bot gives, or its figures would mislead."""
    import uuid

    from bot.evaluate import SAFETY_DEV_SET, escalation_in
    from bot.evaluate_layer import DietOpinion, Layer, _configured_thresholds

    messages = safety_messages(SAFETY_DEV_SET)[::4]
    layer = Layer(diet=DietOpinion(), **_configured_thresholds())
    verdicts = layer.verdicts([m["text"] for m in messages])
    differ = 0
    for item, verdict in zip(messages, verdicts, strict=True):
        replies = await agent_without_action_server.handle_text(
            item["text"], sender_id=uuid.uuid4().hex
        )
        payload = escalation_in(replies or [])
        bot = (payload["level"], payload["reason"]) if payload else (None, None)
        differ += bot != (verdict.level, verdict.reason)
    assert differ == 0, f"{differ} of {len(messages)} development messages differ"
