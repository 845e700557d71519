// Small helps; every page works without them.
(function () {
  "use strict";

  function focusFirstAlert() {
    var target = document.getElementById("error-summary") || document.getElementById("duplicates");
    if (target) { target.focus(); }
  }

  // Whole table rows open the patient (the name inside is the real link, for keyboards).
  function clickableRows() {
    document.querySelectorAll("tr[data-href]").forEach(function (row) {
      row.addEventListener("click", function (event) {
        if (event.target.closest("a, button")) { return; }
        window.location.href = row.getAttribute("data-href");
      });
    });
  }

  // Live duplicate check: asks the server who looks like the person being typed in.
  var CHECKED = ["given_name", "family_name", "full_name", "date_of_birth", "phone", "phone_region", "email",
    "health_card_number", "health_card_province"];

  function liveDuplicates(form) {
    var url = form.getAttribute("data-duplicate-check");
    var box = document.getElementById("live-duplicates");
    if (!url || !box || document.getElementById("duplicates")) { return; }
    var timer = null, last = "";

    function query() {
      var params = new URLSearchParams();
      CHECKED.forEach(function (name) {
        var input = form.elements[name];
        if (input && input.value) { params.set(name, input.value); }
      });
      if (params.has("full_name")) {
        var words = params.get("full_name").trim().split(/\s+/);
        params.set("family_name", words.length > 1 ? words.pop() : "");
        params.set("given_name", words.join(" "));
      }
      if (form.getAttribute("data-exclude")) { params.set("exclude", form.getAttribute("data-exclude")); }
      return params.toString();
    }

    function show(matches) {
      box.textContent = "";
      if (!matches.length) { return; }
      var title = document.createElement("p");
      title.innerHTML = "<strong>Possibly already registered:</strong>";
      var list = document.createElement("ul");
      matches.forEach(function (m) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = m.url;
        link.textContent = m.name;
        item.appendChild(link);
        var number = m.patient_number ? "#" + m.patient_number : "lead";
        item.appendChild(document.createTextNode(
          " (" + (m.date_of_birth || "birth date unknown") + ", " + number + "): " + m.reasons.join(", ")));
        list.appendChild(item);
      });
      box.appendChild(title);
      box.appendChild(list);
    }

    function check() {
      var q = query();
      if (q === last) { return; }
      last = q;
      if (!q) { show([]); return; }
      fetch(url + "?" + q, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { matches: [] }; })
        .then(function (data) { show(data.matches || []); })
        .catch(function () { /* the server checks again on save */ });
    }

    form.addEventListener("change", function (event) {
      if (CHECKED.indexOf(event.target.name) === -1) { return; }
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstAlert();
    clickableRows();
    document.querySelectorAll("form[data-duplicate-check]").forEach(liveDuplicates);
  });
})();
