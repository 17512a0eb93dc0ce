/* The import page follows its job while it runs: <section data-import-progress="URL" data-finished="0">
 * polls URL (JSON: processed_rows, total_rows, created, updated, unchanged, rejected, finished) and writes
 * the figures into the elements marked data-field="..." and the <progress> bar. When the job has
 * finished the page reloads once, to show the rejected rows and the report link. */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var section = document.querySelector("[data-import-progress]");
  if (!section || section.getAttribute("data-finished") === "1") { return; }

  var url = section.getAttribute("data-import-progress");
  var bar = section.querySelector("progress");
  var numbers = ["processed_rows", "total_rows", "created", "updated", "unchanged", "rejected"];

  function show(data) {
    numbers.forEach(function (name) {
      var element = section.querySelector("[data-field='" + name + "']");
      if (element && typeof data[name] === "number") {
        element.textContent = data[name].toLocaleString(document.documentElement.lang || undefined);
      }
    });
    if (bar) {
      bar.max = Math.max(data.total_rows, 1);
      bar.value = data.processed_rows;
      bar.textContent = data.percent + "%";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, INTERVAL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL_MS * 5);  // the server is busy or gone: ask again later
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
