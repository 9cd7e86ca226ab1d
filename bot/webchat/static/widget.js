/* Helping Hands chat widget. A school adds one line to its pages:
 *
 *   <script src="https://CHAT-SERVER/chat/widget.js"></script>
 *
 * Optional attributes on that script tag:
 *   data-exit-url="https://..."   where Quick exit goes (default: BBC Weather)
 *   data-label="..."              the launcher button's text (default: "Need help? Chat to us")
 *   data-position="left"          put the launcher bottom-left instead of bottom-right
 *
 * It adds a launcher button and, when opened, a panel holding the chat page (/chat) in an iframe.
 * Nothing is loaded from the chat server until the button is pressed, and nothing is stored:
 * no cookies, no localStorage. Quick exit (in the chat, or Esc twice while it is open) replaces
 * this page with the neutral one, so Back does not return to it.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || document.getElementById("helping-hands-widget")) return;

  var DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";
  var QUICK_EXIT_MESSAGE = "helping-hands:quick-exit";
  var FOCUS_MESSAGE = "helping-hands:focus";
  var ESCAPE_WINDOW_MS = 2000;

  function isWebUrl(value) {
    if (typeof value !== "string" || !value) return false;
    try {
      var url = new URL(value, window.location.href);
      return (url.protocol === "http:" || url.protocol === "https:") && url.host !== "";
    } catch (e) {
      return false;
    }
  }

  var chatBase = new URL("./", script.src); // .../chat/
  var chatOrigin = chatBase.origin;
  var requestedExit = script.getAttribute("data-exit-url");
  var exitUrl = isWebUrl(requestedExit)
    ? new URL(requestedExit, window.location.href).href
    : DEFAULT_EXIT_URL;
  var label = script.getAttribute("data-label") || "Need help? Chat to us";
  var left = script.getAttribute("data-position") === "left";

  var CSS = [
    ":host { all: initial; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    ".launcher { position: fixed; bottom: 1rem; z-index: 2147483000;",
    "  display: inline-flex; align-items: center; gap: 0.5rem; min-height: 3rem;",
    "  padding: 0.625rem 1.125rem; border: 2px solid #fff; border-radius: 1.75rem;",
    "  font: 700 1rem/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;",
    "  color: #fff; background: #1d4f91; cursor: pointer;",
    "  box-shadow: 0 0.25rem 1rem rgba(0, 0, 0, 0.3); }",
    ".launcher:hover { background: #153a6b; }",
    ".launcher:focus-visible { outline: 3px solid #1b1b1b; outline-offset: 2px;",
    "  box-shadow: 0 0 0 6px #ffbf47; }",
    ".icon { width: 1.25rem; height: 1.25rem; flex: none; }",
    ".panel { position: fixed; bottom: 5rem; z-index: 2147483000;",
    "  width: min(26rem, calc(100vw - 2rem)); height: min(42rem, calc(100vh - 6.5rem));",
    "  background: #fff; border: 1px solid #c4cad3; border-radius: 0.75rem; overflow: hidden;",
    "  box-shadow: 0 0.5rem 2rem rgba(0, 0, 0, 0.35); }",
    ".panel iframe { display: block; width: 100%; height: 100%; border: 0; }",
    ".right { right: 1rem; } .left { left: 1rem; }",
    "@media (max-width: 30em) {",
    "  .panel { top: 0; bottom: 4.75rem; left: 0; right: 0; width: auto; height: auto;",
    "    border-radius: 0; border: 0; }",
    "  .launcher { bottom: 0.75rem; }",
    "}",
    "@media (forced-colors: active) { .launcher, .panel { border: 2px solid CanvasText; } }",
  ].join("\n");

  var host = document.createElement("div");
  host.id = "helping-hands-widget";
  var shadow = host.attachShadow({ mode: "open" });

  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function") {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement("style");
    style.textContent = CSS;
    shadow.appendChild(style);
  }

  var side = left ? "left" : "right";
  var panel = document.createElement("div");
  panel.className = "panel " + side;
  panel.id = "helping-hands-panel";
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", "Helping Hands chat");
  panel.hidden = true;

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher " + side;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", panel.id);
  var svgNs = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(svgNs, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("class", "icon");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  var path = document.createElementNS(svgNs, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute(
    "d",
    "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"
  );
  icon.appendChild(path);
  var launcherText = document.createElement("span");
  launcherText.textContent = label;
  launcher.appendChild(icon);
  launcher.appendChild(launcherText);

  shadow.appendChild(panel);
  shadow.appendChild(launcher);

  var frame = null;
  var open = false;

  function chatUrl() {
    var url = new URL(chatBase.href);
    url.searchParams.set("embed", "1");
    url.searchParams.set("exit", exitUrl);
    return url.href;
  }

  function focusChat() {
    if (!frame || !frame.contentWindow) return;
    frame.focus();
    frame.contentWindow.postMessage({ type: FOCUS_MESSAGE }, chatOrigin);
  }

  function setOpen(value) {
    open = value;
    if (open && !frame) {
      frame = document.createElement("iframe");
      frame.title = "Helping Hands chat";
      frame.setAttribute("referrerpolicy", "no-referrer");
      frame.addEventListener("load", function () {
        if (open) focusChat();
      });
      frame.src = chatUrl();
      panel.appendChild(frame);
    }
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    launcherText.textContent = open ? "Close chat" : label;
    if (open) focusChat();
  }

  var exiting = false;
  function quickExit() {
    if (exiting) return;
    exiting = true;
    // Take the chat off this page first, then replace the page (so Back can't return to it).
    host.remove();
    window.location.replace(exitUrl);
  }

  launcher.addEventListener("click", function () {
    setOpen(!open);
  });

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== chatOrigin) return;
    if (event.data && event.data.type === QUICK_EXIT_MESSAGE) quickExit();
  });

  // Esc twice while the chat is open leaves, as it does inside the chat.
  var lastEscape = 0;
  document.addEventListener(
    "keydown",
    function (event) {
      if (!open || (event.key !== "Escape" && event.key !== "Esc")) return;
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

  function attach() {
    document.body.appendChild(host);
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
