// The printable checklist's Print button (an inline handler would break the page's CSP).
(function () {
  "use strict";
  var button = document.getElementById("print");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
