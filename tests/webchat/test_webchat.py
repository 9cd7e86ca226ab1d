"""The web chat as a pupil meets it: in Chromium, talking to the real bot over /chat/webhook."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from .conftest import DESKTOP, PHONE

DANGER = "hes outside my house right now and says hes going to hurt me"
AXE_JS = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


# ------------------------------------------------------------------------------ helpers


def open_chat(page: Page, chat_server, site, **params) -> Page:
    query = urlencode({"exit": site.neutral, **params})
    page.goto(f"{chat_server.chat_url}?{query}")
    expect(page.locator("#message")).to_be_visible()
    return page


def say(target, text: str) -> None:
    """Type `text` into the chat (a page or the widget's frame) and wait for the bot's reply."""
    before = target.locator("#log .msg-bot").count()
    target.locator("#message").fill(text)
    target.locator("#message").press("Enter")
    target.wait_for_function(
        """n => document.querySelectorAll('#log .msg-bot').length > n
               && document.getElementById('typing').hidden""",
        arg=before,
    )


def bot_texts(target) -> list[str]:
    return target.locator("#log .msg-bot .bubble").all_inner_texts()


def axe_violations(page: Page) -> list[dict]:
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
    )


def storage_used(target) -> dict:
    """What the page (or frame) has stored. A third-party frame may be denied storage
    altogether (the browser's choice): then nothing can be stored either, and it counts as 0."""
    return target.evaluate(
        """async () => {
            const count = async (f) => { try { return await f(); } catch (e) { return 0; } };
            return {
                local: await count(() => localStorage.length),
                session: await count(() => sessionStorage.length),
                cookie: await count(() => document.cookie.length),
                databases: await count(async () => (await indexedDB.databases()).length),
                caches: await count(async () => (await caches.keys()).length),
            };
        }"""
    )


NOTHING_STORED = {"local": 0, "session": 0, "cookie": 0, "databases": 0, "caches": 0}


# ------------------------------------------------------------------------- the server side


def test_chat_page_is_served_by_rasa_with_security_headers(chat_server):
    with urllib.request.urlopen(chat_server.chat_url) as reply:
        headers = reply.headers
        page = reply.read().decode()
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert headers.get("Set-Cookie") is None
    # Everything the page loads is our own: no CDN, no external fonts or scripts.
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert src.startswith(("/chat/", "tel:")), src
    with urllib.request.urlopen(f"{chat_server.chat_url}/widget.js") as reply:
        assert reply.headers["Content-Type"].startswith("text/javascript")
    # The only other hosts our files name: the quick exit's default and SVG's namespace.
    static = Path(__import__("bot.webchat").webchat.__file__).parent / "static"
    for path in static.iterdir():
        hosts = set(re.findall(r"https?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)", path.read_text()))
        assert hosts <= {"www.bbc.co.uk", "www.w3.org"}, (path.name, hosts)


def test_static_files_are_an_allow_list(chat_server):
    for name in ("chat.css", "chat.js"):
        with urllib.request.urlopen(f"{chat_server.chat_url}/static/{name}") as reply:
            assert reply.status == 200
    for name in ("index.html", "..%2Fchannel.py", "widget.js"):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"{chat_server.chat_url}/static/{name}")
        assert error.value.code == 404


def _post(url: str, body: bytes) -> tuple[int, object]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_webhook_speaks_the_rest_channel_json(chat_server):
    url = f"{chat_server.chat_url}/webhook"
    status, replies = _post(url, json.dumps({"sender": "a1b2c3d4e5f6", "message": "hi"}).encode())
    assert status == 200 and isinstance(replies, list) and replies
    assert all("text" in r or "custom" in r or "buttons" in r for r in replies)
    # The REST channel's message guard: without a sender id (which would put every anonymous
    # pupil in one conversation) or text, a kind reply, not the bot; not JSON at all: 400.
    for body in ({"message": "hi"}, {"sender": "a1b2c3d4e5f6", "message": " "}, ["hi"]):
        status, replies = _post(url, json.dumps(body).encode())
        assert status == 200 and len(replies) == 1 and "0800 1111" in replies[0]["text"]
    status, replies = _post(url, b"{not json")
    assert status == 400 and "0800 1111" in replies[0]["text"]


# ------------------------------------------------------------------------ talking to the bot


def test_send_a_message_and_see_the_reply(new_page, chat_server, site, screenshots):
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_chat(new_page(viewport), chat_server, site)
        say(page, "what is child sexual exploitation")
        user = page.locator("#log .msg-user .bubble").last
        expect(user).to_contain_text("what is child sexual exploitation")
        assert bot_texts(page)[-1].strip()
        page.screenshot(path=str(screenshots / f"chat-{name}.png"))


def test_quick_replies_send_their_payload_and_show_their_title(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/chat/webhook") else None,
    )
    say(page, "what can you help with")
    reply = page.locator("#log .quick-replies .quick-reply").first
    expect(reply).to_be_visible()
    title = reply.inner_text()
    group = page.locator("#log .quick-replies").last.element_handle()
    before = page.locator("#log .msg-bot").count()
    reply.click()
    page.wait_for_function("n => document.querySelectorAll('#log .msg-bot').length > n", arg=before)
    expect(page.locator("#log .msg-user .bubble").last).to_have_text(f"You said: {title}")
    assert sent[-1]["message"].startswith("/"), sent[-1]  # the payload, not the title
    # The answered buttons are gone, so they can't be pressed twice.
    assert group.evaluate("e => e.isConnected") is False


def test_danger_shows_an_emergency_card_with_999_first(new_page, chat_server, site, screenshots):
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_chat(new_page(viewport), chat_server, site)
        say(page, DANGER)
        card = page.locator("#log .emergency").last
        expect(card).to_be_visible()
        expect(card.get_by_role("heading", name="Get help now")).to_be_visible()
        links = card.locator("a")
        assert links.first.get_attribute("href") == "tel:999"
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert "tel:08001111" in hrefs
        assert all(h.startswith(("tel:", "https://")) for h in hrefs)
        assert all(re.fullmatch(r"tel:\d+", h) for h in hrefs if h.startswith("tel:"))
        # Visually distinct: a red border.
        border = card.evaluate("e => getComputedStyle(e).borderTopColor")
        assert border == "rgb(179, 38, 30)"
        page.screenshot(path=str(screenshots / f"emergency-{name}.png"))


def test_typing_indicator_shows_while_waiting(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    release = []

    def slow(route):
        release.append(route)

    page.route("**/chat/webhook", slow)
    page.locator("#message").fill("hello")
    page.locator("#message").press("Enter")
    expect(page.locator("#typing")).to_be_visible()
    release[0].fulfill(status=200, content_type="application/json", body='[{"text": "Hi!"}]')
    expect(page.locator("#typing")).to_be_hidden()
    expect(page.locator("#log .msg-bot").last).to_contain_text("Hi!")


def test_childline_is_always_on_the_page(new_page, chat_server, site):
    page = open_chat(new_page(PHONE), chat_server, site)
    childline = page.locator("header a[href='tel:08001111']")
    expect(childline).to_be_visible()
    expect(childline).to_have_text("0800 1111")
    for message in ("hi", "what is grooming", "what are the warning signs", "how do i report"):
        say(page, message)
    expect(childline).to_be_in_viewport()


# ----------------------------------------------------------------------------- quick exit


def _assert_left_for_good(page: Page, site, came_from: str) -> None:
    page.wait_for_url(site.neutral)
    expect(page.get_by_role("heading", name="Weather")).to_be_visible()
    page.go_back()
    page.wait_for_load_state()
    assert page.url == came_from
    assert "/chat" not in page.url
    assert page.locator("#log").count() == 0


def test_quick_exit_button_leaves_and_back_does_not_return(new_page, chat_server, site):
    page = new_page(PHONE)
    page.goto(site.start)
    open_chat(page, chat_server, site)
    say(page, "hi")
    expect(page.locator("#quick-exit")).to_be_in_viewport()
    page.locator("#quick-exit").click()
    _assert_left_for_good(page, site, site.start)


def test_escape_twice_leaves_and_back_does_not_return(new_page, chat_server, site):
    page = new_page()
    page.goto(site.start)
    open_chat(page, chat_server, site)
    say(page, "hi")
    page.locator("#message").focus()
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert page.url.startswith(chat_server.chat_url), "one Escape must not leave"
    page.keyboard.press("Escape")
    _assert_left_for_good(page, site, site.start)


def test_quick_exit_goes_to_bbc_weather_by_default(new_page, chat_server):
    page = new_page()
    page.goto(chat_server.chat_url)
    assert page.locator("html").get_attribute("data-exit-url") == "https://www.bbc.co.uk/weather"
    # A query string can't send the quick exit to a javascript: address.
    # Answered here: nothing leaves this machine.
    page.route(
        "https://www.bbc.co.uk/**",
        lambda r: r.fulfill(content_type="text/html", body="<h1>BBC Weather</h1>"),
    )
    page.goto(f"{chat_server.chat_url}?exit=javascript:alert(1)")
    page.locator("#quick-exit").click()
    page.wait_for_url("https://www.bbc.co.uk/weather")


# ------------------------------------------------------------------------- safe rendering


def test_script_typed_by_the_user_is_shown_as_text(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    say(page, attack)
    expect(page.locator("#log .msg-user .bubble").last).to_have_text(f"You said: {attack}")
    assert page.locator("#log script, #log img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_bot_text_is_text_and_only_http_and_tel_links_are_made(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = [
        {
            "text": "<b>Hi</b> <img src=x onerror=alert(1)> javascript:alert(2) "
            "Call Childline on 0800 1111 or 999, text 85258, see https://www.childline.org.uk. "
            "or ceop.police.uk, not data:text/html,<script>alert(3)</script> "
            "or me@nspcc.org.uk"
        },
        {"text": "Pick one", "buttons": [{"title": "<i>x</i>", "payload": "/affirm"}]},
        {
            "custom": {
                "escalation": {
                    "level": "urgent",
                    "reason": "self_harm",
                    "services": [
                        {"name": "Childline", "phone": "0800 1111", "url": "javascript:alert(4)"},
                        {"name": "<b>Shout</b>", "text": "85258"},
                        {"name": "Emergency services", "phone": "999"},
                    ],
                }
            }
        },
    ]
    page.route(
        "**/chat/webhook",
        lambda r: r.fulfill(status=200, content_type="application/json", body=json.dumps(hostile)),
    )
    say(page, "hello")
    bubble = page.locator("#log .msg-bot .bubble").first
    expect(bubble).to_contain_text("<b>Hi</b> <img src=x onerror=alert(1)>")
    hrefs = bubble.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs == [
        "tel:08001111",
        "tel:999",
        "https://www.childline.org.uk/",
        "https://ceop.police.uk/",
    ]
    assert page.locator("#log b, #log i, #log img, #log script").count() == 0
    expect(page.locator("#log .quick-reply")).to_have_text("<i>x</i>")
    card_links = page.locator("#log .emergency a")
    assert card_links.first.get_attribute("href") == "tel:999"
    card_hrefs = card_links.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert card_hrefs == ["tel:999", "tel:08001111"]
    expect(page.locator("#log .emergency")).to_contain_text("<b>Shout</b>")
    page.wait_for_timeout(300)
    assert dialogs == []


# ------------------------------------------------------------------------------- widget


def test_embed_widget_on_a_school_page(new_page, chat_server, site, screenshots):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport)
        page.goto(site.start)
        page.goto(site.school)
        launcher = page.locator("#helping-hands-widget .launcher")
        expect(launcher).to_be_visible()
        expect(launcher).to_have_attribute("aria-expanded", "false")
        # Nothing is fetched from the chat server until the pupil opens the chat.
        assert page.locator("#helping-hands-widget iframe").count() == 0
        page.screenshot(path=str(screenshots / f"widget-closed-{name}.png"))
        launcher.click()
        expect(launcher).to_have_attribute("aria-expanded", "true")
        frame_element = page.locator("#helping-hands-widget iframe")
        expect(frame_element).to_be_visible()
        frame = frame_element.element_handle().content_frame()
        frame.wait_for_selector("#message")
        say(frame, "hi")
        assert bot_texts(frame)
        page.screenshot(path=str(screenshots / f"widget-open-{name}.png"))
        assert page.context.cookies() == []
        assert storage_used(page) == NOTHING_STORED
        assert storage_used(frame) == NOTHING_STORED
        frame.locator("#quick-exit").click()
        _assert_left_for_good(page, site, site.start)


def test_embed_widget_escape_twice_on_the_school_page(new_page, chat_server, site):
    page = new_page()
    page.goto(site.start)
    page.goto(site.school)
    launcher = page.locator("#helping-hands-widget .launcher")
    launcher.click()
    expect(page.locator("#helping-hands-widget iframe")).to_be_visible()
    # Once loaded, the widget moves focus into the chat; wait for that, or on a slow machine it
    # can happen between the two key presses and split them across the two documents.
    chat = page.frame_locator("#helping-hands-widget iframe")
    expect(chat.locator("#message")).to_be_focused()
    launcher.focus()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    _assert_left_for_good(page, site, site.start)


# ---------------------------------------------------------------------------- anonymity


def test_nothing_is_stored_and_clear_chat_starts_a_new_sender(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    senders = []
    page.on(
        "request",
        lambda r: (
            senders.append(r.post_data_json["sender"]) if r.url.endswith("/chat/webhook") else None
        ),
    )
    say(page, "hi")
    say(page, "what is consent")
    assert page.context.cookies() == []
    assert storage_used(page) == NOTHING_STORED
    assert len(set(senders)) == 1 and re.fullmatch(r"[0-9a-f]{32}", senders[0])
    # The id lives in the script's closure, not on window.
    on_window = page.evaluate(
        """id => Object.keys(window).some(k => { try { return window[k] === id; }
                                                 catch (e) { return false; } })""",
        senders[0],
    )
    assert on_window is False
    expect(page.get_by_text("We don't keep what you type")).to_be_visible()

    page.get_by_role("button", name="Clear chat").click()
    expect(page.locator("#log > *")).to_have_count(0)
    expect(page.locator("#status")).to_have_text(re.compile("Chat cleared"))
    say(page, "hi")
    assert len(set(senders)) == 2 and senders[-1] != senders[0]
    assert page.context.cookies() == []
    assert storage_used(page) == NOTHING_STORED


# --------------------------------------------------------------------------------- errors


def test_server_unreachable_shows_an_error_and_retry_works(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    page.route("**/chat/webhook", lambda route: route.abort("connectionrefused"))
    page.locator("#message").fill("what is grooming")
    page.locator("#message").press("Enter")
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text("couldn't reach Helping Hands")
    expect(error.locator("a[href='tel:08001111']")).to_be_visible()
    expect(page.locator("#typing")).to_be_hidden()
    # The server is back: "Try again" sends the same message, without repeating it on screen.
    page.unroute("**/chat/webhook")
    page.get_by_role("button", name="Try again").click()
    page.wait_for_function("() => document.querySelectorAll('#log .msg-bot').length > 0")
    expect(error).to_be_hidden()
    expect(page.locator("#log .msg-user")).to_have_count(1)


# -------------------------------------------------------------------------- accessibility


def test_axe_finds_no_serious_or_critical_violations(new_page, chat_server, site):
    for viewport in (PHONE, DESKTOP):
        page = open_chat(new_page(viewport), chat_server, site)
        assert not (found := axe_violations(page)), describe(found)
        say(page, "what can you help with")
        say(page, DANGER)
        expect(page.locator("#log .emergency")).to_be_visible()
        assert not (found := axe_violations(page)), describe(found)
    # The error state, and the widget's launcher on a school page.
    page.route("**/chat/webhook", lambda route: route.abort())
    page.locator("#message").fill("hello")
    page.locator("#message").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    assert not (found := axe_violations(page)), describe(found)
    school = new_page()
    school.goto(site.school)
    assert not (found := axe_violations(school)), describe(found)


def test_log_is_a_live_region_and_controls_are_labelled(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("textbox", name="Type your message")).to_be_visible()
    for name in ("Send", "Quick exit", "Clear chat"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("0800"))).to_have_attribute(
        "href", "tel:08001111"
    )


def test_usable_by_keyboard_alone(new_page, chat_server, site):
    page = open_chat(new_page(), chat_server, site)
    focused = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate("() => document.activeElement.id || document.activeElement.textContent")
        )
    for control in ("clear-chat", "quick-exit", "childline", "message", "send"):
        assert control in focused, focused
    page.locator("#message").focus()
    page.keyboard.type("what can you help with")
    page.keyboard.press("Enter")
    first_reply = page.locator("#log .quick-reply").first
    expect(first_reply).to_be_visible()
    # From the text box, Shift+Tab reaches the quick replies; Enter presses one.
    page.locator("#message").focus()
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.classList.contains('quick-reply')"):
            break
    title = page.evaluate("() => document.activeElement.textContent")
    before = page.locator("#log .msg-bot").count()
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#log .msg-bot').length > n", arg=before)
    expect(page.locator("#log .msg-user .bubble").last).to_have_text(f"You said: {title}")
    # Focus returned to the text box, ready for the next message.
    assert page.evaluate("() => document.activeElement.id") == "message"


def _no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    client = page.evaluate("() => document.documentElement.clientWidth")
    assert width <= client, (width, client)


def test_works_at_320px_and_at_200_percent_text(new_page, chat_server, site, screenshots):
    # 320 CSS pixels wide (WCAG reflow): the header and composer stay, the conversation scrolls.
    page = open_chat(new_page({"width": 320, "height": 640}), chat_server, site)
    say(page, DANGER)
    _no_sideways_scrolling(page)
    for selector in ("#quick-exit", "#message", "#send", "#childline"):
        expect(page.locator(selector)).to_be_in_viewport()
    expect(page.locator("#log .emergency a[href='tel:999']")).to_be_in_viewport()
    page.screenshot(path=str(screenshots / "narrow-320.png"))

    # Text at 200% (the root font size doubled; everything is sized in rem). Too little room for
    # a fixed header: the page scrolls as a whole and the quick exit floats in the corner.
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    expect(page.locator("html")).to_have_class(re.compile("page-scroll"))
    _no_sideways_scrolling(page)
    expect(page.locator("#quick-exit")).to_be_in_viewport()
    page.screenshot(path=str(screenshots / "narrow-320-text-200-top.png"))
    before = page.locator("#log .msg-bot").count()
    say(page, "what is grooming")
    _no_sideways_scrolling(page)
    expect(page.locator("#quick-exit")).to_be_in_viewport()
    # The page scrolled to the start of the answer.
    expect(page.locator("#log .msg-bot").nth(before)).to_be_in_viewport()
    page.screenshot(path=str(screenshots / "narrow-320-text-200.png"))
    page.locator("#message").scroll_into_view_if_needed()
    for selector in ("#quick-exit", "#message", "#send"):
        expect(page.locator(selector)).to_be_in_viewport()

    # A 1280x800 window zoomed to 200% is a 640x400 CSS-pixel viewport.
    page = open_chat(
        new_page({"width": 640, "height": 400}, device_scale_factor=2), chat_server, site
    )
    say(page, DANGER)
    _no_sideways_scrolling(page)
    expect(page.locator("#quick-exit")).to_be_in_viewport()
    expect(page.locator("#log .emergency a[href='tel:999']")).to_be_in_viewport()
    page.screenshot(path=str(screenshots / "zoom-200.png"))
    page.locator("#message").scroll_into_view_if_needed()
    expect(page.locator("#message")).to_be_in_viewport()
    expect(page.locator("#quick-exit")).to_be_in_viewport()


def test_respects_reduced_motion(new_page, chat_server, site):
    page = open_chat(new_page(reduced_motion="reduce"), chat_server, site)
    page.route("**/chat/webhook", lambda route: None)  # never answers: typing stays up
    page.locator("#message").fill("hello")
    page.locator("#message").press("Enter")
    expect(page.locator("#typing")).to_be_visible()
    assert (
        page.locator("#typing .dot").first.evaluate("e => getComputedStyle(e).animationName")
        == "none"
    )
    moving = open_chat(new_page(reduced_motion="no-preference"), chat_server, site)
    moving.route("**/chat/webhook", lambda route: None)
    moving.locator("#message").fill("hello")
    moving.locator("#message").press("Enter")
    expect(moving.locator("#typing")).to_be_visible()
    assert (
        moving.locator("#typing .dot").first.evaluate("e => getComputedStyle(e).animationName")
        != "none"
    )
