/* Keyboard shortcuts for agents, declared in the page itself:
 *   <a data-shortcut="n" data-shortcut-label="New ticket">        a key clicks a link or button,
 *   <form data-shortcut="r" data-shortcut-label="Reply">          or focuses the first field inside,
 *   <table data-shortcut-rows>  rows with an <a data-row-link>    j / k move, Enter or o opens.
 * "?" shows the list of the page's shortcuts. Keys typed into a field are left alone. */
(function () {
  "use strict";

  var FIELD = "input, textarea, select, [contenteditable='true']";
  var current = -1;

  function typing(target) {
    return target && target.closest && target.closest(FIELD);
  }

  function rows() {
    var table = document.querySelector("[data-shortcut-rows]");
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")).filter(function (row) {
      return row.querySelector("[data-row-link]");
    }) : [];
  }

  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("row-selected", i === current);
      if (i === current) { row.setAttribute("aria-selected", "true"); } else { row.removeAttribute("aria-selected"); }
    });
    all[current].scrollIntoView({ block: "nearest" });
    all[current].querySelector("[data-row-link]").focus({ preventScroll: true });
  }

  function activate(element) {
    if (element.matches("a, button, input[type='submit']")) {
      element.click();
      return;
    }
    var field = element.matches(FIELD) ? element : element.querySelector("textarea, input:not([type='hidden']), select");
    if (field) { field.focus(); }
  }

  function help() {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "shortcut-help";
      dialog.setAttribute("aria-labelledby", "shortcut-help-title");
      var title = document.createElement("h2");
      title.id = "shortcut-help-title";
      title.textContent = document.documentElement.dataset.shortcutTitle || "Keyboard shortcuts";
      var list = document.createElement("dl");
      list.className = "shortcut-list";
      var entries = [];
      document.querySelectorAll("[data-shortcut][data-shortcut-label]").forEach(function (el) {
        entries.push([el.dataset.shortcut, el.dataset.shortcutLabel]);
      });
      if (rows().length) {
        entries.push(["j / k", "Next / previous ticket"], ["Enter", "Open the selected ticket"]);
      }
      entries.push(["?", "Show this list"], ["Esc", "Close it"]);
      entries.forEach(function (pair) {
        var key = document.createElement("dt");
        var kbd = document.createElement("kbd");
        kbd.textContent = pair[0];
        key.appendChild(kbd);
        var what = document.createElement("dd");
        what.textContent = pair[1];
        list.appendChild(key);
        list.appendChild(what);
      });
      var close = document.createElement("button");
      close.type = "button";
      close.className = "btn secondary small";
      close.textContent = "Close";
      close.addEventListener("click", function () { dialog.close(); });
      dialog.appendChild(title);
      dialog.appendChild(list);
      dialog.appendChild(close);
      document.body.appendChild(dialog);
    }
    if (!dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    if (document.querySelector("dialog[open]")) { return; }
    var key = event.key;
    if (key === "?") { event.preventDefault(); help(); return; }
    if (key === "j" || key === "k") {
      if (!rows().length) { return; }
      event.preventDefault();
      select(current + (key === "j" ? 1 : -1));
      return;
    }
    if ((key === "Enter" || key === "o") && current >= 0) {
      var link = rows()[current].querySelector("[data-row-link]");
      if (link && key === "o") { event.preventDefault(); link.click(); }
      return;  // Enter on the focused link follows it by itself
    }
    var target = document.querySelector("[data-shortcut='" + (key === "/" ? "/" : key.toLowerCase()) + "']");
    if (target && key.length === 1) {
      event.preventDefault();
      activate(target);
    }
  });
}());
