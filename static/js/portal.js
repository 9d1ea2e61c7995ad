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
  function markScrollable() {
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
