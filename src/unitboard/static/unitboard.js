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

  // An answer's forms work the moment they are shown. htmx takes over the forms of a swapped-in
  // part only once it settles, by default 20 ms later (longer on a busy machine); the station
  // puts focus on an action as its panel opens, and Enter pressed before then submitted the
  // bare form natively: a GET that reloaded the page and put the form's token in the address.
  // No screen animates a settle, so there is nothing to wait for.
  htmx.config.defaultSettleDelay = 0;

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

/* The station's keyboard, panel, refusals and idle logoff: static/station.js. */

// What a screen reader says of a live change: short sentences in the page's two live
// regions (base.html), #say politely, #say-now at once (refusals). Sentences said in the same
// moment are said together; the region is emptied first so that a sentence said again is
// said again. Each screen says its own changes: a count that rose (data-say-rise on the
// number: the wall's patients waiting, the house view's units), a refusal that came back
// as the answer to what the person did, or one that was on the page as it loaded.
(function () {
  "use strict";
  var queued = { say: [], "say-now": [] };
  var timer = 0;
  var counts = {};

  function flush() {
    Object.keys(queued).forEach(function (id) {
      var region = document.getElementById(id);
      if (region && queued[id].length) region.textContent = queued[id].join(" ");
      queued[id] = [];
    });
  }

  window.unitboardSay = function (text, urgent) {
    if (!text) return;
    var id = urgent ? "say-now" : "say";
    var region = document.getElementById(id);
    if (region && !queued[id].length) region.textContent = "";
    queued[id].push(text);
    clearTimeout(timer);
    timer = setTimeout(flush, 120);
  };

  /* The words of a refusal, without its "Dismiss" button. */
  function refusalText(el) {
    return Array.prototype.map.call(el.childNodes, function (n) {
      return n.nodeType === 1 && n.tagName === "BUTTON" ? "" : n.textContent;
    }).join("").replace(/\s+/g, " ").trim();
  }

  function sayRefusals(part) {
    if (!part || !part.querySelectorAll) return;
    var found = Array.prototype.slice.call(part.querySelectorAll(".refusal"));
    if (part.matches && part.matches(".refusal")) found.push(part);
    found.forEach(function (el) {
      if (el.unitboardSaid) return;
      el.unitboardSaid = true;
      window.unitboardSay("Refused: " + refusalText(el), true);
    });
  }
  window.unitboardSayRefusal = function (el) { sayRefusals(el); };

  function risen(quiet) {
    document.querySelectorAll("[data-say-rise]").forEach(function (el) {
      var what = el.getAttribute("data-say-rise");
      var n = parseInt(el.textContent, 10);
      if (isNaN(n)) return;
      if (!quiet && what in counts && n > counts[what]) window.unitboardSay(what + " (" + n + " waiting)");
      counts[what] = n;
    });
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.requestConfig) sayRefusals(e.target); // the answer to a request
  });
  document.addEventListener("htmx:wsAfterMessage", function () { risen(false); });
  document.addEventListener("DOMContentLoaded", function () {
    risen(true);
    var main = document.querySelector("main, body");
    sayRefusals(main);
  });
})();

// Never a lost entry: a push does not replace a part of the page in which the person is
// typing (a focused field, or a field whose value differs from what the page gave), nor one
// holding a form whose answer has not come back yet (the answer must find its form). The
// newest push for that part waits and is applied once the entry is sent or abandoned; the
// parts an answer itself brings replace what waited for them.
(function () {
  var waiting = {};
  var replying = false;
  function busy(el) {
    if (el.classList.contains("htmx-request") || el.querySelector(".htmx-request")) return true;
    if (el.hasAttribute("data-keeps-entries")) return false; // carries them across itself (station.js)
    var active = document.activeElement;
    if (active && el.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    return Array.prototype.some.call(el.querySelectorAll("input, textarea"), function (f) {
      return f.type !== "hidden" && f.value !== f.defaultValue;
    });
  }
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (target && target.id) delete waiting[target.id]; // the answer is newer
    replying = true; // the answer's own parts follow, in this same turn
    setTimeout(function () { replying = false; }, 0);
  });
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.id) return;
    if (replying) { delete waiting[target.id]; return; }
    if (!busy(target)) return;
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
      el.dispatchEvent(new CustomEvent("unitboard:beforeApply", { bubbles: true }));
      htmx.swap(el, html, { swapStyle: "outerHTML" });
      document.dispatchEvent(new CustomEvent("unitboard:applied"));
    });
  }
  document.addEventListener("focusout", function () { setTimeout(applyWaiting, 0); });
  document.addEventListener("htmx:afterRequest", function () { setTimeout(applyWaiting, 0); });
  setInterval(applyWaiting, 1000);
})();

