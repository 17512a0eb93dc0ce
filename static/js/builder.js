/* Journey builder: drag-and-drop reordering of stages, and a confirmation before deletes.
   Progressive enhancement: without this script the up/down buttons and plain forms do the same work.
   The new order is posted to the same endpoint a form would use (stage_reorder), with the CSRF token of
   the hidden order form; the server answers JSON when asked for it. */
(function () {
  "use strict";

  function confirmDeletes() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  function announce(text, kind) {
    var main = document.getElementById("content");
    if (!main) { return; }
    var list = main.querySelector("ul.messages[data-builder]");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      list.setAttribute("role", "status");
      list.setAttribute("data-builder", "");
      main.insertBefore(list, main.firstChild);
    }
    list.textContent = "";
    var item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    list.appendChild(item);
  }

  function renumber(list) {
    list.querySelectorAll(":scope > li").forEach(function (item, index) {
      var number = item.querySelector(".builder-stage-head h3 .muted");
      if (number) { number.textContent = (index + 1) + "."; }
      var buttons = item.querySelectorAll(".builder-stage-head form button[type=submit]");
      // The first two buttons are up and down: keep them disabled at the ends.
      if (buttons.length >= 2) {
        buttons[0].disabled = index === 0;
        buttons[1].disabled = index === list.children.length - 1;
      }
    });
  }

  function stageDragAndDrop() {
    var list = document.getElementById("stages");
    var orderForm = document.getElementById("stage-order-form");
    if (!list || !orderForm || !window.fetch) { return; }
    var hint = document.querySelector(".builder-drag-hint");
    if (hint) { hint.hidden = false; }
    var dragged = null;
    var before = null;
    // The page gives these messages in the reader's language (data-msg-* on the list).
    function text(name, fallback) { return list.getAttribute("data-msg-" + name) || fallback; }

    list.querySelectorAll(":scope > li").forEach(function (item) {
      var handle = item.querySelector(".builder-handle");
      if (handle) { handle.hidden = false; }
      item.setAttribute("draggable", "true");

      item.addEventListener("dragstart", function (event) {
        dragged = item;
        before = Array.prototype.map.call(list.children, function (li) { return li.dataset.stageId; });
        item.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.stageId);
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("is-dragging");
        list.querySelectorAll(".is-drop-target").forEach(function (li) { li.classList.remove("is-drop-target"); });
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item) { return; }
        event.preventDefault();
        item.classList.add("is-drop-target");
      });
      item.addEventListener("dragleave", function () { item.classList.remove("is-drop-target"); });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
        item.classList.remove("is-drop-target");
        if (!dragged || dragged === item) { return; }
        var rect = item.getBoundingClientRect();
        var after = event.clientY > rect.top + rect.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
        save();
      });
    });

    function save() {
      var order = Array.prototype.map.call(list.children, function (li) { return li.dataset.stageId; });
      if (before && order.join(",") === before.join(",")) { return; }
      var data = new FormData(orderForm);
      data.set("order", order.join(","));
      renumber(list);
      fetch(orderForm.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (result.ok) {
          announce(result.body.message || text("saved", "Saved."), "success");
        } else {
          announce(result.body.error || text("failed", "The new order was not saved."), "error");
          restore();
        }
      }).catch(function () {
        announce(text("offline", "The new order was not saved: the server could not be reached."), "error");
        restore();
      });
    }

    function restore() {
      if (!before) { return; }
      before.forEach(function (id) {
        var li = list.querySelector(':scope > li[data-stage-id="' + id + '"]');
        if (li) { list.appendChild(li); }
      });
      renumber(list);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    confirmDeletes();
    stageDragAndDrop();
  });
})();
