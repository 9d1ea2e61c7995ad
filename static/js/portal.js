/* Behaviour shared by every page. Scripts come only from files like this one: the
   Content-Security-Policy refuses inline scripts and onclick="" attributes. */
(function () {
  "use strict";
  // A button marked data-print prints the page (receipts, invoices, dossiers).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });
})();
