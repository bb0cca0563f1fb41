// prrt web: the only script besides htmx (CSP script-src 'self', no inline script).
// "Add row" buttons copy their <template>, numbering the new row's fields.
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.add-row");
  if (!button) { return; }
  var template = document.getElementById(button.dataset.template);
  var body = document.querySelector("#" + button.dataset.target + " tbody");
  if (!template || !body) { return; }
  var index = Number(body.dataset.next || body.querySelectorAll("tr").length);
  body.dataset.next = String(index + 1);
  var html = template.innerHTML.split("__i__").join(String(index));
  body.insertAdjacentHTML("beforeend", html);
  var first = body.lastElementChild && body.lastElementChild.querySelector("input, select");
  if (first) { first.focus(); }
  var form = button.closest("form");
  if (form && window.htmx) { window.htmx.trigger(form, "rows-changed"); }
});
