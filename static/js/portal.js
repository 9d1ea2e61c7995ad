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

  // A table wider than its card scrolls inside it. Such a box gets a visible "Scroll →" cue
  // (CSS, .is-scrollable), a name, and a place in the tab order so a keyboard can scroll it.
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var section = box.closest("section, .card");
    var heading = section && section.querySelector("h2, h3");
    if (heading) return heading.textContent.trim();
    var title = document.querySelector("main h1");
    return title ? title.textContent.trim() : "";
  }
  // On a phone, a wide table whose rows hold actions (Receipt, Pay, Resend…) becomes one block
  // per row, each cell labelled by its column heading, so no action sits off to the side.
  var phone = window.matchMedia("(max-width: 48rem)");
  function labelCells(table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) return false;
    var rows = table.querySelectorAll("tbody tr");
    for (var r = 0; r < rows.length; r++) {
      var cells = rows[r].children;
      for (var c = 0; c < cells.length && c < heads.length; c++) {
        var label = heads[c].textContent.trim();
        if (label && !cells[c].hasAttribute("data-label")) cells[c].setAttribute("data-label", label);
      }
    }
    return true;
  }
  function stackWideTables() {
    var boxes = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var table = boxes[i].querySelector("table");
      if (!table || table.classList.contains("stack-on-phone") || table.classList.contains("history")) continue;
      if (!phone.matches) { table.classList.remove("is-stacked"); continue; }
      if (table.classList.contains("is-stacked")) continue;
      var wide = boxes[i].scrollWidth > boxes[i].clientWidth + 1;
      var actions = table.querySelector("tbody td a, tbody td button");
      if (wide && actions && labelCells(table)) table.classList.add("is-stacked");
    }
  }
  function markScrollable() {
    stackWideTables();
    var boxes = document.querySelectorAll(".table-wrap, .chart-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("is-scrollable", scrolls);
      if (scrolls) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) {
          box.setAttribute("aria-label", nameOf(box) + " (scrolls sideways)");
        }
        var atEnd = box.scrollLeft + box.clientWidth >= box.scrollWidth - 1;
        box.classList.toggle("is-scrolled-end", atEnd);
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    }
  }
  document.addEventListener("scroll", function (event) {
    var box = event.target;
    if (box.classList && box.classList.contains("is-scrollable")) {
      box.classList.toggle("is-scrolled-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
    }
  }, true);
  markScrollable();
  window.addEventListener("resize", markScrollable);
})();
