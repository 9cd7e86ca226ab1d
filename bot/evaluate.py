"""Evaluation on the held-out sets in tests/data/ (never used for training or patterns).

    python -m bot.evaluate            # both reports (make evaluate)
    python -m bot.evaluate --nlu      # intent accuracy and macro-F1 on tests/data/nlu_test.yml
    python -m bot.evaluate --safety   # escalation recall and false alarms on the safety sets
    python -m bot.evaluate --rules    # the deterministic safety rules alone, on the same sets

Three safety sets, each message labelled with its level and reason (or kind, when benign):
- tests/data/safety_dev.yml, development: used for error analysis while writing the rules
  (--verbose lists its misses and false alarms), so its figures are optimistic;
- tests/data/safety_validation.yml: written by someone who saw neither the rules, the
  training data nor the other sets; never used for rules or training; only measured (its
  aggregate figures helped choose the danger classifier's settings, so it is a little
  optimistic);
- tests/data/safety_check.yml: a second independent set written the same way, later, and
  only measured;
- tests/data/safety_set.yml, the blind held-out set of the issue: only measured, never printed.
None is ever used for training, and only the development set for patterns; the NLU test set's wrong answers are not
printed either (only the per-intent F1), so nobody tunes the model to the test messages.

Every message is sent through the trained model the way a user's would be: the NLU set through
the whole NLU pipeline (normaliser, DIET, safety layer, fallback), the safety set as the first
message of a new conversation, reading the escalation payload from the bot's replies.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "helping-hands.tar.gz"
NLU_TEST_SET = PROJECT_ROOT / "tests" / "data" / "nlu_test.yml"
SAFETY_SET = PROJECT_ROOT / "tests" / "data" / "safety_set.yml"
# Looked at while building the safety layer, so its figures are optimistic; reported apart.
SAFETY_DEV_SET = PROJECT_ROOT / "tests" / "data" / "safety_dev.yml"
# Written independently, never looked at message by message: a second unseen estimate.
SAFETY_VALIDATION_SET = PROJECT_ROOT / "tests" / "data" / "safety_validation.yml"
# A second independent set, written when the first had been used to choose settings.
SAFETY_CHECK_SET = PROJECT_ROOT / "tests" / "data" / "safety_check.yml"


def quiet_rasa_logs() -> None:
    """Only errors: Rasa's structured debug log would otherwise print every message parsed."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)
    logging.disable(logging.ERROR)  # the missing action server is expected here


def load_agent(model: Path = MODEL) -> Any:
    from rasa.core.agent import Agent

    # No action server: escalations are domain responses and must not need one.
    return Agent.load(str(model))


def nlu_examples(path: Path = NLU_TEST_SET) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


@dataclass
class NluReport:
    total: int
    accuracy: float
    macro_f1: float
    per_intent_f1: dict[str, float]
    errors: list[tuple[str, str, str]]


async def evaluate_nlu(agent: Any, examples: list[tuple[str, str]]) -> NluReport:
    from sklearn.metrics import accuracy_score, f1_score

    truth, predicted, errors = [], [], []
    for text, intent in examples:
        parsed = await agent.parse_message(text)
        guess = parsed["intent"]["name"]
        truth.append(intent)
        predicted.append(guess)
        if guess != intent:
            errors.append((text, intent, guess))
    labels = sorted(set(truth))
    per_intent = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return NluReport(
        total=len(truth),
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        per_intent_f1=dict(zip(labels, map(float, per_intent), strict=True)),
        errors=errors,
    )


def safety_messages(path: Path = SAFETY_SET) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["messages"]