// Ages and countdowns, for every screen (the one ticker: no screen keeps its own): kept right
// by the browser every second between pushes (a push never carries a second).
// [data-age="ISO"] shows how long ago: 42 s, 12 min, 1 h 5 min. Beside it, data-age-in says
// it otherwise where a screen always did: "minutes" never shows seconds (0 min, 12 min,
// 1 h 5 min: a wait for a bed, a cleaning), "stopwatch" counts like one (0:42, 12:05,
// 1:02:10: the wall's call lights); data-late-after="30" (minutes) puts the class "late" on
// an age from then on. [data-countdown="ISO"] shows how long until (1:05, 0:42), then 0:00,
// when the class "expired" goes on it. window.unitboardTime gives the same words (and the
// parsing of the server's times) to a screen that writes its own.
(function () {
  "use strict";
  if (window.unitboardTime) return;

  function parse(iso) { return Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clockText(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s % 60);
  }

  function ageText(ms, unit) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (unit === "stopwatch") return clockText(s);
    if (s < 60 && unit !== "minutes") return s + " s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  function untilText(ms) {
    return clockText(Math.max(0, Math.ceil(ms / 1000)));
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-age]").forEach(function (el) {
      var at = parse(el.getAttribute("data-age"));
      if (isNaN(at)) return;
      var text = ageText(now - at, el.getAttribute("data-age-in"));
      if (el.textContent !== text) el.textContent = text;
      var late = parseFloat(el.getAttribute("data-late-after"));
      if (!isNaN(late)) el.classList.toggle("late", now - at >= late * 60000);
    });
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var at = parse(el.getAttribute("data-countdown"));
      if (isNaN(at)) return;
      var text = untilText(at - now);
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("expired", now >= at);
    });
  }

  window.unitboardTime = { parse: parse, ageText: ageText, untilText: untilText, tick: tick };
  document.addEventListener("htmx:wsAfterMessage", tick);
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("unitboard:applied", tick);
  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 1000);
})();

// What a person reads when a tap or a form failed: the refusal the answer carries, or what
// its status means, or that unitboard could not be reached or did not answer. Each screen
// says where it shows it: unitboardOnFailure(showAt), showAt(what was acted on, message).
(function () {
  "use strict";
  function failureText(xhr) {
    var text = xhr && xhr.responseText;
    if (text) {
      var found = new DOMParser().parseFromString(text, "text/html").querySelector(".refusal, .message");
      if (found && found.textContent.trim()) return found.textContent.trim();
    }
    var status = xhr ? xhr.status : 0;
    if (status === 403) return "You may not do this from your role, or the page has expired: reload it.";
    if (status === 404) return "This is no longer here: it changed meanwhile. Choose again.";
    if (status === 413) return "Too much was typed to send at once.";
    if (status === 429) return "Too many requests at once; try again in a moment.";
    if (status >= 500) return "unitboard could not do this just now (error " + status + "). Try again; if it keeps failing, call the help desk.";
    return "This was not done (error " + status + ").";
  }
  /* A refusal as every screen shows it: the words, and a Dismiss button (`dismissClass`
     styles it for the screen). */
  window.unitboardRefusal = function (message, dismissClass) {
    var p = document.createElement("p");
    p.className = "refusal";
    p.setAttribute("role", "alert");
    p.textContent = message + " ";
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = dismissClass;
    dismiss.setAttribute("data-dismiss", "");
    dismiss.textContent = "Dismiss";
    p.appendChild(dismiss);
    return p;
  };
  window.unitboardOnFailure = function (showAt) {
    document.addEventListener("htmx:responseError", function (e) {
      showAt(e.detail.elt, failureText(e.detail.xhr));
    });
    document.addEventListener("htmx:sendError", function (e) {
      showAt(e.detail.elt, "unitboard could not be reached, so nothing was done. Check the connection, then try again.");
    });
    document.addEventListener("htmx:timeout", function (e) {
      showAt(e.detail.elt, "unitboard did not answer in time; check the screen before trying again.");
    });
  };
})();
