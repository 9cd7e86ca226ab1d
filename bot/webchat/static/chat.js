/* Helping Hands web chat. Plain JavaScript, no libraries, nothing loaded from elsewhere.
 *
 * Privacy: no cookies, no localStorage or sessionStorage. The sender id is random and lives only
 * in this script's memory, so it is gone when the tab closes, the chat is cleared or the quick
 * exit is used.
 * Safety: everything typed or received is put on the page as text (textContent / text nodes),
 * never as HTML. Only http(s) and tel: links are ever made clickable.
 */
(function () {
  "use strict";

  var DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";
  var WEBHOOK = "/chat/webhook";
  var TIMEOUT_MS = 30000;
  var ESCAPE_WINDOW_MS = 2000;
  var QUICK_EXIT_MESSAGE = "helping-hands:quick-exit";
  var FOCUS_MESSAGE = "helping-hands:focus";

  var doc = document;
  var root = doc.documentElement;

  function isWebUrl(value) {
    if (typeof value !== "string" || !value) return false;
    try {
      var url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.host !== "";
    } catch (e) {
      return false;
    }
  }

  var embedded = (function () {
    try {
      return window.self !== window.top;
    } catch (e) {
      return true;
    }
  })();

  var params = new URLSearchParams(window.location.search);
  var exitUrl = [params.get("exit"), root.getAttribute("data-exit-url"), DEFAULT_EXIT_URL].filter(
    isWebUrl
  )[0];

  // ---------------------------------------------------------------- quick exit (first, always)

  var exiting = false;

  function quickExit() {
    if (exiting) return;
    exiting = true;
    senderId = "";
    // Wipe the conversation from the page before leaving.
    try {
      doc.title = "";
      doc.body.replaceChildren();
    } catch (e) {
      /* leave anyway */
    }
    if (embedded) {
      // The widget on the school's page replaces that page; this is a fallback if it can't.
      try {
        window.parent.postMessage({ type: QUICK_EXIT_MESSAGE }, "*");
      } catch (e) {
        /* ignore */
      }
      try {
        window.top.location.replace(exitUrl);
        return;
      } catch (e) {
        /* fall through: at least leave this frame */
      }
    }
    // replace(), not assign(): the chat is not left in the history, so Back doesn't return to it.
    window.location.replace(exitUrl);
  }

  var lastEscape = 0;
  doc.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Escape" && event.key !== "Esc") return;
      var now = Date.now();
      if (now - lastEscape <= ESCAPE_WINDOW_MS) {
        event.preventDefault();
        quickExit();
      } else {
        lastEscape = now;
      }
    },
    true
  );

  // ------------------------------------------------------------------------------- the page

  function byId(id) {
    return doc.getElementById(id);
  }

  var log = byId("log");
  var conversation = byId("conversation");
  var form = byId("composer");
  var input = byId("message");
  var typing = byId("typing");
  var errorBox = byId("error");
  var retryButton = byId("retry");
  var statusRegion = byId("status");

  if (embedded) root.classList.add("is-embedded");

  // Fixed header and composer when there is room for them at this text size, else the whole
  // page scrolls (see .page-scroll in chat.css). Measured in rem, so browser zoom, a larger
  // default font and enlarged text all count.
  function fitLayout() {
    var rem = parseFloat(window.getComputedStyle(root).fontSize) || 16;
    var short = window.innerHeight < 28 * rem || window.innerWidth < 17 * rem;
    root.classList.toggle("page-scroll", short);
  }
  fitLayout();
  window.addEventListener("resize", fitLayout);
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(fitLayout).observe(doc.querySelector(".top"));
  }

  function newSenderId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    return hex;
  }

  var senderId = newSenderId();
  var generation = 0; // bumped by "clear chat": replies to an older conversation are dropped
  var pending = 0;
  var queue = Promise.resolve();
  var failed = null; // the message to send again when "Try again" is pressed

  function el(tag, className, text) {
    var node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function hiddenText(text) {
    return el("span", "visually-hidden", text);
  }

  // ------------------------------------------------------------------------------- linkify

  // One pass over the text: web addresses, bare domains we use, and UK phone numbers.
  var LINK_PATTERN = new RegExp(
    [
      "(https?:\\/\\/[^\\s<>\"'`]+)",
      "(www\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)+(?:\\/[^\\s<>\"'`]*)?)",
      "([a-z0-9][a-z0-9-]*(?:\\.[a-z0-9-]+)*\\.(?:org\\.uk|co\\.uk|police\\.uk|gov\\.uk|nhs\\.uk|uk|org|com)(?![a-z0-9-])(?:\\/[^\\s<>\"'`]*)?)",
      "(\\b0\\d{2,4}(?: \\d{3,4}){1,2}\\b|\\b0\\d{9,10}\\b|\\b116 ?\\d{3}\\b|\\b(?:999|112|111|101)\\b)",
    ].join("|"),
    "gi"
  );
  var TRAILING = /[.,;:!?'")\]]+$/;

  function telHref(number) {
    var digits = String(number).replace(/\D/g, "");
    return digits ? "tel:" + digits : null;
  }

  function webHref(candidate) {
    var href = /^https?:\/\//i.test(candidate) ? candidate : "https://" + candidate;
    return isWebUrl(href) ? new URL(href).href : null;
  }

  function externalLink(href, text) {
    var a = el("a", null, text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(hiddenText(" (opens in a new tab)"));
    return a;
  }

  function telLink(href, text) {
    var a = el("a", null, text);
    a.href = href;
    return a;
  }

  /** Text as a fragment of text nodes and safe anchors. */
  function linkify(text) {
    var fragment = doc.createDocumentFragment();
    var last = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while ((match = LINK_PATTERN.exec(text)) !== null) {
      var start = match.index;
      var found = match[0];
      var before = start > 0 ? text.charAt(start - 1) : "";
      var node = null;
      var tail = "";
      if (match[4]) {
        var href = telHref(found);
        if (href && !/[\d+]/.test(before)) node = telLink(href, found);
      } else if (!/[@\w.\/-]/.test(before)) {
        var trailing = TRAILING.exec(found);
        if (trailing) {
          tail = trailing[0];
          found = found.slice(0, found.length - tail.length);
        }
        var web = webHref(found);
        if (web) node = externalLink(web, found);
      }
      if (!node) continue; // not a link after all: it stays part of the text
      if (start > last) fragment.appendChild(doc.createTextNode(text.slice(last, start)));
      fragment.appendChild(node);
      if (tail) fragment.appendChild(doc.createTextNode(tail));
      last = start + match[0].length;
    }
    if (last < text.length) fragment.appendChild(doc.createTextNode(text.slice(last)));
    return fragment;
  }

  // ------------------------------------------------------------------------------ rendering

  /** Scroll so that `node` starts in view (or the end of the chat is shown, if that's less). */
  function scrollToShow(node) {
    if (!node || !conversation) return;
    var overflow = window.getComputedStyle(conversation).overflowY;
    if (overflow === "auto" || overflow === "scroll") {
      var top = node.offsetTop - 8;
      var bottom = conversation.scrollHeight - conversation.clientHeight;
      conversation.scrollTop = Math.max(0, Math.min(top, bottom));
      return;
    }
    // Short windows and very large text: the whole page scrolls, under the floating quick exit.
    var exitButton = byId("quick-exit");
    var offset = exitButton ? exitButton.getBoundingClientRect().bottom : 0;
    var pageTop = node.getBoundingClientRect().top + window.scrollY - offset - 8;
    var pageBottom = doc.documentElement.scrollHeight - window.innerHeight;
    window.scrollTo(0, Math.max(0, Math.min(pageTop, pageBottom)));
  }

  function addUserMessage(text) {
    var row = el("div", "msg msg-user");
    var bubble = el("p", "bubble");
    bubble.appendChild(hiddenText("You said: "));
    bubble.appendChild(doc.createTextNode(text));
    row.appendChild(bubble);
    log.appendChild(row);
    return row;
  }

  function addBotText(text) {
    var row = el("div", "msg msg-bot");
    var bubble = el("p", "bubble");
    bubble.appendChild(hiddenText("Helping Hands said: "));
    bubble.appendChild(linkify(text));
    row.appendChild(bubble);
    log.appendChild(row);
    return row;
  }

  function removeQuickReplies() {
    var groups = log.querySelectorAll(".quick-replies");
    for (var i = 0; i < groups.length; i++) groups[i].remove();
  }

  function addQuickReplies(buttons) {
    var group = el("div", "quick-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    buttons.forEach(function (button) {
      if (!button || typeof button !== "object") return;
      var title = typeof button.title === "string" ? button.title : "";
      var payload = typeof button.payload === "string" ? button.payload : title;
      if (!title || !payload) return;
      var b = el("button", "quick-reply", title);
      b.type = "button";
      b.addEventListener("click", function () {
        removeQuickReplies();
        send(payload, title);
        input.focus();
      });
      group.appendChild(b);
    });
    if (!group.childNodes.length) return null;
    log.appendChild(group);
    return group;
  }

  var cardCount = 0;

  function addEmergencyCard(escalation) {
    var services = Array.isArray(escalation.services) ? escalation.services.slice() : [];
    services = services.filter(function (s) {
      return s && typeof s === "object" && typeof s.name === "string";
    });
    // 999 always comes first when it is there.
    services.sort(function (a, b) {
      var a999 = telHref(a.phone) === "tel:999" ? 0 : 1;
      var b999 = telHref(b.phone) === "tel:999" ? 0 : 1;
      return a999 - b999;
    });
    var emergency = escalation.level === "emergency";
    cardCount += 1;
    var headingId = "help-now-" + cardCount;
    var card = el("section", "emergency emergency-" + (emergency ? "now" : "urgent"));
    card.setAttribute("aria-labelledby", headingId);
    var heading = el("h2", "emergency-heading", "Get help now");
    heading.id = headingId;
    card.appendChild(heading);
    card.appendChild(
      el(
        "p",
        "emergency-lead",
        emergency
          ? "If you or someone else is in danger now, call 999."
          : "You don't have to deal with this alone. These people can help:"
      )
    );
    var list = el("ul", "services");
    services.forEach(function (service) {
      var item = el("li", "service");
      var links = el("div", "service-links");
      var tel = typeof service.phone === "string" ? telHref(service.phone) : null;
      var web = typeof service.url === "string" ? webHref(service.url) : null;
      if (tel) {
        var call = el("a", "svc-link svc-call" + (tel === "tel:999" ? " svc-emergency" : ""));
        call.href = tel;
        call.appendChild(el("span", null, "Call " + service.phone));
        call.appendChild(el("small", null, service.name));
        links.appendChild(call);
      }
      if (web) {
        var site = el("a", "svc-link svc-web");
        site.href = web;
        site.target = "_blank";
        site.rel = "noopener noreferrer";
        site.appendChild(el("span", null, service.name + " website"));
        site.appendChild(el("small", null, new URL(web).hostname.replace(/^www\./, "")));
        site.appendChild(hiddenText(" (opens in a new tab)"));
        links.appendChild(site);
      }
      if (!tel && !web) {
        item.appendChild(el("span", "service-name", service.name));
        if (typeof service.text === "string" && service.text) {
          item.appendChild(el("p", "service-text", "Text " + service.text));
        }
      } else if (typeof service.text === "string" && service.text) {
        links.appendChild(el("p", "service-text", "Or text " + service.text));
      }
      if (links.childNodes.length) item.appendChild(links);
      list.appendChild(item);
    });
    card.appendChild(list);
    log.appendChild(card);
    return card;
  }

  function escalationOf(reply) {
    var custom = reply && typeof reply === "object" ? reply.custom : null;
    if (!custom || typeof custom !== "object") return null;
    var escalation = custom.escalation;
    return escalation && typeof escalation === "object" ? escalation : null;
  }

  function render(replies) {
    var first = null;
    // Someone in danger now: the emergency card comes first, before any words.
    var emergencies = replies.filter(function (reply) {
      var escalation = escalationOf(reply);
      return escalation && escalation.level === "emergency";
    });
    replies = emergencies.concat(
      replies.filter(function (reply) {
        return emergencies.indexOf(reply) < 0;
      })
    );
    replies.forEach(function (reply) {
      if (!reply || typeof reply !== "object") return;
      var added = [];
      var escalation = escalationOf(reply);
      var cardFirst = escalation && escalation.level === "emergency";
      if (cardFirst) added.push(addEmergencyCard(escalation));
      if (typeof reply.text === "string" && reply.text.trim()) added.push(addBotText(reply.text));
      var buttons = Array.isArray(reply.buttons)
        ? reply.buttons
        : Array.isArray(reply.quick_replies)
          ? reply.quick_replies
          : null;
      if (buttons && buttons.length) added.push(addQuickReplies(buttons));
      if (escalation && !cardFirst) added.push(addEmergencyCard(escalation));
      added.forEach(function (node) {
        if (node && !first) first = node;
      });
    });
    scrollToShow(first);
  }

  // ------------------------------------------------------------------------------- talking

  function showTyping() {
    typing.hidden = pending === 0;
    if (!typing.hidden) scrollToShow(typing);
  }

  function showError(message) {
    failed = message;
    errorBox.hidden = false;
    scrollToShow(errorBox);
  }

  function hideError() {
    failed = null;
    errorBox.hidden = true;
  }

  function post(message) {
    var controller = new AbortController();
    var timer = setTimeout(function () {
      controller.abort();
    }, TIMEOUT_MS);
    return fetch(WEBHOOK, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: senderId, message: message }),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      signal: controller.signal,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!Array.isArray(data)) throw new Error("unexpected reply");
        return data;
      })
      .finally(function () {
        clearTimeout(timer);
      });
  }

  function deliver(message) {
    var mine = generation;
    pending += 1;
    showTyping();
    queue = queue.then(function () {
      if (mine !== generation) return null;
      return post(message).then(
        function (replies) {
          if (mine === generation) render(replies);
        },
        function () {
          if (mine === generation) showError(message);
        }
      ).finally(function () {
        if (mine === generation) {
          pending = Math.max(0, pending - 1);
          showTyping();
        }
      });
    });
  }

  /** Send `message` to the bot, showing `shown` (a button's title) as what the user said. */
  function send(message, shown) {
    if (exiting || !message) return;
    hideError();
    removeQuickReplies();
    var row = addUserMessage(shown || message);
    scrollToShow(row);
    deliver(message);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    input.value = "";
    send(text);
  });

  retryButton.addEventListener("click", function () {
    var message = failed;
    hideError();
    input.focus();
    if (message) deliver(message);
  });

  byId("clear-chat").addEventListener("click", function () {
    generation += 1;
    pending = 0;
    queue = Promise.resolve();
    senderId = newSenderId();
    log.replaceChildren();
    hideError();
    showTyping();
    input.value = "";
    conversation.scrollTop = 0;
    statusRegion.textContent = "";
    setTimeout(function () {
      statusRegion.textContent = "Chat cleared. You are starting a new conversation.";
    }, 50);
    input.focus();
  });

  byId("quick-exit").addEventListener("click", quickExit);

  // The widget asks for focus when a pupil opens the chat panel.
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.source === window) return;
    if (event.data && event.data.type === FOCUS_MESSAGE) input.focus();
  });

  // Never restore a conversation from the back/forward cache.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      log.replaceChildren();
      senderId = newSenderId();
    }
  });
})();
