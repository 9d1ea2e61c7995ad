/* Live dues quotes: the calculator form works without this script (it posts); with it, the
   result updates as the visitor types, from GET /api/dues/quote. */
(function () {
  "use strict";
  var form = document.querySelector("[data-dues-calculator]");
  var result = document.querySelector("[data-dues-result]");
  if (!form || !result || !window.fetch) return;
  var url = form.getAttribute("data-quote-url");
  var fields = ["category", "position", "salary", "population", "budget"];
  var timer = null;
  var latest = 0;

  function cents(amount) {
    var sign = amount < 0 ? "\u2212" : "";
    var abs = Math.abs(amount);
    var whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var frac = (abs % 100).toString().padStart(2, "0");
    return sign + "$" + whole + "." + frac;
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function showQuote(data) {
    var total = el("p", undefined, "quote-total");
    total.appendChild(el("span", "Annual dues", "muted"));
    total.appendChild(document.createTextNode(" "));
    var strong = el("strong", cents(data.total_cents));
    strong.setAttribute("data-quote-total", "");
    total.appendChild(strong);
    var table = el("table", undefined, "quote-lines");
    var body = el("tbody");
    data.lines.forEach(function (line) {
      var row = el("tr");
      row.appendChild(el("td", line.label));
      row.appendChild(el("td", cents(line.amount_cents), "num"));
      body.appendChild(row);
    });
    table.appendChild(body);
    var foot = el("tfoot");
    var footRow = el("tr");
    footRow.appendChild(el("th", "Total"));
    var footCell = el("td", undefined, "num");
    footCell.appendChild(el("strong", cents(data.total_cents)));
    footRow.appendChild(footCell);
    foot.appendChild(footRow);
    table.appendChild(foot);
    var note = el("p", "From the dues schedule \u201c" + data.schedule.name + "\u201d.", "muted small");
    result.replaceChildren(total, table, note);
  }

  function showErrors(errors) {
    var list = el("ul", undefined, "errorlist");
    Object.keys(errors).forEach(function (field) {
      errors[field].forEach(function (message) { list.appendChild(el("li", message)); });
    });
    result.replaceChildren(el("p", "We cannot quote these facts yet:", "muted"), list);
  }

  function update() {
    var params = new URLSearchParams();
    var category = form.elements.category.value;
    var position = form.elements.position.value;
    if (!category || !position) return;
    fields.forEach(function (name) {
      var input = form.elements[name];
      if (input && input.value.trim() !== "") params.set(name, input.value.trim());
    });
    var ticket = ++latest;
    fetch(url + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (ticket !== latest) return;  // an older answer arriving late
        if (data.errors) showErrors(data.errors); else showQuote(data);
      })
      .catch(function () { /* the form post still works */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  form.addEventListener("change", update);
})();
