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
  function text(name) { return result.getAttribute("data-text-" + name) || ""; }

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

  function showQuote(data, params) {
    var total = el("p", undefined, "quote-total");
    total.appendChild(el("span", text("annual"), "muted"));
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
    footRow.appendChild(el("th", text("total")));
    var footCell = el("td", undefined, "num");
    footCell.appendChild(el("strong", cents(data.total_cents)));
    footRow.appendChild(footCell);
    foot.appendChild(footRow);
    table.appendChild(foot);
    var note = el("p", text("schedule") + " \u201c" + data.schedule.name + "\u201d.", "muted small");
    var join = el("p");
    var link = el("a", text("join"), "button");
    link.setAttribute("data-join-link", "");
    link.href = joinHref(params);
    join.appendChild(link);
    result.replaceChildren(total, table, note, join);
  }

  // Joining starts from the facts just quoted (a visitor signs up first and comes back).
  function joinHref(params) {
    var target = result.getAttribute("data-join-base") + "?" + params.toString();
    var signup = result.getAttribute("data-signup-base");
    return signup ? signup + "?next=" + encodeURIComponent(target) : target;
  }

  // A message the server wrote beside a field (after a post without JavaScript) goes once
  // the field is filled in, so it does not contradict what the visitor now sees.
  function clearFieldError(input) {
    if (!input || !input.value || input.value.trim() === "") return;
    var group = input.closest(".field");
    if (!group) return;
    group.classList.remove("field-invalid");
    group.querySelectorAll(".errorlist").forEach(function (list) { list.remove(); });
    input.removeAttribute("aria-invalid");
  }

  function showErrors(errors) {
    var list = el("ul", undefined, "errorlist");
    Object.keys(errors).forEach(function (field) {
      errors[field].forEach(function (message) { list.appendChild(el("li", message)); });
    });
    result.replaceChildren(el("p", text("refused"), "muted"), list);
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
        if (data.errors) showErrors(data.errors); else showQuote(data, params);
      })
      .catch(function () { /* the form post still works */ });
  }

  form.addEventListener("input", function (event) {
    clearFieldError(event.target);
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  form.addEventListener("change", function (event) {
    clearFieldError(event.target);
    update();
  });
})();
