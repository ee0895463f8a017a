// Tasks inbox: shows new urgent tasks as they are raised (hub kind "notify", shop-wide socket).
// User text goes in with textContent only.
(function () {
  "use strict";
  if (!window.livedesk) return;
  var $ = livedesk.$, el = livedesk.el;
  var box = $("task-live");
  var list = $("task-live-list");
  if (!box || !list) return;
  livedesk.on("notify", function (n) {
    if (!n || n.kind !== "task") return;
    if (n.task_id && $("task-" + n.task_id) && list.querySelector('[data-task="' + n.task_id + '"]')) return;
    var li = el("li", "", n.title || "");
    li.setAttribute("data-task", n.task_id || "");
    list.insertBefore(li, list.firstChild);
    box.hidden = false;
  });
  livedesk.connect();
})();