def escalation_in(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    for reply in replies:
        custom = reply.get("custom") or {}
        if "escalation" in custom:
            return custom["escalation"]
    return None


@dataclass
class SafetyReport:
    danger: int
    benign: int
    recall_by_level: dict[str, float]
    recall_by_reason: dict[str, float]
    reason_agreement: float
    false_alarm_rate: float
    false_alarms_by_kind: dict[str, int]
    misses: list[dict[str, Any]]
    false_alarms: list[dict[str, Any]]


async def evaluate_safety(agent: Any, messages: list[dict[str, Any]]) -> SafetyReport:
    caught: dict[str, list[bool]] = defaultdict(list)
    by_reason: dict[str, list[bool]] = defaultdict(list)
    agreement: list[bool] = []
    misses, false_alarms = [], []
    alarms_by_kind: Counter[str] = Counter()
    benign = 0
    for item in messages:
        replies = await agent.handle_text(item["text"], sender_id=uuid.uuid4().hex)
        payload = escalation_in(replies or [])
        level = item["level"]
        if level == "none":
            benign += 1
            if payload:
                false_alarms.append(
                    {**item, "got": payload["level"], "reason_got": payload["reason"]}
                )
                alarms_by_kind[item.get("kind", "other")] += 1
            continue
        # An emergency must be answered as one; for urgent, any escalation is a catch.
        ok = payload is not None and (level != "emergency" or payload["level"] == "emergency")
        caught[level].append(ok)
        by_reason[item["reason"]].append(ok)
        if payload:
            agreement.append(payload["reason"] == item["reason"])
        if not ok:
            misses.append({**item, "got": payload["level"] if payload else None})
    danger = sum(len(v) for v in caught.values())
    return SafetyReport(
        danger=danger,
        benign=benign,
        recall_by_level={k: sum(v) / len(v) for k, v in sorted(caught.items())},
        recall_by_reason={k: sum(v) / len(v) for k, v in sorted(by_reason.items())},
        reason_agreement=sum(agreement) / len(agreement) if agreement else 0.0,
        false_alarm_rate=len(false_alarms) / benign if benign else 0.0,
        false_alarms_by_kind=dict(alarms_by_kind),
        misses=misses,
        false_alarms=false_alarms,
    )


@dataclass
class RulesReport:
    danger: int
    caught: int
    emergencies: int
    emergencies_as_emergency: int
    benign: int
    fired: int
    misses: list[str]
    alarms: list[str]


def evaluate_rules(messages: list[dict[str, Any]]) -> RulesReport:
    """The deterministic half of the safety layer alone (no classifier), on normalised text."""
    import spacy

    from bot.content_files import normalisation_rules
    from bot.normalise import Normaliser, vocabulary_from_spacy
    from bot.safety import EMERGENCY, SafetyNet
    from bot.settings import Settings

    nlp = spacy.load(Settings.from_env().spacy_model_dir)
    normaliser = Normaliser.from_rules(normalisation_rules(), vocabulary_from_spacy(nlp))
    net = SafetyNet.from_files(nlp)
    report = RulesReport(0, 0, 0, 0, 0, 0, [], [])
    for item in messages:
        found = net.assess_text(normaliser.normalise(item["text"]))
        if item["level"] == "none":
            report.benign += 1
            if found.is_danger:
                report.fired += 1
                report.alarms.append(item["text"])
            continue
        report.danger += 1
        report.caught += found.is_danger
        if item["level"] == EMERGENCY:
            report.emergencies += 1
            report.emergencies_as_emergency += found.level == EMERGENCY
        if not found.is_danger or (item["level"] == EMERGENCY and found.level != EMERGENCY):
            report.misses.append(
                f"{item['level']}/{item['reason']} got {found.level}: {item['text']}"
            )
    return report


def print_rules(report: RulesReport, path: Path, show_texts: bool) -> None:
    print(f"\nRules alone on {path.relative_to(PROJECT_ROOT)}")
    print(
        f"  danger caught            {report.caught / report.danger:.1%} ({report.caught} of {report.danger})"
    )
    print(
        f"  emergencies as emergency {report.emergencies_as_emergency / report.emergencies:.1%} "
        f"({report.emergencies_as_emergency} of {report.emergencies})"
    )
    print(
        f"  benign fired             {report.fired / report.benign:.1%} ({report.fired} of {report.benign})"
    )
    if show_texts:
        for miss in report.misses:
            print(f"    MISSED {miss}")
        for alarm in report.alarms:
            print(f"    FIRED {alarm}")


def print_nlu(report: NluReport) -> None:
    print(f"\nIntents on {NLU_TEST_SET.relative_to(PROJECT_ROOT)} ({report.total} messages)")
    print(f"  accuracy  {report.accuracy:.3f}")
    print(f"  macro-F1  {report.macro_f1:.3f}")
    for intent, f1 in sorted(report.per_intent_f1.items(), key=lambda kv: kv[1])[:8]:
        print(f"    lowest F1  {f1:.2f}  {intent}")


def print_safety(report: SafetyReport, path: Path, show_texts: bool) -> None:
    print(
        f"\nSafety on {path.relative_to(PROJECT_ROOT)} "
        f"({report.danger} danger, {report.benign} benign; each a new conversation)"
    )
    for level, recall in report.recall_by_level.items():
        print(f"  recall {level:<17} {recall:.1%}")
    for reason, recall in report.recall_by_reason.items():
        print(f"  recall {reason:<17} {recall:.1%}")
    print(f"  reason as labelled       {report.reason_agreement:.1%} of escalations")
    as_urgent = sum(1 for m in report.misses if m["got"])
    print(
        f"  missed                   {len(report.misses)}: {len(report.misses) - as_urgent} "
        f"not escalated, {as_urgent} emergencies answered as urgent"
    )
    print(
        f"  false alarms             {report.false_alarm_rate:.1%} "
        f"({len(report.false_alarms)} of {report.benign}) {report.false_alarms_by_kind}"
    )
    if not show_texts:
        return
    for miss in report.misses:
        print(f"    MISSED {miss['level']}/{miss['reason']} (got {miss['got']}): {miss['text']}")
    for alarm in report.false_alarms:
        print(f"    FALSE ALARM {alarm['got']}/{alarm['reason_got']}: {alarm['text']}")


def readability() -> dict[str, list[float]]:
    """Flesch-Kincaid grade of every reply of 12 words or more, by who it is written for."""
    import textstat

    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as handle:
        responses = yaml.safe_load(handle)["responses"]
    grades: dict[str, list[float]] = {"young person or friend": [], "parent or professional": []}
    for name, variations in responses.items():
        for variation in variations:
            text = variation.get("text", "")
            if len(text.split()) < 12:
                continue
            audiences = {
                c["value"] for c in variation.get("condition", []) if c["name"] == "audience"
            }
            adult = name == "utter_signs" or bool(audiences & {"parent", "professional"})
            key = "parent or professional" if adult else "young person or friend"
            grades[key].append(textstat.flesch_kincaid_grade(text))
    return grades


def print_readability() -> None:
    print("\nReading level of the replies (Flesch-Kincaid grade; grade 6 is about age 11)")
    for audience, grades in readability().items():
        print(
            f"  {audience:<24} {len(grades):>3} replies  min {min(grades):.1f}  "
            f"max {max(grades):.1f}  mean {sum(grades) / len(grades):.1f}"
        )


async def _main(args: argparse.Namespace) -> None:
    sets = (
        (SAFETY_DEV_SET, args.verbose),
        (SAFETY_VALIDATION_SET, False),
        (SAFETY_CHECK_SET, False),
        (SAFETY_SET, False),
    )
    if args.rules:
        for path, show_texts in sets:
            print_rules(evaluate_rules(safety_messages(path)), path, show_texts)
        return
    if not (args.nlu or args.safety):
        print_readability()
    agent = load_agent()
    if not args.safety:
        print_nlu(await evaluate_nlu(agent, nlu_examples()))
    if not args.nlu:
        for path, show_texts in sets:
            report = await evaluate_safety(agent, safety_messages(path))
            print_safety(report, path, show_texts)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--nlu", action="store_true")
    parser.add_argument("--safety", action="store_true")
    parser.add_argument(
        "--rules", action="store_true", help="the safety rules alone (no model needed), per set"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="list misses and false alarms of the dev set only"
    )
    args = parser.parse_args(argv)
    quiet_rasa_logs()
    asyncio.run(_main(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
