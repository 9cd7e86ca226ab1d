"""A dedicated danger classifier: is this message a disclosure, and of which kind?

DIET chooses among all 30 intents and is trained to be sure of one, so on ordinary messages that
merely look like danger ("my mum will kill me if i'm late", "my bf is 15 and i'm 15") it often put
most of its probability on a safety intent. This model answers only the safety question, with a
different kind of learner (logistic regression over word and character n-grams of the lemmas),
trained on the NLU examples (every safety intent's examples are danger, every other intent's,
everyday look-alikes included, are not) plus the safety rules' own examples
(bot/patterns/safety/*.yml: `match` sentences are danger of the file's reason, `no_match`
look-alikes are not) and harmless messages kept for it alone (bot/patterns/not_danger.yml:
as intent examples they blurred DIET's out_of_scope with the topic intents), so it learns the words of disclosures the NLU examples do not hold
("bleach", "rope") and reads them in new word orders the rules cannot. A second regression over
the danger examples alone says which reason it is, and a third whether it is happening now
(`emergency`: labelled by the rules' own verdict on each example, since the rules know "now";
it lets the layer put 999 first for emergencies the rules did not catch or called urgent).

Its output has the shape of an intent ranking restricted to the safety intents, whose
confidences add up to the probability of danger, so bot/safety.py reads it exactly as it read
DIET's safety probabilities. Deterministic: the same data gives the same model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from bot import content_files
from bot.safety import INTENT_REASONS, REASON_INTENTS

# Weak regularisation: the examples are short and the n-grams that matter are few.
DEFAULT_C = 20.0
EMERGENCY_C = 5.0


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            ),
        ]
    )


# The benign side of the rules' look-alikes.
LOOK_ALIKE_INTENT = "out_of_scope"


def extra_examples() -> List[tuple[str, str, bool]]:
    """Training examples besides the NLU data, as (text, intent, labelled emergency): the safety
    rules' examples (danger of the file's reason, or `no_match` look-alikes), and the
    disclosures and harmless messages of bot/patterns/not_danger.yml and
    bot/patterns/classifier/*.yml, which DIET never sees."""
    examples = []
    for path in content_files.safety_pattern_files():
        spec = content_files.load_yaml(path)
        intent = REASON_INTENTS[spec["reason"]]
        for example in spec["examples"]["match"]:
            if isinstance(example, str):
                examples.append((example, intent, False))
            else:
                examples.append((example[0], intent, example[1] == "emergency"))
        examples += [(text, LOOK_ALIKE_INTENT, False) for text in spec["examples"]["no_match"]]
    examples += [
        (text, REASON_INTENTS[reason], level == "emergency")
        for text, reason, level in content_files.danger_examples()
    ]
    examples += [(text, LOOK_ALIKE_INTENT, False) for text in content_files.not_danger_examples()]
    return examples


def extra_examples_fingerprint() -> str:
    """Changes whenever a file of extra examples changes, so Rasa retrains the model instead of
    reusing it from its cache."""
    digest = hashlib.sha256()
    for path in [*content_files.safety_pattern_files(), *content_files.classifier_example_files()]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class DangerModel:
    """Probability of danger, the most likely safety intents, and whether it is happening now
    (see the module docstring)."""

    features: Any
    danger: Any
    reasons: Any
    emergency: Any = None

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        intents: Sequence[str],
        emergency: Sequence[bool] | None = None,
        c: float = DEFAULT_C,
    ) -> DangerModel:
        """`emergency` marks the danger examples that are emergencies (999 first); without it,
        or with only one kind among the danger examples, there is no emergency model."""
        emergency = list(emergency) if emergency is not None else [False] * len(texts)
        if not len(texts) == len(intents) == len(emergency):
            raise ValueError("one intent and one emergency label per text")
        labels = [intent in INTENT_REASONS for intent in intents]
        if all(labels) or not any(labels):
            raise ValueError("the danger model needs safety and other examples")
        features = _features()
        matrix = features.fit_transform(list(texts))
        danger = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        danger.fit(matrix, labels)
        rows = [i for i, is_danger in enumerate(labels) if is_danger]
        reasons = LogisticRegression(C=c, max_iter=5000)
        reasons.fit(matrix[rows], [intents[i] for i in rows])
        now = [emergency[i] for i in rows]
        level = None
        if any(now) and not all(now):
            # Stronger regularisation: "now" is carried by a few words (tonight, outside, took).
            level = LogisticRegression(C=EMERGENCY_C, class_weight="balanced", max_iter=5000)
            level.fit(matrix[rows], now)
        return cls(features, danger, reasons, level)

    def predict(self, texts: Sequence[str]) -> tuple[List[List[Dict[str, Any]]], List[float]]:
        """For each text: the safety intents with confidences that add up to P(danger), and,
        read as danger, the probability that it is an emergency. The n-grams (most of the cost)
        are computed once for all three regressions."""
        if not texts:
            return [], []
        matrix = self.features.transform(list(texts))
        p_danger = _positive(self.danger, matrix)
        p_reason = self.reasons.predict_proba(matrix)
        rankings = []
        for p, shares in zip(p_danger, p_reason, strict=True):
            ranking = [
                {"name": str(intent), "confidence": float(p * share)}
                for intent, share in zip(self.reasons.classes_, shares, strict=True)
            ]
            ranking.sort(key=lambda r: r["confidence"], reverse=True)
            rankings.append(ranking)
        if self.emergency is None:
            return rankings, [0.0] * len(texts)
        return rankings, [float(p) for p in _positive(self.emergency, matrix)]


def _positive(model: Any, matrix: Any) -> Any:
    return model.predict_proba(matrix)[:, list(model.classes_).index(True)]
