// Follow long work on a staff page (a bulk send, a member export, a dues impact preview): the
// section with data-progress-url is polled for its JSON, its <progress> bar and every
// [data-field] figure are updated, and when the work has finished the page either loads
// again to show the download or the result (data-when-finished="reload", the default) or
// keeps its place ("stay"), its figures and state label as the JSON last gave them. Without
// JavaScript the page refreshes itself (noscript meta).
(function () {
  "use strict";
  var section = document.querySelector("[data-progress-url]");
  if (!section || section.dataset.finished === "1") { return; }
  var url = section.dataset.progressUrl;
  var bar = section.querySelector("progress");
  var reload = (section.dataset.whenFinished || "reload") === "reload";
  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    Object.keys(data).forEach(function (name) {
      var el = section.querySelector('[data-field="' + name + '"]');
      if (el) {
        var value = data[name];
        el.textContent = typeof value === "number" ? value.toLocaleString("en-US") : value;
      }
    });
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 10000); return; }
        show(data);
        if (!data.finished) { window.setTimeout(poll, 1500); } else if (reload) { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 1000);
})();
