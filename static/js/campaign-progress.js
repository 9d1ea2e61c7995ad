// Follow a bulk send: poll its progress and update the bar and the figures until it is done.
(function () {
  "use strict";
  var section = document.getElementById("campaign-progress");
  if (!section || section.dataset.finished === "1") { return; }
  var url = section.dataset.progressUrl;
  var bar = document.getElementById("campaign-bar");
  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    ["percent", "sent", "total", "failed"].forEach(function (name) {
      var el = section.querySelector('[data-field="' + name + '"]');
      if (el) { el.textContent = data[name]; }
    });
    if (data.finished) {
      var state = section.querySelector('[data-field="state_label"]');
      if (state) { state.textContent = section.dataset.finishedLabel || "Finished"; }
    }
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 10000); return; }
        show(data);
        if (!data.finished) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 1000);
})();
