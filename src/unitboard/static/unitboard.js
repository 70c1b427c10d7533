/* unitboard screens: the live-connection watchdog, the clock and local times.
 * One WebSocket per screen (htmx ws extension). A screen never shows stale data silently:
 * the red OFFLINE banner goes up as soon as the socket closes, or when no message (push or
 * the server's 2-second heartbeat) has arrived for STALE_MS; it comes down only after the
 * reconnected socket delivered its first message (the snapshot of everything missed). */
(function () {
  "use strict";
  var STALE_MS = 4500;
  var lastMessage = Date.now();
  var open = false;
  var lastPosition = 0;

  // Reconnect: exponential backoff capped at 5 s, with jitter (no thundering herd).
  htmx.config.wsReconnectDelay = function (retryCount) {
    var base = Math.min(5000, 400 * Math.pow(2, retryCount));
    return base / 2 + Math.random() * base / 2;
  };

  function banner(show) {
    var el = document.getElementById("offline");
    if (!el) return;
    el.hidden = !show;
    document.body.classList.toggle("is-offline", show);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hms(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }

  function localTimes() {
    document.querySelectorAll("time.local-time").forEach(function (el) {
      var iso = el.getAttribute("datetime");
      if (iso) { var d = new Date(iso); if (!isNaN(d)) el.textContent = hms(d); }
    });
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var d = new Date(el.getAttribute("data-since"));
      if (isNaN(d)) return;
      var minutes = Math.max(0, Math.floor((now - d.getTime()) / 60000));
      el.textContent = minutes < 60 ? minutes + " min" : Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
      el.classList.toggle("late", minutes >= 30);
    });
  }

  function remember() {
    var el = document.getElementById("position");
    if (el) lastPosition = parseInt(el.getAttribute("data-position"), 10) || lastPosition;
    document.documentElement.setAttribute("data-position", String(lastPosition));
  }

  document.addEventListener("htmx:wsOpen", function () { open = true; });
  document.addEventListener("htmx:wsClose", function (e) {
    open = false;
    banner(true);
    // The session ended (logged out elsewhere, disabled, idle, token revoked): the page
    // must not go on showing patients; reloading lands on the login (or display token) page.
    var close = e.detail && e.detail.event;
    if (close && close.code === 4401) window.location.reload();
  });
  document.addEventListener("htmx:wsError", function () { open = false; banner(true); });
  document.addEventListener("htmx:wsAfterMessage", function () {
    lastMessage = Date.now();
    if (open) banner(false);
    remember();
    localTimes();
  });
  document.addEventListener("htmx:afterSwap", localTimes);

  // A socket that died without a close (cable pulled, NAT dropped it), or one closed with a
  // code the extension does not retry, is replaced: after a silence of 8-12 s, open anew.
  var revivedAt = 0;
  function revive() {
    var silent = Date.now() - lastMessage;
    if (silent < 8000 + Math.random() * 4000 || Date.now() - revivedAt < 8000) return;
    var elt = document.querySelector("[ws-connect]");
    var data = elt && elt["htmx-internal-data"];
    if (data && data.webSocket) {
      revivedAt = Date.now();
      data.webSocket.init();
    }
  }

  setInterval(function () {
    var clock = document.getElementById("clock");
    if (clock) clock.textContent = hms(new Date()).slice(0, 5);
    if (Date.now() - lastMessage > STALE_MS) banner(true);
    revive();
    localTimes();
  }, 1000);

  document.addEventListener("DOMContentLoaded", function () {
    remember();
    localTimes();
    var clock = document.getElementById("clock");
    if (clock) clock.textContent = hms(new Date()).slice(0, 5);
  });
})();

/* The station: keyboard shortcuts, bed filter, action panel, idle logoff. */
function unitboardClosePanel() {
  var panel = document.getElementById("panel");
  if (!panel) return;
  panel.outerHTML = '<aside id="panel" class="st-panel empty"><p class="muted">Click a bed (or Tab to it and press Enter) for its actions.</p></aside>';
}
(function () {
  "use strict";
  var lastActivity = Date.now();
  function root() { return document.querySelector("[data-idle-ms]"); }
  function filter() {
    var box = document.getElementById("st-filter");
    if (!box) return;
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll(".st-bed").forEach(function (el) {
      el.classList.toggle("dim", q !== "" && (el.getAttribute("data-search") || "").toLowerCase().indexOf(q) < 0);
    });
  }
  document.addEventListener("input", function (e) { if (e.target.id === "st-filter") filter(); });
  // No inline handlers (the Content-Security-Policy forbids them): the panel's close button
  // is found by its data attribute.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-close-panel]")) unitboardClosePanel();
  });
  document.addEventListener("htmx:wsAfterMessage", filter);
  document.addEventListener("htmx:beforeRequest", function () { lastActivity = Date.now(); });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "panel") {
      var first = e.target.querySelector("input:not([type=hidden]), select, button[type=submit]");
      if (first) first.focus();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (!root()) return;
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (e.key === "Escape") {
      unitboardClosePanel();
      var d = document.getElementById("new-admission"); if (d) d.open = false;
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") { e.preventDefault(); document.getElementById("st-filter").focus(); }
    else if (e.key === "n") {
      e.preventDefault();
      var d2 = document.getElementById("new-admission");
      if (d2) { d2.open = true; var f = document.getElementById("new-first"); if (f) f.focus(); }
    } else if (e.key === "q") {
      var s = document.querySelector("#station-queue select"); if (s) { e.preventDefault(); s.focus(); }
    }
  });
  setInterval(function () {
    var r = root();
    if (!r) return;
    var ms = parseInt(r.getAttribute("data-idle-ms"), 10);
    if (ms > 0 && Date.now() - lastActivity > ms) window.location.href = "/login";
  }, 5000);
})();

// Never a lost entry: a push does not replace a part of the page in which the person is
// typing (a focused field, or a field whose value differs from what the page gave). The
// newest push for that part waits and is applied once the entry is sent or abandoned.
(function () {
  var waiting = {};
  function busy(el) {
    var active = document.activeElement;
    if (active && el.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    return Array.prototype.some.call(el.querySelectorAll("input, textarea"), function (f) {
      return f.type !== "hidden" && f.value !== f.defaultValue;
    });
  }
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.id || !busy(target)) return;
    var holder = document.createElement("div");
    holder.appendChild(e.detail.fragment.cloneNode(true));
    holder.querySelectorAll("[hx-swap-oob]").forEach(function (n) { n.removeAttribute("hx-swap-oob"); });
    waiting[target.id] = holder.innerHTML;
    e.detail.shouldSwap = false;
  });
  function applyWaiting() {
    Object.keys(waiting).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) { delete waiting[id]; return; }
      if (busy(el)) return;
      var html = waiting[id];
      delete waiting[id];
      htmx.swap(el, html, { swapStyle: "outerHTML" });
    });
  }
  document.addEventListener("focusout", function () { setTimeout(applyWaiting, 0); });
  document.addEventListener("htmx:afterRequest", function () { setTimeout(applyWaiting, 0); });
  setInterval(applyWaiting, 1000);
})();
