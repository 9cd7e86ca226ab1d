"""The words users read: exact numbers, the escalation contract, reading level, no harm."""

from __future__ import annotations

import itertools
import re

import pytest
import textstat
import yaml

from bot.content_files import services
from bot.safety import EMERGENCY_REASONS, REASONS
from bot.settings import PROJECT_ROOT

AUDIENCES = [None, "young_person", "friend", "parent", "professional"]
YOUNG = {None, "young_person", "friend"}
URGENT_REASONS = [r for r in REASONS if r != "immediate_danger"]
PAIRS = [("emergency", r) for r in EMERGENCY_REASONS] + [("urgent", r) for r in URGENT_REASONS]


@pytest.fixture(scope="module")
def responses():
    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]


def matching(variations, slots):
    def ok(variation):
        return all(slots.get(c["name"]) == c["value"] for c in variation.get("condition", []))

    conditional = [v for v in variations if v.get("condition") and ok(v)]
    return conditional or [v for v in variations if not v.get("condition")]


def all_texts(responses):
    for name, variations in responses.items():
        for variation in variations:
            yield name, variation


@pytest.mark.parametrize("level, reason", PAIRS)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_escalation_has_exactly_one_reply(responses, level, reason, audience):
    slots = {"danger_level": level, "danger_reason": reason, "audience": audience}
    found = matching(responses["utter_escalate"], slots)
    assert len(found) == 1
    payload = found[0]["custom"]["escalation"]
    assert (payload["level"], payload["reason"]) == (level, reason)
    phones = [s.get("phone") for s in payload["services"]]
    if level == "emergency":
        assert phones[:2] == ["999", "0800 1111"], "999 first, then Childline"
        assert "register" in found[0]["text"], "deaf users: text 999 after registering"
    else:
        assert "999" not in phones
    if audience in YOUNG:
        assert "0800 1111" in phones


EMERGENCY_FIRST = [
    {"name": "Emergency services", "phone": "999"},
    {"name": "Childline", "phone": "0800 1111", "url": "https://www.childline.org.uk"},
]
# An emergency replaces the police's non-emergency number with 999.
REPLACED_BY_999 = [{"name": "Police (not an emergency)", "phone": "101"}]


@pytest.mark.parametrize("reason", [r for r in URGENT_REASONS if r in EMERGENCY_REASONS])
@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_emergency_keeps_the_urgent_specialist_route(responses, reason, audience):
    """After 999 and Childline, an emergency offers every service of the urgent reply for the
    same reason and audience, so the two cannot drift apart."""

    def services(level):
        slots = {"danger_level": level, "danger_reason": reason, "audience": audience}
        (variation,) = matching(responses["utter_escalate"], slots)
        return variation["custom"]["escalation"]["services"]

    emergency, urgent = services("emergency"), services("urgent")
    assert emergency[:2] == EMERGENCY_FIRST
    rest = emergency[2:]
    assert len(rest) == len({s["name"] for s in rest}), f"a service twice: {rest}"
    for service in urgent:
        if service not in EMERGENCY_FIRST + REPLACED_BY_999:
            assert service in rest, f"emergency {reason} for {audience} lacks {service['name']}"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_signs_added_up_escalate_as_urgent_exploitation(responses, audience):
    slots = {"danger_level": None, "danger_reason": None, "audience": audience}
    found = matching(responses["utter_escalate"], slots)
    assert len(found) == 1
    payload = found[0]["custom"]["escalation"]
    assert (payload["level"], payload["reason"]) == ("urgent", "exploitation")


def test_unmatched_escalation_falls_back_to_emergency(responses):
    slots = {"danger_level": "surprise", "danger_reason": "surprise", "audience": None}
    payload = matching(responses["utter_escalate"], slots)[0]["custom"]["escalation"]
    assert payload["level"] == "emergency" and payload["services"][0]["phone"] == "999"


