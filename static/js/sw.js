/* trainplan's service worker: Web Push only (no caching). A message says how a generation or a change of
   the plan ended; it is shown unless a window on that job's page is in view (the page says it there). */
"use strict";

self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

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
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    var open = windows.filter(function (w) { return new URL(w.url).pathname === url; })[0];
    if (open) { return open.focus(); }
    var any = windows[0];  // a window this worker controls: take it to the plan
    if (any && "navigate" in any) {
      return any.navigate(url).then(function (w) { return w && w.focus(); }, function () { return self.clients.openWindow(url); });
    }
    return self.clients.openWindow(url);
  }));
});
