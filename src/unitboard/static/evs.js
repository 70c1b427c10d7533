/* The EVS tablet: choosing a unit shows it at once (one tap, no "Show" button). */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var select = e.target;
    if (select && select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".evs-filter-show").forEach(function (b) { b.hidden = true; });
  });
})();
