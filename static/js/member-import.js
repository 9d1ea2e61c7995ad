// The member import page: while an import runs, poll its progress and reload when it ends.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".import-progress");
    if (!box || box.getAttribute("data-busy") !== "1") return;
    var bar = box.querySelector("progress");
    var text = box.querySelector(".import-progress-text");
    var url = box.getAttribute("data-progress-url");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          bar.value = data.percent;
          bar.textContent = data.percent + " %";
          text.textContent = data.rows_done + " / " + data.rows_total;
          if (data.state === "queued" || data.state === "running") {
            window.setTimeout(poll, 1500);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
