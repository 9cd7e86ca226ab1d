"""bot/log_privacy.py: Rasa's own ways of logging user text, before and after `install()`.

Each case runs in a fresh Python process, set up the way `rasa run` sets up logging (Rasa's
`configure_logging_and_warnings` and `configure_structlog`, output not a terminal), so the
global logging of the test run is left alone. The first half of the script shows each leak
with `install()` not yet called; the second half repeats it afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from bot.settings import PROJECT_ROOT

SCRIPT = textwrap.dedent(
    """
    import logging, sys, structlog
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    log = structlog.get_logger()

    def leak(secret):
        # 1. A message starting with "/" that does not parse as an intent payload.
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
            YAMLStoryReader,
        )
        from rasa.shared.nlu.training_data.message import Message

        YAMLStoryReader.unpack_regex_message(Message({"text": "/" + secret}), Domain.empty())
        # 2. and 3. What the REST channel logs when handling a message fails.
        message_text = "my secret word is " + secret
        try:
            raise RuntimeError("handling failed")
        except RuntimeError:
            log.exception("rest.message.received.failure", text=message_text)
        log.info("some.event", user_text=message_text)
        # DEBUG is left alone (and filtered out at INFO anyway).
        log.debug("processor.message", text=message_text)
        sys.stdout.flush()
        sys.stderr.flush()

    leak("before" + "zebrafish")
    from bot import log_privacy
    log_privacy.install()
    log_privacy.install()  # twice is the same as once
    leak("after" + "zebrafish")
    log.info("still.logging", reason="self_harm")
    """
)


@pytest.fixture(scope="module")
def output() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("FORCE_JSON_LOGGING", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {"stdout": result.stdout, "stderr": result.stderr}


def test_rasa_leaks_user_text_without_the_fix(output):
    # If this fails, Rasa changed: check whether the fix is still needed.
    assert "Failed to parse arguments in line '/beforezebrafish'" in output["stderr"]
    assert '"text": "my secret word is beforezebrafish"' in output["stdout"]
    assert '"user_text": "my secret word is beforezebrafish"' in output["stdout"]
    # A traceback's local variables.
    assert '"message_text": "my secret word is beforezebrafish"' in output["stdout"]


def test_no_user_text_after_install(output):
    assert "afterzebrafish" not in output["stdout"] + output["stderr"]


def test_events_are_still_logged_without_their_text(output):
    after = output["stdout"].split("beforezebrafish")[-1]
    assert '"text": "[not logged]", "event": "rest.message.received.failure"' in after
    assert '"exc_value": "handling failed"' in after  # the exception itself, without locals
    assert '"locals": null' in after
    assert '"user_text": "[not logged]"' in after
    assert '"reason": "self_harm", "event": "still.logging"' in after
