/* trainplan's own script: small and optional (every page works without it).
   - the progress stream: resume after the last event seen, close on the final event, notice a stall;
   - offline: say so, then resume the stream or retry the action that failed once the connection is back;
   - focus: move it to a result or an error that htmx swapped in;
   - times: written in UTC by the server, shown in the reader's own time zone. */
(function () {
  "use strict";

  var TERMINAL = ["done", "failed", "cancelled"];
  var EVENTS = ["queued", "stage", "week", "done", "failed", "cancelled", "timeout"];
  var lastEventId = {}; // by stream path: where a new EventSource should resume
  var pendingAction = null; // an htmx request that failed for want of a connection
  var stallTimer = null;

  function $(selector) { return document.querySelector(selector); }

  /* ---- the progress stream ------------------------------------------------------------------------ */

  function streamPath(url) { return url.split("?")[0]; }

  function resumeUrl(url) {
    var id = lastEventId[streamPath(url)];
    if (!id) { return url; }
    var u = new URL(url, window.location.href);
    u.searchParams.set("last_event_id", id);
    return u.pathname + u.search;
  }

  function isCurrentStream(url) {
    var elements = document.querySelectorAll("[sse-connect]");
    for (var i = 0; i < elements.length; i++) {
      if (elements[i].getAttribute("sse-connect") === url) { return true; }
    }
    return false;
  }

  function closedSource() {
    // For a reconnect scheduled by an element that has since been replaced: connect nothing.
    return { readyState: 2, close: function () {}, addEventListener: function () {}, removeEventListener: function () {} };
  }

  function createEventSource(url) {
    if (!isCurrentStream(url)) { return closedSource(); }
    var source = new EventSource(resumeUrl(url), { withCredentials: true });
    EVENTS.forEach(function (name) {
      source.addEventListener(name, function (event) {
        if (event.lastEventId) { lastEventId[streamPath(url)] = event.lastEventId; }
        if (TERMINAL.indexOf(name) >= 0) {
          source.close(); // every final event, not only sse-close's one: no reconnect, no replay
          stopStallTimer();
          notifyDone(name);
        } else {
          armStallTimer();
        }
      });
    });
    return source;
  }

  /* ---- "tell me when it's ready": a browser notification when the tab is in the background ------- */

  var NOTICES = { done: "Your training plan is ready.", failed: "Your plan could not be made. Open trainplan to try again.",
                  cancelled: "Your plan generation was cancelled." };

  function canNotify() { return "Notification" in window && window.isSecureContext !== false; }

  function offerNotifications() {
    var button = $("[data-notify]");
    if (button && canNotify() && Notification.permission === "default") { button.hidden = false; }
  }

  function notifyDone(name) {
    if (!canNotify() || Notification.permission !== "granted" || !document.hidden) { return; }
    var notice = new Notification("trainplan", { body: NOTICES[name] || NOTICES.done, tag: "trainplan-generation" });
    notice.onclick = function () { window.focus(); notice.close(); };
  }

  /* Web Push: the service worker tells this device when the job ends, even with the tab closed. */
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; } catch (e) { return ""; }
  }

  function subscribePush(key) {
    if (!key || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
    navigator.serviceWorker.register("/sw.js").then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      });
    }).then(function (subscription) {
      return fetch("/push/subscriptions", {
        method: "POST", credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrftoken": csrfToken() },
        body: JSON.stringify(subscription)
      });
    }).catch(function () { /* no push service here: the in-tab notification stays */ });
  }

  /* ---- "taking longer than usual" ----------------------------------------------------------------- */

  function progressSection() { return $("[data-stall-seconds]"); }

  function stopStallTimer() {
    window.clearTimeout(stallTimer);
    stallTimer = null;
    var notice = $("#stall-notice");
    if (notice) { notice.hidden = true; }
  }

  function armStallTimer() {
    var section = progressSection();
    stopStallTimer();
    if (!section) { return; }
    var seconds = Number(section.getAttribute("data-stall-seconds")) || 20;
    stallTimer = window.setTimeout(function () {
      var notice = $("#stall-notice");
      if (notice && progressSection()) { notice.hidden = false; }
    }, seconds * 1000);
  }

  /* ---- offline ---------------------------------------------------------------------------------------- */

  function banner() { return $("#connection-banner"); }

  function showBanner(text) {
    var el = banner();
    if (!el) { return; }
    var span = el.querySelector("[data-offline-text]");
    if (span && text) { span.textContent = text; }
    el.hidden = false;
  }

  function hideBanner() {
    var el = banner();
    if (el) { el.hidden = true; }
  }

  function resume() {
    hideBanner();
    var action = pendingAction;
    pendingAction = null;
    if (action && document.body.contains(action)) {
      if (action.tagName === "FORM") { htmx.trigger(action, "submit"); } else { htmx.trigger(action, "change"); }
      return;
    }
    var section = $("#progress[data-progress-url]");
    if (section && section.querySelector("[sse-connect]")) {
      // Re-read where the job stands from the server; the new stream carries on after its last event.
      htmx.ajax("GET", section.getAttribute("data-progress-url"), { target: "#progress", swap: "outerHTML" });
    }
  }

  window.addEventListener("offline", function () { showBanner(); });
  window.addEventListener("online", resume);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    if (!target) { return; }
    if (target.closest("[data-retry-now]")) { resume(); }
    var notify = target.closest("[data-notify]");
    if (notify && canNotify()) {
      Notification.requestPermission().then(function (answer) {
        notify.hidden = true;
        if (answer === "granted") {
          notify.parentElement.textContent = "We'll tell you when it's ready.";
          subscribePush(notify.getAttribute("data-push-key"));
        }
      });
    }
    if (target.closest("[data-keep-waiting]")) {
      armStallTimer();
      var title = $("#progress-title");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus(); }
    }
  });

  /* ---- htmx hooks -------------------------------------------------------------------------------------- */

  /* A log tap shows its answer at once (optimistic); if the server does not take it, the session is
     put back as it was and the page says so. */
  var LOG_WORDS = { done: "Done", skipped: "Skipped", undo: "Not done yet" };

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches(".log-actions")) { return; }
    var block = form.closest(".log");
    var submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
      event.detail.requestConfig.triggeringEvent.submitter;
    var status = block && block.querySelector(".log-status");
    if (!status || !submitter) { return; }
    block.setAttribute("data-before", status.innerHTML);
    status.innerHTML = "<strong>" + (LOG_WORDS[submitter.value] || "Saving") + "</strong> · saving…";
  });

  function rollBackLog(event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches(".log-actions")) { return; }
    var block = form.closest(".log");
    var status = block && block.querySelector(".log-status");
    if (status && block.hasAttribute("data-before")) { status.innerHTML = block.getAttribute("data-before"); }
    var announce = $("#log-announce");
    if (announce) { announce.textContent = "Not saved: check your connection and tap again."; }
    if (status) { status.insertAdjacentHTML("beforeend", ' <span class="error-text">Not saved: tap again.</span>'); }
  }

  document.addEventListener("htmx:responseError", rollBackLog);
  document.addEventListener("htmx:sendError", rollBackLog);

  document.addEventListener("htmx:sendError", function (event) {
    pendingAction = event.detail.elt;
    showBanner(navigator.onLine
      ? "We could not reach trainplan. We'll try again when you press “Try now”."
      : "We'll send it again as soon as the connection is back.");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) { hideBanner(); }
  });

  document.addEventListener("htmx:sseError", function () {
    if (!navigator.onLine) { showBanner(); }
    if (progressSection()) { armStallTimer(); } // "no event for a while" counts from the page's arrival
  });

  document.addEventListener("htmx:sseOpen", function () { hideBanner(); });

  // A finished plan: after a short pause, go to it, unless the person is doing something on the page.
  var AUTO_GO_MS = 4000;
  function armAutoGo(panel) {
    var target = panel.getAttribute("data-auto-go");
    var note = panel.querySelector("[data-auto-go-note]");
    if (!target || panel.hasAttribute("data-auto-go-armed")) { return; }
    panel.setAttribute("data-auto-go-armed", "");
    if (note) { note.hidden = false; }
    var timer = window.setTimeout(function () { window.location.assign(target); }, AUTO_GO_MS);
    function stay() {
      window.clearTimeout(timer);
      if (note) { note.hidden = true; }
      ["keydown", "pointerdown", "wheel", "touchstart"].forEach(function (name) { document.removeEventListener(name, stay, true); });
    }
    ["keydown", "pointerdown", "wheel", "touchstart"].forEach(function (name) { document.addEventListener(name, stay, true); });
  }

  /* ---- times in the reader's own time zone (the server writes UTC) ------------------------------------ */

  var localFormat = window.Intl ? new Intl.DateTimeFormat(undefined, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  }) : null;

  function localTimes(root) {
    if (!localFormat) { return; }
    Array.prototype.forEach.call(root.querySelectorAll("time[data-local]"), function (t) {
      var at = new Date(t.getAttribute("datetime"));
      if (!isNaN(at.getTime())) { t.textContent = localFormat.format(at); t.removeAttribute("data-local"); }
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    if (!root || !root.querySelector) { return; }
    localTimes(root);
    fillTimeZone(root);
    var focus = root.matches("[data-focus]") ? root : root.querySelector("[data-focus]");
    if (focus) { focus.focus(); }
    var go = root.matches("[data-auto-go]") ? root : root.querySelector("[data-auto-go]");
    if (go) { armAutoGo(go); }
    if (root.id === "progress") { if (progressSection()) { armStallTimer(); } else { stopStallTimer(); } }
    offerNotifications();
  });

  /* ---- the reader's time zone, for the plan's "today" and its start date ---------------------------- */

  function fillTimeZone(root) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (!zone) { return; }
    Array.prototype.forEach.call(root.querySelectorAll("[data-time-zone]"), function (input) { input.value = zone; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fillTimeZone(document);
    localTimes(document);
    if (window.htmx) { htmx.createEventSource = createEventSource; }
    if (!navigator.onLine) { showBanner(); }
    if (progressSection()) { armStallTimer(); } // "no event for a while" counts from the page's arrival
    var go = $("[data-auto-go]");
    if (go) { armAutoGo(go); }
    offerNotifications();
  });

  // Printing shows every week: open the closed ones for the print, close them again after.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      openedForPrint.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });

  if (window.htmx) { htmx.createEventSource = createEventSource; }
})();
