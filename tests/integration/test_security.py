"""Rasa's HTTP API stays off by default, and the channels never expose a conversation."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.settings import PROJECT_ROOT


def status_of(url: str, method: str = "GET", body: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/conversations/someone/tracker"),
        ("POST", "/conversations/someone/messages"),
        ("POST", "/model/parse"),
        ("PUT", "/model"),
        ("GET", "/domain"),
        ("GET", "/status"),
    ],
)
def test_http_api_is_off(rest_server, method, path):
    base = f"http://127.0.0.1:{rest_server.port}"
    body = json.dumps({"text": "hi"}).encode() if method != "GET" else None
    assert status_of(base + path, method, body) == 404


def test_webhook_returns_only_the_bots_replies(rest_server):
    body = json.dumps({"sender": "security-check", "message": "hi"}).encode()
    status, text = rest_server.post(body)
    assert status == 200
    replies = json.loads(text)
    allowed = {"recipient_id", "text", "buttons", "custom", "image", "attachment"}
    assert replies and all(set(reply) <= allowed for reply in replies)
    assert "events" not in json.dumps(replies) and "slots" not in json.dumps(replies)


def test_pinned_rasa_is_past_the_cve_fix():
    pins = (PROJECT_ROOT / "requirements.lock").read_text()
    assert "\nrasa==3.6.21\n" in pins  # CVE-2024-49375 is fixed in 3.6.21


def test_no_model_is_loaded_from_outside_the_project():
    for name in ("endpoints.yml", "endpoints.production.yml"):
        text = (PROJECT_ROOT / name).read_text()
        assert "\nmodels:" not in text, f"{name} must not fetch models from a server"
