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
  document.addEventListener("htmx:wsClose", function () { open = false; banner(true); });
  document.addEventListener("htmx:wsError", function () { open = false; banner(true); });
  document.addEventListener("htmx:wsAfterMessage", function () {
    lastMessage = Date.now();
    if (open) banner(false);
    remember();
    localTimes();
  });
  document.addEventListener("htmx:afterSwap", localTimes);

  setInterval(function () {
    var clock = document.getElementById("clock");
    if (clock) clock.textContent = hms(new Date()).slice(0, 5);
    if (Date.now() - lastMessage > STALE_MS) banner(true);
    localTimes();
  }, 1000);

  document.addEventListener("DOMContentLoaded", function () {
    remember();
    localTimes();
    var clock = document.getElementById("clock");
    if (clock) clock.textContent = hms(new Date()).slice(0, 5);
  });
})();
