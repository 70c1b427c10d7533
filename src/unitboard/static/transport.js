/* The transport screens (the transporter's tablet, /transport, and the dispatch view,
 * /dispatch): a refusal stays where the person tapped through live pushes until dismissed
 * or until the next tap (a card whose job left the list stays, greyed, at the top of its
 * part: the server sends it in [data-ghosts]); a tap that fails is said on its card, never
 * only in the console; a job newly offered to the transporter is said aloud. Ages and the
 * offer's time left tick in static/unitboard.js; the offline banner and the catch-up are
 * every screen's. No inline handlers: the CSP forbids them. */
(function () {
  "use strict";
  if (window.unitboardTransport) return;
  window.unitboardTransport = true;

  var kept = {};    // card id -> the refusal shown on it
  var ghosts = {};  // part id -> the cards (or refusals) of jobs it no longer lists
  var offers = null; // ids of the jobs offered to me so far; null before the first look

  function partOf(el) { return el.closest("section[id]"); }

  function keep(part) {
    if (!part || !part.querySelectorAll) return;
    var found = Array.prototype.slice.call(part.querySelectorAll(".refusal"));
    if (part.matches && part.matches(".refusal")) found.push(part);
    found.forEach(function (p) {
      var box = p.closest("[data-ghosts]");
      if (box) {
        var holder = partOf(box);
        if (holder) ghosts[holder.id] = box.innerHTML;
        return;
      }
      var card = p.closest("[data-card][id]");
      if (card) kept[card.id] = p.outerHTML;
    });
  }

  function restore() {
    Object.keys(ghosts).forEach(function (id) {
      var part = document.getElementById(id);
      var box = part && part.querySelector("[data-ghosts]");
      if (!box) { delete ghosts[id]; return; }
      if (!box.children.length) {
        box.innerHTML = ghosts[id];
        box.querySelectorAll(".refusal").forEach(function (p) { p.unitboardSaid = true; });
      }
    });
    Object.keys(kept).forEach(function (id) {
      var card = document.getElementById(id);
      if (!card) { delete kept[id]; return; } // what it was about is gone
      if (card.querySelector(".refusal")) return;
      var cell = card.tagName === "TR" && card.querySelector(".dsp-actions");
      var actions = card.querySelector(":scope > .tr-actions");
      if (cell) cell.insertAdjacentHTML("beforeend", kept[id]);
      else if (actions) actions.insertAdjacentHTML("beforebegin", kept[id]);
      else card.insertAdjacentHTML("beforeend", kept[id]);
      card.querySelectorAll(".refusal").forEach(function (p) { p.unitboardSaid = true; });
    });
  }

  /* A new tap: what was refused before is behind the person now. */
  function forgetAll() {
    kept = {};
    ghosts = {};
    document.querySelectorAll("[data-ghosts]").forEach(function (box) { box.innerHTML = ""; });
    document.querySelectorAll("[data-card] .refusal").forEach(function (p) { p.remove(); });
  }

  function refusalOn(card, message) {
    var old = card.querySelector(".refusal");
    if (old) old.remove();
    var p = window.unitboardRefusal(message, "tr-dismiss");
    var cell = card.tagName === "TR" && card.querySelector(".dsp-actions");
    var actions = card.querySelector(":scope > .tr-actions");
    if (cell) cell.appendChild(p);
    else if (actions) card.insertBefore(p, actions);
    else card.appendChild(p);
    if (card.id) kept[card.id] = p.outerHTML;
    if (window.unitboardSayRefusal) window.unitboardSayRefusal(p);
  }

  function cardOf(elt) {
    return elt && elt.closest ? elt.closest("[data-card]") : null;
  }

  window.unitboardOnFailure(function (elt, message) {
    var card = cardOf(elt);
    if (card) refusalOn(card, message);
  });
  document.addEventListener("htmx:beforeRequest", forgetAll);
  document.addEventListener("click", function (e) {
    var dismiss = e.target.closest && e.target.closest("[data-dismiss]");
    if (!dismiss) return;
    var p = dismiss.closest(".refusal");
    if (!p) return;
    var ghost = p.closest("[data-ghosts] > *");
    var box = p.closest("[data-ghosts]");
    var card = p.closest("[data-card][id]");
    if (ghost && ghost !== p) ghost.remove(); else p.remove();
    if (box) { var part = partOf(box); if (part) ghosts[part.id] = box.innerHTML; }
    else if (card) delete kept[card.id];
  });

  /* The dispatcher opens "Cancel…": the reason field, ready to type in. */
  document.addEventListener("toggle", function (e) {
    var details = e.target;
    if (details.matches && details.matches(".dsp-cancel") && details.open) {
      var field = details.querySelector("input[name=reason]");
      if (field) field.focus();
    }
  }, true);

  /* A job newly offered to me: said aloud, and a buzz where the tablet has one. */
  function announce() {
    var now = {};
    var fresh = [];
    document.querySelectorAll("[data-offer]").forEach(function (card) {
      var id = card.getAttribute("data-offer");
      now[id] = true;
      if (offers !== null && !offers[id]) fresh.push(card.getAttribute("data-say"));
    });
    offers = now;
    if (!fresh.length) return;
    if (window.unitboardSay) window.unitboardSay(fresh.join(" "));
    if (navigator.vibrate) {
      try { navigator.vibrate([200, 100, 200]); } catch (err) { /* not allowed */ }
    }
  }

  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (e.detail.shouldSwap && e.detail.target) keep(e.detail.target);
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (!e.detail.requestConfig) keep(e.detail.target); // an answer brings its own refusals
  });
  document.addEventListener("unitboard:beforeApply", function (e) { keep(e.target); });

  function changed() { restore(); announce(); }
  document.addEventListener("htmx:wsAfterMessage", changed);
  document.addEventListener("unitboard:applied", changed);
  document.addEventListener("htmx:afterSwap", function (e) {
    changed();
    if (!e.detail.requestConfig) return;
    // the answer to a tap: focus on its refusal, else on what the tap changed
    var part = e.target;
    var target = document.querySelector("[data-ghosts] [data-dismiss], [data-card] .refusal [data-dismiss]");
    if (!target && part && part.id === "tr-status") target = part.querySelector("[aria-pressed=true]");
    if (!target && part && part.id !== "tr-status") {
      target = document.querySelector("#tr-mine .tr-card-title") || (part.querySelector("h2") || null);
    }
    if (target) {
      if (target.tagName === "H2" && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
      if (target.closest("[data-ghosts], .refusal")) target.scrollIntoView({ block: "nearest" });
    }
  });
  document.addEventListener("DOMContentLoaded", announce);
})();
