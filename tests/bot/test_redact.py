"""bot/redact.py: personal details become placeholders; everything else stays as typed."""

from __future__ import annotations

import time

import pytest
import yaml

from bot.content_files import load_yaml, services
from bot.evaluate import NLU_TEST_SET, SAFETY_DEV_SET, SAFETY_SET, nlu_examples, safety_messages
from bot.redact import RULES_FILE, redact
from bot.settings import PROJECT_ROOT

EXAMPLES = load_yaml(RULES_FILE)["examples"]


@pytest.mark.parametrize("raw, expected", EXAMPLES["redacts"].items())
def test_examples_in_the_rules_file_are_redacted(raw, expected):
    assert redact(raw) == expected


@pytest.mark.parametrize("text", EXAMPLES["keeps"])
def test_examples_in_the_rules_file_are_kept(text):
    assert redact(text) == text


PHONES = [
    ("my number is 07700900123 text me", "my number is [phone] text me"),
    ("call me on 07700 900123 pls", "call me on [phone] pls"),
    ("its 07700 900 123", "its [phone]"),
    ("07700-900-123 thats my mums", "[phone] thats my mums"),
    ("he gave me his number +44 7700 900123", "he gave me his number [phone]"),
    ("+447700900123", "[phone]"),
    ("0044 7700 900123", "[phone]"),
    ("our house phone is 0161 496 0000", "our house phone is [phone]"),
    ("(0113) 496 0000", "[phone]"),
    ("ring 020 7946 0000 if u want", "ring [phone] if u want"),
    ("+44 (0)20 7946 0000", "[phone]"),
    ("0 7 7 0 0 9 0 0 1 2 3", "[phone]"),
    ("7700900123", "[phone]"),
    ("his whatsapp is +1 555 123 4567", "his whatsapp is [phone]"),
]

EMAILS = [
    ("my email is jake.thompson99@hotmail.co.uk", "my email is [email]"),
    ("text me jake@example.com", "text me [email]"),
    ("SARAH_x@gmail.com is my school one", "[email] is my school one"),
    ("its jake at gmail dot com", "its [email]"),
    ("emily (at) outlook.com", "[email]"),
]

POSTCODES = [
    ("i live in SW1A 1AA", "i live in [postcode]"),
    ("my postcode is m1 1ae", "my postcode is [postcode]"),
    ("ls14ab", "[postcode]"),
    ("near B33 8TH", "near [postcode]"),
    ("postcode b33 8th", "postcode [postcode]"),
    ("he knows my postcode is ls1", "he knows my postcode is [postcode]"),
    ("cf10 1ep is where i am", "[postcode] is where i am"),
]

ADDRESSES = [
    ("12 acacia avenue", "[address]"),
    ("i live at flat 3, 45 high street", "i live at [address]"),
    ("flat 3, 45 high street leeds ls1 4ab", "[address] leeds [postcode]"),
    ("he knows i live on acacia avenue", "he knows i live on [address]"),
    ("my address is 7b church rd", "my address is [address]"),
    ("we live at 5 oak close", "we live at [address]"),
    ("hes outside 221 baker street rn", "hes outside [address] rn"),
]

HANDLES = [
    ("add me on snap its jakey_01", "add me on snap its [handle]"),
    ("my snap is xyz", "my snap is [handle]"),
    ("my snap is jakeyboy", "my snap is [handle]"),
    ("add me on insta its xyz_123", "add me on insta its [handle]"),
    ("@jakey_01 keeps messaging me", "[handle] keeps messaging me"),
    ("his insta is @dave.the.rave", "his insta is [handle]"),
    ("my tiktok xyz_123", "my tiktok [handle]"),
    ("add jakeyboy99 on snap", "add [handle] on snap"),
    ("sc: jakey", "sc: [handle]"),
    ("my username is coolkid_99", "my username is [handle]"),
    ("his gamertag is xXsniperXx", "his gamertag is [handle]"),
    ("instagram.com/jake_01", "instagram.com/[handle]"),
    ("im jake_01 on tiktok", "im [handle] on tiktok"),
    ("my snap name is jake", "my snap name is [handle]"),
]

NAMES = [
    ("my name is Jake Thompson", "my name is [name]"),
    ("my name is jake thompson and im 14", "my name is [name] and im 14"),
    ("my names jake", "my names [name]"),
    ("my name is grace", "my name is [name]"),
    ("her name's ellie smith", "her name's [name]"),
    ("his name is Dave", "his name is [name]"),
    ("i'm called Kayden", "i'm called [name]"),
    ("im called kayden", "im called [name]"),
    ("call me jay", "call me [name]"),
    ("a man named Steve keeps messaging me", "a man named [name] keeps messaging me"),
    ("Jake Thompson keeps messaging me", "[name] keeps messaging me"),
    ("hi im Ellie Brown", "hi im [name]"),
    ("mr smith touched me", "mr [name] touched me"),
    ("Miss Patel is my form tutor", "Miss [name] is my form tutor"),
    ("Mary Jane Smith", "[name]"),
    (
        "my best friend Sophie Williams said she wants to die",
        "my best friend [name] said she wants to die",
    ),
    ("O'Brien", "O'Brien"),
    ("Liam O'Brien from year 10", "[name] from year 10"),
]


