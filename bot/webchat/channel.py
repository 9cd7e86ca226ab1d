"""The web chat, served by the Rasa server itself (registered in credentials.yml).

    GET  /chat              the chat page (standalone, or inside the widget's iframe)
    GET  /chat/widget.js    the one-line embed for a school's website
    GET  /chat/static/<f>   the page's own CSS and JavaScript (nothing is loaded from elsewhere)
    GET  /chat/health       {"status": "ok"} once the model is loaded, else 503
    POST /chat/webhook      {"sender": <random id>, "message": <text>} -> the bot's replies, the
                            same list of {"text", "buttons", "custom", ...} as the REST channel

The webhook is the REST channel's (bot/channels/rest.py): the same message guard (bad input,
long messages, floods get a kind reply) and the same JSON, answered under /chat so the page
talks to its own origin. Only while the model is still loading does it answer 503, which the
page shows as "couldn't reach Helping Hands" with a "Try again" button.

Anonymity (../../shared/DESIGN.md): no cookies, no message text in the logs, sender ids that the
browser makes up per tab.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import SafeRestInput
from bot.message_guard import MessageGuard
from bot.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The only files served, with their types: nothing else under static/ (or elsewhere) is reachable.
STATIC_FILES = {
    "chat.css": "text/css; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
}
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


def _is_ready(request: Request) -> bool:
    agent = getattr(request.app.ctx, "agent", None)
    return agent is not None and agent.is_ready()


class WebChatInput(SafeRestInput):
    """The Helping Hands web chat. In credentials.yml: `bot.webchat.channel.WebChatInput:`."""

    def __init__(self, settings: Settings | None = None, guard: MessageGuard | None = None) -> None:
        self.settings = settings or Settings.from_env()
        # Its own guard, so the web chat and the REST channel each keep their own rate limits.
        super().__init__(guard or MessageGuard.from_settings(self.settings))

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatInput:
        return cls()

    def url_prefix(self) -> str:
        return "/chat"

    def _page_headers(self) -> dict[str, str]:
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
            if not _is_ready(request):
                return response.json({"status": "loading"}, status=503, headers=COMMON_HEADERS)
            return response.json({"status": "ok"}, headers=COMMON_HEADERS)

        @webchat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not _is_ready(request):
                return response.json(
                    {"error": "starting up"}, status=503, headers={"Cache-Control": "no-store"}
                )
            return await self.answer(request.body or b"", on_new_message)

        return webchat
