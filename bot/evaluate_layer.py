"""The safety layer alone, retrained and measured in a minute or two, without training Rasa.

    python -m bot.evaluate_layer             # development, validation and check sets (figures)
    python -m bot.evaluate_layer --verbose   # also list the development set's mistakes
    python -m bot.evaluate_layer --dev-only  # the development set alone
    python -m bot.evaluate_layer --blind     # also the blind held-out set (figures only)

It builds what decides an escalation exactly as the trained model does: the normaliser, our
spaCy pipeline, the danger classifier (bot/danger_model.py) fitted on the same examples as
bot/components/danger_classifier.py, and the rules (bot/safety.py), plus the two-signs rule of
bot/policies/safety_policy.py for a first message. DIET's opinion, which the layer asks for
when the danger classifier is only fairly sure, comes from the trained model
(models/helping-hands.tar.gz, built by `make train`; DIET learns only from data/nlu and
config.yml, so retrain after changing those). So its verdicts are the escalations
`make evaluate` reads from the bot's replies, without a full `rasa train`, for trying rules,
classifier examples and settings.
Only the development set's messages are ever printed (bot/evaluate.py explains why).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from bot.evaluate import (
    MODEL,
    SAFETY_CHECK_SET,
    SAFETY_DEV_SET,
    SAFETY_SET,
    SAFETY_VALIDATION_SET,
    safety_messages,
)
from bot.settings import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


@dataclass(frozen=True)
class Verdict:
    level: str | None
    reason: str | None
    sources: tuple[str, ...]
    p_danger: float
    p_now: float


class DietOpinion:
    """DIET's intent ranking for a message, from the trained model's graph, run only as far as
    DIET (what the safety layer receives as its second opinion)."""

    def __init__(self, model: Path = MODEL) -> None:
        from rasa.core.agent import Agent
        from rasa.nlu.classifiers.diet_classifier import DIETClassifier

        if not model.exists():
            raise SystemExit(f"no trained model at {model}: run `make train` first")
        self._processor = Agent.load(str(model)).processor
        nodes = self._processor.model_metadata.predict_schema.nodes
        self._node = next(name for name, node in nodes.items() if node.uses is DIETClassifier)

    def __call__(self, text: str) -> list[dict[str, Any]]:
        from rasa.core.channels import UserMessage
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
        from rasa.shared.core.trackers import DialogueStateTracker

        inputs = {
            PLACEHOLDER_MESSAGE: [UserMessage(text)],
            PLACEHOLDER_TRACKER: DialogueStateTracker("evaluate-layer", []),
        }
        message = self._processor.graph_runner.run(inputs=inputs, targets=[self._node])[self._node][
            0
        ]
        return list(message.get("intent_ranking") or [])


class Layer:
    """Normaliser, spaCy, danger classifier and rules, as the trained model runs them."""

    def __init__(
        self,
        c: float | None = None,
        diet: DietOpinion | None = None,
        **thresholds: float,
    ) -> None:
        """`diet`: where DIET's opinion comes from; None leaves it out (threshold alone)."""
        from rasa.shared.nlu.training_data.loading import load_data

        from bot.components.danger_classifier import doc_lemmas
        from bot.components.spacy_loading import load_normaliser, load_pipeline, model_path
        from bot.danger_model import DEFAULT_C, DangerModel, extra_examples
        from bot.safety import EMERGENCY, INTENT_REASONS, REASON_INTENTS, SafetyNet

        path = model_path({})
        self.nlp = load_pipeline(path)
        self.normaliser = load_normaliser(path)
        self.net = SafetyNet.from_files(self.nlp, **thresholds)
        self.diet = diet
        self._lemmas = doc_lemmas
        texts, intents, emergency = [], [], []

        def add(text: str, intent: str, labelled: bool) -> None:
            doc = self.nlp(self.normaliser.normalise(text).lower())
            texts.append(doc_lemmas(doc))
            intents.append(intent)
            emergency.append(
                intent in INTENT_REASONS
                and (
                    labelled
                    or intent == REASON_INTENTS["immediate_danger"]
                    or self.net.assess(doc).level == EMERGENCY
                )
            )

        data = load_data(str(NLU_DIR))
        for message in data.intent_examples:
            add(message.get("text"), str(message.get("intent")), False)
        for text, intent, labelled in extra_examples():
            add(text, intent, labelled)
        self.model = DangerModel.fit(texts, intents, emergency, c=c or DEFAULT_C)

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        from bot.policies.safety_policy import (
            CUMULATIVE_LEVEL,
            CUMULATIVE_REASON,
            SIGNS_TO_ESCALATE,
        )

        docs = [self.nlp(self.normaliser.normalise(t).lower()) for t in texts]
        rankings, now = self.model.predict([self._lemmas(d) for d in docs])
        out = []
        for text, doc, ranking, p_now in zip(texts, docs, rankings, now, strict=True):
            second_opinion = self.diet(text) if self.diet else None
            found = self.net.assess(doc, ranking, p_now, second_opinion)
            level, reason = found.level, found.reason
            if level is None and len(set(found.signs)) >= SIGNS_TO_ESCALATE:
                level, reason = CUMULATIVE_LEVEL, CUMULATIVE_REASON
            p = sum(r["confidence"] for r in ranking)
            out.append(Verdict(level, reason, found.sources, p, p_now))
        return out


