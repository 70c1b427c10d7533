/* The station: keyboard shortcuts, the bed filter, the action panel and where focus goes,
 * refusals that stay until the person dismisses them or acts, errors shown where the person
 * looks (never only in the console), what a screen reader is told of live changes (a new
 * patient waiting, a new call light, a page acknowledged, a transport turned late, the open
 * bed changed, a refusal), the call lights turning overdue, the page composer (its live count,
 * Enter sends, composing about a light), what was typed carried across a push, a patient's
 * orders and prints drawn again when they change (never the order being typed), and idle
 * logoff. No inline handlers: the Content-Security-Policy forbids them. */
(function () {
  "use strict";
  if (window.unitboardStation) return;
  window.unitboardStation = true;

  var EMPTY_PANEL = '<aside id="panel" class="st-panel empty"><p class="muted">Click a bed (or Tab to it and press Enter) for its actions.</p></aside>';
  var lastActivity = Date.now();
  var kept = {};          // form id -> a refusal shown in it, put back after each push
  var focusKey = null;    // where focus was inside a part a push replaced
  var panelTile = null;   // the open panel's bed tile as it looked when the panel was drawn
  var refreshing = false; // the panel is being redrawn because its bed changed (REFRESH: asked)
  var refreshTimer = 0;
  var asked = 0;          // requests the person made: a redraw started before one is dropped
  var waitingSaid = null; // ids of the queue's rows already said aloud
  var placed = null;      // the field the panel put focus in as it opened (keyOf): not typing yet
  var carried = {};       // part id -> what was typed in its forms, put back after a push
  var focusRange = null;  // the caret of the field that had focus when its part was replaced
  var lostNotes = {};     // part id -> a note that what was typed there could not be put back
  var notices = {};       // part id -> the confirmation it showed ({html, until}), through pushes
  var NOTICE_MS = 20000;  // how long a confirmation stays when nothing else is done
  var lightsSaid = null;  // ids of the call lights already said aloud
  var pageStates = null;  // page id -> "sent" | "acknowledged", as last drawn
  var REDRAW = "X-Unitboard-Redraw";
  var REFRESH = "refresh"; // the person asked for the panel as it is now, typed values and all
  var RECORDS = "records"; // the open panel's orders and prints, drawn again (its tile changed)
  var recordsTimer = 0;
  var orderStates = null;  // order id -> state, as the open panel last showed them

  function root() { return document.querySelector(".st[data-idle-ms]"); }
  function panel() { return document.getElementById("panel"); }
  /* Whether the panel shows a bed. Not read from its class: while htmx settles a swap (20 ms)
   * the new panel wears the old one's classes. */
  function isOpen(p) { return !!p && p.hasAttribute("data-bed"); }
  /* Laid out and not hidden; the content of a closed <details> is laid out, but not shown. */
  function shown(el) {
    if (!el) return false;
    return el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : el.getClientRects().length > 0;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function say(text, urgent) { if (window.unitboardSay) window.unitboardSay(text, urgent); }

  function localDates(where) {
    (where || document).querySelectorAll("time.local-datetime").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
        " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
    });
    // a time of today as 10:42, of a day this week (before or after) as Thu 10:42, else dated
    (where || document).querySelectorAll("time.local-hm").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
      var now = new Date();
      if (d.toDateString() === now.toDateString()) el.textContent = hm;
      else if (Math.abs(d - now) < 6 * 86400000) el.textContent = d.toLocaleDateString(undefined, { weekday: "short" }) + " " + hm;
      else el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + hm;
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

  /* How a bed looks, to tell that it changed: its status, its text, and what the panel shows
   * beyond the tile (data-look: the attending, a transport job's state). */
  function tileLook(tile) {
    if (!tile) return null;
    return tile.getAttribute("data-status") + "|" + (tile.getAttribute("data-look") || "") + "|" +
      tile.textContent.replace(/\s+/g, " ");
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

  function remember(part, except) {
    part.querySelectorAll("form[id] .refusal").forEach(function (p) {
      kept[p.closest("form").id] = p.outerHTML;
    });
    var a = document.activeElement;
    if (a && a !== document.body && part.contains(a)) {
      focusKey = keyOf(a);
      focusRange = typeof a.selectionStart === "number" ? [a.selectionStart, a.selectionEnd] : null;
    }
    keepEntries(part, except);
  }

  /* Never a lost entry, in the parts that are replaced as a whole by each push (the call
   * lights, the page composer: data-keeps-entries): what was typed or chosen in their forms
   * is carried into the new part, form by form (`except`: the form just sent). */
  function keepEntries(part, except) {
    if (!part.id || !part.hasAttribute("data-keeps-entries")) return;
    var notice = except === undefined && part.querySelector(".notice[data-keep]"); // a push, not an answer
    if (notice) {
      var before = notices[part.id];
      var until = before && before.html === notice.outerHTML ? before.until : Date.now() + NOTICE_MS;
      notices[part.id] = { html: notice.outerHTML, until: until };
    }
    var found = [];
    part.querySelectorAll("form[id]").forEach(function (form) {
      if (form.id === except) return;
      form.querySelectorAll("input, select, textarea").forEach(function (f) {
        if (f.type === "hidden" || !f.name || !changed(f)) return;
        found.push({ form: form.id, name: f.name, value: f.value, checked: f.checked,
          about: form.getAttribute("data-about") || "", gone: form.getAttribute("data-gone") || "" });
      });
    });
    if (found.length) carried[part.id] = found; else delete carried[part.id];
  }

  function putEntriesBack() {
    Object.keys(carried).forEach(function (id) {
      var part = document.getElementById(id);
      if (!part) return;
      var lost = [];
      carried[id].forEach(function (e) {
        var form = document.getElementById(e.form);
        var f = form && form.querySelector('[name="' + CSS.escape(e.name) + '"]');
        if (!f || (f.tagName === "SELECT" && !hasOption(f, e.value))) { lost.push(e); return; }
        if (f.type === "checkbox" || f.type === "radio") f.checked = e.checked;
        else f.value = e.value;
        f.dispatchEvent(new Event("input", { bubbles: true })); // a live count follows
      });
      delete carried[id];
      if (lost.length) noteLost(part, lost);
    });
    Object.keys(notices).forEach(function (id) {
      var part = document.getElementById(id);
      var anchor = part && part.querySelector("[data-notice-after]");
      if (!anchor || Date.now() > notices[id].until) { delete notices[id]; return; }
      if (!part.querySelector(".notice[data-keep]")) anchor.insertAdjacentHTML("afterend", notices[id].html);
    });
    Object.keys(lostNotes).forEach(function (id) {
      var part = document.getElementById(id);
      if (!part) return;
      if (!part.querySelector("[data-lost]")) part.querySelector("h2, h3, form").insertAdjacentHTML("afterend", lostNotes[id]);
      part.querySelector("[data-lost]").unitboardSaid = true;
    });
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  /* What was typed for something gone meanwhile (a light answered or cleared by someone
   * else, a choice no longer offered) is said, with the words typed, until dismissed. */
  function noteLost(part, lost) {
    var words = lost.map(function (e) {
      if (e.about) return "The light on " + e.about + " was answered or cleared meanwhile: your note “" + e.value + "” was not sent.";
      if (e.gone) return e.gone + " what you typed (“" + e.value + "”) was not sent.";
      return "What you chose for “" + e.name + "” is no longer offered: choose again.";
    }).join(" ");
    var p = window.unitboardRefusal(words, "dismiss");
    p.setAttribute("data-lost", "");
    lostNotes[part.id] = p.outerHTML;
    var old = part.querySelector("[data-lost]");
    if (old) old.remove();
    (part.querySelector("h2, h3") || part.firstElementChild || part).insertAdjacentElement("afterend", p);
    if (window.unitboardSayRefusal) window.unitboardSayRefusal(p);
  }

  function restore() {
    putEntriesBack();
    Object.keys(kept).forEach(function (id) {
      var form = document.getElementById(id);
      if (!form) { delete kept[id]; return; } // what it was about is gone
      if (form.querySelector(".refusal")) return;
      form.insertAdjacentHTML("beforeend", kept[id]);
      form.lastElementChild.unitboardSaid = true; // said when it came; not again
    });
    if (focusKey) {
      var key = focusKey;
      focusKey = null;
      var el = document.querySelector(key);
      if (el && focusLost()) {
        el.focus({ preventScroll: true });
        if (focusRange && el.setSelectionRange) {
          try { el.setSelectionRange(focusRange[0], focusRange[1]); } catch (e) { /* not a text field */ }
        }
      }
      focusRange = null;
    }
  }

  function dismiss(p) {
    if (p.hasAttribute("data-lost")) {
      var part = p.parentElement && p.parentElement.closest("[id]");
      if (part) delete lostNotes[part.id];
    }
    var form = p.closest("form");
    if (form && form.id) delete kept[form.id];
    p.remove();
    if (form && document.body.contains(form)) focusOn(firstAction(form));
  }

  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (e.detail.shouldSwap && e.detail.target) remember(e.detail.target);
  });
  document.addEventListener("unitboard:beforeApply", function (e) { remember(e.target); });
  document.addEventListener("unitboard:applied", function () { restore(); sayNewlyWaiting(); sayCalls(); tick(); });
  document.addEventListener("htmx:wsAfterMessage", function () {
    restore();
    filter();
    sayNewlyWaiting();
    sayCalls();
    tick();
    panelChanged();
    recordsChanged();
  });

  /* A patient who joined the queue since it was last drawn is said aloud, by initials and
   * unit (each row carries its sentence: data-say). The rows on the page as it loads are not. */
  function sayNewlyWaiting() {
    var now = {};
    document.querySelectorAll("#station-queue tr[data-say]").forEach(function (row) {
      now[row.id] = true;
      if (waitingSaid && !waitingSaid[row.id]) say(row.getAttribute("data-say"));
    });
    waitingSaid = now;
  }

  // -- refusals and errors, in place -----------------------------------------------------------

  function showRefusal(elt, message) {
    var where = (elt && elt.closest && elt.closest("form")) || panel();
    if (!where || !document.body.contains(where)) where = panel();
    if (!where) return;
    var old = where.querySelector(":scope > .refusal");
    if (old) old.remove();
    if (where.id === "panel" && !isOpen(where)) where.innerHTML = "";
    var p = window.unitboardRefusal(message, "dismiss");
    where.appendChild(p);
    if (window.unitboardSayRefusal) window.unitboardSayRefusal(p);
  }

  window.unitboardOnFailure(function (elt, message) {
    if (root()) showRefusal(elt, message);
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
    var part = form && form.closest("[data-keeps-entries]");
    if (part) delete notices[part.id]; // its answer says what was done now
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
    if (t.id === "station-calls" || t.id === "composer-form" || t.id === "station-transports") { answered(t); return; }
    if (t.id === "panel-orders") { // the orders again: after a push, or answering a row's form
      localDates(panel());
      if (isRedraw(e.detail)) restore(); else answered(t);
      sayOrders(isRedraw(e.detail));
      return;
    }
    if (t.id !== "panel") return;
    panelTile = tileLook(tileOf(t));
    sayOrders(false);
    if (refreshing === REFRESH) { // asked for by the person: as if opened afresh
      refreshing = false;
      focusKey = null;
      focusFirst(t);
      return;
    }
    if (refreshing) { refreshing = false; restore(); return; }
    var asked = e.detail.requestConfig || {};
    var opened = asked.verb === "get"; // a bed opened (a command's answer is a post)
    var refused = t.querySelector(".refusal");
    var notice = t.querySelector(".notice");
    if (opened) focusFirst(t);
    else if (refused) focusOn(firstAction(refused.closest("form") || t) || refused.querySelector("[data-dismiss]"));
    else if (notice) focusOn(notice);
  });

  /* A bed just opened: its first action has focus, which is not yet the person typing. */
  function focusFirst(p) {
    var first = firstAction(p);
    placed = first ? keyOf(first) : null;
    focusOn(first || p.querySelector("[data-close-panel]"));
  }

  /* The panel's bed changed under it (someone else acted): it is said aloud, and the panel
   * drawn again, once no answer is awaited. Not over what the person is typing there, nor a
   * refusal they have to read: the panel stays as it is, with a notice that the bed changed
   * and a button that draws it as it is now. */
  function panelChanged() {
    var p = panel();
    if (!isOpen(p)) return;
    var look = tileLook(tileOf(p));
    if (look === null || look === panelTile) return;
    panelTile = look;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { redraw(p); }, 150);
  }

  function redraw(p) {
    var now = panel();
    if (!now || now !== p) return; // another bed, or the same one drawn anew meanwhile
    if (document.querySelector(".htmx-request")) { // an answer is on its way: after it
      refreshTimer = setTimeout(function () { redraw(p); }, 300);
      return;
    }
    if (now.querySelector(".refusal") || typing(now)) { changedUnderfoot(now, typing(now)); return; }
    say(bedName(now) + " changed");
    fetchPanel(now, "");
  }

  function fetchPanel(p, why) {
    var unit = root() && root().getAttribute("data-unit");
    var bed = p.getAttribute("data-bed");
    if (!unit || !bed) return;
    var history = p.querySelector("#history");
    var past = history ? history.innerHTML : "";
    var opened = Array.prototype.map.call(p.querySelectorAll("details[id][open]"), function (d) { return d.id; });
    remember(p);
    refreshing = why || true;
    var headers = {};
    headers[REDRAW] = asked + (why ? ":" + why : "");
    htmx.ajax("GET", "/station/" + unit + "/bed/" + bed, { target: "#panel", swap: "outerHTML", headers: headers }).then(function () {
      var h = document.getElementById("history");
      if (h && past && !why) h.innerHTML = past;
      opened.forEach(function (id) { // a section the person had opened stays open
        var d = document.getElementById(id);
        if (d && panel() && panel().contains(d)) d.open = true;
      });
    }, function () { refreshing = false; });
  }

  /* The open panel's orders or prints changed (its bed's tile carries their digest): the list
   * and the prints are drawn again, never the order being typed; what is typed in the list
   * (a reason to discontinue) and a refusal there are carried over. */
  function recordsChanged() {
    var p = panel();
    var part = document.getElementById("panel-orders");
    if (!isOpen(p) || !part || !p.contains(part)) return;
    var tile = tileOf(p);
    if (!tile || (tile.getAttribute("data-orders") || "") === part.getAttribute("data-look")) return;
    clearTimeout(recordsTimer);
    recordsTimer = setTimeout(function () {
      var unit = root() && root().getAttribute("data-unit");
      if (panel() !== p || !unit) return;
      var headers = {};
      headers[REDRAW] = asked + ":" + RECORDS;
      htmx.ajax("GET", "/station/" + unit + "/bed/" + p.getAttribute("data-bed") + "/orders",
        { target: "#panel-orders", swap: "outerHTML", headers: headers });
    }, 100);
  }

  /* An order of the open panel whose state changed live (co-signed elsewhere, overdue) is
   * said aloud; `speak` false only notes the states as drawn. */
  function sayOrders(speak) {
    var states = {};
    document.querySelectorAll("#panel-orders li[data-order]").forEach(function (row) {
      var id = row.getAttribute("data-order"), state = row.getAttribute("data-state");
      states[id] = state;
      var shown = row.querySelector(".st-order-state");
      if (speak && orderStates && orderStates[id] && orderStates[id] !== state && shown) {
        say("Order " + id + ": " + shown.textContent.trim(), state === "overdue");
      }
    });
    orderStates = states;
  }

  /* The read-back (required then) shows for a verbal or telephone order, "Received by" for a
   * verbal one; hidden, they are not sent. */
  function showByMode(form) {
    var mode = form && form.querySelector("[data-order-mode]");
    if (!mode) return;
    form.querySelectorAll("[data-modes]").forEach(function (part) {
      var on = part.getAttribute("data-modes").split(" ").indexOf(mode.value) >= 0;
      part.hidden = !on;
      part.querySelectorAll("input, select").forEach(function (f) {
        f.disabled = !on;
        if (f.type === "checkbox") f.required = on;
      });
    });
  }
  /* A birth date typed as digits alone (19500204) takes the dashes it needs. */
  document.addEventListener("input", function (e) {
    var f = e.target;
    if (!f.matches || !f.matches("input[data-iso-date]") || !/^\d{8}$/.test(f.value)) return;
    f.value = f.value.slice(0, 4) + "-" + f.value.slice(4, 6) + "-" + f.value.slice(6);
  });
  ["change", "input"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      if (e.target.matches && e.target.matches("[data-order-mode]")) showByMode(e.target.closest("form"));
    });
  });

  function bedName(p) {
    var label = tileOf(p) && tileOf(p).querySelector(".st-bed-label");
    return "Bed " + (label ? label.textContent.trim() : p.getAttribute("data-bed"));
  }

  /* What the person typed (or the refusal they read) stays; a notice says the bed changed,
   * with a way to see it as it is now. */
  function changedUnderfoot(p, typed) {
    var when = typed ? " while you were typing" : " since";
    var note = p.querySelector(".st-stale");
    if (!note) {
      note = document.createElement("p");
      note.className = "st-stale";
      note.setAttribute("tabindex", "-1");
      note.textContent = "This bed changed" + when + " — review. ";
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-refresh-panel", "");
      b.title = "Show the bed as it is now (what you typed here is dropped)";
      b.textContent = "Refresh";
      note.appendChild(b);
      var head = p.querySelector(".st-panel-head");
      if (head) head.insertAdjacentElement("afterend", note); else p.insertBefore(note, p.firstChild);
    }
    say(bedName(p) + " changed" + when + " — review");
  }

  // The answer to a form in a part that carries entries: the part's other forms keep theirs.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var t = e.detail.target;
    if (isRedraw(e.detail) || !t || !t.hasAttribute || !t.hasAttribute("data-keeps-entries")) return;
    var sent = e.detail.requestConfig && e.detail.requestConfig.elt;
    var form = sent && sent.closest && sent.closest("form");
    keepEntries(t, form ? form.id : null);
  });

  // A redraw whose answer comes after the person opened another bed, or acted, is dropped;
  // so is one that would replace what they began typing meanwhile (unless they asked for it).
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (!isRedraw(e.detail)) return;
    var now = panel();
    var mark = String(e.detail.requestConfig.headers[REDRAW]).split(":");
    var bed = ((e.detail.requestConfig.path || "").match(/\/bed\/([^/?]+)/) || [])[1];
    if (mark[1] === RECORDS) { // the panel's orders: the person may be typing an order meanwhile
      var part = document.getElementById("panel-orders");
      var stale = Number(mark[0]) !== asked || !part || !now || now.getAttribute("data-bed") !== bed;
      if (stale || e.detail.isError) e.detail.shouldSwap = false;
      else remember(part);
      return;
    }
    if (Number(mark[0]) !== asked || !now || now.getAttribute("data-bed") !== bed || e.detail.isError) {
      e.detail.shouldSwap = false;
      refreshing = false;
    } else if (mark[1] !== REFRESH && (now.querySelector(".refusal") || typing(now))) {
      e.detail.shouldSwap = false;
      refreshing = false;
      changedUnderfoot(now, typing(now));
    }
  });

  /* Whether the person is filling a form in this part: a field of it has focus (other than
   * the one the panel gave focus to as it opened), or a field differs from what the page gave
   * (typed, chosen, ticked). */
  function typing(part) {
    var a = document.activeElement;
    if (a && part.contains(a) && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName) && keyOf(a) !== placed) return true;
    return Array.prototype.some.call(part.querySelectorAll("input, textarea, select"), function (f) {
      return f.type !== "hidden" && changed(f);
    });
  }

  /* A field that differs from what the page gave: typed in, chosen, ticked. */
  function changed(f) {
    if (f.tagName === "SELECT") return f.selectedIndex !== defaultIndex(f);
    if (f.type === "checkbox" || f.type === "radio") return f.checked !== f.defaultChecked;
    return f.value !== f.defaultValue;
  }

  /* The option a select shows when untouched: the one marked selected, else the first. */
  function defaultIndex(select) {
    for (var i = 0; i < select.options.length; i++) if (select.options[i].defaultSelected) return i;
    return select.options.length ? 0 : -1;
  }

  // -- after a reply: a form that asks for focus elsewhere (a new row of the queue) -------------

  document.addEventListener("htmx:afterRequest", function () {
    setTimeout(function () {
      restore();
      sayNewlyWaiting();
      sayCalls();
      recordsChanged();
      var asks = document.querySelector("[data-focus]");
      if (!asks) return;
      var target = document.getElementById(asks.getAttribute("data-focus"));
      asks.removeAttribute("data-focus");
      if (target && asks.closest("#panel")) say(asks.textContent.trim()); // focus leaves it
      if (target) { target.scrollIntoView({ block: "nearest" }); target.focus(); }
    }, 0);
  });

  // -- call lights and pages -------------------------------------------------------------------

  /* The answer to a light's form or to the composer: a refusal takes focus back to what it
   * is about; after a light is answered, the next light waiting for an answer has its note
   * field (the desk answers them in turn); otherwise the confirmation has focus. */
  function answered(part) {
    restore();
    tick();
    sayCalls();
    var refused = part.querySelector("form .refusal");
    if (refused) {
      var form = refused.closest("form");
      var message = form.querySelector("textarea[data-max]");
      focusOn(message && count(message) > max(message) ? message : firstAction(form) || refused.querySelector("[data-dismiss]"));
      return;
    }
    var stray = part.querySelector(":scope > .refusal");
    if (stray) { focusOn(stray.querySelector("[data-dismiss]")); return; }
    var notice = part.querySelector(".notice");
    var next = part.id === "station-calls" && part.querySelector(".st-call.status-raised input[name=note]");
    if (next) { if (notice) say(notice.textContent); focusOn(next); }
    else if (notice) focusOn(notice);
  }

  var parse = window.unitboardTime.parse;

  /* Every second, in the browser (no push per second): a light past its answer target marked
   * overdue, acknowledged pages past their time gone. The ages of lights and pages tick in
   * the ticker every screen shares (static/unitboard.js). */
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".st-call[data-due]").forEach(function (el) {
      var due = parse(el.getAttribute("data-due"));
      el.classList.toggle("overdue", !isNaN(due) && now >= due);
    });
    document.querySelectorAll("[data-drop-at]").forEach(function (el) {
      var drop = parse(el.getAttribute("data-drop-at"));
      if (!isNaN(drop) && now >= drop) el.hidden = true;
    });
  }
  setInterval(tick, 1000);

  /* A light not shown before is said aloud (a code blue at once); so is a page the desk
   * follows turning acknowledged. The ones on the page as it loads are not. */
  function sayCalls() {
    var lights = {};
    document.querySelectorAll("#station-calls li[data-call]").forEach(function (row) {
      var id = row.getAttribute("data-call");
      lights[id] = true;
      if (lightsSaid && !lightsSaid[id]) {
        say(row.getAttribute("data-say"), row.hasAttribute("data-urgent"));
        row.classList.add("fresh");
      }
    });
    lightsSaid = lights;
    var states = {};
    document.querySelectorAll("#station-pages li[data-page]").forEach(function (row) {
      var id = row.getAttribute("data-page");
      states[id] = row.getAttribute("data-state");
      if (pageStates && pageStates[id] === "sent" && states[id] === "acknowledged") say(row.getAttribute("data-say-done"));
    });
    pageStates = states;
  }

  // the composer's live count: "42/160", red past what a page holds (sending then is refused)
  function count(field) { return Array.from(field.value.trim()).length; }
  function max(field) { return parseInt(field.getAttribute("data-max"), 10) || 160; }

  function showCount(field) {
    var shown = document.querySelector('[data-count-of="' + field.id + '"]');
    if (!shown) return;
    var n = count(field), limit = max(field);
    var over = n > limit;
    if (over && !shown.classList.contains("over")) say("Over " + limit + " characters: a page holds " + limit + ".");
    shown.firstChild.textContent = n + "/" + limit;
    shown.classList.toggle("over", over);
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-max]")) showCount(e.target);
  });

  /* The composer, open and in view whole (the side column scrolls it to its top). */
  function openComposer() {
    var box = document.getElementById("page-composer");
    if (!box) return null;
    box.open = true;
    box.scrollIntoView({ block: "start" });
    return document.getElementById("f-page");
  }

  /* "Page about this light": the composer opens about it, to the patient's nurse, at the
   * light's urgency, the message begun; the person writes the rest. */
  function pageAbout(button) {
    var form = openComposer();
    if (!form) return;
    var set = function (name, value) {
      var f = form.querySelector('[name="' + name + '"]');
      if (f && value && (f.tagName !== "SELECT" || hasOption(f, value))) f.value = value;
    };
    set("regarding", button.getAttribute("data-page-about"));
    set("to", button.getAttribute("data-to"));
    set("priority", button.getAttribute("data-priority"));
    var message = form.querySelector("textarea[name=message]");
    if (message && !message.value.trim()) message.value = button.getAttribute("data-message") || "";
    showCount(message);
    var to = form.querySelector("select[name=to]");
    var target = to && !to.value ? to : message;
    focusOn(target);
    if (target === message) message.setSelectionRange(message.value.length, message.value.length);
  }

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
    if (e.target.closest("[data-refresh-panel]")) {
      lastActivity = Date.now();
      var open = panel();
      if (isOpen(open)) fetchPanel(open, REFRESH);
      return;
    }
    var about = e.target.closest("[data-page-about]");
    if (about) { lastActivity = Date.now(); pageAbout(about); return; }
    var d = e.target.closest("[data-dismiss]");
    if (d) dismiss(d.closest(".refusal"));
  });

  document.addEventListener("keydown", function (e) {
    if (!root()) return;
    var typingNow = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (e.key === "Enter" && !e.shiftKey && e.target.matches && e.target.matches("textarea[data-enter-sends]")) {
      e.preventDefault(); // a page is one short message: Enter sends it, Shift+Enter a new line
      var sending = e.target.closest("form");
      if (sending && !sending.classList.contains("htmx-request")) sending.requestSubmit();
      return;
    }
    if (e.key === "Escape") {
      if (e.target.closest && e.target.closest("details.unit-switch")) return; // its own Esc
      var entry = document.getElementById("order-entry");
      if (entry && entry.open && entry.contains(e.target)) {
        entry.open = false; // what was typed stays, for when it opens again
        entry.querySelector("summary").focus();
        return;
      }
      var adm = document.getElementById("new-admission");
      if (adm && adm.open && adm.contains(e.target)) {
        adm.open = false;
        adm.querySelector("summary").focus();
        return;
      }
      var box = document.getElementById("page-composer");
      if (box && box.open && box.contains(e.target)) {
        box.open = false; // what was typed stays, for when it opens again
        box.querySelector("summary").focus();
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
    } else if (e.key === "p") {
      var composing = openComposer();
      if (composing) { e.preventDefault(); focusOn(composing.querySelector("select[name=to]")); }
    } else if (e.key === "c") {
      var light = document.querySelector("#station-calls input[name=note], #station-calls .st-call button");
      if (light) { e.preventDefault(); light.scrollIntoView({ block: "nearest" }); light.focus(); }
    } else if (e.key === "t") {
      var asking = document.querySelector("#transport-request");
      if (asking) { e.preventDefault(); asking.open = true; focusOn(asking.querySelector("select[name=destination]")); return; }
      var job = document.querySelector("#station-transports select, #station-transports input:not([type=hidden]), #station-transports h2");
      if (job) { e.preventDefault(); job.scrollIntoView({ block: "nearest" }); job.focus(); }
    } else if (e.key === "o") {
      var ordering = document.getElementById("order-entry");
      if (ordering) {
        e.preventDefault();
        ordering.open = true;
        ordering.scrollIntoView({ block: "nearest" });
        focusOn(ordering.querySelector("input[name=mrn]"));
      }
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

  document.addEventListener("DOMContentLoaded", function () { localDates(document); sayNewlyWaiting(); sayCalls(); tick(); });

  /* A transport job that turned late since the list was last drawn is said aloud, where it
   * goes from and to (each late row carries its sentence: data-late). */
  var lateSaid = null;
  function sayLateTransports() {
    var now = {};
    document.querySelectorAll("#station-transports tr[data-late]").forEach(function (row) {
      now[row.id] = true;
      if (lateSaid && !lateSaid[row.id]) say(row.getAttribute("data-late"));
    });
    lateSaid = now;
  }
  document.addEventListener("htmx:wsAfterMessage", sayLateTransports);
  document.addEventListener("unitboard:applied", sayLateTransports);
  document.addEventListener("DOMContentLoaded", sayLateTransports);
})();
