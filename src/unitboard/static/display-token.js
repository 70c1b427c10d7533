// A kiosk opens /display/UNIT#token=...: the token rides in the fragment, which browsers
// never send to a server nor write to its logs. Post it once, then forget it.
(function () {
  "use strict";
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  var form = document.getElementById("display-token-form");
  if (!match || !form) { return; }
  history.replaceState(null, "", window.location.pathname);
  form.elements.token.value = decodeURIComponent(match[1]);
  form.submit();
})();
