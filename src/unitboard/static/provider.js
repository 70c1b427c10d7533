/* The provider's co-sign queue (/provider): what the person ticked stays ticked through live
 * pushes (an order that left the queue leaves the selection), "Select all" and "Co-sign N
 * selected" follow the ticks, focus stays on the checkbox or button it was on when a push
 * redraws the list, the answer to a co-sign takes focus where it is shown, a tap that fails
 * is said on the order's row (or above the list), a new order is said aloud, and times
 * carry their day when it is not today. The offline banner, the catch-up and the ages
 * ticking are every screen's (static/unitboard.js). No inline handlers: the CSP forbids them. */
(function () {
  "use strict";
  if (window.unitboardProvider) return;
  window.unitboardProvider = true;

  var TITLE = "Orders to co-sign — unitboard";
  var chosen = {};    // order id -> true: ticked, kept through pushes
  var focusedId = null; // the id of what had focus in a part a push replaced
  var kept = {};      // row id -> a refusal shown on it (a tap that failed), put back after pushes
  var seen = null;    // order ids shown so far; null before the first look

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("#pv-queue input[data-select]"));
  }

  /* The ticks, "Select all" and the bulk button, as the selection says. */
  function sync() {
    var all = boxes();
    var present = {};
    all.forEach(function (box) {
      present[box.value] = true;
      box.checked = !!chosen[box.value];
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-chosen", box.checked);
    });
    Object.keys(chosen).forEach(function (id) { if (!present[id]) delete chosen[id]; });
    var n = Object.keys(chosen).length;
    var bulk = document.getElementById("pv-bulk");
    if (bulk && !bulk.closest(".htmx-request")) {
      bulk.textContent = n ? "Co-sign " + n + " selected" : "Co-sign selected";
      bulk.disabled = !n;
    }
    var every = document.getElementById("pv-all");
    if (every) {
      every.checked = all.length > 0 && n === all.length;
      every.indeterminate = n > 0 && n < all.length;
    }
    var bar = document.getElementById("pv-bar");
    if (bar) bar.hidden = !all.length;
  }

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (box.id === "pv-all") {
      boxes().forEach(function (b) { if (box.checked) chosen[b.value] = true; else delete chosen[b.value]; });
    } else if (box.matches && box.matches("input[data-select]")) {
      if (box.checked) chosen[box.value] = true; else delete chosen[box.value];
    } else {
      return;
    }
    sync();
  });

  // -- times with their day ------------------------------------------------------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function when() {
    var today = new Date().toDateString();
    document.querySelectorAll("time[data-when]").forEach(function (el) {
      var at = new Date(window.unitboardTime.parse(el.getAttribute("datetime")));
      if (isNaN(at)) return;
      var text = pad(at.getHours()) + ":" + pad(at.getMinutes());
      if (at.toDateString() !== today) {
        text = at.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" }) + " " + text;
      }
      if (el.textContent !== text) el.textContent = text;
    });
  }

  // -- new orders, said; the count in the tab's title ----------------------------------------

  function announce() {
    var rows = document.querySelectorAll("#pv-queue tr[data-order]");
    var now = {};
    rows.forEach(function (row) { now[row.getAttribute("data-order")] = row; });
    if (seen !== null && window.unitboardSay) {
      Object.keys(now).forEach(function (id) {
        if (!seen[id]) window.unitboardSay("New " + now[id].getAttribute("data-say") + " to co-sign.");
      });
    }
    seen = now;
    var queue = document.getElementById("pv-queue");
    var count = queue ? parseInt(queue.getAttribute("data-awaiting"), 10) || 0 : 0;
    document.title = (count ? "(" + count + ") " : "") + TITLE;
  }

  // -- refusals of a tap that failed, on its row and kept ------------------------------------

  function restore() {
    Object.keys(kept).forEach(function (id) {
      var row = document.getElementById(id);
      if (!row) { delete kept[id]; return; } // what it was about is gone
      if (row.querySelector(".refusal")) return;
      var cell = row.querySelector(".pv-act");
      if (cell) cell.insertAdjacentHTML("beforeend", kept[id]);
      row.querySelectorAll(".refusal").forEach(function (p) { p.unitboardSaid = true; });
    });
  }

  window.unitboardOnFailure(function (elt, message) {
    var p = window.unitboardRefusal(message, "pv-dismiss");
    var row = elt && elt.closest ? elt.closest("tr[data-order]") : null;
    var cell = row && row.querySelector(".pv-act");
    if (cell) {
      var old = cell.querySelector(".refusal");
      if (old) old.remove();
      cell.appendChild(p);
      kept[row.id] = p.outerHTML;
    } else {
      var result = document.getElementById("pv-result");
      if (!result) return;
      result.innerHTML = "";
      result.appendChild(p);
    }
    if (window.unitboardSayRefusal) window.unitboardSayRefusal(p);
  });

  /* Co-signing again is the answer to what was refused before. */
  document.addEventListener("htmx:beforeRequest", function (e) {
    var row = e.detail.elt && e.detail.elt.closest ? e.detail.elt.closest("tr[data-order]") : null;
    if (row) {
      delete kept[row.id];
      var old = row.querySelector(".refusal");
      if (old) old.remove();
    }
  });

  document.addEventListener("click", function (e) {
    var dismiss = e.target.closest && e.target.closest("[data-dismiss]");
    if (!dismiss) return;
    var p = dismiss.closest("p");
    var row = p && p.closest("tr[data-order]");
    if (row) delete kept[row.id];
    if (p) p.remove();
    if (!document.activeElement || document.activeElement === document.body) {
      var heading = document.getElementById("pv-queue-title"); // where the person reads on
      if (heading) heading.focus({ preventScroll: true });
    }
  });

  // -- pushes: keep focus and ticks ----------------------------------------------------------

  function remember(part) {
    var active = document.activeElement;
    if (part && active && active.id && part.contains(active)) focusedId = active.id;
  }

  function refocus() {
    if (!focusedId) return;
    var id = focusedId;
    focusedId = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    var el = document.getElementById(id) || document.getElementById("pv-queue-title");
    if (el) el.focus({ preventScroll: true });
  }

  function changed() { sync(); restore(); announce(); when(); refocus(); }

  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (e.detail.shouldSwap !== false) remember(e.detail.target);
  });
  document.addEventListener("unitboard:beforeApply", function (e) { remember(e.target); });
  document.addEventListener("htmx:wsAfterMessage", changed);
  document.addEventListener("unitboard:applied", changed);

  /* The answer to a co-sign: a bulk co-sign spends the selection (one row's keeps the other
   * ticks); focus on what it says (never on the next row's button, where a second press
   * would sign another order). */
  document.addEventListener("htmx:afterSwap", function (e) {
    var asked = e.detail.requestConfig;
    if (!asked) return;
    if (asked.elt && asked.elt.id === "pv-form") chosen = {};
    focusedId = null;
    changed();
    var result = document.getElementById("pv-result");
    if (!result || !result.children.length) return;
    var done = result.querySelector("[data-done]");
    if (done && window.unitboardSay) {
      window.unitboardSay(done.textContent.replace(/Dismiss\s*$/, "").replace(/\s+/g, " ").trim());
    }
    result.focus({ preventScroll: false });
  });
  document.addEventListener("htmx:afterRequest", function () { setTimeout(sync, 0); });

  document.addEventListener("DOMContentLoaded", function () {
    changed();
    var result = document.getElementById("pv-result");
    if (result && result.children.length) result.focus();
  });
  setInterval(when, 30000);
})();
