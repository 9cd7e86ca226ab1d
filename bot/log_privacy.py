"""Keeps what people type out of the Rasa server's logs at INFO and above.

Rasa 3.6 itself writes user text in three places that are on by default:

1. Python warnings on stderr: a message that starts with "/" is read as an intent payload, and
   when it does not parse, `YAMLStoryReader.unpack_regex_message` warns "Failed to parse
   arguments in line '<the whole message>'". A young person typing "/kms" or "/help me" is
   enough.
2. structlog events that carry the text as a field: the REST channel logs
   `rest.message.received.failure` / `.timeout` with `text=<message>` at ERROR whenever handling
   a message fails, and others do the same (`rasa.utils.log_utils._anonymizer` lists the keys).
3. structlog tracebacks: outside a terminal Rasa renders exceptions with
   `structlog.processors.dict_tracebacks`, which includes every frame's local variables (slot
   values, the message, the tracker), 80 characters of each. In a terminal, the console
   renderer's rich tracebacks show locals too.

`install()` suppresses those warnings, blanks those fields at INFO and above, and renders
tracebacks without locals. It leaves DEBUG alone: `--debug` is for a developer's own machine.
Call it in the Rasa server after Rasa has configured logging (bot/stores.py does, from the
tracker store's constructor); calling it again does nothing.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, MutableMapping

import structlog
from structlog.dev import ConsoleRenderer, plain_traceback
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer

REDACTED = "[not logged]"

# The event fields that may hold what a user typed: Rasa's own list in
# rasa.utils.log_utils._anonymizer, plus the exception text of a failed parse.
USER_TEXT_FIELDS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
    }
)

# Warnings whose text quotes the user's message (rasa/shared/core/training_data/story_reader/
# yaml_story_reader.py, parsing "/intent{...}" messages).
USER_TEXT_WARNINGS = (
    r"Failed to parse arguments in line",
    r"Expected confidence to be",
)

_QUIET_LEVELS = frozenset({"debug", "notset"})


def scrub_user_text(
    _logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: blanks user-text fields of events at INFO and above."""
    if method_name.lower() in _QUIET_LEVELS:
        return event_dict
    for field in USER_TEXT_FIELDS.intersection(event_dict):
        event_dict[field] = REDACTED
    return event_dict


_tracebacks_without_locals = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))


def install() -> None:
    """Applies the three fixes to this process's logging (idempotent)."""
    for pattern in USER_TEXT_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    _patch_structlog()


def _patch_structlog() -> None:
    # Rasa configures structlog with `cache_logger_on_first_use`: loggers already in use hold
    # the processor list itself, so it is changed in place rather than replaced.
    processors = structlog.get_config()["processors"]
    if not isinstance(processors, list):
        processors = list(processors)
        structlog.configure(processors=processors)
    if scrub_user_text not in processors:
        processors.insert(0, scrub_user_text)
    for i, processor in enumerate(processors):
        if processor is structlog.processors.dict_tracebacks:
            processors[i] = _tracebacks_without_locals
        elif isinstance(processor, ConsoleRenderer):
            # Rich tracebacks list locals; the plain one does not.
            processor._exception_formatter = plain_traceback  # noqa: SLF001
    logging.getLogger(__name__).debug("User text is kept out of logs at INFO and above.")
