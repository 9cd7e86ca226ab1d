"""AudiencePolicy: the pure decision, and the policy on real Rasa trackers with our domain."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import InvalidConfigException

from bot.policies.audience_policy import (
    ASK_AUDIENCE,
    AudiencePolicy,
    last_action_and_asked,
    next_audience_action,
)
from bot.settings import PROJECT_ROOT

LISTEN = "action_listen"
ANSWERS = ("utter_consent", "utter_images")


def test_asks_after_an_answer_when_the_audience_is_unknown():
    assert next_audience_action("utter_consent", ANSWERS, False, False) == ASK_AUDIENCE


@pytest.mark.parametrize("known, asked", [(True, False), (False, True), (True, True)])
def test_does_not_ask_when_known_or_already_asked(known, asked):
    assert next_audience_action("utter_consent", ANSWERS, known, asked) is None


def test_listens_after_asking():
    assert next_audience_action(ASK_AUDIENCE, ANSWERS, False, True) == LISTEN


@pytest.mark.parametrize("last", [None, "utter_greet", "utter_escalate", "utter_goodbye"])
def test_leaves_everything_else_to_other_policies(last):
    assert next_audience_action(last, ANSWERS, False, False) is None


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def answers():
    with open(PROJECT_ROOT / "config.yml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    (policy,) = [p for p in config["policies"] if p["name"].endswith("AudiencePolicy")]
    return policy["answers"]


def _policy(answers):
    return AudiencePolicy(
        {**AudiencePolicy.get_default_config(), "answers": answers},
        LocalModelStorage(Path(tempfile.mkdtemp())),
        Resource("audience_policy"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _tracker(domain, *events):
    return DialogueStateTracker.from_events("t", list(events), domain.slots)


def _user(text, intent):
    return UserUttered(text, {"name": intent, "confidence": 1.0})


def _predicted(policy, tracker, domain):
    prediction = policy.predict_action_probabilities(tracker, domain)
    best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
    return domain.action_names_or_texts[best] if prediction.probabilities[best] > 0 else None


def test_config_names_only_real_responses_and_every_topic_answer(domain, answers):
    _policy(answers)._check_answers(domain)
    assert {"utter_consent", "utter_signs", "utter_images"} <= set(answers)
    assert "utter_escalate" not in answers and "utter_greet" not in answers


def test_an_unknown_response_fails_training(domain):
    with pytest.raises(InvalidConfigException):
        _policy(["utter_consnet"]).train([], domain)


def test_on_a_real_tracker_asks_once_then_listens(domain, answers):
    policy = _policy(answers)
    events = [
        ActionExecuted(LISTEN),
        _user("wat is consent", "ask_consent"),
        ActionExecuted("utter_consent"),
    ]
    assert _predicted(policy, _tracker(domain, *events), domain) == ASK_AUDIENCE
    events.append(ActionExecuted(ASK_AUDIENCE))
    assert _predicted(policy, _tracker(domain, *events), domain) == LISTEN
    events += [ActionExecuted(LISTEN), _user("wat about pics", "ask_images")]
    assert _predicted(policy, _tracker(domain, *events), domain) is None
    events.append(ActionExecuted("utter_images"))
    assert _predicted(policy, _tracker(domain, *events), domain) is None  # asked already


def test_on_a_real_tracker_known_audience_is_not_asked(domain, answers):
    tracker = _tracker(
        domain,
        ActionExecuted(LISTEN),
        _user("im a parent", "tell_who_i_am"),
        ActionExecuted("action_set_audience"),
        SlotSet("audience", "parent"),
        SlotSet("audience_asked", True),
        ActionExecuted("utter_audience_noted"),
        ActionExecuted(LISTEN),
        _user("wat is consent", "ask_consent"),
        ActionExecuted("utter_consent"),
    )
    assert _predicted(_policy(answers), tracker, domain) is None


def test_last_action_is_none_when_the_user_spoke_last(domain):
    tracker = _tracker(domain, ActionExecuted(LISTEN), _user("hi", "greet"))
    assert last_action_and_asked(tracker) == (None, False)


def test_every_topic_answer_is_followed_by_the_question(answers):
    """Each topic file's rule answers with a response AudiencePolicy knows (else no question)."""
    not_topics = {"chitchat", "safety", "audience", "fallback"}
    topic_answers = set()
    for path in (PROJECT_ROOT / "data" / "stories").glob("*.yml"):
        if path.stem in not_topics:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules", []):
            topic_answers |= {s["action"] for s in rule["steps"] if "action" in s}
    assert topic_answers and topic_answers <= set(answers)
