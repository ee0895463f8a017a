// Copy buttons of the empty states: <button data-copy="ID"> copies the text of element ID.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var src = document.getElementById(btn.getAttribute("data-copy"));
      if (!src || !navigator.clipboard) return;
      var label = btn.textContent;
      navigator.clipboard.writeText(src.textContent).then(function () {
        btn.textContent = "✓";
        setTimeout(function () { btn.textContent = label; }, 1500);
      }, function () { /* no clipboard permission: the text stays selectable */ });
    });
  });
})();
