// Review desk keys (a approve, r reject, j/k next/previous) and the 100 % zoom that follows a tap.
// Plain script, no build step; the page works without it (buttons and links do the same).
(function () {
  "use strict";
  function typing(event) {
    var el = event.target;
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) { window.location.href = link.href; }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var form;
    if (event.key === "a" && (form = document.getElementById("approve-form"))) {
      event.preventDefault();
      form.submit();
    } else if (event.key === "r" && document.getElementById("reason")) {
      event.preventDefault();  // the reason first; Enter then rejects
      document.getElementById("reason").focus();
    } else if (event.key === "j") {
      follow("next");
    } else if (event.key === "k") {
      follow("prev");
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var map = document.getElementById("print-map");
    var zoom = document.getElementById("zoom");
    if (!map || !zoom) { return; }
    map.addEventListener("click", function (event) {
      var box = map.getBoundingClientRect();
      var x = ((event.clientX - box.left) / box.width).toFixed(2);
      var y = ((event.clientY - box.top) / box.height).toFixed(2);
      zoom.src = zoom.dataset.base + "?x=" + x + "&y=" + y;
    });
  });
})();
