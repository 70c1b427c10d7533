/* The station: keyboard shortcuts, the bed filter, the action panel and where focus goes,
 * refusals that stay until the person dismisses them or acts, errors shown where the person
 * looks (never only in the console), and idle logoff. No inline handlers: the
 * Content-Security-Policy forbids them. */
(function () {
  "use strict";
  if (window.unitboardStation) return;
  window.unitboardStation = true;

  var EMPTY_PANEL = '<aside id="panel" class="st-panel empty"><p class="muted">Click a bed (or Tab to it and press Enter) for its actions.</p></aside>';
  var lastActivity = Date.now();
  var kept = {};          // form id -> a refusal shown in it, put back after each push
  var focusKey = null;    // where focus was inside a part a push replaced
  var panelTile = null;   // the open panel's bed tile as it looked when the panel was drawn
  var refreshing = false; // the panel is being redrawn because its bed changed
  var refreshTimer = 0;
  var asked = 0;          // requests the person made: a redraw started before one is dropped
  var REDRAW = "X-Unitboard-Redraw";

  function root() { return document.querySelector(".st[data-idle-ms]"); }
  function panel() { return document.getElementById("panel"); }
  /* Whether the panel shows a bed. Not read from its class: while htmx settles a swap (20 ms)
   * the new panel wears the old one's classes. */
  function isOpen(p) { return !!p && p.hasAttribute("data-bed"); }
  function shown(el) { return !!el && el.getClientRects().length > 0; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localDates(where) {
    (where || document).querySelectorAll("time.local-datetime").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
        " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
    });
  }

  // -- focus ---------------------------------------------------------------------------------

  /* The first thing a person can act on in a part: the first visible form's first field it
   * needs, or its button when it needs none (an optional time is reached with Shift+Tab; a
   * form inside the closed "Update patient" section is not visible, so it is skipped). */
  function firstAction(part) {
    if (!part) return null;
    var forms = part.matches && part.matches("form") ? [part] : part.querySelectorAll("form.st-form");
    for (var i = 0; i < forms.length; i++) {
      var button = forms[i].querySelector("button[type=submit]");
      if (!shown(button)) continue;
      var needed = forms[i].querySelector("input[required]:not([type=hidden]), select[required]");
      return needed && shown(needed) ? needed : button;
    }
    return null;
  }

  function focusOn(el) { if (el) el.focus({ preventScroll: false }); }

  function tileOf(p) {
    var bed = p && p.getAttribute("data-bed");
    return bed ? document.getElementById("bed-" + bed) : null;
  }

  function tileLook(tile) {
    return tile ? tile.getAttribute("data-status") + "|" + tile.textContent.replace(/\s+/g, " ") : null;
  }

  /* A key that finds "the same" element in a redrawn part: its id, or its form's id and name. */
  function keyOf(el) {
    if (el.id) return "#" + CSS.escape(el.id);
    var holder = el.parentElement && el.parentElement.closest("[id]");
    if (!holder) return null;
    var base = "#" + CSS.escape(holder.id);
    if (el.name) return base + " " + el.tagName.toLowerCase() + '[name="' + CSS.escape(el.name) + '"]';
    if (el.type === "submit") return base + " button[type=submit]";
    return base;
  }

  function focusLost() {
    var a = document.activeElement;
    return !a || a === document.body || !document.body.contains(a);
  }

  // -- what a push must not wipe: refusals, and focus ----------------------------------------

  function remember(part) {
    part.querySelectorAll("form[id] .refusal").forEach(function (p) {
      kept[p.closest("form").id] = p.outerHTML;
    });
    var a = document.activeElement;
    if (a && a !== document.body && part.contains(a)) focusKey = keyOf(a);
  }

  function restore() {
    Object.keys(kept).forEach(function (id) {
      var form = document.getElementById(id);
      if (!form) { delete kept[id]; return; } // what it was about is gone
      if (!form.querySelector(".refusal")) form.insertAdjacentHTML("beforeend", kept[id]);
    });
    if (focusKey) {
      var key = focusKey;
      focusKey = null;
      var el = document.querySelector(key);
      if (el && focusLost()) el.focus({ preventScroll: true });
    }
  }

  function dismiss(p) {
    var form = p.closest("form");
    if (form && form.id) delete kept[form.id];
    p.remove();
    if (form && document.body.contains(form)) focusOn(firstAction(form));
  }

  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (e.detail.shouldSwap && e.detail.target) remember(e.detail.target);
  });
  document.addEventListener("unitboard:beforeApply", function (e) { remember(e.target); });
  document.addEventListener("unitboard:applied", restore);
  document.addEventListener("htmx:wsAfterMessage", function () {
    restore();
    filter();
    panelChanged();
  });

  // -- refusals and errors, in place -----------------------------------------------------------

  function refusalHtml(message) {
    var p = document.createElement("p");
    p.className = "refusal";
    p.setAttribute("role", "alert");
    p.textContent = message + " ";
    var b = document.createElement("button");
    b.type = "button";
    b.className = "dismiss";
    b.setAttribute("data-dismiss", "");
    b.textContent = "Dismiss";
    p.appendChild(b);
    return p;
  }

  function showRefusal(elt, message) {
    var where = (elt && elt.closest && elt.closest("form")) || panel();
    if (!where || !document.body.contains(where)) where = panel();
    if (!where) return;
    var old = where.querySelector(":scope > .refusal");
    if (old) old.remove();
    if (where.id === "panel" && !isOpen(where)) where.innerHTML = "";
    where.appendChild(refusalHtml(message));
  }

  function messageOf(xhr) {
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

  document.addEventListener("htmx:responseError", function (e) {
    if (!root()) return;
    showRefusal(e.detail.elt, messageOf(e.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function (e) {
    if (!root()) return;
    showRefusal(e.detail.elt, "unitboard could not be reached, so nothing was done. Check the connection, then try again.");
  });
  document.addEventListener("htmx:timeout", function (e) {
    if (!root()) return;
    showRefusal(e.detail.elt, "unitboard did not answer in time; check the board before trying again.");
  });
  // Acting on a form is the answer to its refusal: it goes, and the reply says what now.
  function isRedraw(detail) {
    var headers = detail.requestConfig && detail.requestConfig.headers;
    return !!(headers && headers[REDRAW]);
  }

  document.addEventListener("htmx:beforeRequest", function (e) {
    if (isRedraw(e.detail)) return;
    asked++;
    lastActivity = Date.now();
    var form = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("form");
    if (!form || !form.id) return;
    delete kept[form.id];
    var old = form.querySelector(".refusal");
    if (old) old.remove();
  });

  // -- the panel -------------------------------------------------------------------------------

  window.unitboardClosePanel = function () {
    var p = panel();
    if (!p) return;
    var tile = tileOf(p);
    p.outerHTML = EMPTY_PANEL;
    panelTile = null;
    if (tile) tile.focus();
  };

  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.target;
    if (!t) return;
    localDates(t);
    if (t.id === "history") { var h = t.querySelector(".st-history"); if (h) h.focus(); return; }
    if (t.id === "station-queue") { // a refusal from a row of the queue: back to that row's form
      var r = t.querySelector(".refusal");
      if (r) focusOn(firstAction(r.closest("form")) || r.querySelector("[data-dismiss]"));
      return;
    }
    if (t.id !== "panel") return;
    panelTile = tileLook(tileOf(t));
    if (refreshing) { refreshing = false; restore(); return; }
    var asked = e.detail.requestConfig || {};
    var opened = asked.verb === "get"; // a bed opened (a command's answer is a post)
    var refused = t.querySelector(".refusal");
    var notice = t.querySelector(".notice");
    if (opened) focusOn(firstAction(t) || t.querySelector("[data-close-panel]"));
    else if (refused) focusOn(firstAction(refused.closest("form") || t) || refused.querySelector("[data-dismiss]"));
    else if (notice) focusOn(notice);
  });

  /* The panel's bed changed under it (someone else acted): draw it again, unless the person
   * is typing in it, waits for an answer from it, or has a refusal there to read. */
  function panelChanged() {
    var p = panel();
    if (!isOpen(p)) return;
    var look = tileLook(tileOf(p));
    if (look === null || look === panelTile) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      var now = panel();
      if (!now || now !== p || document.querySelector(".htmx-request")) return;
      if (now.querySelector(".refusal") || typing(now)) return;
      var unit = root() && root().getAttribute("data-unit");
      var bed = now.getAttribute("data-bed");
      if (!unit || !bed) return;
      var history = now.querySelector("#history");
      var past = history ? history.innerHTML : "";
      remember(now);
      refreshing = true;
      var before = asked;
      var headers = {};
      headers[REDRAW] = String(before);
      htmx.ajax("GET", "/station/" + unit + "/bed/" + bed, { target: "#panel", swap: "outerHTML", headers: headers }).then(function () {
        var h = document.getElementById("history");
        if (h && past) h.innerHTML = past;
      }, function () { refreshing = false; });
    }, 150);
  }

  // A redraw whose answer comes after the person opened another bed, or acted, is dropped.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (!isRedraw(e.detail)) return;
    var now = panel();
    var started = Number(e.detail.requestConfig.headers[REDRAW]);
    var bed = (e.detail.requestConfig.path || "").split("/").pop();
    if (started !== asked || !now || now.getAttribute("data-bed") !== bed || e.detail.isError) {
      e.detail.shouldSwap = false;
      refreshing = false;
    }
  });

  function typing(part) {
    var a = document.activeElement;
    if (a && part.contains(a) && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName)) return true;
    return Array.prototype.some.call(part.querySelectorAll("input, textarea"), function (f) {
      return f.type !== "hidden" && f.value !== f.defaultValue;
    });
  }

  // -- after a reply: a form that asks for focus elsewhere (a new row of the queue) -------------

  document.addEventListener("htmx:afterRequest", function () {
    setTimeout(function () {
      restore();
      var asks = document.querySelector("[data-focus]");
      if (!asks) return;
      var target = document.getElementById(asks.getAttribute("data-focus"));
      asks.removeAttribute("data-focus");
      if (target) { target.scrollIntoView({ block: "nearest" }); target.focus(); }
    }, 0);
  });

  // -- the bed filter, clicks, keys -----------------------------------------------------------

  function filter() {
    var box = document.getElementById("st-filter");
    if (!box) return;
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll(".st-bed").forEach(function (el) {
      el.classList.toggle("dim", q !== "" && (el.getAttribute("data-search") || "").toLowerCase().indexOf(q) < 0);
    });
  }
  document.addEventListener("input", function (e) { if (e.target.id === "st-filter") filter(); });

  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    if (e.target.closest("[data-close-panel]")) { window.unitboardClosePanel(); return; }
    var d = e.target.closest("[data-dismiss]");
    if (d) dismiss(d.closest(".refusal"));
  });

  document.addEventListener("keydown", function (e) {
    if (!root()) return;
    var typingNow = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (e.key === "Escape") {
      if (e.target.closest && e.target.closest("details.unit-switch")) return; // its own Esc
      var adm = document.getElementById("new-admission");
      if (adm && adm.open && adm.contains(e.target)) {
        adm.open = false;
        adm.querySelector("summary").focus();
        return;
      }
      var p = panel();
      if (isOpen(p) || (p && p.querySelector(".notice, .refusal"))) window.unitboardClosePanel();
      return;
    }
    if (typingNow || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") { e.preventDefault(); document.getElementById("st-filter").focus(); }
    else if (e.key === "n") {
      var d2 = document.getElementById("new-admission");
      if (d2) { e.preventDefault(); d2.open = true; var f = document.getElementById("new-first"); if (f) f.focus(); }
    } else if (e.key === "q") {
      var s = document.querySelector("#station-queue select") || document.querySelector("#station-queue tr[tabindex]");
      if (s) { e.preventDefault(); s.focus(); }
    }
  });

  setInterval(function () {
    var r = root();
    if (!r) return;
    var ms = parseInt(r.getAttribute("data-idle-ms"), 10);
    if (ms > 0 && Date.now() - lastActivity > ms) window.location.href = "/login";
  }, 5000);

  document.addEventListener("DOMContentLoaded", function () { localDates(document); });
})();
