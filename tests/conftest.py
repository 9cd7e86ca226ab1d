"""Shared fixtures: the spaCy pipeline and the safety layer, loaded once per test run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import Settings


@pytest.fixture(scope="session")
def nlp():
    import spacy

    path = Settings.from_env().spacy_model_dir
    if not path.exists():
        subprocess.run([sys.executable, "-m", "bot.spacy_pipeline", str(path)], check=True)
    return spacy.load(path)


@pytest.fixture(scope="session")
def normaliser(nlp):
    from bot.content_files import normalisation_rules
    from bot.normalise import Normaliser, vocabulary_from_spacy

    return Normaliser.from_rules(normalisation_rules(), vocabulary_from_spacy(nlp))


@pytest.fixture(scope="session")
def safety_net(nlp):
    from bot.safety import SafetyNet

    return SafetyNet.from_files(nlp)


@pytest.fixture(scope="session")
def assess(safety_net, normaliser):
    """Assess a raw message the way the running bot does: normalise, then the rules."""

    def _assess(text: str, intent_ranking=()):
        return safety_net.assess_text(normaliser.normalise(text), intent_ranking)

    return _assess
