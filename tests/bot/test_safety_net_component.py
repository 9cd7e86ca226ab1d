from __future__ import annotations

from bot.components.safety_net import entities_for
from bot.safety import Assessment


def values(entities):
    return {(e["entity"], e["value"]) for e in entities}


def test_danger_adds_level_reason_and_speaker():
    assessment = Assessment(level="urgent", reason="friend_at_risk", speaker="friend")
    assert values(entities_for(assessment, "tell_friend_at_risk")) == {
        ("danger_level", "urgent"),
        ("danger_reason", "friend_at_risk"),
        ("audience", "friend"),
    }


def test_signs_are_reported_without_danger():
    assessment = Assessment(signs=("gifts", "older_partner"))
    assert values(entities_for(assessment, "ask_gifts_money")) == {
        ("safeguard_sign", "gifts"),
        ("safeguard_sign", "older_partner"),
    }


def test_a_question_about_signs_always_names_a_category():
    assert values(entities_for(Assessment(), "ask_signs")) == {("sign_category", "general")}
    named = Assessment(sign_category="absence")
    assert values(entities_for(named, "ask_signs")) == {("sign_category", "absence")}


def test_nothing_for_an_ordinary_message():
    assert entities_for(Assessment(), "greet") == []


def test_same_age_peers(nlp):
    from bot.safety import same_age_peers

    assert same_age_peers(nlp("me and my gf are both 15"))
    assert same_age_peers(nlp("i'm 14 and he's 15"))
    assert not same_age_peers(nlp("i'm 14 and he's 19"))
    assert not same_age_peers(nlp("he's 15"))
    assert not same_age_peers(nlp("we went to the park"))


def test_classifier_alone_does_not_flag_same_age_couples(safety_net, normaliser):
    ranking = [{"name": "tell_exploitation", "confidence": 0.9}]
    text = normaliser.normalise("me n my bf r both 15 is that ok")
    assert not safety_net.assess_text(text, ranking).is_danger
    older = normaliser.normalise("im 14 and my bf is 22")
    assert safety_net.assess_text(older, ranking).is_danger


def test_the_classifier_alarm_adds_up_all_safety_intents(safety_net, normaliser):
    text = normaliser.normalise("hmm not sure how to say this")
    split = [
        {"name": "tell_exploitation", "confidence": 0.3},
        {"name": "tell_friend_at_risk", "confidence": 0.25},
        {"name": "greet", "confidence": 0.45},
    ]
    result = safety_net.assess_text(text, split)
    assert result.is_danger and result.sources == ("classifier",)
    low = [{"name": "tell_exploitation", "confidence": 0.3}, {"name": "greet", "confidence": 0.7}]
    assert not safety_net.assess_text(text, low).is_danger


def test_the_classifier_s_now_probability_makes_it_an_emergency(safety_net, normaliser):
    text = normaliser.normalise("hmm not sure how to say this")
    ranking = [{"name": "tell_sexual_abuse", "confidence": 0.9}]
    assert safety_net.assess_text(text, ranking).level == "urgent"
    result = safety_net.assess_text(text, ranking, emergency_probability=0.9)
    # The harm's own reason stays, so the reply keeps its route after 999.
    assert result.level == "emergency" and result.reason == "sexual_abuse"
    # Never on its own: a "now" probability without danger raises nothing.
    assert not safety_net.assess_text(text, (), emergency_probability=0.9).is_danger


def test_an_emergency_about_a_friend_keeps_the_harm_s_own_reason(assess, safety_net, normaliser):
    now = assess("my friends nudes are being posted right now")
    assert (now.level, now.reason, now.speaker) == ("emergency", "image_abuse", "friend")
    # Not happening now: any harm to someone else is a friend at risk.
    later = assess("my friends nudes are being posted")
    assert (later.level, later.reason, later.speaker) == ("urgent", "friend_at_risk", "friend")
    # Nothing known but that a friend is at risk now: friend_at_risk, not immediate danger.
    text = normaliser.normalise("hmm not sure how to say this")
    ranking = [{"name": "tell_friend_at_risk", "confidence": 0.9}]
    result = safety_net.assess_text(text, ranking, emergency_probability=0.9)
    assert (result.level, result.reason) == ("emergency", "friend_at_risk")
    assert result.speaker == "friend"


def test_a_fairly_sure_danger_classifier_needs_diet_to_agree(safety_net, normaliser):
    text = normaliser.normalise("hmm not sure how to say this")
    fairly = [{"name": "tell_self_harm", "confidence": 0.6}, {"name": "greet", "confidence": 0.4}]
    sure = [{"name": "tell_self_harm", "confidence": 0.8}, {"name": "greet", "confidence": 0.2}]
    diet_agrees = [
        {"name": "tell_sexual_abuse", "confidence": 0.3},
        {"name": "tell_self_harm", "confidence": 0.3},
        {"name": "greet", "confidence": 0.4},
    ]
    diet_disagrees = [
        {"name": "greet", "confidence": 0.9},
        {"name": "tell_self_harm", "confidence": 0.1},
    ]
    assert safety_net.sure_threshold == 0.7 and safety_net.agreement_threshold == 0.5
    assert safety_net.assess_text(text, fairly, second_opinion=diet_agrees).is_danger
    assert not safety_net.assess_text(text, fairly, second_opinion=diet_disagrees).is_danger
    # Sure on its own: no agreement needed.
    assert safety_net.assess_text(text, sure, second_opinion=diet_disagrees).is_danger
    # No second opinion at all (a pipeline without the danger classifier): the threshold alone.
    assert safety_net.assess_text(text, fairly).is_danger
    # The rules never need agreement.
    rules = normaliser.normalise("i want to kill myself")
    assert safety_net.assess_text(rules, (), second_opinion=diet_disagrees).is_danger


def test_the_component_asks_diet_for_its_opinion(nlp):
    """DIET's ranking reaches the safety layer as the second opinion (only the danger
    classifier's own ranking decides the reason)."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.components.danger_classifier import DANGER_EMERGENCY, DANGER_RANKING
    from bot.components.safety_net import SafetyNetClassifier
    from bot.safety import SafetyNet

    component = SafetyNetClassifier(SafetyNet.from_files(nlp, classifier_threshold=0.4))
    fairly = [{"name": "tell_online_grooming", "confidence": 0.6}]

    def parse(diet):
        message = Message(data={"text": "hmm not sure how to say this"})
        message.set("intent", diet[0])
        message.set("intent_ranking", diet)
        message.set(DANGER_RANKING, fairly)
        message.set(DANGER_EMERGENCY, 0.0)
        component.process([message])
        return message.get("intent")["name"]

    agrees = [
        {"name": "tell_online_grooming", "confidence": 0.7},
        {"name": "greet", "confidence": 0.3},
    ]
    disagrees = [{"name": "greet", "confidence": 0.8}, {"name": "affirm", "confidence": 0.2}]
    assert parse(agrees) == "tell_online_grooming"
    assert parse(disagrees) == "greet"
