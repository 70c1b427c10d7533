/* The desk screens (house view, accounts) and the unit switcher of every header: menus
 * that close with Esc or a click elsewhere, focus where the answer to a form is, and times
 * in the desk's own time zone. No inline scripts (the Content-Security-Policy forbids them). */
(function () {
  "use strict";
  if (window.unitboardDesk) return;
  window.unitboardDesk = true;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localDates(root) {
    (root || document).querySelectorAll("time.local-datetime").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
        " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
      el.title = el.getAttribute("datetime");
    });
  }

  function focusAnswer(root) {
    var target = (root || document).querySelector("[data-autofocus]");
    if (!target) return;
    target.focus();
    if (target.hasAttribute("data-select-all") && target.select) target.select();
  }

  function closeMenus(except) {
    document.querySelectorAll("details.unit-switch[open]").forEach(function (d) {
      if (d !== except) d.open = false;
    });
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = e.target.closest && e.target.closest("details[open].unit-switch, details[open].admin-more");
    if (!open) return;
    open.open = false;
    var summary = open.querySelector("summary");
    if (summary) summary.focus();
  });
  document.addEventListener("click", function (e) {
    closeMenus(e.target.closest ? e.target.closest("details.unit-switch") : null);
  });
  document.addEventListener("focusin", function (e) {
    closeMenus(e.target.closest ? e.target.closest("details.unit-switch") : null);
  });
  document.addEventListener("focus", function (e) {
    if (e.target.hasAttribute && e.target.hasAttribute("data-select-all")) e.target.select();
  }, true);
  // An answer replaces the admin screen's main part (outerHTML: the old node is gone).
  document.addEventListener("htmx:afterSettle", function (e) {
    localDates(document);
    var path = e.detail && e.detail.pathInfo && e.detail.pathInfo.requestPath;
    if (path && path.indexOf("/admin/") === 0) focusAnswer(document.getElementById("admin-main"));
  });
  document.addEventListener("DOMContentLoaded", function () { localDates(document); });
})();
