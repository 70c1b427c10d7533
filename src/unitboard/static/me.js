/* The phone screen (/me): lights that turn overdue on time, a sound on a new page or a new
 * order once the person has tapped to allow it (browsers play nothing before a tap), refusals
 * that stay on their card through live pushes until dismissed (an order's row that is no
 * longer new stays only to carry its refusal), a tap that fails said on its card (never
 * only in the console), and the count of open pages and new orders in the tab's title. The offline banner,
 * the catch-up and the ages ticking are every screen's (static/unitboard.js). No inline
 * handlers: the CSP forbids them. */
(function () {
  "use strict";
  if (window.unitboardMe) return;
  window.unitboardMe = true;

  var SOUND_KEY = "unitboard.me.sound"; // "on" or "off": the person's choice, on this device
  var TITLE = "My pages — unitboard";
  var audio = null;   // the AudioContext, made on the first tap that wants sound
  var tones = 0;      // tones played (on the button, data-tones)
  var seen = null;    // "page id:re-sends" of every open page, "order:id" of every new order, shown so far; null before the first look
  var kept = {};      // card id -> a refusal shown on it, put back after each push
  var keptRows = {};  // an order's row no longer new (data-gone) -> the row, kept while its refusal is

  // -- lights overdue --------------------------------------------------------------------------

  var parse = window.unitboardTime.parse;

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".me-call[data-due]").forEach(function (el) {
      var due = parse(el.getAttribute("data-due"));
      el.classList.toggle("overdue", !isNaN(due) && now > due);
    });
  }

  // -- sound -----------------------------------------------------------------------------------

  function wanted() {
    try { return window.localStorage.getItem(SOUND_KEY) === "on"; } catch (e) { return false; }
  }

  function choose(on) {
    try { window.localStorage.setItem(SOUND_KEY, on ? "on" : "off"); } catch (e) { /* private mode */ }
  }

  function running() { return !!audio && audio.state === "running"; }

  function showSound() {
    var b = document.getElementById("me-sound");
    if (!b) return;
    var state = !wanted() ? "off" : running() ? "on" : "asleep";
    b.setAttribute("data-sound", state);
    b.setAttribute("data-tones", String(tones));
    b.textContent = state === "on" ? "Sound on — tap to mute"
      : state === "asleep" ? "Tap to turn sound back on" : "Tap to allow sound";
  }

  /* Wake the sound within a tap (the only moment a browser lets it start). */
  function wake(then) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { showSound(); return; }
    if (!audio) audio = new Context();
    var resumed = audio.state === "running" ? Promise.resolve() : audio.resume();
    resumed.then(function () { showSound(); if (then) then(); }, showSound);
  }

  function beep(at, frequency, length) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(at);
    osc.stop(at + length + 0.05);
  }

  /* Two notes for a page, four for a critical one. */
  function tone(urgent) {
    if (!wanted() || !running()) return;
    var start = audio.currentTime + 0.02;
    var notes = urgent ? [988, 740, 988, 740] : [880, 660];
    notes.forEach(function (frequency, i) { beep(start + i * 0.22, frequency, 0.18); });
    tones++;
    showSound();
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#me-sound");
    if (button) {
      if (wanted() && running()) { choose(false); showSound(); return; }
      choose(true);
      wake(function () { tone(false); }); // this is what a page sounds like
      return;
    }
    if (wanted() && !running()) wake(); // any tap wakes a sound chosen before a reload
  });

  // -- new pages and new orders ----------------------------------------------------------------

  function waitingCards() {
    var found = {};
    document.querySelectorAll("#me-pages .me-page[data-page]").forEach(function (card) {
      found[card.getAttribute("data-page") + ":" + card.getAttribute("data-sent")] = card;
    });
    document.querySelectorAll("#me-orders .me-order[data-order]:not([data-gone])").forEach(function (card) {
      found["order:" + card.getAttribute("data-order")] = card;
    });
    return found;
  }

  function count(id, attribute) {
    var section = document.getElementById(id);
    return section ? parseInt(section.getAttribute(attribute), 10) || 0 : 0;
  }

  /* A page or an order not shown before (or a page sent again): a tone, a buzz and a sentence
   * for a screen reader; four notes for a critical page or a STAT order. */
  function announce() {
    var now = waitingCards();
    var keys = Object.keys(now);
    if (seen !== null) {
      var fresh = keys.filter(function (key) { return !seen[key]; });
      if (fresh.length) {
        var urgent = fresh.some(function (key) {
          return /^(critical|stat)$/.test(now[key].getAttribute("data-priority"));
        });
        tone(urgent);
        if (navigator.vibrate) {
          try { navigator.vibrate(urgent ? [250, 120, 250, 120, 250] : [250, 120, 250]); } catch (e) { /* not allowed */ }
        }
        fresh.forEach(function (key) {
          if (window.unitboardSay) window.unitboardSay("New " + now[key].getAttribute("data-say"));
        });
      }
    }
    seen = seen || {};
    keys.forEach(function (key) { seen[key] = true; });
    var waiting = count("me-pages", "data-open") + count("me-orders", "data-new");
    document.title = (waiting ? "(" + waiting + ") " : "") + TITLE;
  }

  // -- refusals, in place and kept -------------------------------------------------------------

  /* The card (or, for a refusal about a card no longer shown, the list) it is on. */
  function holderOf(p) { return p.closest("li[id]") || p.closest("section[id]"); }

  function keep(part) {
    if (!part || !part.querySelectorAll) return;
    part.querySelectorAll(".refusal").forEach(function (p) {
      var holder = holderOf(p);
      if (!holder) return;
      kept[holder.id] = p.outerHTML;
      if (holder.matches("li[data-gone]")) keptRows[holder.id] = holder.outerHTML;
    });
  }

  /* An order's row no longer new, put back at the top of the orders (pushes leave it out). */
  function putBack(id) {
    var section = document.getElementById("me-orders");
    if (!section || !keptRows[id]) return null;
    var list = section.querySelector(".me-list");
    if (!list) {
      list = document.createElement("ol");
      list.className = "me-list";
      var empty = section.querySelector(".me-empty");
      if (empty) empty.replaceWith(list); else section.appendChild(list);
    }
    list.insertAdjacentHTML("afterbegin", keptRows[id]);
    return document.getElementById(id);
  }

  function restore() {
    Object.keys(kept).forEach(function (id) {
      var holder = document.getElementById(id) || putBack(id);
      if (!holder) { delete kept[id]; delete keptRows[id]; return; } // what it was about is gone
      if (holder.querySelector(holder.tagName === "LI" ? ".refusal" : ":scope > .refusal")) return;
      var action = holder.querySelector(".me-ack, .me-clear");
      var heading = holder.querySelector(":scope > h2");
      if (holder.tagName !== "LI" && heading) heading.insertAdjacentHTML("afterend", kept[id]);
      else if (action) action.insertAdjacentHTML("beforebegin", kept[id]);
      else holder.insertAdjacentHTML("beforeend", kept[id]);
      holder.querySelectorAll(".refusal").forEach(function (p) { p.unitboardSaid = true; }); // said once
    });
  }

  function refusalOn(card, message) {
    var old = card.querySelector(".refusal");
    if (old) old.remove();
    var p = window.unitboardRefusal(message, "me-dismiss");
    var action = card.querySelector(".me-ack, .me-clear");
    if (action) card.insertBefore(p, action); else card.appendChild(p);
    kept[card.id] = p.outerHTML;
    if (window.unitboardSayRefusal) window.unitboardSayRefusal(p);
  }

  function cardOf(elt) {
    return elt && elt.closest ? elt.closest("li[id]") : null;
  }

  window.unitboardOnFailure(function (elt, message) {
    var card = cardOf(elt);
    if (card) refusalOn(card, message);
  });
  /* Tapping again is the answer to a refusal: it goes, and the reply says what now. */
  document.addEventListener("htmx:beforeRequest", function (e) {
    var card = cardOf(e.detail.elt);
    if (!card) return;
    delete kept[card.id];
    var old = card.querySelector(".refusal");
    if (old) old.remove();
  });
  document.addEventListener("click", function (e) {
    var dismiss = e.target.closest && e.target.closest("[data-dismiss]");
    if (!dismiss) return;
    var p = dismiss.closest(".refusal");
    var holder = p && holderOf(p);
    if (holder) delete kept[holder.id];
    if (p) p.remove();
    if (holder && holder.matches("li[data-gone]")) { // it was there for its refusal only
      delete keptRows[holder.id];
      var section = holder.closest("section");
      var list = holder.parentElement;
      holder.remove();
      if (list && !list.children.length) {
        var empty = document.createElement("p");
        empty.className = "me-empty";
        empty.textContent = "No new orders.";
        list.replaceWith(empty);
      }
      var heading = section && section.querySelector("h2");
      if (heading) heading.focus({ preventScroll: true });
    }
  });

  // -- after every change ----------------------------------------------------------------------

  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (e.detail.shouldSwap && e.detail.target) keep(e.detail.target);
  });
  document.addEventListener("htmx:beforeSwap", function (e) { keep(e.detail.target); });
  document.addEventListener("unitboard:beforeApply", function (e) { keep(e.target); });

  /* The Done list stays as the person left it (open or closed) through pushes, and opens
   * when a refusal is kept on one of its rows. */
  var doneOpen = null;
  document.addEventListener("click", function (e) {
    var summary = e.target.closest && e.target.closest(".me-done > summary");
    if (!summary) return;
    var done = summary.parentElement;
    setTimeout(function () { doneOpen = done.open; }, 0);
  });
  function keepDone() {
    var done = document.querySelector(".me-done");
    if (!done) return;
    if (done.querySelector(".refusal")) done.open = true;
    else if (doneOpen !== null) done.open = doneOpen;
  }

  function changed() { restore(); keepDone(); announce(); tick(); }
  document.addEventListener("htmx:wsAfterMessage", changed);
  document.addEventListener("unitboard:applied", changed);
  document.addEventListener("htmx:afterSwap", function (e) {
    changed();
    var part = e.target;
    if (!e.detail.requestConfig || !part || !/^me-(pages|orders|calls)$/.test(part.id)) return;
    // the answer to a tap: focus on its refusal, else back on the list's heading (never on
    // the next card's button, where a second tap would act on another page)
    var target = part.querySelector(".refusal [data-dismiss]") || part.querySelector("h2");
    if (target) target.focus({ preventScroll: true });
  });

  document.addEventListener("DOMContentLoaded", function () {
    showSound();
    announce();
    tick();
  });
  setInterval(tick, 1000);
})();
