"""A dedicated danger classifier: is this message a disclosure, and of which kind?

DIET chooses among all 30 intents and is trained to be sure of one, so on ordinary messages that
merely look like danger ("my mum will kill me if i'm late", "my bf is 15 and i'm 15") it often put
most of its probability on a safety intent. This model answers only the safety question, with a
different kind of learner (logistic regression over word and character n-grams of the lemmas),
trained on the NLU examples (every safety intent's examples are danger, every other intent's,
everyday look-alikes included, are not) plus the safety rules' own examples
(bot/patterns/safety/*.yml: `match` sentences are danger of the file's reason, `no_match`
look-alikes are not), so it learns the words of disclosures the NLU examples do not hold
("bleach", "rope") and reads them in new word orders the rules cannot. A second regression over
the danger examples alone says which reason it is.

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


def pattern_examples() -> List[tuple[str, str]]:
    """The safety rules' examples as (text, intent): danger of the file's reason, or not."""
    examples = []
    for path in content_files.safety_pattern_files():
        spec = content_files.load_yaml(path)
        intent = REASON_INTENTS[spec["reason"]]
        for example in spec["examples"]["match"]:
            examples.append((example if isinstance(example, str) else example[0], intent))
        examples += [(text, LOOK_ALIKE_INTENT) for text in spec["examples"]["no_match"]]
    return examples


def pattern_files_fingerprint() -> str:
    """Changes whenever a rules file changes, so Rasa retrains the model instead of reusing it."""
    digest = hashlib.sha256()
    for path in content_files.safety_pattern_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class DangerModel:
    """Probability of danger plus the most likely safety intents (see the module docstring)."""

    features: Any
    danger: Any
    reasons: Any

    @classmethod
    def fit(cls, texts: Sequence[str], intents: Sequence[str], c: float = DEFAULT_C) -> DangerModel:
        if len(texts) != len(intents):
            raise ValueError("one intent per text")
        labels = [intent in INTENT_REASONS for intent in intents]
        if all(labels) or not any(labels):
            raise ValueError("the danger model needs safety and other examples")
        features = _features()
        matrix = features.fit_transform(list(texts))
        danger = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        danger.fit(matrix, labels)
        safety_rows = [i for i, is_danger in enumerate(labels) if is_danger]
        reasons = LogisticRegression(C=c, max_iter=5000)
        reasons.fit(matrix[safety_rows], [intents[i] for i in safety_rows])
        return cls(features, danger, reasons)

    def rankings(self, texts: Sequence[str]) -> List[List[Dict[str, Any]]]:
        """For each text, the safety intents with confidences that add up to P(danger)."""
        if not texts:
            return []
        matrix = self.features.transform(list(texts))
        danger_column = list(self.danger.classes_).index(True)
        p_danger = self.danger.predict_proba(matrix)[:, danger_column]
        p_reason = self.reasons.predict_proba(matrix)
        result = []
        for p, shares in zip(p_danger, p_reason, strict=True):
            ranking = [
                {"name": str(intent), "confidence": float(p * share)}
                for intent, share in zip(self.reasons.classes_, shares, strict=True)
            ]
            ranking.sort(key=lambda r: r["confidence"], reverse=True)
            result.append(ranking)
        return result

    def probability(self, text: str) -> float:
        return sum(r["confidence"] for r in self.rankings([text])[0])