def test_every_payload_service_is_exactly_a_registered_one(responses):
    registry = [{k: v for k, v in s.items() if k != "id"} for s in services()]
    for name, variation in all_texts(responses):
        payload = (variation.get("custom") or {}).get("escalation")
        for service in (payload or {}).get("services", []):
            assert service in registry, f"{name}: {service}"


KNOWN_NUMBERS = {"999", "0800 1111", "0808 800 5000", "101", "116 123", "85258", "0808 1000 900"}
NUMBER = re.compile(
    r"(?<![\w.])(?:0\d{3} \d{4} \d{3}|0\d{3} \d{3} \d{3,4}|0\d{3} \d{4}|\d{3} \d{3}|\d{3,5})(?!\w)"
)


def test_every_number_in_a_reply_is_a_real_service_number(responses):
    for name, variation in all_texts(responses):
        for number in NUMBER.findall(variation.get("text", "")):
            if not re.fullmatch(r"(19|20)\d\d", number):  # a year, not a phone number
                assert number in KNOWN_NUMBERS, f"{name}: unknown number {number!r}"


@pytest.mark.parametrize(
    "service, expected",
    [("Childline", "0800 1111"), ("NSPCC", "0808 800 5000"), ("Samaritans", "116 123")],
)
def test_services_named_with_their_right_number(responses, service, expected):
    for name, variation in all_texts(responses):
        text = variation.get("text", "")
        for match in re.finditer(rf"{service}[^0-9.]{{0,40}}(0[0-9 ]{{5,}}\d|1\d\d \d\d\d)", text):
            assert match.group(1).strip() == expected, f"{name}: {match.group(0)}"


HARMFUL = [
    r"what('s| is) your (name|address|school)",
    r"which school",
    r"where do you live",
    r"\bpromise\b.*\b(won't|not) tell",
    r"you should have known",
    r"\b(it's|it is|it was) your fault",
    r"keep talking to (him|her|them)\b",
]


def test_no_reply_asks_for_identifying_details_or_blames(responses):
    for name, variation in all_texts(responses):
        text = variation.get("text", "").lower()
        for pattern in HARMFUL:
            assert not re.search(pattern, text), f"{name}: {pattern}"
        for blame in ("you should have known", "why did you"):
            assert blame not in text, f"{name}: {blame}"


def test_no_reply_tells_anyone_to_confront(responses):
    for name, variation in all_texts(responses):
        text = variation.get("text", "").lower()
        for match in re.finditer(r"\bconfront\w*", text):
            before = text[max(0, match.start() - 40) : match.start()]
            assert re.search(r"(n't|not|never|no need to)\b[\w ]*$", before), f"{name}: {text}"


def young_person_texts(responses):
    for name, variations in responses.items():
        if name == "utter_signs":
            continue  # adult-facing by design: warning signs for parents and staff
        for variation in variations:
            audiences = {
                c["value"] for c in variation.get("condition", []) if c["name"] == "audience"
            }
            if not variation.get("condition") or audiences & {"young_person", "friend", None}:
                if len(variation.get("text", "").split()) >= 12:
                    yield name, variation["text"]


def test_young_person_replies_read_at_about_eleven(responses):
    texts = list(young_person_texts(responses))
    assert len(texts) > 30
    for name, text in texts:
        grade = textstat.flesch_kincaid_grade(text)
        assert grade <= 6.5, f"{name}: grade {grade}: {text}"
        words = [len(s.split()) for s in re.split(r"(?<=[.!?])\"?\s+", text) if s]
        assert max(words) <= 26, f"{name}: a sentence of {max(words)} words"


def test_each_topic_has_one_reply_per_audience(responses):
    topics = [n for n in responses if n.startswith("utter_") and n != "utter_escalate"]
    for name, audience in itertools.product(topics, AUDIENCES):
        variations = responses[name]
        if any(c["name"] != "audience" for v in variations for c in v.get("condition", [])):
            continue
        assert len(matching(variations, {"audience": audience})) == 1, (name, audience)