@dataclass
class Figures:
    emergency: tuple[int, int]
    urgent: tuple[int, int]
    false_alarms: tuple[int, int]
    mistakes: list[str]
    urgent_as_emergency: int = 0

    def line(self) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a / b:6.1%} ({a}/{b})" if b else "   n/a"

        return (
            f"emergency {pct(*self.emergency)}  urgent {pct(*self.urgent)}  "
            f"false alarms {pct(*self.false_alarms)}  urgent answered as emergency "
            f"{self.urgent_as_emergency}"
        )


def measure(layer: Layer, messages: list[dict[str, Any]]) -> Figures:
    verdicts = layer.verdicts([m["text"] for m in messages])
    counts = {"emergency": [0, 0], "urgent": [0, 0], "none": [0, 0]}
    mistakes = []
    urgent_as_emergency = 0
    for item, v in zip(messages, verdicts, strict=True):
        level = item["level"]
        urgent_as_emergency += level == "urgent" and v.level == "emergency"
        if level == "none":
            ok = v.level is None
        else:
            ok = v.level is not None and (level != "emergency" or v.level == "emergency")
        counts[level][0] += ok if level != "none" else (not ok)
        counts[level][1] += 1
        if not ok:
            label = f"{level}/{item.get('reason') or item.get('kind')}"
            mistakes.append(
                f"{label:<28} got {v.level}/{v.reason} {'+'.join(v.sources) or '-'} "
                f"p={v.p_danger:.2f} now={v.p_now:.2f}: {item['text']}"
            )
    return Figures(
        tuple(counts["emergency"]),
        tuple(counts["urgent"]),
        tuple(counts["none"]),
        mistakes,
        urgent_as_emergency,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--verbose", action="store_true", help="list the dev set's mistakes")
    parser.add_argument("--blind", action="store_true", help="also the blind set (figures only)")
    parser.add_argument(
        "--dev-only", action="store_true", help="the development set alone (for rule writers)"
    )
    parser.add_argument("--c", type=float, default=None)
    for name, help_text in (
        ("classifier", "danger classifier's alarm threshold"),
        ("sure", "its threshold for an alarm without DIET's agreement"),
        ("agreement", "DIET's threshold for agreeing"),
        ("emergency", "emergency threshold on the 'happening now' probability"),
    ):
        parser.add_argument(f"--{name}", type=float, default=None, help=help_text)
    parser.add_argument(
        "--rules-on",
        type=Path,
        metavar="FILE",
        help="list the `not_danger` messages of FILE that the rules alone fire on, and stop",
    )
    args = parser.parse_args(argv)
    if args.rules_on:
        return rules_on(args.rules_on)
    thresholds = _configured_thresholds()
    for name in ("classifier", "sure", "agreement", "emergency"):
        if getattr(args, name) is not None:
            thresholds[f"{name}_threshold"] = getattr(args, name)
    layer = Layer(c=args.c, diet=DietOpinion(), **thresholds)
    sets: list[tuple[str, Path, bool]] = [
        ("dev", SAFETY_DEV_SET, args.verbose),
        ("validation", SAFETY_VALIDATION_SET, False),
        ("check", SAFETY_CHECK_SET, False),
    ]
    if args.dev_only:
        sets = sets[:1]
    elif args.blind:
        sets.append(("blind", SAFETY_SET, False))
    for name, path, show in sets:
        if not path.exists():
            continue
        figures = measure(layer, safety_messages(path))
        print(f"{name:<11} {figures.line()}")
        if show:
            for mistake in figures.mistakes:
                print(f"    {mistake}")
    return 0


def rules_on(path: Path) -> int:
    """The harmless messages of a classifier examples file that the rules alone fire on."""
    from bot.components.spacy_loading import load_normaliser, load_pipeline, model_path
    from bot.content_files import load_yaml
    from bot.safety import SafetyNet

    nlp = load_pipeline(model_path({}))
    normaliser = load_normaliser(model_path({}))
    net = SafetyNet.from_files(nlp)
    texts = [str(t) for t in load_yaml(path.resolve()).get("not_danger") or []]
    fired = 0
    for text in texts:
        found = net.assess_text(normaliser.normalise(text).lower())
        if found.is_danger:
            fired += 1
            print(f"FIRED {found.level}/{found.reason} {','.join(found.rule_ids)}: {text}")
    print(f"rules fire on {fired} of {len(texts)} harmless messages in {path}")
    return 0


def _configured_thresholds() -> dict[str, float]:
    """The safety layer's thresholds as config.yml sets them for the trained model."""
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    for step in config["pipeline"]:
        if step["name"].endswith("SafetyNetClassifier"):
            return {k: float(v) for k, v in step.items() if k.endswith("_threshold")}
    return {}


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
