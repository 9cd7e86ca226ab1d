"""The web chat, served by the Rasa server itself (registered in credentials.yml).

    GET  /chat              the chat page (standalone, or inside the widget's iframe)
    GET  /chat/widget.js    the one-line embed for a school's website
    GET  /chat/static/<f>   the page's own CSS and JavaScript (nothing is loaded from elsewhere)
    GET  /chat/health       {"status": "ok"} once the model is loaded, else 503
    POST /chat/webhook      {"sender": <random id>, "message": <text>} -> the bot's replies, the
                            same list of {"text", "buttons", "custom", ...} as Rasa's REST channel

Anonymity (../../shared/DESIGN.md): no cookies, no message text in the logs, sender ids that the
browser makes up per tab.
"""

from __future__ import annotations

import html
import logging
import re
from asyncio import CancelledError
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text
from urllib.parse import urlsplit

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import Settings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The only files served, with their types: nothing else under static/ (or elsewhere) is reachable.
STATIC_FILES = {
    "chat.css": "text/css; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
}
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_BODY_BYTES = 16 * 1024
EXIT_URL_PLACEHOLDER = "{{QUICK_EXIT_URL}}"

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only kind the quick exit may go to."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def content_security_policy(allowed_origins: list[str]) -> str:
    """Only our own origin for everything; the page may be framed by the schools' sites."""
    if not allowed_origins or "*" in allowed_origins:
        ancestors = "*"
    else:
        ancestors = " ".join(["'self'", *allowed_origins])
    return (
        "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )


def render_page(template: str, quick_exit_url: str) -> str:
    url = quick_exit_url if is_web_url(quick_exit_url) else Settings.quick_exit_url
    return template.replace(EXIT_URL_PLACEHOLDER, html.escape(url, quote=True))


class WebChatInput(InputChannel):
    """The Helping Hands web chat. In credentials.yml: `bot.webchat.channel.WebChatInput:`."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings.from_env()

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        return cls()

    def url_prefix(self) -> Text:
        return "/chat"

    def _page_headers(self) -> Dict[str, str]:
        return {
            **COMMON_HEADERS,
            "Content-Security-Policy": content_security_policy(self.settings.allowed_origins),
            "Cache-Control": "no-store",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        }

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        page = render_page(
            (STATIC_DIR / "index.html").read_text(encoding="utf-8"), self.settings.quick_exit_url
        )
        widget = (STATIC_DIR / "widget.js").read_bytes()
        assets = {name: (STATIC_DIR / name).read_bytes() for name in STATIC_FILES}
        max_chars = self.settings.max_message_chars
        webchat = Blueprint("helping_hands_webchat", __name__)

        @webchat.route("/", methods=["GET"])
        async def chat_page(request: Request) -> HTTPResponse:
            return response.html(page, headers=self._page_headers())

        @webchat.route("/widget.js", methods=["GET"])
        async def widget_script(request: Request) -> HTTPResponse:
            headers = {
                **COMMON_HEADERS,
                "Cache-Control": "public, max-age=300",
                # Loaded by the schools' pages, which are on other sites.
                "Cross-Origin-Resource-Policy": "cross-origin",
            }
            return response.raw(
                widget, content_type="text/javascript; charset=utf-8", headers=headers
            )

        @webchat.route("/static/<name:str>", methods=["GET"])
        async def static_file(request: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return response.json({"error": "not found"}, status=404)
            headers = {**COMMON_HEADERS, "Cache-Control": "public, max-age=300"}
            return response.raw(assets[name], content_type=STATIC_FILES[name], headers=headers)

        @webchat.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503, headers=COMMON_HEADERS)
            return response.json({"status": "ok"}, headers=COMMON_HEADERS)

        @webchat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "message too long"}, status=413)
            try:
                body = request.json
            except Exception:  # Sanic raises its own InvalidUsage on broken JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "expected a JSON object"}, status=400)
            sender = body.get("sender")
            text = body.get("message")
            if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
                return response.json({"error": "sender must be a random id"}, status=400)
            if not isinstance(text, str) or not text.strip():
                return response.json({"error": "message must be non-empty text"}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                # Still loading the model (or it failed to load): the page offers "Try again".
                return response.json({"error": "not ready"}, status=503)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text[:max_chars], collector, sender, input_channel=self.name()
            )
            no_store = {"Cache-Control": "no-store"}
            # Never log what was typed (DESIGN.md, anonymity): only that something failed.
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("webchat: handling a message timed out")
                return response.json({"error": "timed out"}, status=503, headers=no_store)
            except Exception:
                logger.exception("webchat: handling a message failed")
                return response.json({"error": "failed"}, status=500, headers=no_store)
            return response.json(collector.messages, headers=no_store)

        return webchat
