/* trainplan's service worker: Web Push only (no caching). A message says how a generation or a change of
   the plan ended; it is shown unless a window on that job's page is in view (the page says it there). */
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    var watching = windows.some(function (w) {
      return w.visibilityState === "visible" && data.job_page && new URL(w.url).pathname === data.job_page;
    });
    if (watching) { return undefined; }
    return self.registration.showNotification(data.title || "trainplan", {
      body: data.body || "", tag: data.tag || "trainplan", data: { url: data.url || "/" }
    });
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i += 1) {
      if ("focus" in windows[i]) { windows[i].navigate(url); return windows[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
