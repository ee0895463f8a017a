// Tasks inbox: shows new urgent tasks as they are raised (hub kind "notify", shop-wide socket).
// User text goes in with textContent only.
(function () {
  "use strict";
  var box = document.getElementById("task-live");
  var list = document.getElementById("task-live-list");
  if (!box || !list || !window.livedesk) return;
  livedesk.on("notify", function (n) {
    if (!n || n.kind !== "task") return;
    if (n.task_id && document.getElementById("task-" + n.task_id) && list.querySelector('[data-task="' + n.task_id + '"]')) return;
    var li = document.createElement("li");
    li.setAttribute("data-task", n.task_id || "");
    li.textContent = n.title || "";
    list.insertBefore(li, list.firstChild);
    box.hidden = false;
  });
  livedesk.connect();
})();
