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
  var CHECKED = ["given_name", "family_name", "full_name", "date_of_birth_day", "date_of_birth_month",
    "date_of_birth_year", "phone", "phone_region", "email", "health_card_number", "health_card_province"];

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
      var strong = document.createElement("strong");
      strong.textContent = box.getAttribute("data-title") || "Possibly already registered:";
      title.appendChild(strong);
      var list = document.createElement("ul");
      matches.forEach(function (m) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = m.url;
        link.textContent = m.name;
        item.appendChild(link);
        var number = m.patient_number ? "#" + m.patient_number : (box.getAttribute("data-lead") || "lead");
        var born = m.date_of_birth_shown || box.getAttribute("data-unknown-birth") || "birth date unknown";
        item.appendChild(document.createTextNode(" (" + born + ", " + number + "): " + m.reasons.join(", ")));
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

  // "Show" on a masked health card number: one POST (the server logs each reveal), no page reload.
  function revealNumber(url, csrfToken, show) {
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken }
    })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { show(data.number); })
      .catch(function () { /* the button still works as a plain form */ });
  }

  function csrfOf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function revealControls() {
    // The patient page: a small form whose answer replaces the masked number's text.
    document.querySelectorAll("form[data-reveal-text]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        revealNumber(form.action, csrfOf(form), function (number) {
          var target = document.getElementById(form.getAttribute("data-reveal-text"));
          if (target) { target.textContent = number; target.removeAttribute("aria-label"); }
          form.remove();
        });
      });
    });
    // A form's input (edit page, admin change page): the number goes into the input.
    document.querySelectorAll("button[data-reveal-url]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        revealNumber(button.getAttribute("data-reveal-url"), csrfOf(button.form), function (number) {
          var input = document.getElementById(button.getAttribute("data-reveal-input"));
          if (input) { input.value = number; input.focus(); }
          button.disabled = true;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstAlert();
    revealControls();
    clickableRows();
    document.querySelectorAll("form[data-duplicate-check]").forEach(liveDuplicates);
  });
})();
