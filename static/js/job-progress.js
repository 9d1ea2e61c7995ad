// Follow a background job (a member export, a dues impact preview): poll its progress, move
// the bar and the figures, and load the page again once the job has finished, to show the
// download or the result. Without JavaScript the page refreshes itself (noscript meta).
(function () {
  "use strict";
  var section = document.getElementById("job-progress");
  if (!section || section.dataset.finished === "1") { return; }
  var url = section.dataset.progressUrl;
  var bar = document.getElementById("job-bar");
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
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 1000);
})();
