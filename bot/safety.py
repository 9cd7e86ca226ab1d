"""The safety layer: decides, for one message, whether it shows danger, how urgent, and why.

Two independent detectors can raise the alarm, and either is enough:
1. deterministic rules: lemma patterns kept as data in bot/patterns/safety/*.yml, matched with a
   spaCy Matcher (bot/phrase_patterns.py), with figurative speech ("this homework is killing
   me") masked out first;
2. the danger classifier's probabilities for the safety intents (bot/danger_model.py). Alone
   it raises the alarm when it is sure; when it is only fairly sure, the intent classifier
   (DIET, a different learner trained on different examples) must agree that the message is a
   disclosure. Two unlike models rarely share a mistake, so this removes most false alarms of
   either while each still catches what it is sure of.

The decision is a plain `Assessment`; bot/components/safety_net.py turns it into the final
intent and entities, and bot/policies/safety_policy.py adds up signs across a conversation.

Reasons (the `reason` of the escalation payload, ../shared/DESIGN.md):
    immediate_danger  someone is being threatened, followed, held or hurt now
    self_harm         suicidal thoughts or plans, self-harm, having taken something
    sexual_abuse      being touched, forced or made to do sexual things, family included
    online_grooming   an online contact asking to meet, for secrecy, for images or camera
    image_abuse       a nude shared or threatened (sextortion), pressure to send images
    exploitation      gifts, money, drugs or debts traded for sex or favours; an adult partner
                      of an under-16; carrying packages for older people (county lines)
    friend_at_risk    any of the above, told about a friend or pupil (at `urgent`); at
                      `emergency` only when nothing more is known of the harm
Levels: `emergency` (danger now: 999 first, then the reason's specialist route, e.g. CEOP for
grooming, Report Remove for images) and `urgent` (harm happening or likely). Every reason can be
an emergency. About someone else, an urgent harm is reported as friend_at_risk; an emergency
keeps the harm's own reason, so its reply keeps that route, and `speaker` "friend" picks the
friend wording of the reply (the `audience` slot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from bot import content_files
from bot.phrase_patterns import build_matcher

EMERGENCY = "emergency"
URGENT = "urgent"
LEVELS = (EMERGENCY, URGENT)

REASON_INTENTS: Mapping[str, str] = {
    "immediate_danger": "tell_immediate_danger",
    "self_harm": "tell_self_harm",
    "sexual_abuse": "tell_sexual_abuse",
    "online_grooming": "tell_online_grooming",
    "image_abuse": "tell_image_abuse",
    "exploitation": "tell_exploitation",
    "friend_at_risk": "tell_friend_at_risk",
}
INTENT_REASONS: Mapping[str, str] = {v: k for k, v in REASON_INTENTS.items()}
REASONS = tuple(REASON_INTENTS)
# When several reasons fire, the first in this order is reported.
REASON_PRIORITY = (
    "immediate_danger",
    "self_harm",
    "sexual_abuse",
    "image_abuse",
    "online_grooming",
    "exploitation",
    "friend_at_risk",
)
# At `emergency` the generic immediate danger gives way to any more specific harm also found:
# every emergency reply puts 999 first, and the specific one adds its route (CEOP, Report
# Remove...) to "he's threatening to post my nudes".
EMERGENCY_PRIORITY = (
    "self_harm",
    "sexual_abuse",
    "image_abuse",
    "online_grooming",
    "exploitation",
    "immediate_danger",
    "friend_at_risk",
)
# Every reason can be an emergency: its reply puts 999 first and keeps the reason's specialist
# route (a groomer waiting outside school still needs CEOP, nudes posted now Report Remove).
EMERGENCY_REASONS = REASONS
# The danger classifier raises the alarm when its probability of danger reaches this and the
# intent classifier's (DIET's) probability of a safety intent reaches DEFAULT_AGREEMENT...
DEFAULT_CLASSIFIER_THRESHOLD = 0.5
DEFAULT_AGREEMENT_THRESHOLD = 0.5
# ...and on its own from this probability.
DEFAULT_SURE_THRESHOLD = 0.7
# The danger classifier's probability that a danger message is happening now, from which it is
# answered as an emergency even when no rule says so (bot/danger_model.py).
DEFAULT_EMERGENCY_THRESHOLD = 0.5
# Reasons the classifier may give to an ordinary relationship between young people of one age.
PEER_REASONS = frozenset({"exploitation", "friend_at_risk"})
# Two young people are peers when their ages differ by at most this many years.
PEER_AGE_GAP = 2
FIRST_PERSON = frozenset({"i", "me", "my", "myself", "im", "i'm"})


@dataclass(frozen=True)
class Assessment:
    """What the safety layer concluded about one message."""

    level: str | None = None
    reason: str | None = None
    sources: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    speaker: str | None = None
    signs: tuple[str, ...] = ()
    sign_category: str | None = None

    @property
    def is_danger(self) -> bool:
        return self.level is not None

    @property
    def intent(self) -> str | None:
        return REASON_INTENTS[self.reason] if self.reason else None


@dataclass(frozen=True)
class _Rule:
    id: str
    reason: str
    level: str
    # Never hidden by a figurative mask: what it matches is never a figure of speech ("my dad
    # will kill me if i tell anyone" is a threat, though "my dad will kill me" alone is not).
    unmaskable: bool = False


@dataclass
class SafetyNet:
    """Deterministic danger rules plus the classifier's safety probabilities."""

    nlp: Language
    rules: dict[str, _Rule]
    classifier_threshold: float = DEFAULT_CLASSIFIER_THRESHOLD
    emergency_threshold: float = DEFAULT_EMERGENCY_THRESHOLD
    sure_threshold: float = DEFAULT_SURE_THRESHOLD
    agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD
    _danger: Any = field(init=False, repr=False)
    _context: Any = field(init=False, repr=False)
    _signs: Any = field(init=False, repr=False)
    _sign_keywords: Any = field(init=False, repr=False)
    _sign_categories: dict[str, str] = field(init=False, repr=False)

    @classmethod
    def from_files(
        cls,
        nlp: Language,
        pattern_files: Iterable[Path] | None = None,
        classifier_threshold: float = DEFAULT_CLASSIFIER_THRESHOLD,
        emergency_threshold: float = DEFAULT_EMERGENCY_THRESHOLD,
        sure_threshold: float = DEFAULT_SURE_THRESHOLD,
        agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD,
    ) -> SafetyNet:
        files = list(pattern_files or content_files.safety_pattern_files())
        specs = [content_files.load_yaml(path) for path in files]
        net = cls(
            nlp=nlp,
            rules={},
            classifier_threshold=classifier_threshold,
            emergency_threshold=emergency_threshold,
            sure_threshold=sure_threshold,
            agreement_threshold=agreement_threshold,
        )
        danger_patterns: dict[str, list[str]] = {}
        for spec in specs:
            for rule in spec["rules"]:
                net.rules[rule["id"]] = _Rule(
                    rule["id"], spec["reason"], rule["level"], bool(rule.get("unmaskable"))
                )
                danger_patterns[rule["id"]] = list(rule["patterns"])
        net._danger = build_matcher(nlp, danger_patterns)
        net._load_context(content_files.safety_context())
        net._load_signs(content_files.signs())
        return net

    def _load_context(self, context: Mapping[str, Any]) -> None:
        named = {name: list(patterns) for name, patterns in context["patterns"].items()}
        self._context = build_matcher(self.nlp, named)

    def _load_signs(self, signs: Mapping[str, Any]) -> None:
        self._signs = build_matcher(
            self.nlp, {sid: list(s["patterns"]) for sid, s in signs["signs"].items()}
        )
        self._sign_keywords = build_matcher(
            self.nlp,
            {cat: list(c["keywords"]) for cat, c in signs["categories"].items()},
        )
        self._sign_categories = {sid: s["category"] for sid, s in signs["signs"].items()}

    # -- the decision ------------------------------------------------------------------------

    def assess_text(
        self,
        text: str,
        intent_ranking: Sequence[Mapping[str, Any]] = (),
        emergency_probability: float = 0.0,
        second_opinion: Sequence[Mapping[str, Any]] | None = None,
    ) -> Assessment:
        return self.assess(self.nlp(text), intent_ranking, emergency_probability, second_opinion)

    def assess(
        self,
        doc: Doc,
        intent_ranking: Sequence[Mapping[str, Any]] = (),
        emergency_probability: float = 0.0,
        second_opinion: Sequence[Mapping[str, Any]] | None = None,
    ) -> Assessment:
        """`intent_ranking`: the danger classifier's probabilities for the safety intents;
        `emergency_probability`: its probability that the danger is happening now;
        `second_opinion`: the intent classifier's ranking, which must agree when the danger
        classifier is under `sure_threshold` (None: no second opinion, the threshold alone)."""
        context = self._spans(self._context, doc)
        figurative = context.get("figurative", [])
        hits = [
            (self.rules[name], span)
            for name, spans in self._spans(self._danger, doc).items()
            for span in spans
            if self.rules[name].unmaskable or not any(_overlaps(span, f) for f in figurative)
        ]
        classifier_reason = self._classifier_reason(intent_ranking, second_opinion)
        if not hits and classifier_reason in PEER_REASONS and same_age_peers(doc):
            # "me and my bf are both 15": the classifier cannot compare ages; the rules can,
            # and they found no adult. Same-age relationships and gifts are not exploitation.
            classifier_reason = None
        signs = self._signs_in(doc, figurative)
        sign_category = self._sign_category(doc, signs)
        speaker = self._speaker(context)
        if not hits and classifier_reason is None:
            return Assessment(signs=signs, sign_category=sign_category, speaker=speaker)

        reasons = {rule.reason for rule, _ in hits}
        if classifier_reason:
            reasons.add(classifier_reason)
        reason = next(r for r in REASON_PRIORITY if r in reasons)
        level = EMERGENCY if any(rule.level == EMERGENCY for rule, _ in hits) else URGENT
        if (
            reason == "immediate_danger"
            or _happening_now(context)
            or emergency_probability >= self.emergency_threshold
        ):
            level = EMERGENCY
        if level == EMERGENCY:
            reason = next(r for r in EMERGENCY_PRIORITY if r in reasons)
        about_someone_else = self._about_someone_else(hits, context, classifier_reason)
        # About someone else, an urgent harm is friend_at_risk. An emergency keeps the harm's own
        # reason (REASON_PRIORITY puts friend_at_risk last, so it is reported only when it is the
        # one reason found), so the reply keeps that harm's route after 999; the speaker
        # "friend" below picks the friend wording.
        if level != EMERGENCY and about_someone_else:
            reason = "friend_at_risk"
        if about_someone_else and speaker is None:
            speaker = "friend"
        sources = tuple(
            s for s, on in (("rules", bool(hits)), ("classifier", bool(classifier_reason))) if on
        )
        return Assessment(
            level=level,
            reason=reason,
            sources=sources,
            rule_ids=tuple(sorted({rule.id for rule, _ in hits})),
            speaker=speaker,
            signs=signs,
            sign_category=sign_category,
        )

    # -- parts of the decision ---------------------------------------------------------------

    def _classifier_reason(
        self,
        ranking: Sequence[Mapping[str, Any]],
        second_opinion: Sequence[Mapping[str, Any]] | None = None,
    ) -> str | None:
        """The classifier's alarm: all its probability on the safety intents together reaches
        `sure_threshold`, or reaches the threshold and the second opinion's does too. The
        reason is the most probable safety intent's. Summing matters: a message split between
        "exploitation" and "friend at risk" is still a danger message."""
        safety = [r for r in ranking if str(r.get("name")) in INTENT_REASONS]
        if not safety:
            return None
        mass = safety_mass(safety)
        if mass < self.classifier_threshold:
            return None
        if (
            second_opinion is not None
            and mass < self.sure_threshold
            and safety_mass(second_opinion) < self.agreement_threshold
        ):
            return None
        top = max(safety, key=lambda r: float(r.get("confidence") or 0.0))
        return INTENT_REASONS[str(top.get("name"))]

    @staticmethod
    def _about_someone_else(
        hits: list[tuple[_Rule, Span]],
        context: Mapping[str, list[Span]],
        classifier_reason: str | None,
    ) -> bool:
        if any(rule.reason == "friend_at_risk" for rule, _ in hits):
            return True
        if not context.get("third_party"):
            return classifier_reason == "friend_at_risk"
        # The harm is about the user when a danger phrase itself names them ("touches me").
        return not any(t.lower_ in FIRST_PERSON for _, span in hits for t in span)

    @staticmethod
    def _speaker(context: Mapping[str, list[Span]]) -> str | None:
        for speaker in ("parent", "professional"):
            if context.get(speaker):
                return speaker
        return None

    def _signs_in(self, doc: Doc, figurative: list[Span]) -> tuple[str, ...]:
        found = self._spans(self._signs, doc)
        return tuple(
            sorted(
                sign
                for sign, spans in found.items()
                if any(not any(_overlaps(s, f) for f in figurative) for s in spans)
            )
        )

    def _sign_category(self, doc: Doc, signs: tuple[str, ...]) -> str | None:
        if signs:
            return self._sign_categories[signs[0]]
        keywords = self._spans(self._sign_keywords, doc)
        if not keywords:
            return None
        return min(keywords, key=lambda cat: keywords[cat][0].start)

    def _spans(self, matcher: Any, doc: Doc) -> dict[str, list[Span]]:
        spans: dict[str, list[Span]] = {}
        for match_id, start, end in matcher(doc):
            spans.setdefault(self.nlp.vocab.strings[match_id], []).append(doc[start:end])
        return spans


def safety_mass(ranking: Sequence[Mapping[str, Any]]) -> float:
    """A ranking's probability that the message is a disclosure: its safety intents' sum."""
    return sum(
        float(r.get("confidence") or 0.0) for r in ranking if str(r.get("name")) in INTENT_REASONS
    )


def _happening_now(context: Mapping[str, list[Span]]) -> bool:
    """A now-phrase that is not just telling a story ("and now he says...", "now that...")."""
    story = context.get("not_now", [])
    return any(not any(_overlaps(now, s) for s in story) for now in context.get("now", []))


def same_age_peers(doc: Doc) -> bool:
    """Every age mentioned is a child's, and they are within PEER_AGE_GAP years of each other."""
    ages = [int(t.text) for t in doc if t.text.isdigit() and 8 <= int(t.text) <= 80]
    if not ages or max(ages) >= 18:
        return False
    if len(ages) == 1:
        return any(t.lower_ in {"both", "same"} for t in doc)
    return max(ages) - min(ages) <= PEER_AGE_GAP


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end
