/* The wall display's call lights, kept right between pushes by the browser: the server pushes
 * a change (a light raised, answered, escalated, cleared), never a second. Each second a
 * light still unanswered past its answer target (data-due, from the policy in force) turns
 * overdue, and the header counts the overdue ones (the lights' ages tick from their raise
 * time in the ticker every screen shares, as a stopwatch: static/unitboard.js). A light that
 * appears after the page loaded is said in the polite live region ("Call light: 412-A,
 * bathroom"; no name), as the wall says a new patient waiting (static/unitboard.js). */
(function () {
  "use strict";
  if (window.unitboardWallCalls) return;
  window.unitboardWallCalls = true;

  var seen = null; // the call ids shown so far; null before the first look (said: nothing)

  var parse = window.unitboardTime.parse;

  function tick() {
    var now = Date.now();
    var overdue = 0;
    document.querySelectorAll(".call[data-due]").forEach(function (el) {
      var due = parse(el.getAttribute("data-due"));
      var late = !isNaN(due) && now >= due;
      el.classList.toggle("overdue", late);
      var word = el.querySelector(".call-overdue");
      if (word && word.textContent !== (late ? "Overdue" : "")) word.textContent = late ? "Overdue" : "";
      var tile = el.closest(".bed");
      if (late) overdue++;
      if (tile) tile.classList.toggle("light-overdue", !!tile.querySelector(".call.overdue"));
    });
    var stat = document.querySelector(".stat-calls");
    if (stat) {
      var count = stat.querySelector(".overdue-count");
      var shown = stat.querySelector(".calls-overdue");
      if (count && count.textContent !== String(overdue)) count.textContent = String(overdue);
      if (shown) shown.hidden = overdue === 0;
      stat.classList.toggle("has-overdue", overdue > 0);
    }
  }

  function sayNew() {
    var now = {};
    var fresh = [];
    document.querySelectorAll("#display-grid .call[data-call]").forEach(function (el) {
      var id = el.getAttribute("data-call");
      now[id] = true;
      if (seen !== null && !seen[id]) fresh.push(el.getAttribute("data-say"));
    });
    seen = now;
    if (fresh.length && window.unitboardSay) window.unitboardSay(fresh.join(". "));
  }

  document.addEventListener("htmx:wsAfterMessage", function () { tick(); sayNew(); });
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("DOMContentLoaded", function () { tick(); sayNew(); });
  setInterval(tick, 1000);
})();