@pytest.mark.parametrize(
    "raw, expected",
    PHONES + EMAILS + POSTCODES + ADDRESSES + HANDLES + NAMES,
)
def test_personal_details_are_replaced(raw, expected):
    assert redact(raw) == expected


def test_several_details_in_one_message():
    raw = (
        "my name is Jake Thompson, im 14, i live at 12 acacia avenue M1 1AE, "
        "my number is 07700 900123 and my snap is jakey_01"
    )
    assert redact(raw) == (
        "my name is [name], im 14, i live at [address] [postcode], "
        "my number is [phone] and my snap is [handle]"
    )


ORDINARY = [
    "i'm 14",
    "im 13 and in year 9",
    "year 9",
    "he's 25",
    "my uncle",
    "my uncle Dave Touches me",
    "i want to kill myself",
    "i wanna kms",
    "im suicidle",
    "im gna kms tonight",
    "I Want To Kill Myself",
    "Help Me Please",
    "He Said He Would Hurt Me",
    "i was born in 2009",
    "my birthday is 05/06/2011",
    "it happened at 10:30 last night",
    "im in yr9 2nd set",
    "i got called fat at school",
    "call me later",
    "call me maybe",
    "he calls me princess and says call me daddy",
    "2 days in the park",
    "3 hours walk",
    "3 hour drive to my aunties house is torture",
    "its a 10 min walk from school",
    "i walked 2 miles down the road",
    "he gave me 20 quid on the high street",
    "he's 25 and i'm 14 and he wants to meet at the park",
    "my snap is private",
    "my insta got hacked",
    "add me on snap pls",
    "he told me to add him on snap",
    "my snap score is 5000",
    "meet me @5pm",
    "meet @ 5",
    "I live in Milton Keynes",
    "New York",
    "Childline",
    "Report Remove",
    "Snapchat",
    "Childline Snapchat",
    "i miss my mum",
    "my name is not important",
    "my ps4 is broken",
    "Love Island",
    "Year 9 at Manchester Academy",
    "i live with my nan in Leeds",
    "i sent 3 pics",
    "my snap is 2 days old",
    "Kayden Lol",
    "Pls Help",
    "",
    "   ",
    "😭😭😭 pls help",
]

HELP_NUMBERS = [
    "call 999",
    "call 101",
    "call Childline on 0800 1111",
    "0800 1111",
    "08001111",
    "samaritans 116 123",
    "text shout to 85258",
    "nspcc 0808 800 5000",
    "08088005000",
    "stop it now 0808 1000 900",
    "+44 808 800 5000",
]


@pytest.mark.parametrize("text", ORDINARY + HELP_NUMBERS)
def test_ordinary_text_is_untouched(text):
    assert redact(text) == text


@pytest.mark.parametrize("service", [s for s in services() if s.get("phone") or s.get("text")])
def test_every_service_number_is_kept(service):
    number = str(service.get("phone") or service.get("text"))
    assert redact(f"call {number}") == f"call {number}"


def test_no_evaluation_message_is_changed():
    # The channels redact before NLU: the classifier and the safety layer must read these
    # exactly as typed.
    messages = [text for text, _ in nlu_examples(NLU_TEST_SET)]
    messages += [m["text"] for m in safety_messages(SAFETY_DEV_SET)]
    assert len(messages) > 100
    assert {m: redact(m) for m in messages if redact(m) != m} == {}


def test_no_blind_held_out_message_is_changed():
    # Counted, never shown: the blind set's texts stay out of test output.
    if not SAFETY_SET.exists():
        pytest.skip(f"no blind held-out set at {SAFETY_SET.relative_to(PROJECT_ROOT)}")
    messages = [m["text"] for m in safety_messages(SAFETY_SET)]
    assert messages
    changed = sum(redact(m) != m for m in messages)
    assert changed == 0, f"{changed} blind held-out safety messages are changed by redact()"


@pytest.mark.parametrize("raw", [raw for raw, _ in PHONES + EMAILS + HANDLES + NAMES])
def test_redacting_twice_changes_nothing_more(raw):
    once = redact(raw)
    assert redact(once) == once


@pytest.mark.parametrize(
    "text",
    [
        "1 " + "a " * 499,
        "0" * 1000,
        "@" * 1000,
        "07700 " * 166,
        "12 " + "acacia " * 142,
        "Jake " * 200,
        "my name is " * 90,
        "flat 1, " * 125,
    ],
)
def test_long_hostile_messages_are_fast(text):
    redact("warm up")
    start = time.perf_counter()
    redact(text[:1000])
    assert time.perf_counter() - start < 0.25


def _button_payloads(node) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["payload"])] if "payload" in node else []
        return found + [p for value in node.values() for p in _button_payloads(value)]
    if isinstance(node, list):
        return [p for item in node for p in _button_payloads(item)]
    return []


def test_button_payloads_pass_unchanged():
    # A button press reaches the channel as its payload text, and is redacted like typing.
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    payloads = _button_payloads(domain.get("responses", {}))
    assert payloads
    assert [p for p in payloads if redact(p) != p] == []
