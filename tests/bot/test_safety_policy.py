from __future__ import annotations

from bot.policies.safety_policy import ESCALATE, OFFER_SUPPORT, Turn, next_safety_action

LISTEN = "action_listen"


def user(level=None, *signs):
    return Turn(danger_level=level, signs=tuple(signs))


def bot(action):
    return Turn(action=action)


def test_danger_message_escalates_whatever_came_before():
    assert next_safety_action([bot("utter_consent"), user("urgent")]) == (ESCALATE, False)
    assert next_safety_action([user("emergency")]) == (ESCALATE, False)


def test_escalation_then_offer_then_listen():
    assert next_safety_action([user("urgent"), bot(ESCALATE)]) == (OFFER_SUPPORT, False)
    turns = [user("urgent"), bot(ESCALATE), bot(OFFER_SUPPORT)]
    assert next_safety_action(turns) == (LISTEN, False)


def test_nothing_to_say_for_ordinary_messages():
    assert next_safety_action([user()]) == (None, False)
    assert next_safety_action([user(), bot("utter_consent")]) == (None, False)
    assert next_safety_action([]) == (None, False)


def test_two_different_signs_across_turns_escalate():
    turns = [user(None, "older_partner"), bot("utter_healthy_relationships"), user(None, "gifts")]
    assert next_safety_action(turns) == (ESCALATE, True)


def test_one_sign_twice_does_not():
    turns = [user(None, "gifts"), bot("utter_gifts_money"), user(None, "gifts")]
    assert next_safety_action(turns) == (None, False)


def test_signs_escalate_only_once():
    turns = [
        user(None, "older_partner", "gifts"),
        bot(ESCALATE),
        bot(OFFER_SUPPORT),
        user(None, "alcohol"),
    ]
    assert next_safety_action(turns) == (None, False)
